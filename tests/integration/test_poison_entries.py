"""A stored entry that a reader cannot process no longer stops the alerts, the reports or
the caregiver notifications of every unit: it is set aside in the dead-letter stream with its
reason, and the entries after it, in its unit and in others, are applied.

The entries are written straight into the partition streams, as entries stored before ingest
checked times (or by an older version) would be: ingest may refuse such events today.
"""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import cast

import pytest
import redis
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from aggregator import samples
from aggregator.alerts.store import AlertStore
from aggregator.analytics import keys
from aggregator.analytics.consumer import AnalyticsConsumer
from aggregator.config import RulesConfig
from aggregator.metrics import Metrics
from aggregator.notify.service import Notifier
from aggregator.notify.webhook import WebhookChannel
from aggregator.poison import PoisonReason
from aggregator.rules.consumer import RulesConsumer
from aggregator.store import DEADLETTER_STREAM, PARTITIONS_KEY, RULES_GROUP, Partition
from aggregator.supervise import Backoff, RestartPolicy, Supervisor
from ambient.services import Service
from protocol import Phase, dump_event
from tests.integration.test_notify import Receiver, append_fall, config, home, hook

pytestmark = pytest.mark.integration

Fields = dict[bytes, bytes]


def _partitions() -> tuple[Partition, Partition]:
    """Two units; the one holding the bad entry is read first."""
    tag = uuid.uuid4().hex[:8]
    return Partition(f"a{tag}", f"u{tag}"), Partition(f"b{tag}", f"u{tag}")


def _fall(part: Partition, ts: float) -> bytes:
    st = samples.stamper(site=part.site, unit=part.unit)
    return dump_event(samples.fall(st, Phase.START, uuid.uuid4(), ts, on_floor_s=5.0))


def _year_one_fall(part: Partition) -> bytes:
    """A schema-valid fall dated 0001-01-01: its landing (ts - on_floor_s) is before year 1."""
    body = json.loads(_fall(part, time.time()))
    body["ts"] = "0001-01-01T00:00:00Z"
    return json.dumps(body).encode()


def _text(entry_id: bytes | str) -> str:
    return entry_id.decode() if isinstance(entry_id, bytes) else entry_id


def _letters(client: "redis.Redis", part: Partition) -> list[Fields]:
    entries = cast(list[tuple[bytes, Fields]], client.xrange(DEADLETTER_STREAM))
    return [f for _, f in entries if f.get(b"stream") == part.events.encode()]


@pytest.fixture
def sync_client(redis_service: Service) -> Iterator["redis.Redis"]:
    client = redis.Redis(port=redis_service.port, protocol=2)
    yield client
    client.close()


def test_a_year_one_fall_is_set_aside_and_the_reports_go_on(sync_client: "redis.Redis") -> None:
    bad_unit, other = _partitions()
    now = time.time()
    today = datetime.fromtimestamp(now, UTC).date().isoformat()
    sync_client.sadd(PARTITIONS_KEY, bad_unit.name, other.name)
    sync_client.xadd(bad_unit.events, {"kind": "event", "payload": _fall(bad_unit, now - 1)})
    poison_id = sync_client.xadd(
        bad_unit.events, {"kind": "event", "payload": _year_one_fall(bad_unit)}
    )
    sync_client.xadd(bad_unit.events, {"kind": "event", "payload": _fall(bad_unit, now)})
    sync_client.xadd(other.events, {"kind": "event", "payload": _fall(other, now)})
    metrics = Metrics()

    done = AnalyticsConsumer(sync_client, metrics=metrics).catch_up()

    assert done.set_aside >= 1
    for part, expected in ((bad_unit, b"2"), (other, b"1")):
        falls = sync_client.hget(
            keys.day_key(part, "falls", today), keys.field_name("412", None, "falls")
        )
        assert falls == expected, f"the falls of today in {part.name}, before and after"
    [letter] = _letters(sync_client, bad_unit)
    assert letter[b"entry_id"] == poison_id
    assert letter[b"reader"] == b"analytics"
    assert letter[b"topic"] == b"", "the fields of ingest's dead letters, for their readers"
    assert letter[b"reason"] == b"analytics.out_of_range"
    assert b"outside the years" in letter[b"detail"]
    assert b"0001-01-01" in letter[b"payload"]
    assert sync_client.get(keys.cursor_key(bad_unit)) is not None
    counted = metrics.registry.get_sample_value(
        "ambient_entries_dead_lettered_total", {"reader": "analytics", "reason": "out_of_range"}
    )
    assert counted == 1


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(redis_service: Service) -> AsyncIterator[aioredis.Redis]:
    redis_client = aioredis.Redis.from_url(f"{redis_service.url}/0")
    yield redis_client
    await redis_client.aclose()


