"""Escalation, suppression and the alert API against a real Redis, through the rules task.

The consumer runs on a clock the test moves, so "nobody answered for 61 s" takes no time.
"""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis.asyncio as aioredis

from aggregator import samples
from aggregator.alerts.lifecycle import acknowledge, on_fall
from aggregator.alerts.model import Alert, AlertKind, episode_alert_id
from aggregator.alerts.store import AlertStore
from aggregator.config import RulesConfig
from aggregator.metrics import Metrics
from aggregator.rules.consumer import RulesConsumer
from aggregator.store import PARTITIONS_KEY, Partition
from aggregator.web.api import create_app
from ambient.services import Service
from protocol import Phase, dump_event

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

START = datetime(2026, 11, 29, 3, 12, 7, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(redis_service: Service) -> AsyncIterator[aioredis.Redis]:
    # Its own database: the consumer escalates every open alert it can see, so alerts that
    # other tests left in database 0 would be counted here.
    redis = aioredis.Redis.from_url(f"{redis_service.url}/12")
    await redis.flushdb()
    yield redis
    await redis.aclose()


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def _partition() -> Partition:
    tag = uuid.uuid4().hex[:8]
    return Partition(f"s{tag}", f"u{tag}")


async def _append(redis: aioredis.Redis, part: Partition, payload: bytes) -> None:
    await redis.sadd(PARTITIONS_KEY, part.name)
    await redis.xadd(part.events, {"kind": "event", "payload": payload, "recv_ts": "0"})


async def _wait(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def _level(store: AlertStore, alert_id: str, level: int) -> bool:
    alert = await store.get(alert_id)
    return alert is not None and alert.escalation_level == level


async def test_unanswered_fall_escalates_once_through_the_consumer_and_ack_stops_it(
    client: aioredis.Redis,
) -> None:
    part = _partition()
    st = samples.stamper(site=part.site, unit=part.unit)
    falls = [uuid.uuid4(), uuid.uuid4()]
    for episode in falls:
        await _append(client, part, dump_event(samples.fall(st, Phase.START, episode, 0)))
    acked_id, other_id = (episode_alert_id(AlertKind.FALL, e) for e in falls)
    store, clock, metrics = AlertStore(client), Clock(), Metrics()
    consumer = RulesConsumer(client, store, metrics, RulesConfig(), consumer="c1", clock=clock)
    pubsub = client.pubsub()
    await pubsub.subscribe(part.feed)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await _wait(lambda: _level(store, other_id, 0), "the falls to be raised")
        await _wait(lambda: _level(store, acked_id, 0), "the falls to be raised")
        clock.now = START + timedelta(seconds=61)
        await _wait(lambda: _level(store, acked_id, 1), "escalation to the charge nurse")
        await _wait(lambda: _level(store, other_id, 1), "escalation to the charge nurse")
        for s in range(62, 70):  # more timer steps at the same level: nobody is told again
            clock.now = START + timedelta(seconds=s)
            await asyncio.sleep(0.06)
        await store.update(part, acked_id, lambda a: [acknowledge(_some(a), "rn-17", clock.now)])
        clock.now = START + timedelta(seconds=200)
        await _wait(lambda: _level(store, other_id, 2), "the unacknowledged one to climb on")
    finally:
        stop.set()
        await task
    acked = _some(await store.get(acked_id))
    assert acked.escalation_level == 1 and acked.recipient == "charge_nurse"
    assert [e.action for e in acked.audit] == ["open", "escalate", "ack"]
    other = _some(await store.get(other_id))
    assert [(e.action, e.recipient) for e in other.audit] == [
        ("open", "primary_nurse"),
        ("escalate", "charge_nurse"),
        ("escalate", "unit_manager"),
    ]
    told = []
    quiet_until = time.monotonic() + 0.5  # the subscribe reply reads as None too: read on
    while time.monotonic() < quiet_until:
        msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
        if msg is not None:
            body = json.loads(msg["data"])
            told.append((body["alert"]["alert_id"], body["action"], body["notify"]))
    await pubsub.aclose()
    assert told.count((acked_id, "escalate", True)) == 1
    assert told.count((other_id, "escalate", True)) == 2
    assert b'ambient_alerts_escalated_total{cause="timer",kind="fall"} 3.0' in metrics.exposition()


async def test_bed_exit_with_staff_in_the_room_is_recorded_not_raised(
    client: aioredis.Redis,
) -> None:
    part = _partition()
    st = samples.stamper(site=part.site, unit=part.unit)
    episode = uuid.uuid4()
    await _append(client, part, dump_event(samples.occupancy(st, 2, 0)))
    await _append(client, part, dump_event(samples.bed_exit(st, "exit", episode, 1)))
    store, metrics = AlertStore(client), Metrics()
    consumer = RulesConsumer(client, store, metrics, RulesConfig(), consumer="c1", clock=Clock())
    alert_id = episode_alert_id(AlertKind.BED_EXIT, episode)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:

        async def recorded() -> bool:
            return await store.get(alert_id) is not None

        await _wait(recorded, "the suppressed bed exit to be recorded")
    finally:
        stop.set()
        await task
    held = _some(await store.get(alert_id))
    assert held.status == "suppressed" and "staff in room" in (held.reason or "")
    assert await store.active([part]) == []
    assert [a.alert_id for a in await store.history(part)] == [alert_id]
    assert b'ambient_alerts_suppressed_total{cause="staff_present",kind="bed_exit"} 1.0' in (
        metrics.exposition()
    )


class _Connected:
    connected = True


async def test_snooze_audit_export_and_alert_metrics_over_http(client: aioredis.Redis) -> None:
    part = _partition()
    clock = Clock()
    store = AlertStore(client)
    st = samples.stamper(site=part.site, unit=part.unit)
    event = samples.fall(st, Phase.START, uuid.uuid4(), START.timestamp())
    alert_id = episode_alert_id(AlertKind.FALL, event.episode_id)
    await client.sadd(PARTITIONS_KEY, part.name)
    await store.update(part, alert_id, lambda a: on_fall(a, event, START))
    app = create_app(client, Metrics(), _Connected(), clock=clock)
    base = f"/api/sites/{part.site}/units/{part.unit}"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as h:
        refused = await h.post(
            f"{base}/rooms/412/snooze", json={"minutes": 30, "by": "rn-17", "kinds": ["fall"]}
        )
        assert refused.status_code == 400
        assert "falls can never be snoozed" in refused.json()["detail"]
        clock.now = START + timedelta(seconds=30)
        ok = await h.post(f"{base}/rooms/412/snooze", json={"minutes": 30, "by": "rn-17"})
        assert ok.status_code == 200 and "fall" not in ok.json()["kinds"]
        assert [s["room"] for s in (await h.get(f"{base}/snoozes")).json()] == ["412"]

        clock.now = START + timedelta(seconds=45)
        ack = await h.post(f"/api/alerts/{alert_id}/ack", json={"by": "rn-17"})
        assert ack.status_code == 200
        clock.now = START + timedelta(seconds=200)
        done = await h.post(
            f"/api/alerts/{alert_id}/resolve", json={"by": "rn-17", "outcome": "not_found"}
        )
        assert done.status_code == 200 and done.json()["presence"] == "off"

        audit = (await h.get(f"/api/alerts/{alert_id}/audit", params={"format": "fhir"})).json()
        assert audit["resourceType"] == "Bundle"
        comms = [e["resource"] for e in audit["entry"]]
        assert [c["topic"]["coding"][0]["code"] for c in comms] == [
            "created",
            "acknowledged",
            "resolved",
        ]
        assert {c["resourceType"] for c in comms} == {"Communication"}
        window = {"from": START.isoformat(), "to": (START + timedelta(hours=1)).isoformat()}
        unit = (await h.get(f"{base}/audit", params=window)).json()
        codes = [e["resource"]["topic"]["coding"][0]["code"] for e in unit["entry"]]
        assert codes == ["created", "snoozed", "acknowledged", "resolved"]

        got = (await h.get(f"{base}/alert-metrics", params=window | {"beds": 24})).json()
        (fall,) = got["kinds"]
        assert fall["kind"] == "fall" and fall["outcomes"] == {"not_found": 1}
        assert fall["ppv"] == 0.0 and fall["time_to_ack_s"]["p50"] == 45.0
        assert fall["time_to_resolve_s"]["p50"] == 200.0
        assert got["bed_days"] == 1.0 and got["alerts_per_bed_day"] == 1.0
        bad = await h.get(
            f"{base}/alert-metrics", params={"from": window["to"], "to": window["from"]}
        )
        assert bad.status_code == 400


def _some(alert: Alert | None) -> Alert:
    assert alert is not None
    return alert
