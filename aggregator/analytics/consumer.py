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

An entry that cannot be folded in is set aside (`aggregator.poison`) rather than stopping the
roll-ups of every unit: a payload that does not parse, or that the roll-up refuses (a time
outside the years 1 to 9999), at once; one that raises anything else after ``dead_letter_after``
tries, each a crash of this task that the supervisor logs and restarts. A batch whose entry
fails part way is first applied up to that entry, so the entry is alone when it is set aside
and the cursor moves past it and nothing else.
"""

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import redis
from pydantic import ValidationError

from aggregator.analytics import keys
from aggregator.analytics.rollup import Ops, Rollup, RollupError, RoomCarry, Shifts
from aggregator.metrics import Metrics
from aggregator.poison import Failures, PoisonReason, set_aside_blocking
from aggregator.store import PARTITIONS_KEY, Partition
from aggregator.supervise import each_blocking, retry, wait_or_stop
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


READER = "analytics"


@dataclass(slots=True)
class CatchUp:
    entries: int = 0
    events: int = 0
    batches: int = 0
    conflicts: int = 0
    set_aside: int = 0


class _EntryFailedError(Exception):
    """Entry ``index`` of a batch raised ``error`` while being folded in."""

    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(str(error))
        self.index = index
        self.error = error


class AnalyticsConsumer:
    """Folds every partition's new entries into the roll-ups; `run` until stopped."""

    def __init__(
        self,
        client: "redis.Redis",
        *,
        shifts: Mapping[str, Shifts] | None = None,
        batch: int = BATCH,
        metrics: Metrics | None = None,
        dead_letter_after: int = 3,
    ) -> None:
        self._client = client
        self._shifts = dict(shifts or {})
        self._batch = batch
        self._metrics = metrics
        self._failures = Failures(dead_letter_after)
        self._short: dict[Partition, int] = {}
        """Partitions whose next batch stops before an entry that failed within a batch."""
        self._apply = client.register_script(APPLY_LUA)

    async def run(self, stop: asyncio.Event) -> None:
        """Follow the streams until ``stop``; each catch-up runs in a worker thread."""

        async def step() -> None:
            done = await asyncio.to_thread(self.catch_up)
            if not done.entries and not done.set_aside:
                await wait_or_stop(stop, IDLE_S)

        await retry(step, stop, what="analytics: redis error")

    def catch_up(self) -> CatchUp:
        """Apply every entry written so far, partition by partition (blocking)."""
        stats = CatchUp()
        names = cast(set[bytes], self._client.smembers(PARTITIONS_KEY))

        def follow(part: Partition) -> None:
            while self._step(part, stats):
                pass

        # A unit whose roll-up fails raises only after every other unit had its turn.
        parts = [Partition.parse(name) for name in sorted(n.decode() for n in names)]
        each_blocking(parts, follow, what=READER)
        return stats

    def _step(self, part: Partition, stats: CatchUp) -> bool:
        """One batch of one partition; False when it has nothing new."""
        cursor_raw = cast(bytes | None, self._client.get(keys.cursor_key(part)))
        cursor = cursor_raw.decode() if cursor_raw else ""
        entries = cast(
            list[Entry],
            self._client.xrange(
                part.events,
                min=f"({cursor}" if cursor else "-",
                count=self._short.pop(part, self._batch),
            ),
        )
        if not entries:
            return False
        raw_state = cast(dict[bytes, bytes], self._client.hgetall(keys.state_key(part)))
        carry = {k.decode(): RoomCarry.from_json(v) for k, v in raw_state.items()}
        shifts = self._shifts.get(part.name) or self._shifts.get(part.unit)
        rollup = Rollup(part, carry, shifts)
        try:
            touched, events = _fold(rollup, entries)
        except _EntryFailedError as failed:
            if failed.index > 0:
                # The failing event may have half changed the batch's counters: apply the
                # entries before it on their own, so the next batch starts with it alone.
                self._short[part] = failed.index
                return True
            self._set_aside(part, cursor, entries[0], failed.error)
            stats.set_aside += 1
            return True
        applied = self._write(part, cursor, entries[-1][0].decode(), rollup.ops, touched)
        if applied:
            stats.entries += len(entries)
            stats.events += events
            stats.batches += 1
        else:
            stats.conflicts += 1
        return True

    def _set_aside(self, part: Partition, cursor: str, entry: Entry, error: Exception) -> None:
        """Dead-letter the entry that starts the batch and move the cursor past it; or, for
        a failure that may be a passing one and has not been tried enough, raise it."""
        entry_id = entry[0]
        if isinstance(error, RollupError):
            reason = PoisonReason.OUT_OF_RANGE
        elif isinstance(error, ValidationError | KeyError):
            reason = PoisonReason.UNPARSEABLE
        elif self._failures.add(part.events, entry_id):
            reason = PoisonReason.FAILED
        else:
            raise error  # the supervisor logs it and starts this task again
        set_aside_blocking(self._client, READER, part.events, entry, reason=reason, error=error)
        self._write(part, cursor, entry_id.decode(), Ops(), set())
        self._failures.forget(part.events, entry_id)
        if self._metrics is not None:
            self._metrics.entries_dead_lettered.labels(READER, reason.value).inc()

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


def _fold(rollup: Rollup, entries: list[Entry]) -> tuple[set[str], int]:
    """Apply a batch's events to ``rollup``: the rooms touched and the number of events.
    Statuses are not counted. Raises `_EntryFailedError` naming the entry that failed."""
    touched: set[str] = set()
    events = 0
    for index, (_, fields) in enumerate(entries):
        if fields.get(b"kind") == b"status":
            continue
        try:
            event = parse_event(fields[b"payload"])
            rollup.apply(event)
        except Exception as e:  # any failure of one entry is that entry's, see `_set_aside`
            raise _EntryFailedError(index, e) from e
        touched.add(event.room)
        events += 1
    return touched, events
