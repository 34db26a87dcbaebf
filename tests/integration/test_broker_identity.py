"""A device cannot take over the aggregator's broker session, against the shipped config.

Once, any device could connect with the aggregator's client id (it is in central.yaml): the
aggregator was kicked and the events queued for its session went to the device or were lost.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from aggregator.registry import Device, Registry
from tests.integration.broker_clients import Session, eventually
from tests.integration.secure_broker import CENTRAL_USER, SecureBroker, start_secure_broker

pytestmark = pytest.mark.integration

AGGREGATOR_ID = "ambient-aggregator-1"
EVENTS = "ambient/v1/+/agents/+/events/+"


@pytest.fixture
def secure(tmp_path: Path) -> Iterator[SecureBroker]:
    registry = Registry(devices={"edge-1": Device(site="s1", unit="u1", rooms=["r1"])})
    broker = start_secure_broker(tmp_path, registry)
    yield broker
    broker.stop()
    log = broker.service.log_path.read_text()
    assert "Permission denied" not in log, log


def _aggregator_session(secure: SecureBroker) -> Session:
    return Session(
        secure.central_port,
        AGGREGATOR_ID,
        username=CENTRAL_USER,
        password=secure.passwords[CENTRAL_USER],
        tls=secure.tls(),
    )


def _device(secure: SecureBroker, client_id: str, port: int | None = None) -> Session:
    return Session(
        port or secure.device_port,
        client_id,
        username="edge-1",
        password=secure.passwords["edge-1"],
        tls=secure.tls(),
    )


def test_a_device_using_the_aggregators_client_id_neither_kicks_it_nor_gets_its_events(
    secure: SecureBroker,
) -> None:
    aggregator = _aggregator_session(secure).connect(EVENTS)
    aggregator.close()  # down: the broker queues its events
    device = _device(secure, AGGREGATOR_ID).connect(EVENTS)
    assert device.refused is None  # it may connect, as itself
    own = "ambient/v1/s1/agents/edge-1/events/occupancy"
    queued = [f"queued-{i}".encode() for i in range(20)]
    assert device.publish_all(own, queued) == 20

    aggregator = _aggregator_session(secure).connect()
    eventually(lambda: len(aggregator.messages()) >= 20, what="the 20 queued events")
    assert sorted(aggregator.messages()) == sorted(queued)
    assert device.publish_all(own, [b"live"]) == 1
    eventually(lambda: b"live" in aggregator.messages(), what="a live event")
    assert not aggregator.kicked.is_set(), "the device took over the aggregator's session"
    assert not device.kicked.is_set(), "the aggregator and the device must both stay connected"
    assert not set(queued) & set(device.messages()), "the device got the aggregator's events"
    aggregator.close()
    device.close()


def test_device_credentials_do_not_work_on_the_central_listener(secure: SecureBroker) -> None:
    thief = _device(secure, AGGREGATOR_ID, port=secure.central_port).connect()
    assert thief.refused is not None, "a device logged in on the central listener"
    thief.close()


def test_a_device_cannot_publish_under_another_site(secure: SecureBroker) -> None:
    """The ACL generated from the registry: edge-1 of site s1 speaks under s1 only."""
    aggregator = _aggregator_session(secure).connect(EVENTS)
    device = _device(secure, "edge-1").connect()
    device.publish_all("ambient/v1/s2/agents/edge-1/events/fall", [b"other site"])
    device.publish_all("ambient/v1/s1/agents/edge-1/events/fall", [b"own site"])
    eventually(lambda: b"own site" in aggregator.messages(), what="the event of its own site")
    # QoS 1 from one client arrives in order: had the first passed, it would be here already.
    assert aggregator.messages() == [b"own site"]
    aggregator.close()
    device.close()
