"""A unit whose stored state cannot be read (a hand edit, an older format) crashes the task
that reads it, visibly, but only after every other unit had its turn: the alerts and reports
of the other units go on while it is broken, and its own resume once it is repaired.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from functools import partial

import pytest
import redis
import redis.asyncio as aioredis

from aggregator import samples
from aggregator.alerts.store import AlertStore
from aggregator.analytics import keys
from aggregator.analytics.consumer import AnalyticsConsumer
from aggregator.config import RulesConfig
from aggregator.metrics import Metrics
from aggregator.rules.consumer import RulesConsumer
from aggregator.store import PARTITIONS_KEY, RULES_GROUP, Partition
from aggregator.supervise import Backoff, RestartPolicy, Supervisor
from ambient.services import Service
from protocol import Phase, dump_event

pytestmark = pytest.mark.integration


def _partitions() -> tuple[Partition, Partition]:
    """Two units; the broken one is read first."""
    tag = uuid.uuid4().hex[:8]
    return Partition(f"a{tag}", f"u{tag}"), Partition(f"b{tag}", f"u{tag}")


def _fall(part: Partition) -> bytes:
    st = samples.stamper(site=part.site, unit=part.unit)
    return dump_event(samples.fall(st, Phase.START, uuid.uuid4(), time.time(), on_floor_s=5.0))


@pytest.fixture
def sync_client(redis_service: Service) -> Iterator["redis.Redis"]:
    client = redis.Redis(port=redis_service.port, protocol=2)
    yield client
    client.close()


def test_a_unit_whose_roll_up_state_is_unreadable_does_not_hold_up_the_others(
    sync_client: "redis.Redis",
) -> None:
    broken, other = _partitions()
    today = datetime.now(UTC).date()
    field = keys.field_name("412", None, "falls")
    sync_client.sadd(PARTITIONS_KEY, broken.name, other.name)
    sync_client.hset(keys.state_key(broken), "412", "{not json")
    for part in (broken, other):
        sync_client.xadd(part.events, {"kind": "event", "payload": _fall(part)})
    consumer = AnalyticsConsumer(sync_client)

    with pytest.raises(ValueError, match="Expecting property name"):
        consumer.catch_up()
    assert sync_client.hget(keys.day_key(other, "falls", today), field) == b"1"
    assert sync_client.hget(keys.day_key(broken, "falls", today), field) is None

    sync_client.delete(keys.state_key(broken))  # repaired
    consumer.catch_up()
    assert sync_client.hget(keys.day_key(broken, "falls", today), field) == b"1"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(redis_service: Service) -> AsyncIterator[aioredis.Redis]:
    redis_client = aioredis.Redis.from_url(f"{redis_service.url}/0")
    yield redis_client
    await redis_client.aclose()


async def _until(check: Callable[[], Awaitable[bool]], what: str, supervisor: Supervisor) -> None:
    deadline = time.monotonic() + 20
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        assert not supervisor.gave_up.is_set(), supervisor.reason
        await asyncio.sleep(0.05)


@pytest.mark.anyio
async def test_a_unit_whose_room_state_is_unreadable_does_not_hold_up_other_alerts(
    client: aioredis.Redis,
) -> None:
    broken, other = _partitions()
    await client.sadd(PARTITIONS_KEY, broken.name, other.name)
    await client.hset(broken.rooms, "412", "{not json")
    for part in (broken, other):
        await client.xadd(part.events, {"kind": "event", "payload": _fall(part)})
    store, stop, crashes = AlertStore(client), asyncio.Event(), list[str]()
    consumer = RulesConsumer(client, store, Metrics(), RulesConfig(), consumer="rules-broken")
    policy = RestartPolicy(backoff=Backoff(0.01, 0.05), max_restarts=1000, healthy_after_s=60)
    supervisor = Supervisor(stop, policy, on_crash=crashes.append)
    supervisor.start("rules", partial(consumer.run, stop))

    async def alerted(part: Partition) -> bool:
        return bool(await store.active([part]))

    async def repaired() -> bool:
        pending = await client.xpending(broken.events, RULES_GROUP)
        return int(pending["pending"]) == 0 and "412" in await store.rooms(broken)

    try:
        await _until(partial(alerted, other), "the other unit's alert", supervisor)
        assert crashes and "rules" in supervisor.failing()
        await client.hdel(broken.rooms, "412")  # repaired
        await _until(repaired, "the broken unit's room state", supervisor)
    finally:
        stop.set()
        await supervisor.wait(10)
    assert await alerted(broken)
