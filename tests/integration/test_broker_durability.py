"""Events the broker PUBACKed survive its restart and, once saved, its kill -9, with the
aggregator down; and the aggregator's retained state tells agents the truth afterwards.

Each test runs its own Mosquitto (as `ambient.services.mosquitto` configures it) and a real
aggregator against the session Redis, on its own site.
"""

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import paho.mqtt.client as mqtt
import pytest
import redis
from paho.mqtt.enums import CallbackAPIVersion

from aggregator import samples
from aggregator.store import Partition
from ambient.services import Service, mosquitto
from protocol import aggregator_state_topic, dump_event, event_topic
from tests.integration.aggregator_process import AggregatorProcess
from tests.integration.broker_clients import Publisher, eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def site() -> str:
    return f"d{uuid.uuid4().hex[:10]}"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Service]:
    service = mosquitto(tmp_path / "broker").start()
    yield service
    service.stop()


@pytest.fixture
def aggregator(
    tmp_path: Path, broker: Service, redis_service: Service, site: str
) -> Iterator[AggregatorProcess]:
    config = {
        "sites": [site],
        "mqtt": {"host": "127.0.0.1", "port": broker.port, "client_id": f"agg-{site}"},
        "redis": {"url": f"{redis_service.url}/0"},
    }
    agg = AggregatorProcess(tmp_path, config)
    yield agg
    agg.kill()


@pytest.fixture
def store(redis_service: Service) -> Iterator["redis.Redis"]:
    client = redis.Redis(port=redis_service.port)
    yield client
    client.close()


def _events(site: str, count: int) -> tuple[list[str], list[bytes]]:
    st = samples.stamper(site=site, unit=f"u{site}", agent_id="agent-1")
    t0 = time.time()
    events = [samples.occupancy(st, i % 3, t0 + i * 0.001) for i in range(count)]
    return [str(e.event_id) for e in events], [dump_event(e) for e in events]


def _publish(broker: Service, site: str, count: int) -> list[str]:
    ids, payloads = _events(site, count)
    pub = Publisher(broker.port)
    try:
        assert pub.publish_all(event_topic(site, "agent-1", "occupancy"), payloads) == count
    finally:
        pub.close()
    return ids


def _stored(store: "redis.Redis", site: str) -> list[str]:
    entries = cast(
        list[tuple[bytes, dict[bytes, bytes]]], store.xrange(Partition(site, f"u{site}").events)
    )
    return [json.loads(fields[b"payload"])["event_id"] for _, fields in entries]


def _wait_stored(store: "redis.Redis", site: str, count: int) -> list[str]:
    eventually(lambda: len(_stored(store, site)) >= count, 60, f"{count} stored events")
    return _stored(store, site)


def _saved_since_now(broker: Service) -> None:
    """Wait for two saves of the broker's database, so one started after this call."""
    db = broker.workdir / "mosquitto.db"

    def inode() -> int:
        try:
            return db.stat().st_ino
        except FileNotFoundError:
            return -1

    def changed(before: int) -> Callable[[], bool]:
        return lambda: inode() != before

    for _ in range(2):
        eventually(changed(inode()), 10, "the broker to save its database")


def _retained_state(broker: Service, site: str) -> str | None:
    """The aggregator state a connecting agent sees now (None: no retained message)."""
    got: list[bytes] = []
    subscribed = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_message = lambda _c, _u, msg: got.append(bytes(msg.payload))
    client.on_subscribe = lambda *_: subscribed.set()
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        client.subscribe(aggregator_state_topic(site), qos=1)
        assert subscribed.wait(10), "no SUBACK"
        # Retained messages are sent before the SUBACK's successors: one round trip more.
        client.publish(f"probe/{uuid.uuid4().hex}", b"", qos=1).wait_for_publish(10)
    finally:
        client.disconnect()
        client.loop_stop()
    state: Any = json.loads(got[-1])["state"] if got else None
    return str(state) if state is not None else None


def test_events_sent_while_the_aggregator_is_down_survive_a_clean_broker_restart(
    broker: Service, aggregator: AggregatorProcess, store: "redis.Redis", site: str
) -> None:
    aggregator.start()  # its persistent session and subscriptions
    assert aggregator.stop() == 0
    before = _publish(broker, site, 100)
    broker.stop()
    broker.start()
    assert _retained_state(broker, site) == "offline", "agents must keep holding events"
    after = _publish(broker, site, 100)  # an agent that did not hold: still not lost

    aggregator.start()
    stored = _wait_stored(store, site, 200)
    assert sorted(stored) == sorted(before + after)
    assert _retained_state(broker, site) == "online"


def test_a_broker_kill_9_loses_no_event_acknowledged_before_its_last_save(
    broker: Service, aggregator: AggregatorProcess, store: "redis.Redis", site: str
) -> None:
    aggregator.start()
    assert aggregator.stop() == 0
    sent = _publish(broker, site, 300)
    _saved_since_now(broker)
    broker.kill()
    broker.start()
    assert _retained_state(broker, site) == "offline", "agents must keep holding events"

    aggregator.start()
    stored = _wait_stored(store, site, 300)
    assert sorted(stored) == sorted(sent)
    print(f"broker kill -9, aggregator down: sent 300, stored {len(stored)}")


def test_after_a_broker_kill_9_the_running_aggregator_is_online_again_and_ingests(
    broker: Service, aggregator: AggregatorProcess, store: "redis.Redis", site: str
) -> None:
    aggregator.start()
    _saved_since_now(broker)
    broker.kill()
    broker.start()
    eventually(lambda: _retained_state(broker, site) == "online", 30, "the aggregator online")
    sent = _publish(broker, site, 50)
    assert sorted(_wait_stored(store, site, 50)) == sorted(sent)


def test_a_stale_online_after_a_kill_9_expires_and_loses_nothing(
    tmp_path: Path, redis_service: Service, store: "redis.Redis", site: str
) -> None:
    """The aggregator stops just before a broker kill -9, inside the autosave window: the
    broker comes back with the last saved state, ``online``, so agents send instead of
    holding. Those events wait in the aggregator's restored session and are all stored, and
    the stale ``online`` expires (three republish periods) so later agents hold."""
    broker = mosquitto(tmp_path / "slow-broker", autosave_s=5).start()
    config = {
        "sites": [site],
        "mqtt": {"host": "127.0.0.1", "port": broker.port, "client_id": f"agg-{site}"},
        "redis": {"url": f"{redis_service.url}/0"},
        "ingest": {"state_republish_s": 1},
    }
    aggregator = AggregatorProcess(tmp_path, config)
    try:
        aggregator.start()
        _saved_since_now(broker)  # the session, its subscription and `online`; 5 s to the next
        assert aggregator.stop() == 0  # `offline`, in memory only
        broker.kill()
        broker.start()
        stale = _retained_state(broker, site)
        sent = _publish(broker, site, 100)
        eventually(lambda: _retained_state(broker, site) is None, 15, "the stale online to expire")

        aggregator.start()
        stored = _wait_stored(store, site, 100)
        assert sorted(stored) == sorted(sent)
        assert _retained_state(broker, site) == "online"
        print(f"state after the kill: {stale}, then none; sent 100, stored {len(stored)}")
    finally:
        aggregator.kill()
        broker.stop()
