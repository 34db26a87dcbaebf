"""A flood of fake falls from one room against a real Redis: at most the cap of that room's
alerts reach the feed, the rest are recorded as suppressed, and other rooms are untouched."""

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import redis
import redis.asyncio as aioredis

from aggregator import samples
from aggregator.alerts.lifecycle import on_fall, resolve
from aggregator.alerts.model import AlertKind, AlertStatus, Outcome, episode_alert_id
from aggregator.alerts.store import AlertStore
from aggregator.retention import forget
from aggregator.store import PARTITIONS_KEY, Partition
from ambient.services import Service
from protocol import Phase

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(redis_service: Service) -> AsyncIterator[aioredis.Redis]:
    redis = aioredis.Redis.from_url(f"{redis_service.url}/0")
    yield redis
    await redis.aclose()


async def _fall(store: AlertStore, part: Partition, room: str) -> str:
    st = samples.stamper(site=part.site, unit=part.unit, room=room, agent_id=f"agent-{room}")
    event = samples.fall(st, Phase.START, uuid.uuid4(), time.time())
    alert_id = episode_alert_id(AlertKind.FALL, event.episode_id)
    now = datetime.now(UTC)
    await store.update(part, alert_id, lambda alert: on_fall(alert, event, now))
    return alert_id


async def test_a_room_past_its_cap_raises_no_more_alerts(client: aioredis.Redis) -> None:
    tag = uuid.uuid4().hex[:8]
    part = Partition(f"s{tag}", f"u{tag}")
    store = AlertStore(client, max_open_per_room=3)
    flood = [await _fall(store, part, "412") for _ in range(40)]
    other = await _fall(store, part, "414")

    active = await store.active([part])
    assert sorted(a.room for a in active) == ["412", "412", "412", "414"]
    assert other in {a.alert_id for a in active}
    held = await store.get_in(part, flood[-1])
    assert held is not None and held.status is AlertStatus.SUPPRESSED
    assert held.reason is not None and held.reason.startswith("room_alert_cap")
    assert len(await store.history(part)) == 41, "every fall is recorded, none lost"

    now = datetime.now(UTC)
    await store.update(
        part, flood[0], lambda a: [resolve(a, "n-1", Outcome.FALSE_ALARM, now)] if a else []
    )
    again = await _fall(store, part, "412")
    assert again in {a.alert_id for a in await store.active([part])}, "a freed place is used"


async def test_a_forgotten_room_starts_with_no_alerts_counted(
    client: aioredis.Redis, redis_service: Service
) -> None:
    """`ambient data forget` of a room deletes its alerts: the cap must not count them."""
    tag = uuid.uuid4().hex[:8]
    part = Partition(f"s{tag}", f"u{tag}")
    await client.sadd(PARTITIONS_KEY, part.name)
    store = AlertStore(client, max_open_per_room=2)
    for _ in range(3):
        await _fall(store, part, "412")
    sync = redis.Redis(port=redis_service.port)
    try:
        forget(sync, part.site, part.unit, "412")
    finally:
        sync.close()
    assert await store.active([part]) == []
    fresh = await _fall(store, part, "412")
    assert [a.alert_id for a in await store.active([part])] == [fresh]
