"""The edge agent against a real Mosquitto: status lifecycle, no lost events, `edge run`.

Each test uses its own site id, so retained messages of one test never reach another. The
last test runs the real `main()` in a subprocess with a fake camera and pipeline standing in
for the RealSense and perception; config, outbox, MQTT link and signals are real.
"""

import json
import logging
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from ambient.services import Service, free_port
from edge_agent.config import IdentityConfig, MqttConfig
from edge_agent.detections import Detection, EventStamper, Identity, WireEvent
from edge_agent.mqtt import MqttLink, StatusInfo
from edge_agent.outbox import Outbox
from protocol import (
    AGGREGATOR_SCHEMA,
    AgentState,
    AgentStatus,
    AggregatorState,
    AggregatorStatus,
    EventType,
    ModelRef,
    OccupancyData,
    Phase,
    agent_status_topic,
    aggregator_state_topic,
    events_subscription,
    parse_event,
)

pytestmark = pytest.mark.integration

T = TypeVar("T")


def eventually(check: Callable[[], T | None], timeout: float = 10.0, what: str = "") -> T:
    """Poll until ``check`` returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or check}")


class Watcher:
    """A subscriber that records every message on ``topics`` (retained ones included)."""

    def __init__(self, port: int, topics: list[str]) -> None:
        self.messages: list[paho.MQTTMessage] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        self.client.on_connect = lambda c, *_: c.subscribe([(t, 1) for t in topics])
        self.client.on_subscribe = lambda *_: self._subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self._subscribed.wait(10), "watcher did not subscribe"

    def _on_message(self, _c: paho.Client, _u: Any, message: paho.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(message)

    def statuses(self) -> list[AgentStatus]:
        with self._lock:
            return [
                AgentStatus.model_validate_json(m.payload)
                for m in self.messages
                if m.topic.endswith("/status") and m.payload
            ]

    def events(self) -> list[WireEvent]:
        with self._lock:
            return [parse_event(bytes(m.payload)) for m in self.messages if "/events/" in m.topic]

    def wait_events(self, n: int, timeout: float = 10.0) -> list[WireEvent]:
        """The first ``n`` events, once at least ``n`` have arrived."""
        return eventually(lambda: self.events()[:n] if len(self.events()) >= n else None, timeout)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def set_aggregator(port: int, site: str, state: AggregatorState) -> None:
    """Play the aggregator: its retained state, as it publishes on every connect."""
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.connect("127.0.0.1", port)
    client.loop_start()
    status = AggregatorStatus(schema=AGGREGATOR_SCHEMA, state=state, ts=datetime.now(UTC))
    payload = status.model_dump_json(by_alias=True)
    client.publish(aggregator_state_topic(site), payload, qos=1, retain=True).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


@pytest.fixture
def site() -> str:
    return f"site-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def identity(site: str) -> IdentityConfig:
    return IdentityConfig(
        site=site, unit="unit-1", room="room-7", agent_id="agent-7", sensor_id="cam-7"
    )


def _link(broker: Service, identity: IdentityConfig, outbox: Outbox) -> MqttLink:
    config = MqttConfig(
        host="127.0.0.1",
        port=broker.port,
        client_id=f"{identity.agent_id}-{identity.site}",
        reconnect_min_s=1,
        reconnect_max_s=2,
    )
    return MqttLink(config, identity, outbox, StatusInfo(uuid.uuid4(), "0.1.0", "ab" * 32))


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.sqlite3")
    yield box
    box.close()


def _events(identity: IdentityConfig, n: int) -> list[WireEvent]:
    stamper = EventStamper(
        Identity(identity.site, identity.unit, identity.room, identity.agent_id, "cam-7")
    )
    now = time.time()
    return [
        stamper.stamp(
            Detection(
                type=EventType.OCCUPANCY,
                phase=Phase.INSTANT,
                episode_id=uuid.uuid4(),
                ts=now + i,
                confidence=0.9,
                data=OccupancyData(count=i % 3),
                model=ModelRef(name="occupancy", version="1.0.0"),
            )
        )
        for i in range(n)
    ]


def test_birth_is_retained_and_graceful_stop_says_stopped(
    broker: Service, identity: IdentityConfig, outbox: Outbox
) -> None:
    link = _link(broker, identity, outbox)
    link.start()
    try:
        topic = agent_status_topic(identity.site, identity.agent_id)
        late = Watcher(broker.port, [topic])  # subscribes after the birth: sees it retained
        birth = eventually(late.statuses, what="retained birth")[-1]
        assert birth.state is AgentState.ONLINE
        assert birth.boot_id == link.status.boot_id
        assert birth.config_hash == "ab" * 32
        late.close()
    finally:
        link.stop()
    after = Watcher(broker.port, [agent_status_topic(identity.site, identity.agent_id)])
    final = eventually(after.statuses, what="retained stopped status")[-1]
    assert final.state is AgentState.STOPPED
    assert final.boot_id == link.status.boot_id
    after.close()


_DYING_AGENT = """
import sys, time, uuid
from pathlib import Path
from edge_agent.config import IdentityConfig, MqttConfig
from edge_agent.mqtt import MqttLink, StatusInfo
from edge_agent.outbox import Outbox

