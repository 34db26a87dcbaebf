"""The fleet simulator against a real Mosquitto and Redis: what a user of the load tests sees.

A small accelerated fleet publishes births, events, Wills and, after a simulated restart,
held events marked historical; a back-fill writes exactly its ground truth into the
aggregator's streams, and running it again adds nothing. Each test uses its own site id.
"""

import argparse
import json
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import paho.mqtt.client as paho
import pytest
import redis
from paho.mqtt.enums import CallbackAPIVersion

from aggregator.store import Partition
from ambient.services import Service
from protocol import AgentState, AgentStatus, parse_agent_topic, parse_event
from simulators.fleet.cli import register
from simulators.fleet.rates import RoomKind
from simulators.fleet.runtime import Fleet, FleetConfig

pytestmark = pytest.mark.integration


def _wait(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Recorder:
    """A `#` subscriber keeping what one site's agents published."""

    def __init__(self, port: int, site: str) -> None:
        self.site = site
        self.lock = threading.Lock()
        self.statuses: list[AgentStatus] = []
        self.events: list[Any] = []
        self.client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        self.client.on_message = self._on_message
        self.client.on_connect = self._on_connect
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_connect(self, client: paho.Client, _u: Any, _f: Any, _r: Any, _p: Any) -> None:
        client.subscribe("#", qos=1)  # again after a broker restart

    def _on_message(self, _c: paho.Client, _u: Any, msg: paho.MQTTMessage) -> None:
        if not msg.topic.startswith(f"ambient/v1/{self.site}/agents/"):
            return
        where = parse_agent_topic(msg.topic)
        with self.lock:
            if where.kind == "status":
                self.statuses.append(AgentStatus.model_validate_json(msg.payload))
            else:
                self.events.append(parse_event(bytes(msg.payload)))

    def status_of(self, agent_id: str, state: AgentState) -> list[AgentStatus]:
        with self.lock:
            return [s for s in self.statuses if s.agent_id == agent_id and s.state == state]

    def events_of(self, agent_id: str) -> list[Any]:
        with self.lock:
            return [e for e in self.events if e.agent_id == agent_id]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def site() -> str:
    return f"fleet-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def recorder(broker: Service, site: str) -> Iterator[Recorder]:
    rec = Recorder(broker.port, site)
    yield rec
    rec.close()


def test_fleet_births_events_will_and_historical_after_restart(
    broker: Service, site: str, recorder: Recorder
) -> None:
    config = FleetConfig(
        port=broker.port,
        agents=20,
        site=site,
        units=2,
        kinds=(RoomKind.ICU,),
        speed=3600,
        outages_per_day=0.0,
        seed=3,
    )
    fleet = Fleet(config)
    agents = [a.spec.agent_id for a in fleet.agents]
    fleet.start()
    try:
        _wait(
            "a birth from every agent",
            lambda: all(recorder.status_of(a, AgentState.ONLINE) for a in agents),
        )
        _wait("events from the fleet", lambda: len(recorder.events) >= 40)
        restarted = agents[:3]
        boots = {a: recorder.status_of(a, AgentState.ONLINE)[0].boot_id for a in restarted}
        for index in range(3):
            fleet.outage(index, sim_s=2 * 3600, restart=True)

        def restarted_and_replayed() -> bool:
            for agent in restarted:
                births = recorder.status_of(agent, AgentState.ONLINE)
                events = recorder.events_of(agent)
                old = [e for e in events if e.boot_id == boots[agent]]
                new = [e for e in events if e.boot_id == births[-1].boot_id != boots[agent]]
                if not (new and any(e.historical for e in old)):
                    return False
            return True

        _wait("restarted agents replaying held events", restarted_and_replayed)
    finally:
        fleet.stop()
    _wait(
        "stopped from every agent",
        lambda: all(recorder.status_of(a, AgentState.STOPPED) for a in agents),
    )
    for agent in restarted:
        assert recorder.status_of(agent, AgentState.OFFLINE), "the Will was published"
        new_boot = recorder.status_of(agent, AgentState.ONLINE)[-1].boot_id
        assert new_boot != boots[agent]
        new = [e for e in recorder.events_of(agent) if e.boot_id == new_boot]
        assert new and min(e.seq for e in new) == 0
    for agent in agents:  # QoS 1, nothing lost: every boot's seq has no gaps
        by_boot: dict[uuid.UUID, set[int]] = defaultdict(set)
        for event in recorder.events_of(agent):
            by_boot[event.boot_id].add(event.seq)
        assert all(seqs == set(range(max(seqs) + 1)) for seqs in by_boot.values())
    stats = fleet.stats()
    assert stats.restarts == 3 and stats.historical > 0
    assert stats.events == len({e.event_id for e in recorder.events})  # QoS 1 may repeat


def _backfill(redis_url: str, site: str, truth: Path, workers: int) -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "backfill",
            "--days",
            "6",
            "--rooms",
            "6",
            "--units",
            "3",
            "--kinds",
            "hospital,icu,home",
            "--redis",
            redis_url,
            "--out-truth",
            str(truth),
            "--seed",
            "4",
            "--site",
            site,
            "--end",
            "2026-02-01",
            "--workers",
            str(workers),
        ]
    )
    assert args.handler(args) == 0


