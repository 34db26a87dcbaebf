"""Provisioning as an installer does it, against the shipped broker config over TLS.

`ambient aggregator provision-device` registers a device at its place, prints its password
once and issues a client certificate from the project's CA; after a broker reload the device
connects over TLS and its events are stored, while an event for a room that is not its own is
dead-lettered by the aggregator (which also connects over TLS, on the central listener).
"""

import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import paho.mqtt.client as mqtt
import pytest
import redis

from aggregator import samples
from aggregator.registry import Registry
from aggregator.store import DEADLETTER_STREAM, Partition
from ambient.services import Service
from protocol import Phase, dump_event, event_topic
from tests.integration.aggregator_process import AggregatorProcess
from tests.integration.broker_clients import Session, eventually
from tests.integration.secure_broker import CENTRAL_USER, SecureBroker, start_secure_broker

pytestmark = pytest.mark.integration


@pytest.fixture
def site() -> str:
    return f"p{uuid.uuid4().hex[:10]}"


@pytest.fixture
def secure(tmp_path: Path) -> Iterator[SecureBroker]:
    broker = start_secure_broker(tmp_path / "b", Registry())
    yield broker
    broker.stop()


@pytest.fixture
def central_yaml(tmp_path: Path, secure: SecureBroker, redis_service: Service, site: str) -> Path:
    config = {
        "sites": [site],
        "registry": "devices.yaml",
        "mqtt": {
            "host": "127.0.0.1",
            "port": secure.central_port,
            "username": CENTRAL_USER,
            "client_id": f"agg-{site}",
            "tls_ca": str(secure.ca_cert),
        },
        "redis": {"url": f"{redis_service.url}/0"},
    }
    path = tmp_path / "central" / "central.yaml"
    path.parent.mkdir()
    path.write_text(json.dumps(config))
    return path


def _ambient(*args: str | Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "aggregator", *map(str, args)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def _provision(
    secure: SecureBroker, central_yaml: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return _ambient(
        "provision-device",
        "--config",
        central_yaml,
        "--passwd",
        secure.etc / "passwd",
        "--acl",
        secure.etc / "acl",
        *args,
    )


def _password(stdout: str) -> str:
    return stdout.partition("broker password (shown once, not stored): ")[2].split()[0]


def _connect_device(
    secure: SecureBroker, agent: str, password: str, tls: Callable[[mqtt.Client], None]
) -> Session:
    """Connect as ``agent`` once the reloaded broker knows it (a SIGHUP is asynchronous)."""

    def connected() -> Session | None:
        device = Session(
            secure.device_port, agent, username=agent, password=password, tls=tls
        ).connect()
        if device.refused is None:
            return device
        device.close()
        return None

    return eventually(connected, what=f"the reloaded broker to let {agent} in")


def test_a_provisioned_device_sends_over_tls_and_only_for_its_own_room(
    tmp_path: Path,
    secure: SecureBroker,
    central_yaml: Path,
    redis_service: Service,
    site: str,
) -> None:
    done = _provision(
        secure,
        central_yaml,
        *("--agent", "edge-r1", "--site", site, "--unit", "u1", "--room", "r1"),
        *("--ca", str(secure.ca_dir), "--cert-dir", str(tmp_path / "device")),
    )
    assert done.returncode == 0, done.stderr
    password = _password(done.stdout)
    assert password not in (secure.etc / "passwd").read_text()
    assert (tmp_path / "device" / "edge-r1.crt").is_file()
    assert secure.service.proc is not None
    secure.service.proc.send_signal(signal.SIGHUP)  # what `systemctl reload mosquitto` does

    aggregator = AggregatorProcess(
        tmp_path / "central",
        json.loads(central_yaml.read_text())
        | {"registry": str(central_yaml.parent / "devices.yaml")},
        env={"AMBIENT_MQTT_PASSWORD": secure.passwords[CENTRAL_USER]},
    ).start()
    try:
        device_cert = (
            str(tmp_path / "device" / "edge-r1.crt"),
            str(tmp_path / "device" / "edge-r1.key"),
        )

        def tls(client: mqtt.Client) -> None:
            client.tls_set(
                ca_certs=str(secure.ca_cert), certfile=device_cert[0], keyfile=device_cert[1]
            )

        device = _connect_device(secure, "edge-r1", password, tls)
        st = samples.stamper(site=site, unit="u1", room="r1", agent_id="edge-r1")
        own = samples.fall(st, Phase.START, uuid.uuid4(), time.time())
        other = samples.stamper(site=site, unit="u1", room="r9", agent_id="edge-r1")
        elsewhere = samples.fall(other, Phase.START, uuid.uuid4(), time.time())
        topic = event_topic(site, "edge-r1", "fall")
        assert device.publish_all(topic, [dump_event(elsewhere), dump_event(own)]) == 2
        device.close()

        store = redis.Redis(port=redis_service.port)
        key = Partition(site, "u1").events

        def stored() -> list[str]:
            entries = cast(list[tuple[bytes, dict[bytes, bytes]]], store.xrange(key))
            return [json.loads(f[b"payload"])["event_id"] for _, f in entries]

        assert eventually(stored, 30, "the device's own event") == [str(own.event_id)]

        def letters() -> list[str]:
            entries = cast(list[tuple[bytes, dict[bytes, bytes]]], store.xrange(DEADLETTER_STREAM))
            return [
                f[b"reason"].decode() for _, f in entries if f"/{site}/".encode() in f[b"topic"]
            ]

        assert eventually(letters, 10, "the dead letter") == ["place_mismatch"]

        # A device provisioned while the aggregator runs is let in without a restart.
        done = _provision(
            secure,
            central_yaml,
            *("--agent", "edge-r2", "--site", site, "--unit", "u1", "--room", "r2"),
        )
        assert done.returncode == 0, done.stderr
        secure.service.proc.send_signal(signal.SIGHUP)
        second = _connect_device(secure, "edge-r2", _password(done.stdout), secure.tls())
        st2 = samples.stamper(site=site, unit="u1", room="r2", agent_id="edge-r2")
        new = samples.fall(st2, Phase.START, uuid.uuid4(), time.time())
        assert second.publish_all(event_topic(site, "edge-r2", "fall"), [dump_event(new)]) == 1
        second.close()
        eventually(lambda: len(stored()) == 2, 30, "the new device's event")
        assert stored() == [str(own.event_id), str(new.event_id)]
        assert letters() == ["place_mismatch"]
        store.close()
    finally:
        aggregator.stop()


def test_a_device_id_that_names_a_central_connection_is_refused(
    secure: SecureBroker, central_yaml: Path, site: str
) -> None:
    for agent in (CENTRAL_USER, f"agg-{site}-presence-{site}"):
        done = _provision(
            secure, central_yaml, "--agent", agent, "--site", site, "--unit", "u1", "--room", "r1"
        )
        assert done.returncode == 2 and "refused" in done.stderr, done
    passwd = secure.etc / "passwd"
    users = [line.partition(":")[0] for line in passwd.read_text().splitlines()]
    assert CENTRAL_USER not in users and all(not u.startswith("agg-") for u in users)