port, site, boot, box = int(sys.argv[1]), sys.argv[2], uuid.UUID(sys.argv[3]), Path(sys.argv[4])
identity = IdentityConfig(site=site, unit="u", room="r", agent_id="dying", sensor_id="c")
config = MqttConfig(host="127.0.0.1", port=port, client_id="dying-" + site)
MqttLink(config, identity, Outbox(box), StatusInfo(boot, "0.1.0", "0" * 64)).start()
time.sleep(120)
"""


def test_will_says_offline_when_the_agent_is_killed(
    broker: Service, site: str, tmp_path: Path
) -> None:
    boot = uuid.uuid4()
    watcher = Watcher(broker.port, [agent_status_topic(site, "dying")])
    argv = [sys.executable, "-c", _DYING_AGENT, str(broker.port), site, str(boot)]
    proc = subprocess.Popen([*argv, str(tmp_path / "o.sqlite3")])
    try:
        eventually(
            lambda: [s for s in watcher.statuses() if s.state is AgentState.ONLINE],
            timeout=20,
            what="the agent's birth",
        )
        proc.kill()  # no DISCONNECT: the broker must publish the Will
        proc.wait(10)
        will = eventually(
            lambda: [s for s in watcher.statuses() if s.state is AgentState.OFFLINE],
            what="the Last Will",
        )[0]
        assert will.boot_id == boot
    finally:
        proc.kill()
        proc.wait(10)
        watcher.close()
    retained = Watcher(broker.port, [agent_status_topic(site, "dying")])
    assert eventually(retained.statuses)[-1].state is AgentState.OFFLINE  # and it is retained
    retained.close()


def test_events_wait_for_the_aggregator_then_arrive_historical(
    broker: Service, identity: IdentityConfig, outbox: Outbox
) -> None:
    watcher = Watcher(broker.port, [events_subscription(identity.site, shared=False)])
    status = Watcher(broker.port, [agent_status_topic(identity.site, identity.agent_id)])
    link = _link(broker, identity, outbox)
    set_aggregator(broker.port, identity.site, AggregatorState.OFFLINE)
    link.start()
    try:
        eventually(status.statuses, what="birth")
        held = _events(identity, 3)
        for event in held:
            link.send(event)
        # Connected, but the aggregator says offline: nothing may be published for a while.
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            assert watcher.events() == []
            time.sleep(0.05)
        assert outbox.depth() == 3
        set_aggregator(broker.port, identity.site, AggregatorState.ONLINE)
        got = watcher.wait_events(3)
        assert [e.event_id for e in got] == [e.event_id for e in held]  # oldest first
        assert all(e.historical for e in got)
        eventually(lambda: outbox.depth() == 0, what="outbox emptied by PUBACKs")
        live = _events(identity, 1)[0]
        link.send(live)
        arrived = watcher.wait_events(4)[-1]
        assert arrived.event_id == live.event_id and not arrived.historical
    finally:
        link.stop()
        watcher.close()
        status.close()


def test_broker_crash_loses_no_event(
    broker: Service, identity: IdentityConfig, outbox: Outbox
) -> None:
    subscription = [events_subscription(identity.site, shared=False)]
    before = Watcher(broker.port, subscription)
    set_aggregator(broker.port, identity.site, AggregatorState.ONLINE)
    link = _link(broker, identity, outbox)
    link.start()
    try:
        first = _events(identity, 5)
        for event in first:
            link.send(event)
        eventually(lambda: len(before.events()) == 5, what="first batch")
        eventually(lambda: outbox.depth() == 0, what="first batch acknowledged")
        before.close()
        broker.kill()
        eventually(lambda: not link.ready, what="the agent to notice the broker is gone")
        second = _events(identity, 5)
        for event in second:
            link.send(event)
        assert outbox.depth() == 5
    finally:
        if broker.proc is None or broker.proc.poll() is not None:
            broker.start()
    try:
        after = Watcher(broker.port, subscription)
        set_aggregator(broker.port, identity.site, AggregatorState.ONLINE)
        got = after.wait_events(5, timeout=20)
        assert [e.event_id for e in got] == [e.event_id for e in second]
        assert all(e.historical for e in got)
        eventually(lambda: outbox.depth() == 0, what="second batch acknowledged")
        after.close()
    finally:
        link.stop()


_AGENT = """
import functools, logging, sys, time, uuid
from pathlib import Path
import numpy as np
import edge_agent.app as app_module
from edge_agent.detections import Detection
from edge_agent.sources.base import DepthFrame, Intrinsics
from protocol import EventType, ModelRef, OccupancyData, Phase

