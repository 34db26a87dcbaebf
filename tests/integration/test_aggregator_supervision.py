"""The whole aggregator keeps its background tasks alive, and says so when it cannot.

A stored entry that crashes the rules task is logged with its traceback, counted in /metrics,
turns /healthz and /readyz red naming the task, and is set aside after a few tries; alerts and
reports of every unit go on, and health is green again once the task has run a while. A task
that cannot be kept alive, or a web server that cannot start, ends the process with a
one-line reason and a non-zero code.

The aggregator runs as a real subprocess (`python -m aggregator run`) against the session
broker and Redis. Bad entries are written straight into a partition stream, as entries stored
before ingest checked times (or by an older version) would be.
"""

import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from aggregator import samples
from aggregator.analytics import keys
from aggregator.store import DEADLETTER_STREAM, PARTITIONS_KEY, Partition
from ambient.services import Service, mosquitto
from protocol import Phase, dump_event, event_topic
from tests.integration.test_aggregator_ingest import Aggregator, Publisher, entries, wait_for

pytestmark = pytest.mark.integration

FAST_RESTARTS = (
    "supervision: {restart_base_s: 0.05, restart_cap_s: 0.2, healthy_after_s: 4, "
    "dead_letter_after: 3, max_restarts: %d}\n"
)


def _aggregator(
    tmp: Path, broker: Service, redis_service: Service, site: str, max_restarts: int = 50
) -> Aggregator:
    agg = Aggregator(tmp, broker, redis_service, site)
    agg.config.write_text(agg.config.read_text() + FAST_RESTARTS % max_restarts)
    return agg


@pytest.fixture
def site() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def store(redis_service: Service) -> Iterator["redis.Redis"]:
    client = redis.Redis(port=redis_service.port)
    yield client
    client.close()


@pytest.fixture
def publisher(broker: Service) -> Iterator[Publisher]:
    pub = Publisher(broker)
    yield pub
    pub.close()


@pytest.fixture
def running(
    tmp_path: Path, broker: Service, redis_service: Service, site: str
) -> Iterator[Aggregator]:
    agg = _aggregator(tmp_path, broker, redis_service, site)
    yield agg
    if agg.proc is not None and agg.proc.poll() is None:
        agg.kill()


def _get(agg: Aggregator, path: str, **params: str) -> httpx.Response:
    return httpx.get(f"{agg.url}{path}", params=params, timeout=5)


def _fall(site: str, unit: str) -> bytes:
    st = samples.stamper(site=site, unit=unit, agent_id="agent-1")
    return dump_event(samples.fall(st, Phase.START, uuid.uuid4(), time.time(), on_floor_s=5.0))


def _metric(agg: Aggregator, name: str, labels: str) -> float:
    for line in _get(agg, "/metrics").text.splitlines():
        if line.startswith(f"{name}{{{labels}}} "):
            return float(line.split()[-1])
    return 0.0