def _stream_counts(client: "redis.Redis", truth: dict[str, Any]) -> Counter[str]:
    counts: Counter[str] = Counter()
    units = {(room["site"], room["unit"]) for room in truth["rooms"]}
    for site, unit in units:
        entries = cast(
            list[tuple[bytes, dict[bytes, bytes]]], client.xrange(Partition(site, unit).events)
        )
        for _, fields in entries:
            if fields[b"kind"] == b"status":
                counts["status"] += 1
                continue
            event = parse_event(fields[b"payload"])
            assert event.historical
            assert truth["start"] <= event.ts.date().isoformat() < truth["end"]
            counts[f"{event.room}/{event.type.value}"] += 1
    return counts


def test_backfill_matches_its_truth_and_a_second_run_adds_nothing(
    redis_service: Service, site: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truth_path = tmp_path / "truth.json"
    _backfill(redis_service.url, site, truth_path, workers=1)
    truth = json.loads(truth_path.read_text())
    client = redis.Redis(port=redis_service.port)
    counts = _stream_counts(client, truth)
    expected: Counter[str] = Counter()
    for room in truth["rooms"]:
        assert len(room["days"]) == 6
        for name, value in room["totals"].items():
            if name.startswith("events."):
                expected[f"{room['room']}/{name.removeprefix('events.')}"] = value
    assert {k: v for k, v in counts.items() if k != "status"} == dict(expected)
    assert counts["status"] >= 6  # a birth per room, more after restarts
    assert sum(room["totals"]["bed_exits"] for room in truth["rooms"]) > 0
    first = capsys.readouterr().out
    assert "0 duplicates" in first

    _backfill(redis_service.url, site, tmp_path / "again.json", workers=2)  # same history
    assert _stream_counts(client, truth) == counts
    assert " 0 appended" in capsys.readouterr().out
    assert json.loads((tmp_path / "again.json").read_text()) == truth


def test_fleet_command_runs_for_its_duration_and_stops_cleanly(
    broker: Service, site: str, recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "fleet",
            "--agents",
            "5",
            "--broker",
            f"127.0.0.1:{broker.port}",
            "--site",
            site,
            "--kinds",
            "icu",
            "--speed",
            "3600",
            "--duration",
            "2",
        ]
    )
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "5/5 connected" in out and "stopped:" in out
    agents = [f"agent-icu1-r{i:03d}" for i in range(1, 6)]
    _wait(
        "stopped from every agent",
        lambda: all(recorder.status_of(a, AgentState.STOPPED) for a in agents),
    )
    assert all(recorder.status_of(a, AgentState.ONLINE) for a in agents)
    assert recorder.events, "an ICU hour has occupancy changes"


def test_fleet_agents_reconnect_after_a_broker_crash(
    broker: Service, site: str, recorder: Recorder
) -> None:
    config = FleetConfig(
        port=broker.port,
        agents=10,
        site=site,
        kinds=(RoomKind.ICU,),
        speed=600,
        outages_per_day=0.0,
        seed=5,
    )
    fleet = Fleet(config)
    agents = [a.spec.agent_id for a in fleet.agents]

    def births(agent: str) -> set[datetime]:
        return {s.ts for s in recorder.status_of(agent, AgentState.ONLINE)}

    fleet.start()
    try:
        _wait("a birth from every agent", lambda: all(births(a) for a in agents))
        broker.kill()
        broker.start()
        _wait(
            "a second birth from every agent",
            lambda: all(len(births(a)) >= 2 for a in agents),
        )
    finally:
        fleet.stop()
    for agent in agents:  # same process, same boot: a reconnect is not a restart
        assert len({s.boot_id for s in recorder.status_of(agent, AgentState.ONLINE)}) == 1
