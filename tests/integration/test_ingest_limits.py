"""Plausibility limits with a whole aggregator (real Mosquitto, Redis and `aggregator run`).

Found by a hostile test: falls dated 0001, 1900, 2300 and 9999 reached the feed and
escalated; ~2,700 fake falls from one room made the alerts API take 8.7 s; a conflicting
duplicate (same event_id, other content) vanished without a dead letter or a log line.
"""

import json
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
from aggregator.store import DEADLETTER_STREAM, Partition
from ambient.services import Service
from protocol import Phase, dump_event, event_topic
from tests.integration.test_aggregator_ingest import (
    Aggregator,
    Publisher,
    entries,
    unit_of,
    wait_for,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def site() -> str:
    return f"l{uuid.uuid4().hex[:10]}"


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
def started(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    broker: Service,
    redis_service: Service,
    site: str,
) -> Iterator[Aggregator]:
    agg = Aggregator(tmp_path, broker, redis_service, site, request.param)
    yield agg.start()
    if agg.proc is not None and agg.proc.poll() is None:
        agg.kill()


def _alerts(agg: Aggregator, site: str) -> list[dict[str, Any]]:
    url = f"{agg.url}/api/sites/{site}/units/{unit_of(site)}/alerts"
    alerts: list[dict[str, Any]] = httpx.get(url, timeout=10).json()
    return alerts


def _letters(store: "redis.Redis", site: str) -> list[dict[bytes, bytes]]:
    return [f for f in entries(store, DEADLETTER_STREAM) if f"/{site}/".encode() in f[b"topic"]]


@pytest.mark.parametrize("started", ["{}"], indirect=True)
def test_implausible_dates_never_reach_the_feed_and_a_conflicting_duplicate_is_kept(
    started: Aggregator, publisher: Publisher, store: "redis.Redis", site: str
) -> None:
    st = samples.stamper(site=site, unit=unit_of(site), room="412", agent_id="agent-1")
    own = event_topic(site, "agent-1", "fall")
    for ts in ("0001-01-01T00:00:00Z", "1900-01-01T00:00:00Z", "2300-01-01T00:00:00Z"):
        fake = json.loads(dump_event(samples.fall(st, Phase.START, uuid.uuid4(), time.time())))
        publisher.publish(own, json.dumps(fake | {"ts": ts, "sent_ts": ts}).encode())
    fake = json.loads(dump_event(samples.fall(st, Phase.START, uuid.uuid4(), time.time())))
    publisher.publish(own, json.dumps(fake | {"ts": "9999-12-31T23:59:59Z"}).encode())
    yesterday = time.time() - 86400
    replay = samples.fall(st, Phase.START, uuid.uuid4(), yesterday).model_copy(
        update={"historical": True}
    )
    publisher.publish(own, dump_event(replay))
    other = samples.stamper(site=site, unit=unit_of(site), room="414", agent_id="agent-2")
    live = samples.fall(other, Phase.START, uuid.uuid4(), time.time())
    forged = live.model_copy(update={"confidence": 0.51})
    publisher.publish(event_topic(site, "agent-2", "fall"), dump_event(live))
    publisher.publish(event_topic(site, "agent-2", "fall"), dump_event(forged))
    publisher.wait_all()

    wait_for(lambda: len(_letters(store, site)) >= 5, 15, "five dead letters")
    alerts = wait_for(lambda: len(_alerts(started, site)) >= 2 and _alerts(started, site), 15, "")
    assert sorted(a["room"] for a in alerts) == ["412", "414"]
    newest = datetime.now(UTC) + timedelta(minutes=5)
    for alert in alerts:
        assert newest - timedelta(days=2) < datetime.fromisoformat(alert["event_ts"]) < newest
    reasons = sorted(f[b"reason"].decode() for f in _letters(store, site))
    assert reasons == ["conflicting_duplicate", "future", "future", "too_old", "too_old"]
    conflict = next(f for f in _letters(store, site) if f[b"reason"] == b"conflicting_duplicate")
    assert json.loads(conflict[b"payload"])["confidence"] == 0.51, "kept whole"
    metrics = httpx.get(f"{started.url}/metrics").text
    assert 'ambient_events_dead_lettered_total{reason="conflicting_duplicate"} 1.0' in metrics
    assert "conflicting duplicate" in started.log.read_text()


@pytest.mark.parametrize(
    "started",
    ["{agent_rate_per_s: 1, agent_burst: 20, max_open_alerts_per_room: 5}"],
    indirect=True,
)
def test_a_flood_of_fake_falls_from_one_agent_leaves_other_rooms_alone(
    started: Aggregator, publisher: Publisher, store: "redis.Redis", site: str
) -> None:
    st = samples.stamper(site=site, unit=unit_of(site), room="412", agent_id="agent-1")
    flood = event_topic(site, "agent-1", "fall")
    for _ in range(500):
        publisher.publish(
            flood, dump_event(samples.fall(st, Phase.START, uuid.uuid4(), time.time()))
        )
    other = samples.stamper(site=site, unit=unit_of(site), room="414", agent_id="agent-2")
    real = samples.fall(other, Phase.START, uuid.uuid4(), time.time())
    publisher.publish(event_topic(site, "agent-2", "fall"), dump_event(real))
    publisher.wait_all()

    def real_alert_open() -> list[dict[str, Any]] | None:
        alerts = _alerts(started, site)
        return alerts if any(a["room"] == "414" for a in alerts) else None

    alerts = wait_for(real_alert_open, 20, "the other room's fall on the alerts API")
    assert sorted(a["room"] for a in alerts) == ["412"] * 5 + ["414"]
    # What went into the unit's stream ahead of the real fall: the flood's burst, not 500.
    stream = [
        json.loads(f[b"payload"]) for f in entries(store, Partition(site, unit_of(site)).events)
    ]
    ahead = [e["room"] for e in stream].index("414")
    assert ahead < 60
    limited = [f for f in _letters(store, site) if f[b"reason"] == b"rate_limited"]
    assert len(limited) + sum(e["room"] == "412" for e in stream) == 500, "none lost"
    metrics = httpx.get(f"{started.url}/metrics").text
    assert 'ambient_events_dead_lettered_total{reason="rate_limited"}' in metrics
    assert 'ambient_alerts_suppressed_total{cause="room_alert_cap",kind="fall"}' in metrics
    log = started.log.read_text()
    assert log.count("as rate_limited") <= 2, "said once per interval, not per message"