def _falls_reported(agg: Aggregator, site: str, unit: str) -> Any:
    """The falls report's headline count over yesterday and today (UTC)."""
    today = datetime.now(UTC).date()
    report = _get(
        agg,
        "/api/reports/falls",
        unit=f"{site}/{unit}",
        **{"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))},
    )
    assert report.status_code == 200, report.text
    return report.json()["figures"]["falls"]


def test_a_crashing_entry_is_logged_counted_red_then_set_aside_and_every_unit_goes_on(
    running: Aggregator, publisher: Publisher, store: "redis.Redis", site: str
) -> None:
    running.start()
    wait_for(lambda: _get(running, "/readyz").status_code == 200, 30, "/readyz green at start")
    bad_unit, other_unit = "ward-a", "ward-b"
    bad = Partition(site, bad_unit)
    store.sadd(PARTITIONS_KEY, bad.name)
    year_one = json.loads(_fall(site, bad_unit)) | {"ts": "0001-01-01T00:00:00Z"}
    out_of_range = store.xadd(bad.events, {"kind": "event", "payload": json.dumps(year_one)})
    # A kind that is not text: the rules raise on it, every time (the roll-ups do not read it).
    occupancy = samples.occupancy(samples.stamper(site=site, unit=bad_unit), 1, time.time())
    crashing = store.xadd(bad.events, {"kind": b"\xff\xfe", "payload": dump_event(occupancy)})

    red = wait_for(
        lambda: (r := _get(running, "/readyz")).status_code == 503 and r.json(), 20, "/readyz red"
    )
    assert "rules" in red["failing"] and "UnicodeDecodeError" in red["failing"]["rules"]
    health = _get(running, "/healthz")
    assert health.status_code == 503 and "rules" in health.json()["failing"]

    for unit in (bad_unit, other_unit):
        publisher.publish(event_topic(site, "agent-1", "fall"), _fall(site, unit))
    publisher.wait_all()

    def alerted(unit: str) -> bool:
        alerts = _get(running, f"/api/sites/{site}/units/{unit}/alerts").json()
        return any(a["kind"] == "fall" and a["event_ts"] > "2000" for a in alerts)

    wait_for(lambda: alerted(bad_unit) and alerted(other_unit), 30, "alerts of later falls")
    wait_for(
        lambda: all(_falls_reported(running, site, u) == 1 for u in (bad_unit, other_unit)),
        30,
        "the later falls in the falls report of both units",
    )
    wait_for(lambda: _get(running, "/readyz").status_code == 200, 30, "/readyz green again")
    assert _get(running, "/healthz").status_code == 200

    letters: dict[Any, dict[bytes, bytes]] = {
        f[b"entry_id"]: f
        for f in entries(store, DEADLETTER_STREAM)
        if f.get(b"stream") == bad.events.encode()
    }
    assert letters[crashing][b"reason"] == b"rules.failed"
    assert letters[out_of_range][b"reason"] == b"analytics.out_of_range"
    assert _metric(running, "ambient_task_crashes_total", 'task="rules"') >= 2
    assert (
        _metric(running, "ambient_entries_dead_lettered_total", 'reader="rules",reason="failed"')
        == 1
    )
    assert _metric(running, "ambient_task_failing", 'task="rules"') == 0
    log = running.log.read_text()
    assert "task rules crashed" in log and "Traceback" in log and "UnicodeDecodeError" in log
    assert running.stop() == 0


def test_a_task_that_cannot_be_kept_alive_ends_the_aggregator_with_a_reason(
    tmp_path: Path, broker: Service, redis_service: Service, store: "redis.Redis", site: str
) -> None:
    agg = _aggregator(tmp_path, broker, redis_service, site, max_restarts=2)
    part = Partition(site, "ward-c")
    try:
        agg.start()
        # Roll-up state nobody can read (a hand edit, an older format): every run fails.
        store.hset(keys.state_key(part), "412", "{not json")
        store.sadd(PARTITIONS_KEY, part.name)
        store.xadd(part.events, {"kind": "event", "payload": _fall(site, "ward-c")})
        assert agg.proc is not None
        code = agg.proc.wait(60)
    finally:
        store.delete(keys.state_key(part))
        if agg.proc is not None and agg.proc.poll() is None:
            agg.kill()
    assert code == 1
    last = agg.log.read_text().strip().splitlines()[-1]
    assert last.startswith("aggregator: stopped: analytics crashed 3 times in a row")


def test_a_web_port_taken_ends_the_aggregator_with_a_reason(
    tmp_path: Path, broker: Service, redis_service: Service, site: str
) -> None:
    agg = _aggregator(tmp_path, broker, redis_service, site)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", agg.port))
        taken.listen()
        with pytest.raises(AssertionError, match="aggregator exited"):
            agg.start()
        assert agg.proc is not None
        assert agg.proc.wait(20) == 1
    last = agg.log.read_text().strip().splitlines()[-1]
    assert last.startswith("aggregator: stopped: web could not start: WebStartError")


def test_readyz_is_red_until_ingest_is_subscribed(
    tmp_path: Path, redis_service: Service, site: str
) -> None:
    late = mosquitto(tmp_path / "late-broker")  # its port is chosen, nothing listens yet
    agg = _aggregator(tmp_path, late, redis_service, site)
    with agg.log.open("ab") as log:
        agg.proc = subprocess.Popen(
            [sys.executable, "-m", "aggregator", "run", "--config", str(agg.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:

        def answer() -> httpx.Response | None:
            try:
                return _get(agg, "/readyz")
            except httpx.HTTPError:
                return None

        waiting = wait_for(answer, 30, "/readyz to answer")
        assert waiting.status_code == 503
        assert waiting.json() == {
            "ready": False,
            "redis": True,
            "ingest_subscribed": False,
            "failing": {},
        }
        assert _get(agg, "/healthz").status_code == 503
        late.start()
        wait_for(lambda: _get(agg, "/readyz").status_code == 200, 30, "/readyz green")
        assert agg.stop() == 0
    finally:
        if agg.proc.poll() is None:
            agg.kill()
        late.stop()
