"""The JSON API a nurse's clicks go through: acknowledge, then resolve with an outcome.

The FastAPI app runs in-process over httpx against the real Redis; alerts are seeded through
the same store and lifecycle the rules task uses.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis.asyncio as aioredis

from aggregator import samples
from aggregator.alerts.lifecycle import on_bed_exit, on_fall
from aggregator.alerts.model import Alert, AlertKind, episode_alert_id
from aggregator.alerts.store import AlertStore
from aggregator.metrics import Metrics
from aggregator.store import PARTITIONS_KEY, Partition
from aggregator.web.api import create_app
from ambient.services import Service
from protocol import Phase

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
    assert health.json() == {"ok": True, "mqtt_connected": True, "redis": True}
    assert "ambient_events_ingested" in (await http.get("/metrics")).text


async def test_two_homes_with_the_same_unit_id_never_share_a_feed(client: Feed) -> None:
    http, store, redis = client
    mine, theirs = _unit()[0], _unit()[0]
    await _open_fall(store, redis, mine, "home", room="living")
    await _open_fall(store, redis, theirs, "home", room="bedroom")
    listed = (await http.get(f"/api/sites/{mine}/units/home/alerts")).json()
    assert [(a["site"], a["room"]) for a in listed] == [(mine, "living")]
    assert (await http.get("/api/sites/-bad/units/home/alerts")).status_code == 404
