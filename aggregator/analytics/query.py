"""Reading the roll-ups for a report: a few hashes per day, never the raw streams.

A month of one family for one unit is ~30 hashes, whatever the number of events behind them.
They are read by one Lua call that returns each hash as one tab-separated text: redis-py's
pure-Python reply parser costs tens of microseconds per hash field, `str.split` a fraction.
The open intervals (room still occupied, activity still going on) are closed here at the
report's end, so a report up to "now" counts the time up to now.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import cast

import redis

from aggregator.analytics import keys
from aggregator.analytics.rollup import ACTIVITY_CATEGORY, DAY_MS, RoomCarry
from aggregator.store import Partition

DUMP_LUA = r"""
-- KEYS: hashes of one partition (one hash tag). Returns each as "field TAB value" lines.
local out = {}
for i = 1, #KEYS do
  local flat = redis.call('HGETALL', KEYS[i])
  local parts = {}
  for j = 1, #flat, 2 do
    parts[#parts + 1] = flat[j] .. '\t' .. flat[j + 1]
  end
  out[i] = table.concat(parts, '\n')
end
return out
"""

Counters = dict[tuple[str, str | None, str], int]
"""(room, bed, metric) -> value, for one day."""


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """One unit over [start, end) (UTC days; ``end`` is the first day not included)."""

    site: str
    unit: str
    start: date
    end: date

    @property
    def part(self) -> Partition:
        return Partition(self.site, self.unit)

    @property
    def days(self) -> list[date]:
        return list(days_between(self.start, self.end))

    @property
    def start_ms(self) -> int:
        return day_ms(self.start)

    @property
    def end_ms(self) -> int:
        return day_ms(self.end)


def days_between(start: date, end: date) -> Iterator[date]:
    day = start
    while day < end:
        yield day
        day += timedelta(days=1)


def day_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


@dataclass(slots=True)
class UnitData:
    """Everything a report reads about one unit: day counters per family, carry, firsts."""

    query: ReportQuery
    days: dict[str, dict[date, Counters]] = field(default_factory=dict)
    carry: dict[str, RoomCarry] = field(default_factory=dict)
    firsts: dict[tuple[str, str], int] = field(default_factory=dict)
    open_until_ms: int = 0
    """Open intervals are closed at this instant (the report's end, or now if earlier)."""

    def family(self, name: str) -> dict[date, Counters]:
        return self.days.get(name, {})

    def rooms(self) -> list[str]:
        found = {room for fam in self.days.values() for c in fam.values() for room, _, _ in c}
        return sorted(found | set(self.carry))

    def occupied_ms(self) -> dict[tuple[str, date], int]:
        """Occupied time per (room, day), the open interval included."""
        out: dict[tuple[str, date], int] = defaultdict(int)
        for day, counters in self.family("occ").items():
            for (room, _, metric), value in counters.items():
                if metric == "occ_ms":
                    out[(room, day)] += value
        for room, carry in self.carry.items():
            if carry.people:
                for day, ms in self._open(carry.since_ms):
                    out[(room, day)] += ms
        return dict(out)

    def activity_ms(self) -> dict[tuple[str, date, str], int]:
        """Home activity time per (room, day, category), the open interval included."""
        out: dict[tuple[str, date, str], int] = defaultdict(int)
        for day, counters in self.family("act").items():
            for (room, _, metric), value in counters.items():
                if metric.endswith("_ms"):
                    out[(room, day, metric.removesuffix("_ms"))] += value
        for room, carry in self.carry.items():
            if carry.activity is not None:
                category = ACTIVITY_CATEGORY[carry.activity]
                for day, ms in self._open(carry.activity_since_ms):
                    out[(room, day, category)] += ms
        return dict(out)

    def _open(self, since_ms: int) -> Iterator[tuple[date, int]]:
        t = max(since_ms, self.query.start_ms)
        while t < self.open_until_ms:
            edge = min(self.open_until_ms, (t // DAY_MS + 1) * DAY_MS)
            yield datetime.fromtimestamp(t / 1000, UTC).date(), edge - t
            t = edge


def load(
    client: "redis.Redis",
    query: ReportQuery,
    families: tuple[str, ...],
    *,
    now_ms: int,
    extra_days_before: int = 0,
) -> UnitData:
    """Read the day hashes of ``families`` (and ``extra_days_before`` earlier days, for
    baselines), the rooms' carried state and the firsts of one unit."""
    part = query.part
    start = query.start - timedelta(days=extra_days_before)
    days = list(days_between(start, query.end))
    names = [keys.day_key(part, family, day) for family in families for day in days]
    names += [keys.state_key(part), keys.firsts_key(part)]
    replies = [
        _pairs(text) for text in cast(list[bytes], client.eval(DUMP_LUA, len(names), *names))
    ]
    data = UnitData(query, open_until_ms=min(query.end_ms, now_ms))
    index = 0
    names_seen: dict[str, tuple[str, str | None, str]] = {}  # the same fields every day
    for family in families:
        per_day: dict[date, Counters] = {}
        for day in days:
            raw = replies[index]
            index += 1
            if raw:
                counters: Counters = {}
                for k, v in raw:
                    name = names_seen.get(k)
                    if name is None:
                        name = names_seen[k] = keys.split_field(k)
                    counters[name] = int(v)
                per_day[day] = counters
        data.days[family] = per_day
    state, firsts = replies[index], replies[index + 1]
    data.carry = {k: RoomCarry.from_json(v) for k, v in state}
    for first, value in firsts:
        room, _, what = first.rpartition("|")
        data.firsts[(room, what)] = int(value)
    return data


def _pairs(text: bytes) -> list[tuple[str, str]]:
    if not text:
        return []
    return [
        (name, value)
        for name, _, value in (line.partition("\t") for line in text.decode().split("\n"))
    ]
