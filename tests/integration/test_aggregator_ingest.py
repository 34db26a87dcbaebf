"""The aggregator as a nurse's safety net sees it: every event once, bad input set aside,
nothing lost when the aggregator crashes or is down during a burst.

The aggregator runs as a real subprocess (`python -m aggregator run`) against the session
broker and Redis; each test uses its own site id so tests do not see each other's data.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import paho.mqtt.client as mqtt
import pytest
import redis
from paho.mqtt.enums import CallbackAPIVersion

from aggregator import samples
from aggregator.store import DEADLETTER_STREAM, Partition
from ambient.services import Service, free_port
from protocol import (
    AgentState,
    Phase,
    agent_status_topic,
    aggregator_state_topic,
    dump_event,
    event_topic,
)

pytestmark = pytest.mark.integration


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Aggregator:
    """`python -m aggregator run` in a subprocess, with its own config file."""

    def __init__(
        self,
        tmp: Path,
        broker: Service,
        redis_service: Service,
        site: str,
        ingest: str = "{agent_burst: 100000}",
    ) -> None:
        """``ingest``: the config section; by default no agent rate limit is reached, as
        these tests flood as one agent from a raw publisher to test durability."""
        self.port = free_port()
        self.config = tmp / "central.yaml"
        self.log = tmp / "aggregator.log"
        self.config.write_text(
            f"sites: [{site}]\n"
            f"mqtt: {{host: 127.0.0.1, port: {broker.port}, client_id: agg-{site}}}\n"
            f"redis: {{url: '{redis_service.url}/0'}}\n"
            f"web: {{host: 127.0.0.1, port: {self.port}}}\n"
            f"ingest: {ingest}\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Aggregator":
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "aggregator", "run", "--config", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=os.environ | {"PYTHONUNBUFFERED": "1"},
            )
        wait_for(self.healthy, 30, "aggregator /healthz")
        return self

    def healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"aggregator exited: {self.log.read_text()[-2000:]}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(20)


@pytest.fixture
def site() -> str:
    """A fresh site per test; its unit is named after it, so unit feeds do not mix either."""
    return f"t{uuid.uuid4().hex[:10]}"


def unit_of(site: str) -> str:
    return f"u{site}"


@pytest.fixture
def store(redis_service: Service) -> Iterator["redis.Redis"]:
    client = redis.Redis(port=redis_service.port)
    yield client
    client.close()


@pytest.fixture
def aggregator(
    tmp_path: Path, broker: Service, redis_service: Service, site: str
) -> Iterator[Aggregator]:
    agg = Aggregator(tmp_path, broker, redis_service, site)
    yield agg
    if agg.proc is not None and agg.proc.poll() is None:
        agg.kill()


class Publisher:
    """An MQTT 5 client publishing QoS 1, like an edge agent (without its outbox)."""

    def __init__(self, broker: Service) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"pub-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
        )
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        self.infos: list[mqtt.MQTTMessageInfo] = []

    def publish(self, topic: str, payload: bytes) -> None:
        self.infos.append(self.client.publish(topic, payload, qos=1))

    def wait_all(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        for info in self.infos:
            info.wait_for_publish(max(0.1, deadline - time.monotonic()))
            assert info.is_published(), "broker did not PUBACK"

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(broker: Service) -> Iterator[Publisher]:
    pub = Publisher(broker)
    yield pub
    pub.close()


def entries(store: "redis.Redis", key: str) -> list[dict[bytes, bytes]]:
    return [fields for _, fields in cast(list[tuple[bytes, dict[bytes, bytes]]], store.xrange(key))]


def stream_ids(store: "redis.Redis", site: str) -> list[str]:
    key = Partition(site, unit_of(site)).events
    return [json.loads(fields[b"payload"])["event_id"] for fields in entries(store, key)]


def test_valid_event_is_stored_once_and_opens_one_alert_on_the_live_feed(
    aggregator: Aggregator, publisher: Publisher, store: "redis.Redis", site: str
) -> None:
    aggregator.start()
    st = samples.stamper(site=site, unit=unit_of(site), agent_id="agent-1")
    event = samples.fall(st, Phase.START, uuid.uuid4(), time.time())
    with httpx.stream(
        "GET", f"{aggregator.url}/api/sites/{site}/units/{unit_of(site)}/stream", timeout=10
    ) as feed:
        lines = feed.iter_lines()
        assert next(lines).startswith("retry:")
        assert next(lines) == "event: snapshot"
        assert json.loads(next(lines).removeprefix("data: ")) == []
        topic = event_topic(site, "agent-1", "fall")
        publisher.publish(topic, dump_event(event))
        publisher.publish(topic, dump_event(event))  # a redelivery, as after a lost PUBACK
        publisher.wait_all()
        assert next(lines) == ""
        # Room tiles update on the same stream (the room is now "on floor"): skip to the alert.
        line = next(lines)
        while line != "event: alert":
            assert line in ("event: room", "event: rooms", "") or line.startswith("data: ")
            line = next(lines)
        change = json.loads(next(lines).removeprefix("data: "))
    assert change["action"] == "open" and change["notify"] is True
    assert change["alert"]["priority"] == "high" and change["alert"]["room"] == "412"

    assert stream_ids(store, site) == [str(event.event_id)]
    alerts = httpx.get(f"{aggregator.url}/api/sites/{site}/units/{unit_of(site)}/alerts").json()
    assert [a["alert_id"] for a in alerts] == [change["alert"]["alert_id"]]
    metrics = httpx.get(f"{aggregator.url}/metrics").text
    assert "ambient_events_deduplicated_total 1.0" in metrics


def test_bad_messages_are_dead_lettered_with_reasons_and_ingest_goes_on(
    aggregator: Aggregator, publisher: Publisher, store: "redis.Redis", site: str
) -> None:
    aggregator.start()
    st = samples.stamper(site=site, unit=unit_of(site), agent_id="agent-1")
    good = json.loads(dump_event(samples.fall(st, Phase.START, uuid.uuid4(), time.time())))
    own = event_topic(site, "agent-1", "fall")
    publisher.publish(own, b"{not json")
    publisher.publish(own, json.dumps(good | {"schema": "ambient.event/9"}).encode())
    publisher.publish(own, json.dumps(good | {"patient_name": "x"}).encode())
    publisher.publish(event_topic(site, "agent-2", "fall"), json.dumps(good).encode())
    publisher.publish(own, json.dumps(good).encode() + b" " * 4096)
    valid = samples.fall(st, Phase.START, uuid.uuid4(), time.time())
    publisher.publish(own, dump_event(valid))
    publisher.wait_all()

    wait_for(lambda: stream_ids(store, site) == [str(valid.event_id)], 10, "the valid event")
    letters = [f for f in entries(store, DEADLETTER_STREAM) if f"/{site}/".encode() in f[b"topic"]]
    reasons = sorted(f[b"reason"].decode() for f in letters)
    assert reasons == sorted(
        ["invalid_json", "schema_version", "unknown_field", "agent_mismatch", "too_large"]
    )
    oversized = next(f for f in letters if f[b"reason"] == b"too_large")
    assert len(oversized[b"payload"]) <= 512
    metrics = httpx.get(f"{aggregator.url}/metrics").text
    assert 'ambient_events_dead_lettered_total{reason="too_large"} 1.0' in metrics


def test_a_timestamp_out_of_range_in_utc_is_dead_lettered_and_ingest_goes_on(
    aggregator: Aggregator, publisher: Publisher, store: "redis.Redis", site: str
) -> None:
    """Once, one such event stopped every later event from being stored, across restarts."""
    aggregator.start()
    st = samples.stamper(site=site, unit=unit_of(site), agent_id="agent-1")
    own = event_topic(site, "agent-1", "fall")
    for ts in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"):
        bad = json.loads(dump_event(samples.fall(st, Phase.START, uuid.uuid4(), time.time())))
        publisher.publish(own, json.dumps(bad | {"ts": ts}).encode())
    valid = [samples.fall(st, Phase.START, uuid.uuid4(), time.time()) for _ in range(50)]
    for event in valid:
        publisher.publish(own, dump_event(event))
    publisher.wait_all()

    want = sorted(str(e.event_id) for e in valid)
    wait_for(lambda: sorted(stream_ids(store, site)) == want, 10, "the 50 valid events")
    letters = [f for f in entries(store, DEADLETTER_STREAM) if f"/{site}/".encode() in f[b"topic"]]
    assert sorted(f[b"reason"].decode() for f in letters) == ["invalid", "invalid"]


def _publish_occupancy(publisher: Publisher, site: str, count: int, pace: int = 0) -> list[str]:
    st = samples.stamper(site=site, unit=unit_of(site), agent_id="agent-1")
    topic = event_topic(site, "agent-1", "occupancy")
    ids = []
    t0 = time.time()
    for i in range(count):
        event = samples.occupancy(st, i % 3, t0 + i * 0.001)
        ids.append(str(event.event_id))
        publisher.publish(topic, dump_event(event))
        if pace and i % pace == 0:
            time.sleep(0.01)
    return ids


def test_kill_9_mid_stream_loses_nothing_and_duplicates_nothing(
    aggregator: Aggregator, publisher: Publisher, store: "redis.Redis", site: str
) -> None:
    aggregator.start()
    sent: list[str] = []
    sender = threading.Thread(
        target=lambda: sent.extend(_publish_occupancy(publisher, site, 2000, pace=20))
    )
    sender.start()
    wait_for(lambda: store.xlen(Partition(site, unit_of(site)).events) >= 300, 20, "first events")
    aggregator.kill()
    stored_at_kill = store.xlen(Partition(site, unit_of(site)).events)
    sender.join(30)
    publisher.wait_all()
    assert stored_at_kill < 2000, "the kill must land mid-stream for this test to mean anything"

    aggregator.start()
    # A sentinel after the burst: once it is stored, every earlier message has been handled.
    sentinel = _publish_occupancy(publisher, site, 1)
    publisher.wait_all()
    wait_for(lambda: sentinel[0] in stream_ids(store, site)[-5:], 30, "the sentinel")
    ids = stream_ids(store, site)
    assert len(ids) == len(set(ids)) == 2001
    assert set(ids) == set(sent) | set(sentinel)
    # The rules consumer, killed too, takes up its pending entries and catches up.
    key = Partition(site, unit_of(site)).events

    def rules_caught_up() -> bool:
        group = store.xinfo_groups(key)[0]
        return bool(group["pending"] == 0 and group["lag"] == 0)

    wait_for(rules_caught_up, 60, "the rules consumer group to ack every entry")


def test_burst_larger_than_mosquitto_default_queue_arrives_after_restart(
    aggregator: Aggregator, publisher: Publisher, store: "redis.Redis", site: str, broker: Service
) -> None:
    aggregator.start()  # creates the persistent session and its subscription
    assert aggregator.stop() == 0
    state = _retained(broker, aggregator_state_topic(site))
    assert state["state"] == "offline", "a clean stop must tell agents to hold their events"

    sent = _publish_occupancy(publisher, site, 3000)
    publisher.wait_all()
    aggregator.start()
    wait_for(lambda: store.xlen(Partition(site, unit_of(site)).events) >= 3000, 60, "3000 events")
    ids = stream_ids(store, site)
    assert len(ids) == 3000 and set(ids) == set(sent)
    assert _retained(broker, aggregator_state_topic(site))["state"] == "online"


def _retained(broker: Service, topic: str) -> dict[str, Any]:
    got: list[bytes] = []
    done = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)

    def on_message(_c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        got.append(bytes(msg.payload))
        done.set()

    client.on_message = on_message
    client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        assert done.wait(10), f"no retained message on {topic}"
    finally:
        client.disconnect()
        client.loop_stop()
    result: dict[str, Any] = json.loads(got[-1])
    return result


def test_redis_outage_holds_events_unacked_until_redis_is_back(
    aggregator: Aggregator,
    publisher: Publisher,
    store: "redis.Redis",
    site: str,
    redis_service: Service,
) -> None:
    aggregator.start()
    redis_service.stop()
    try:
        sent = _publish_occupancy(publisher, site, 50)
        publisher.wait_all()
        wait_for(lambda: not aggregator.healthy(), 10, "/healthz to report Redis down")
    finally:
        redis_service.start()
    wait_for(lambda: store.xlen(Partition(site, unit_of(site)).events) >= 50, 30, "50 events")
    assert sorted(stream_ids(store, site)) == sorted(sent)
    metrics = httpx.get(f"{aggregator.url}/metrics").text
    errors = next(
        line for line in metrics.splitlines() if line.startswith("ambient_ingest_redis_e")
    )
    assert float(errors.split()[-1]) > 0, "the outage must have been seen and retried"


def test_sensor_offline_raises_a_technical_alert_and_online_ends_it(
    aggregator: Aggregator, publisher: Publisher, site: str
) -> None:
    aggregator.start()
    st = samples.stamper(site=site, unit=unit_of(site), room="418", agent_id="agent-418")
    topic = agent_status_topic(site, "agent-418")
    will = samples.agent_status(st, AgentState.OFFLINE, time.time())
    publisher.publish(topic, will.model_dump_json(by_alias=True).encode())
    publisher.wait_all()
    alerts_url = f"{aggregator.url}/api/sites/{site}/units/{unit_of(site)}/alerts"
    alerts = wait_for(lambda: httpx.get(alerts_url).json(), 10, "the offline alert")
    assert [(a["kind"], a["priority"], a["room"]) for a in alerts] == [
        ("sensor_offline", "medium", "418")
    ]
    back = samples.agent_status(st, AgentState.ONLINE, time.time(), boot_id=uuid.uuid4())
    publisher.publish(topic, back.model_dump_json(by_alias=True).encode())
    publisher.wait_all()
    wait_for(lambda: httpx.get(alerts_url).json() == [], 10, "the offline alert to end")
    ended = httpx.get(f"{aggregator.url}/api/alerts/{alerts[0]['alert_id']}").json()
    assert ended["status"] == "resolved" and ended["resolved_by"] == "system"
