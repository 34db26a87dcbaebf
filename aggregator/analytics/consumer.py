"""The analytics task: follow every partition stream and fold it into the roll-ups.

Apply-once without a consumer group: each partition has a cursor (the last stream entry id
applied), and a batch's counters, its rooms' carried state and the new cursor are written by
one Lua call that first checks the cursor is still the one the batch was computed from
(compare-and-set). So a crash before the call applies nothing, a crash after it applied all,
a re-read never counts an entry twice, and two aggregator processes can both run this task:
the loser of a race re-reads and finds the entries applied. A consumer group would spread one
partition's entries over consumers, and the occupancy and activity times need them in order.

The stream is already deduplicated by ``event_id`` at ingest, so once per entry is once per
event. The work is blocking redis-py calls run in a worker thread: redis-py's asyncio reader
parses long XRANGE replies several times slower than its blocking one, and this task reads
every entry of every stream. Entries trimmed away before being applied are lost to the
roll-ups (keep the stream's MAXLEN above a day of traffic).
"""

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import redis
from pydantic import ValidationError
from redis.exceptions import RedisError

from aggregator.analytics import keys
from aggregator.analytics.rollup import Ops, Rollup, RoomCarry, Shifts
from aggregator.store import PARTITIONS_KEY, Partition
from protocol import parse_event

logger = logging.getLogger(__name__)

BATCH = 1000
IDLE_S = 0.5

APPLY_LUA = """
-- KEYS[1] cursor, KEYS[2] state hash, KEYS[3..] counter hashes (one hash tag: one slot).
-- ARGV: expected cursor ('' = none), new cursor, number of rooms, (room, json) per room,
-- then (op, key index, field, value) per operation: i = add, x = max, n = min, s = set.
-- Returns 0 without writing anything when the cursor moved (another writer applied).
local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[1] then return 0 end
local rooms = tonumber(ARGV[3])
local i = 4
for _ = 1, rooms do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i <= #ARGV do
  local op, key, f, v = ARGV[i], KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2], ARGV[i + 3]
  if op == 'i' then
    redis.call('HINCRBY', key, f, v)
  else
    local old = tonumber(redis.call('HGET', key, f))
    local new = tonumber(v)
    if op == 's' or old == nil or (op == 'x' and new > old) or (op == 'n' and new < old) then
      redis.call('HSET', key, f, v)
    end
  end
  i = i + 4
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""

Entry = tuple[bytes, dict[bytes, bytes]]


@dataclass(slots=True)
class CatchUp:
    entries: int = 0
    events: int = 0
    batches: int = 0
    conflicts: int = 0


class AnalyticsConsumer:
    """Folds every partition's new entries into the roll-ups; `run` until stopped."""

    def __init__(
        self,
        client: "redis.Redis",
        *,
        shifts: Mapping[str, Shifts] | None = None,
        batch: int = BATCH,
    ) -> None:
        self._client = client
        self._shifts = dict(shifts or {})
        self._batch = batch
        self._apply = client.register_script(APPLY_LUA)

    async def run(self, stop: asyncio.Event) -> None:
        """Follow the streams until ``stop``; each catch-up runs in a worker thread."""
        delay = 0.1
        while not stop.is_set():
            try:
                done = await asyncio.to_thread(self.catch_up)
                delay = 0.1
                if not done.entries:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), IDLE_S)
            except RedisError as e:
                logger.warning("analytics: redis error (%s); retrying in %.1f s", e, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, 5.0)

    def catch_up(self) -> CatchUp:
        """Apply every entry written so far, partition by partition (blocking)."""
        stats = CatchUp()
        names = cast(set[bytes], self._client.smembers(PARTITIONS_KEY))
        for name in sorted(n.decode() for n in names):
            part = Partition.parse(name)
            while self._step(part, stats):
                pass
        return stats

    def _step(self, part: Partition, stats: CatchUp) -> bool:
        """One batch of one partition; False when it has nothing new."""
        cursor_raw = cast(bytes | None, self._client.get(keys.cursor_key(part)))
        cursor = cursor_raw.decode() if cursor_raw else ""
        entries = cast(
            list[Entry],
            self._client.xrange(
                part.events, min=f"({cursor}" if cursor else "-", count=self._batch
            ),
        )
        if not entries:
            return False
        raw_state = cast(dict[bytes, bytes], self._client.hgetall(keys.state_key(part)))
        carry = {k.decode(): RoomCarry.from_json(v) for k, v in raw_state.items()}
        shifts = self._shifts.get(part.name) or self._shifts.get(part.unit)
        rollup = Rollup(part, carry, shifts)
        touched: set[str] = set()
        for _, fields in entries:
            if fields.get(b"kind") == b"status":
                continue
            try:
                event = parse_event(fields[b"payload"])
            except (ValidationError, KeyError):
                logger.exception("analytics: stored entry of %s does not parse", part.name)
                continue
            rollup.apply(event)
            touched.add(event.room)
            stats.events += 1
        applied = self._write(part, cursor, entries[-1][0].decode(), rollup.ops, touched)
        if applied:
            stats.entries += len(entries)
            stats.batches += 1
        else:
            stats.conflicts += 1
        return True

    def _write(
        self, part: Partition, expected: str, cursor: str, ops: Ops, touched: set[str]
    ) -> bool:
        key_index: dict[str, int] = {}
        args: list[str | int] = [expected, cursor]
        rooms = [r for r in sorted(touched) if r in ops.carry]
        args.append(len(rooms))
        for room in rooms:
            args += [room, ops.carry[room].to_json()]
        for code, table in (("i", ops.incr), ("x", ops.maxes), ("n", ops.mins), ("s", ops.sets)):
            for (key, name), value in table.items():
                index = key_index.setdefault(key, len(key_index) + 3)
                args += [code, index, name, value]
        key_list = [keys.cursor_key(part), keys.state_key(part), *key_index]
        result: Any = self._apply(keys=key_list, args=args)
        return bool(result)
