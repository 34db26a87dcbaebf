"""Forgetting a place and expiring old data, against a real Redis filled by the real rules
and roll-up tasks: a family asks for their father's room to be deleted, and nothing of that
room is left, while the room next door keeps all of its history."""

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
import redis
import redis.asyncio as aioredis
from redis.typing import EncodableT, FieldT

from aggregator import samples
from aggregator.alerts.lifecycle import resolve
from aggregator.alerts.model import Alert, Outcome
from aggregator.alerts.store import AlertStore
from aggregator.analytics.consumer import AnalyticsConsumer
from aggregator.config import RulesConfig
from aggregator.metrics import Metrics
from aggregator.retention import expire, forget
from aggregator.rules.consumer import RulesConsumer
from aggregator.store import DEADLETTER_STREAM, PARTITIONS_KEY, Partition
from ambient.cli import main
from ambient.services import Service, redis_server
from protocol import Phase, dump_event

pytestmark = pytest.mark.integration


def _fill(url: str, part: Partition, rooms: list[str]) -> None:
    """Falls and occupancy in each room through the real rules and roll-up code."""
    sync = redis.Redis.from_url(url)
    t0 = time.time()
    for room in rooms:
        st = samples.stamper(site=part.site, unit=part.unit, room=room, agent_id=f"agent-{room}")
        episode = uuid.uuid4()
        for payload in [
            dump_event(samples.fall(st, Phase.START, episode, t0)),
            dump_event(samples.occupancy(st, 1, t0 + 1)),
        ]:
            sync.sadd(PARTITIONS_KEY, part.name)
            sync.xadd(part.events, {"kind": "event", "payload": payload, "recv_ts": "0"})
        bad = dump_event(samples.occupancy(st, 2, t0 + 2)).replace(b'"count"', b'"cnt"')
        topic = f"ambient/v1/{part.site}/agents/agent-{room}/events/occupancy"
        sync.xadd(DEADLETTER_STREAM, {"reason": "invalid", "topic": topic, "payload": bad})

    async def rules() -> None:
        client = aioredis.Redis.from_url(url)
        store = AlertStore(client)
        consumer = RulesConsumer(client, store, Metrics(), RulesConfig(), consumer="retention")
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        deadline = time.monotonic() + 15
        while len(await store.rooms(part)) < len(rooms) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await task
        await client.aclose()

    asyncio.run(rules())
    AnalyticsConsumer(redis.Redis.from_url(url, protocol=2)).catch_up()
    sync.close()


def _rooms_in(client: "redis.Redis", part: Partition) -> set[str]:
    """Every room still named anywhere under the unit's keys (streams, hashes, alerts)."""
    found: set[str] = set()
    for key in client.scan_iter(match=f"ambient:{{{part.name}}}:*"):
        kind = client.type(key)
        if kind == b"stream":
            for _, fields in cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrange(key)):
                for value in fields.values():
                    found |= {r for r in ("412", "413") if f'"{r}"'.encode() in value}
        elif kind == b"hash":
            for name, value in cast(dict[bytes, bytes], client.hgetall(key)).items():
                found |= {r for r in ("412", "413") if r.encode() in name + value}
    return found


def test_forgetting_a_room_leaves_nothing_of_it_and_all_of_its_neighbour(
    redis_service: Service,
) -> None:
    url = f"{redis_service.url}/0"
    tag = uuid.uuid4().hex[:8]
    part = Partition(f"s{tag}", f"u{tag}")
    _fill(url, part, ["412", "413"])
    client = redis.Redis.from_url(url)
    assert _rooms_in(client, part) == {"412", "413"}
    letters = len(cast(list[object], client.xrange(DEADLETTER_STREAM)))

    done = forget(client, part.site, part.unit, "412")

    assert _rooms_in(client, part) == {"413"}
    assert done.alerts == 1 and done.entries >= 3
    left = asyncio.run(_active(url, part))
    assert [a.room for a in left] == ["413"]
    dead = cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrange(DEADLETTER_STREAM))
    assert len(dead) == letters - 1
    assert not [f for _, f in dead if b'"412"' in f[b"payload"] and tag.encode() in f[b"topic"]]
    client.close()