class Camera:  # a recording made long ago, 100 frames/s, forever
    def frames(self):
        depth = np.zeros((3, 4), dtype=np.float32)
        i = 0
        while True:
            yield DepthFrame(i, 1_500_000_000.0 + i / 100, depth, Intrinsics(4, 3, 1, 1, 2, 1.5))
            i += 1
            time.sleep(0.01)
    def close(self):
        pass

class Pipeline:  # one occupancy event per 20 frames
    def process(self, frame):
        if frame.index % 20:
            return []
        return [Detection(EventType.OCCUPANCY, Phase.INSTANT, uuid.uuid4(), frame.t, 0.9,
                          OccupancyData(count=1), ModelRef(name="occupancy", version="1.0.0"))]
    def flush(self, t):  # on SIGTERM too: this one is sent just before the link stops
        return [Detection(EventType.OCCUPANCY, Phase.INSTANT, uuid.uuid4(), t, 0.9,
                          OccupancyData(count=0), ModelRef(name="occupancy", version="1.0.0"))]

logging.basicConfig(level=logging.INFO)
app_module.build_app = functools.partial(app_module.build_app, source=Camera(), pipeline=Pipeline())
sys.exit(app_module.main(Path(sys.argv[1])))
"""


def _config(tmp_path: Path, port: int, site: str) -> Path:
    path = tmp_path / "device.yaml"
    config = {
        "identity": {
            "site": site,
            "unit": "u1",
            "room": "r9",
            "agent_id": "edge-r9",
            "sensor_id": "cam-9",
        },
        "source": {"kind": "recording", "path": "old.db3"},
        "mqtt": {"host": "127.0.0.1", "port": port},
        "outbox": {"path": "state/outbox.sqlite3"},
    }
    path.write_text(json.dumps(config))  # JSON is YAML
    return path


def test_run_sends_live_timed_events_and_stops_gracefully_on_sigterm(
    broker: Service, tmp_path: Path
) -> None:
    site = f"site-{uuid.uuid4().hex[:8]}"
    config = _config(tmp_path, broker.port, site)
    status = Watcher(broker.port, [agent_status_topic(site, "edge-r9")])
    events = Watcher(broker.port, [events_subscription(site, shared=False)])
    set_aggregator(broker.port, site, AggregatorState.ONLINE)
    proc = subprocess.Popen(
        [sys.executable, "-c", _AGENT, str(config)], stderr=subprocess.PIPE, text=True
    )
    try:
        eventually(status.statuses, timeout=20, what="birth")
        got = events.wait_events(3, timeout=20)
        assert all(abs(e.ts.timestamp() - time.time()) < 30 for e in got)  # shifted to now
        assert [e.room for e in got] == ["r9"] * 3
        assert (tmp_path / "state" / "outbox.sqlite3").exists()  # relative to the config
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
        assert proc.returncode == 0, stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    final = eventually(lambda: [s for s in status.statuses() if s.state is AgentState.STOPPED])
    assert final[0].agent_id == "edge-r9"
    assert "sent occupancy instant room=r9" in stderr  # one log line per event sent
    flushed = [e for e in events.events() if isinstance(e.data, OccupancyData) and not e.data.count]
    assert flushed  # the flush on SIGTERM arrived before `stopped`
    box = Outbox(tmp_path / "state" / "outbox.sqlite3")
    assert box.depth() == 0  # a graceful stop waits for the last PUBACKs
    box.close()
    status.close()
    events.close()


def test_events_in_flight_when_the_broker_dies_are_acknowledged_after_restart(
    broker: Service, identity: IdentityConfig, outbox: Outbox
) -> None:
    set_aggregator(broker.port, identity.site, AggregatorState.ONLINE)
    link = _link(broker, identity, outbox)
    link.start()
    try:
        eventually(lambda: link.ready, what="link ready")
        broker.kill()
        for event in _events(identity, 5):  # the agent has not noticed yet: paho holds these
            link.send(event)
        assert outbox.depth() == 5
    finally:
        if broker.proc is None or broker.proc.poll() is not None:
            broker.start()
    try:
        set_aggregator(broker.port, identity.site, AggregatorState.ONLINE)
        eventually(lambda: outbox.depth() == 0, timeout=20, what="PUBACKs after the restart")
    finally:
        link.stop()


def test_a_refused_connack_is_not_connected(
    tmp_path: Path, identity: IdentityConfig, outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous false\n")
    strict = Service("mosquitto", ["mosquitto", "-c", str(conf)], port, tmp_path, tmp_path / "log")
    strict.start()
    link = _link(strict, identity, outbox)
    try:
        with caplog.at_level(logging.INFO, logger="edge_agent.mqtt"):
            link.start()
            eventually(lambda: "refused" in caplog.text, what="the refusal to be logged")
            link.send(_events(identity, 1)[0])
            assert not link.ready
            assert outbox.depth() == 1  # held, not handed to a connection that does not exist
            assert "connected to" not in caplog.text
    finally:
        link.stop()
        strict.stop()
