"""The JSON API a nurse's clicks go through: acknowledge, then resolve with an outcome.

The FastAPI app runs in-process over httpx against the real Redis; alerts are seeded through
the same store and lifecycle the rules task uses.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from aggregator import samples
from aggregator.alerts.lifecycle import on_bed_exit, on_fall
from aggregator.alerts.model import Alert, AlertKind, episode_alert_id
from aggregator.alerts.store import AlertStore
from aggregator.config import RulesConfig
from aggregator.metrics import Metrics
from aggregator.rules.consumer import RulesConsumer
from aggregator.rules.room_state import rooms_channel
from aggregator.store import PARTITIONS_KEY, Partition
from aggregator.web.api import create_app
from ambient.services import Service
from protocol import Phase, dump_event

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


NOW = datetime(2026, 11, 29, 3, 12, 7, tzinfo=UTC)


class _Connected:
    connected = True


Feed = tuple[httpx.AsyncClient, AlertStore, aioredis.Redis]


@pytest.fixture
async def client(redis_service: Service) -> AsyncIterator[Feed]:
    redis = aioredis.Redis.from_url(f"{redis_service.url}/0")
    app = create_app(redis, Metrics(), _Connected(), clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://feed") as http:
        yield http, AlertStore(redis), redis
    await redis.aclose()


async def _open_fall(
    store: AlertStore,
    redis: aioredis.Redis,
    site: str,
    unit: str,
    *,
    room: str = "412",
    at: datetime = NOW,
) -> Alert:
    st = samples.stamper(site=site, unit=unit, room=room)
    event = samples.fall(st, Phase.START, uuid.uuid4(), NOW.timestamp())
    part = Partition(site, unit)
    await redis.sadd(PARTITIONS_KEY, part.name)  # as ingest does
    alert_id = episode_alert_id(AlertKind.FALL, event.episode_id)
    actions = await store.update(part, alert_id, lambda a: on_fall(a, event, at))
    return actions[0].alert


def _unit() -> tuple[str, str]:
    tag = uuid.uuid4().hex[:8]
    return f"s{tag}", f"u{tag}"


async def test_ack_then_resolve_changes_the_stored_alert(
    client: Feed,
) -> None:
    http, store, redis = client
    site, unit = _unit()
    alert = await _open_fall(store, redis, site, unit)

    listed = (await http.get(f"/api/sites/{site}/units/{unit}/alerts")).json()
    assert [a["alert_id"] for a in listed] == [alert.alert_id]

    r = await http.post(f"/api/alerts/{alert.alert_id}/ack", json={"by": "rn-07"})
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    stored = (await http.get(f"/api/alerts/{alert.alert_id}")).json()
    assert stored["status"] == "acknowledged" and stored["acknowledged_by"] == "rn-07"
    still = (await http.get(f"/api/sites/{site}/units/{unit}/alerts")).json()
    assert [a["alert_id"] for a in still] == [alert.alert_id], "ack must not clear the alert"

    r = await http.post(
        f"/api/alerts/{alert.alert_id}/resolve", json={"by": "rn-07", "outcome": "true_fall"}
    )
    assert r.status_code == 200
    stored = (await http.get(f"/api/alerts/{alert.alert_id}")).json()
    assert stored["status"] == "resolved" and stored["outcome"] == "true_fall"
    assert [e["action"] for e in stored["audit"]] == ["open", "ack", "resolve"]
    assert (await http.get(f"/api/sites/{site}/units/{unit}/alerts")).json() == []


async def test_resolve_without_outcome_is_refused_and_changes_nothing(
    client: Feed,
) -> None:
    http, store, redis = client
    site, unit = _unit()
    alert = await _open_fall(store, redis, site, unit)
    r = await http.post(f"/api/alerts/{alert.alert_id}/resolve", json={"by": "rn-07"})
    assert r.status_code == 422
    r = await http.post(
        f"/api/alerts/{alert.alert_id}/resolve", json={"by": "rn-07", "outcome": "maybe"}
    )
    assert r.status_code == 422
    assert (await http.get(f"/api/alerts/{alert.alert_id}")).json()["status"] == "active"


async def test_acting_on_a_resolved_or_unknown_alert_is_an_error(
    client: Feed,
) -> None:
    http, store, redis = client
    site, unit = _unit()
    alert = await _open_fall(store, redis, site, unit)
    body = {"by": "rn-07", "outcome": "false_alarm"}
    assert (await http.post(f"/api/alerts/{alert.alert_id}/resolve", json=body)).status_code == 200
    assert (await http.post(f"/api/alerts/{alert.alert_id}/resolve", json=body)).status_code == 409
    r = await http.post(f"/api/alerts/{alert.alert_id}/ack", json={"by": "rn-07"})
    assert r.status_code == 409
    assert (await http.get(f"/api/alerts/{uuid.uuid4()}")).status_code == 404


async def test_feed_lists_high_priority_first_then_oldest(client: Feed) -> None:
    http, store, redis = client
    site, unit = _unit()
    part = Partition(site, unit)
    st = samples.stamper(site=site, unit=unit, room="400")
    bed = samples.bed_exit(st, "exit", uuid.uuid4(), NOW.timestamp())
    bed_id = episode_alert_id(AlertKind.BED_EXIT, bed.episode_id)
    await store.update(
        part, bed_id, lambda a: on_bed_exit(a, bed, NOW - timedelta(minutes=5), True)
    )
    await _open_fall(store, redis, site, unit, room="402", at=NOW)
    await _open_fall(store, redis, site, unit, room="401", at=NOW - timedelta(seconds=30))
    listed = (await http.get(f"/api/sites/{site}/units/{unit}/alerts")).json()
    assert [(a["priority"], a["room"]) for a in listed] == [
        ("high", "401"),
        ("high", "402"),
        ("medium", "400"),
    ]


async def test_pages_health_and_metrics(client: Feed) -> None:
    http, store, redis = client
    site, unit = _unit()
    await _open_fall(store, redis, site, unit)
    index = await http.get("/")
    assert f'href="/sites/{site}/units/{unit}"' in index.text
    page = await http.get(f"/sites/{site}/units/{unit}")
    assert page.status_code == 200 and f'data-unit="{unit}"' in page.text
    assert f'data-site="{site}"' in page.text
    assert "http://" not in page.text and "https://" not in page.text, "no CDN, no fonts"
    health = await http.get("/healthz")
    assert health.json() == {"ok": True, "mqtt_connected": True, "redis": True, "failing": {}}
    assert "ambient_events_ingested" in (await http.get("/metrics")).text


async def test_two_homes_with_the_same_unit_id_never_share_a_feed(client: Feed) -> None:
    http, store, redis = client
    mine, theirs = _unit()[0], _unit()[0]
    await _open_fall(store, redis, mine, "home", room="living")
    await _open_fall(store, redis, theirs, "home", room="bedroom")
    listed = (await http.get(f"/api/sites/{mine}/units/home/alerts")).json()
    assert [(a["site"], a["room"]) for a in listed] == [(mine, "living")]
    assert (await http.get("/api/sites/-bad/units/home/alerts")).status_code == 404


async def _applied(redis: aioredis.Redis, part: Partition) -> bool:
    """Every entry of the stream read by the rules group and acknowledged."""
    try:
        groups = await redis.xinfo_groups(part.events)
    except ResponseError:
        return False
    return bool(groups) and groups[0]["lag"] == 0 and groups[0]["pending"] == 0


async def _run_rules(redis: aioredis.Redis, part: Partition, payloads: list[bytes]) -> None:
    """Append entries as ingest does and let the real rules task apply all of them."""
    await redis.sadd(PARTITIONS_KEY, part.name)
    for payload in payloads:
        await redis.xadd(part.events, {"kind": "event", "payload": payload, "recv_ts": "0"})
    consumer = RulesConsumer(redis, AlertStore(redis), Metrics(), RulesConfig(), consumer="web")
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        for _ in range(200):
            if await _applied(redis, part):
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task


async def test_rooms_show_their_state_since_when_and_their_open_alerts(client: Feed) -> None:
    http, _store, redis = client
    site, unit = _unit()
    part = Partition(site, unit)
    t0 = NOW.timestamp() - 600
    fallen = samples.stamper(site=site, unit=unit, room="412", agent_id="a412")
    up = samples.stamper(site=site, unit=unit, room="414", agent_id="a414")
    episode = uuid.uuid4()
    await _run_rules(
        redis,
        part,
        [
            dump_event(samples.occupancy(fallen, 1, t0)),
            dump_event(samples.fall(fallen, Phase.START, episode, t0 + 60)),
            dump_event(samples.occupancy(up, 1, t0)),
            dump_event(samples.bed_exit(up, "exit", uuid.uuid4(), t0 + 120)),
        ],
    )
    rooms = {r["room"]: r for r in (await http.get(f"/api/sites/{site}/units/{unit}/rooms")).json()}
    assert rooms["412"]["state"] == "on_floor" and rooms["414"]["state"] == "out_of_bed"
    assert rooms["412"]["since"] == datetime.fromtimestamp(t0 + 60, UTC).isoformat()
    assert rooms["412"]["alert_ids"] == [episode_alert_id(AlertKind.FALL, episode)]
    assert len(rooms["414"]["alert_ids"]) == 1 and rooms["414"]["snoozed_until"] is None

    r = await http.post(
        f"/api/sites/{site}/units/{unit}/rooms/414/snooze", json={"minutes": 30, "by": "cn-1"}
    )
    assert r.status_code == 200
    rooms = {r["room"]: r for r in (await http.get(f"/api/sites/{site}/units/{unit}/rooms")).json()}
    assert rooms["414"]["snoozed_until"] == (NOW + timedelta(minutes=30)).isoformat()


async def test_the_stream_starts_with_alerts_and_rooms_then_pushes_room_changes(
    redis_service: Service,
) -> None:
    redis = aioredis.Redis.from_url(f"{redis_service.url}/0")
    stopping = asyncio.Event()
    app = create_app(redis, Metrics(), _Connected(), clock=lambda: NOW, stopping=stopping)
    site, unit = _unit()
    part = Partition(site, unit)
    st = samples.stamper(site=site, unit=unit, room="301")
    await _run_rules(redis, part, [dump_event(samples.occupancy(st, 1, NOW.timestamp() - 60))])

    async def read_stream() -> str:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://feed") as http:
            return (await http.get(f"/api/sites/{site}/units/{unit}/stream")).text

    reader = asyncio.create_task(read_stream())
    try:
        for _ in range(100):  # until the stream has subscribed
            if (await redis.pubsub_numsub(rooms_channel(part)))[0][1]:
                break
            await asyncio.sleep(0.05)
        await _run_rules(
            redis, part, [dump_event(samples.fall(st, Phase.START, uuid.uuid4(), NOW.timestamp()))]
        )
        await asyncio.sleep(0.3)
    finally:
        stopping.set()
    text = await asyncio.wait_for(reader, 10)
    await redis.aclose()
    events = [
        (block.split("\n")[0].removeprefix("event: "), block.split("data: ", 1)[1])
        for block in text.replace("retry: 2000\n", "").split("\n\n")
        if block.startswith("event: ")
    ]
    kinds = [kind for kind, _ in events]
    assert kinds[:2] == ["snapshot", "rooms"]
    assert json.loads(events[1][1])[0]["state"] == "occupied"
    room_events = [json.loads(data) for kind, data in events if kind == "room"]
    assert room_events and room_events[-1]["room"] == "301"
    assert room_events[-1]["state"] == "on_floor"
    assert "alert" in kinds, "the fall itself arrives on the same stream"


async def test_a_flood_of_alerts_is_listed_a_page_at_a_time_most_urgent_first(
    redis_service: Service,
) -> None:
    """Thousands of fake falls once made every listing read them all (8.7 s): a listing and
    the feed's snapshot now carry the 200 most urgent, and the listing says how many are
    open."""
    redis = aioredis.Redis.from_url(f"{redis_service.url}/0")
    stopping = asyncio.Event()
    stopping.set()  # the stream sends its snapshot and ends
    app = create_app(redis, Metrics(), _Connected(), clock=lambda: NOW, stopping=stopping)
    store = AlertStore(redis)
    site, unit = _unit()
    part = Partition(site, unit)
    st = samples.stamper(site=site, unit=unit, room="400")
    bed = samples.bed_exit(st, "exit", uuid.uuid4(), NOW.timestamp())
    bed_id = episode_alert_id(AlertKind.BED_EXIT, bed.episode_id)
    await store.update(part, bed_id, lambda a: on_bed_exit(a, bed, NOW - timedelta(hours=1), True))
    falls = [
        await _open_fall(store, redis, site, unit, room=f"{i}", at=NOW - timedelta(seconds=i))
        for i in range(250)
    ]
    expected = [f.alert_id for f in reversed(falls)] + [bed_id]  # falls oldest first, then bed
    units = f"/api/sites/{site}/units/{unit}"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://feed"
    ) as http:
        first = await http.get(f"{units}/alerts")
        assert first.status_code == 200
        assert len(first.json()) == 200, "a listing carries the 200 most urgent, not all"
        assert first.headers["x-total-count"] == "251"
        assert [a["alert_id"] for a in first.json()] == expected[:200]

        seen: list[str] = []
        url: str | None = f"{units}/alerts?limit=100"
        while url is not None:
            page = await http.get(url)
            seen += [a["alert_id"] for a in page.json()]
            link = page.headers.get("link")
            url = link.split(">")[0].lstrip("<") if link else None
        assert seen == expected, "following the pages lists every open alert once, in order"

        # The alert a cursor names is resolved before the next page is asked for.
        cursor = expected[99]
        body = {"by": "rn-07", "outcome": "false_alarm"}
        assert (await http.post(f"/api/alerts/{cursor}/resolve", json=body)).status_code == 200
        page = await http.get(f"{units}/alerts", params={"limit": 10, "after": cursor})
        assert [a["alert_id"] for a in page.json()] == expected[100:110], "none skipped"
        expected.remove(cursor)

        text = (await http.get(f"{units}/stream")).text
    await redis.aclose()
    events = {
        block.split("\n")[0].removeprefix("event: "): json.loads(block.split("data: ", 1)[1])
        for block in text.replace("retry: 2000\n", "").split("\n\n")
        if block.startswith("event: ")
    }
    assert [a["alert_id"] for a in events["snapshot"]] == expected[:200]