async def _active(url: str, part: Partition) -> list[Alert]:
    client = aioredis.Redis.from_url(url)
    try:
        return list(await AlertStore(client).active([part]))
    finally:
        await client.aclose()


def test_forgetting_a_site_from_the_command_line(redis_service: Service, tmp_path: Path) -> None:
    url = f"{redis_service.url}/0"
    tag = uuid.uuid4().hex[:8]
    parts = [Partition(f"s{tag}", f"u{tag}"), Partition(f"s{tag}", f"w{tag}")]
    for part in parts:
        _fill(url, part, ["412"])
    client = redis.Redis.from_url(url)
    set_aside: dict[FieldT, EncodableT] = {
        "reason": "rules.failed",
        "topic": "",
        "stream": parts[0].events,
        "payload": b"\xff",
    }
    poison_id = client.xadd(DEADLETTER_STREAM, set_aside)  # a reader's poison entry
    config = tmp_path / "central.yaml"
    config.write_text(f"redis: {{url: '{url}'}}\n")
    assert main(["data", "forget", "--config", str(config), "--site", f"s{tag}"]) == 2  # no --yes
    assert list(client.scan_iter(match=f"ambient:{{s{tag}:*"))
    assert main(["data", "forget", "--config", str(config), "--site", f"s{tag}", "--yes"]) == 0
    assert list(client.scan_iter(match=f"ambient:{{s{tag}:*")) == []
    names = {n.decode() for n in cast(set[bytes], client.smembers(PARTITIONS_KEY))}
    assert not {p.name for p in parts} & names
    index = cast(dict[bytes, bytes], client.hgetall("ambient:alert-index"))
    assert not [v for v in index.values() if v.decode().startswith(f"s{tag}:")]
    assert client.xrange(DEADLETTER_STREAM, min=poison_id, max=poison_id) == []
    client.close()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Service]:
    """Expiry applies to every unit in the database: this test gets a Redis of its own."""
    service = redis_server(tmp_path / "redis").start()
    yield service
    service.stop()


def test_expire_drops_old_entries_and_old_resolved_alerts_only(own_redis: Service) -> None:
    url = f"{own_redis.url}/0"
    tag = uuid.uuid4().hex[:8]
    part = Partition(f"s{tag}", f"u{tag}")
    client = redis.Redis.from_url(url)
    now = datetime.now(UTC)
    old_ms = int((now - timedelta(days=200)).timestamp() * 1000)
    st = samples.stamper(site=part.site, unit=part.unit, room="413", agent_id="agent-413")
    ancient = dump_event(samples.occupancy(st, 1, old_ms / 1000))
    client.xadd(
        part.events, {"kind": "event", "payload": ancient, "recv_ts": "0"}, id=f"{old_ms}-0"
    )
    _fill(url, part, ["412", "413"])
    asyncio.run(_resolve(url, part, "413"))
    before = client.xlen(part.events)

    done = expire(client, now, events_days=90, dead_letters_days=30, resolved_alerts_days=730)
    assert (done.entries, done.alerts) == (1, 0)
    assert client.xlen(part.events) == before - 1

    later = now + timedelta(days=800)  # the resolved alert is now past its two years
    done = expire(
        client, later, events_days=10_000, dead_letters_days=10_000, resolved_alerts_days=730
    )
    assert done.alerts == 1
    assert [a.room for a in asyncio.run(_active(url, part))] == ["412"]  # open: kept
    assert _rooms_in(client, part) >= {"412", "413"}  # room state and roll-ups stay
    client.close()


async def _resolve(url: str, part: Partition, room: str) -> None:
    client = aioredis.Redis.from_url(url)
    store = AlertStore(client)
    try:
        (alert,) = [a for a in await store.active([part]) if a.room == room]
        now = datetime.now(UTC)
        await store.update(
            part, alert.alert_id, lambda a: [resolve(a, "n-1", Outcome.TRUE_FALL, now)] if a else []
        )
    finally:
        await client.aclose()
