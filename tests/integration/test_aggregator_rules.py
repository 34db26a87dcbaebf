"""The rules task against a real Redis: stream entries become alerts and room state, and
entries a crashed consumer left pending are claimed and applied, never stranded.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as aioredis

from aggregator import samples
from aggregator.alerts.store import AlertStore
from aggregator.config import RulesConfig
from aggregator.metrics import Metrics
from aggregator.rules.consumer import RulesConsumer
from aggregator.store import PARTITIONS_KEY, RULES_GROUP, Partition
from ambient.services import Service
from protocol import Phase, dump_event

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(redis_service: Service) -> AsyncIterator[aioredis.Redis]:
    redis = aioredis.Redis.from_url(f"{redis_service.url}/0")
    yield redis
    await redis.aclose()


def _partition() -> Partition:
    tag = uuid.uuid4().hex[:8]
    return Partition(f"s{tag}", f"u{tag}")


async def _append(redis: aioredis.Redis, part: Partition, payload: bytes) -> None:
    await redis.sadd(PARTITIONS_KEY, part.name)
    await redis.xadd(part.events, {"kind": "event", "payload": payload, "recv_ts": "0"})


async def _wait(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def _pending(redis: aioredis.Redis, part: Partition) -> int:
    info = await redis.xpending(part.events, RULES_GROUP)
    return int(info["pending"])


async def test_fall_phases_update_one_alert_and_occupancy_updates_the_room(
    client: aioredis.Redis,
) -> None:
    part = _partition()
    st = samples.stamper(site=part.site, unit=part.unit)
    episode, t0 = uuid.uuid4(), time.time()
    for phase, on_floor in [(Phase.START, 0.0), (Phase.UPDATE, 30.0), (Phase.END, 45.0)]:
        await _append(
            client, part, dump_event(samples.fall(st, phase, episode, t0 + on_floor, on_floor))
        )
    await _append(client, part, dump_event(samples.occupancy(st, 2, t0 + 50)))

    store = AlertStore(client)
    consumer = RulesConsumer(client, store, Metrics(), RulesConfig(), consumer="rules-test")
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:

        async def room_seen() -> bool:
            return bool(await store.rooms(part))

        await _wait(room_seen, 10, "the occupancy of the room")
    finally:
        stop.set()
        await task
    alerts = await store.active([part])
    assert len(alerts) == 1, "one alert per episode"
    alert = alerts[0]
    assert alert.on_floor_s == 45.0 and alert.condition == "ended" and alert.open
    assert (await store.rooms(part))["412"]["occupied"] == 2
    assert await _pending(client, part) == 0


async def test_entries_left_pending_by_a_dead_consumer_are_claimed(client: aioredis.Redis) -> None:
    part = _partition()
    st = samples.stamper(site=part.site, unit=part.unit)
    await _append(
        client, part, dump_event(samples.fall(st, Phase.START, uuid.uuid4(), time.time()))
    )
    await client.xgroup_create(part.events, RULES_GROUP, id="0")
    # A consumer that read the entry and died before acking it.
    await client.xreadgroup(RULES_GROUP, "crashed-worker", {part.events: ">"}, count=10)
    assert await _pending(client, part) == 1

    store = AlertStore(client)
    cfg = RulesConfig(claim_idle_ms=1000)
    consumer = RulesConsumer(client, store, Metrics(), cfg, consumer="rules-other")
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:

        async def claimed() -> bool:
            return await _pending(client, part) == 0

        await _wait(claimed, 10, "the stale entry to be claimed and acked")
    finally:
        stop.set()
        await task
    assert [a.kind for a in await store.active([part])] == ["fall"]