@pytest.mark.anyio
async def test_an_entry_the_rules_cannot_process_is_retried_then_set_aside(
    client: aioredis.Redis, sync_client: "redis.Redis"
) -> None:
    bad_unit, other = _partitions()
    now = time.time()
    await client.sadd(PARTITIONS_KEY, bad_unit.name, other.name)
    # A kind that is not text: processing it raises, every time (a crash of the task).
    failing = _text(
        await client.xadd(bad_unit.events, {"kind": b"\xff\xfe", "payload": _fall(bad_unit, now)})
    )
    unparseable = _text(
        await client.xadd(bad_unit.events, {"kind": "event", "payload": b"{not json"})
    )
    await client.xadd(bad_unit.events, {"kind": "event", "payload": _fall(bad_unit, now + 1)})
    await client.xadd(other.events, {"kind": "event", "payload": _fall(other, now)})
    metrics, store, stop = Metrics(), AlertStore(client), asyncio.Event()
    consumer = RulesConsumer(
        client, store, metrics, RulesConfig(), consumer="rules-poison", dead_letter_after=3
    )
    crashes: list[str] = []
    supervisor = Supervisor(
        stop, RestartPolicy(backoff=Backoff(0.01, 0.05)), on_crash=crashes.append
    )
    supervisor.start("rules", partial(consumer.run, stop))
    try:
        deadline = time.monotonic() + 20
        while not all([await store.active([bad_unit]), await store.active([other])]):
            assert time.monotonic() < deadline, "falls after the bad entry never raised alerts"
            assert not supervisor.gave_up.is_set(), supervisor.reason
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await supervisor.wait(10)

    assert crashes == ["rules", "rules"], "two failures crash the task, the third sets it aside"
    letters = {f[b"entry_id"].decode(): f for f in _letters(sync_client, bad_unit)}
    assert letters[failing][b"reason"] == b"rules.failed"
    assert letters[failing][b"detail"].startswith(b"UnicodeDecodeError")
    assert letters[unparseable][b"reason"] == b"rules.unparseable"
    assert int((await client.xpending(bad_unit.events, RULES_GROUP))["pending"]) == 0
    for reason in ("failed", "unparseable"):
        value = metrics.registry.get_sample_value(
            "ambient_entries_dead_lettered_total", {"reader": "rules", "reason": reason}
        )
        assert value == 1


@pytest.fixture
async def notify_client(redis_service: Service) -> AsyncIterator[aioredis.Redis]:
    redis_client = aioredis.Redis.from_url(f"{redis_service.url}/12")
    await redis_client.flushdb()
    yield redis_client
    await redis_client.aclose()


@pytest.mark.anyio
async def test_an_entry_the_notifier_cannot_process_is_set_aside_and_the_family_is_told(
    notify_client: aioredis.Redis,
) -> None:
    receiver = Receiver(script=[]).start()
    part = home()
    cfg = config(part, [hook(receiver.url)])
    set_aside: list[PoisonReason] = []
    notifier = Notifier(
        cfg,
        notify_client,
        [WebhookChannel(cfg.webhooks[0])],
        CollectorRegistry(),
        consumer="notify-poison",
        poll_s=0.05,
        on_set_aside=set_aside.append,
    )
    await notify_client.sadd(PARTITIONS_KEY, part.name)
    failing = _text(await notify_client.xadd(part.events, {"kind": b"\xff\xfe", "payload": b"{}"}))
    stop = asyncio.Event()
    task = asyncio.create_task(notifier.run(stop))
    try:
        await append_fall(notify_client, part, Phase.START, uuid.uuid4(), 0.0)
        deadline = time.monotonic() + 20
        while not receiver.accepted():
            assert time.monotonic() < deadline, "the fall after the bad entry was never sent"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        receiver.stop()
    assert set_aside == [PoisonReason.FAILED]
    entries = cast(list[tuple[bytes, Fields]], await notify_client.xrange(DEADLETTER_STREAM))
    [letter] = [f for _, f in entries if f[b"stream"] == part.events.encode()]
    assert letter[b"entry_id"].decode() == failing and letter[b"reason"] == b"notify.failed"
