"""The pure roll-up: events in, counter operations out (no Redis, no clock).

Each event adds to integer counters of its (room, bed, metric) in the hour and the day it
falls in (UTC), in one family of hashes (see `keys`). What needs the past — the people count
since the last occupancy event, the activity going on — is a small per-room `RoomCarry`,
stored beside the counters and written in the same atomic step.

Definitions the reports rely on:
- shifts: day 07:00–19:00, night 19:00–07:00, in the unit's local time (UTC unless a time
  zone is configured for the unit); days and hours of the counters are UTC.
- a fall counts on the day it landed (``ts − on_floor_s`` of its `start`); its time on the
  floor comes from its `end`, kept per episode so reports can take a median.
- occupied time is the time the people count was ≥ 1, split at hour boundaries; the open
  interval after the last occupancy event is added by the report, up to its end.
- activity time is attributed when the next activity event says how long the previous state
  lasted; a night bed exit leaves ``in_bed`` between 22:00 and 07:00 local time; a bathroom
  visit enters the ``bathroom`` zone from another zone.
- mobility sessions count on the day of their `end` summary; the first time out of bed
  (ICU Mobility Scale ≥ 4) and first walk (≥ 7) are the earliest transitions reaching them.
- an edge's `mobility_day` summary counts on the day it names (``data.day``), as ``day_*``
  metrics kept as the highest value sent (an edge re-sends a day "as seen so far" after a
  restart, so the largest is the most complete). The mobility report takes the higher of
  the summary's and the sessions' highest level, and the sessions' other figures unless no
  session of that day reached the aggregator (then the summary's).
"""

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aggregator.analytics import keys
from aggregator.errors import AggregatorError
from aggregator.store import Partition
from protocol import (
    ActivityEvent,
    AnyEvent,
    BedExitEvent,
    FallEvent,
    HandHygieneEvent,
    MobilityDayEvent,
    MobilityEvent,
    OccupancyEvent,
    Phase,
)

Place = tuple[str, str | None]
"""(room, bed): where a counter belongs; bed None for room-level events."""
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
OUT_OF_BED_IMS = 4
WALK_IMS = 7
LONG_LIE_MS = 3_600_000
ACTIVITY_CATEGORY = {
    "in_bed": "in_bed",
    "sitting": "sitting",
    "standing": "up",
    "walking": "up",
    "out_of_view": "out_of_view",
    "lying": "other",
    "on_floor": "other",
}
"""How the home summary groups activity states: in bed, sitting, up and about, out of view."""
FIRST_MS = round(datetime(1, 1, 2, tzinfo=UTC).timestamp() * 1000)
LAST_MS = round(datetime(9999, 12, 30, tzinfo=UTC).timestamp() * 1000)
"""The instants the roll-ups can place: a day inside Python's years 1 to 9999, so a unit's
local time of any of them exists too."""


MAX_LENGTH_S = 1e9
"""Longest length (time on the floor, an activity, a session) counted: ~31 years, so every
counter in milliseconds stays far inside Redis's 64-bit integers."""


class RollupError(AggregatorError, ValueError):
    """An event the roll-ups cannot count (a time outside the years 1 to 9999, a length that
    is not a number): refused before any counter of the batch changed."""


@dataclass(frozen=True, slots=True)
class Shifts:
    """Shift and night hours of one unit, in its local time."""

    day_start_h: int = 7
    night_start_h: int = 19
    home_night_start_h: int = 22
    home_night_end_h: int = 7
    tz: str | None = None

    def local_hour(self, ms: int) -> int:
        if self.tz is None:
            return (ms // HOUR_MS) % 24
        return datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZoneInfo(self.tz)).hour

    def shift(self, ms: int) -> str:
        hour = self.local_hour(ms)
        return "day" if self.day_start_h <= hour < self.night_start_h else "night"

    def home_night(self, ms: int) -> bool:
        hour = self.local_hour(ms)
        return hour >= self.home_night_start_h or hour < self.home_night_end_h


@dataclass(slots=True)
class RoomCarry:
    """What one room's roll-up remembers between events."""

    people: int | None = None
    since_ms: int = 0
    activity: str | None = None
    zone: str | None = None
    activity_since_ms: int = 0

    def to_json(self) -> str:
        return json.dumps(
            [self.people, self.since_ms, self.activity, self.zone, self.activity_since_ms]
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> "RoomCarry":
        people, since, activity, zone, activity_since = json.loads(text)
        return cls(people, since, activity, zone, activity_since)


def day_text(ms: int) -> str:
    return datetime.fromtimestamp(ms // DAY_MS * 86_400, UTC).date().isoformat()


def hour_text(ms: int) -> str:
    return f"{day_text(ms)}T{(ms // HOUR_MS) % 24:02d}"


@dataclass(slots=True)
class Ops:
    """Counter operations of one batch, merged per (key, field)."""

    incr: dict[tuple[str, str], int] = field(default_factory=dict)
    maxes: dict[tuple[str, str], int] = field(default_factory=dict)
    sets: dict[tuple[str, str], int] = field(default_factory=dict)
    mins: dict[tuple[str, str], int] = field(default_factory=dict)
    carry: dict[str, RoomCarry] = field(default_factory=dict)
    late: int = 0
    """Occupancy events older than the room's last one (replayed late): not counted."""

    def __len__(self) -> int:
        return len(self.incr) + len(self.maxes) + len(self.sets) + len(self.mins)


class Rollup:
    """Applies events of one partition, in stream order, to an `Ops`."""

    def __init__(
        self, part: Partition, carry: dict[str, RoomCarry], shifts: Shifts | None = None
    ) -> None:
        self.part = part
        self.shifts = shifts or Shifts()
        self.ops = Ops(carry=carry)
        self._days: dict[int, str] = {}

    # -- counters -------------------------------------------------------------------------
    def _keys(self, family: str, ms: int, hourly: bool) -> list[str]:
        index = ms // DAY_MS
        day = self._days.get(index)
        if day is None:
            day = self._days[index] = day_text(ms)
        out = [keys.day_key(self.part, family, day)]
        if hourly:
            out.append(keys.hour_key(self.part, family, f"{day}T{(ms // HOUR_MS) % 24:02d}"))
        return out

    def add(self, family: str, ms: int, place: Place, metric: str, n: int = 1) -> None:
        name = keys.field_name(*place, metric)
        for key in self._keys(family, ms, hourly=True):
            self.ops.incr[(key, name)] = self.ops.incr.get((key, name), 0) + n

    def add_span(self, family: str, start: int, end: int, room: str, metric: str) -> None:
        """Milliseconds of [start, end) added hour by hour (and so day by day)."""
        t = start
        while t < end:
            edge = min(end, (t // HOUR_MS + 1) * HOUR_MS)
            self.add(family, t, (room, None), metric, edge - t)
            t = edge

    def top(self, family: str, ms: int, place: Place, metric: str, v: int) -> None:
        name = keys.field_name(*place, metric)
        key = self._keys(family, ms, hourly=False)[0]
        self.ops.maxes[(key, name)] = max(self.ops.maxes.get((key, name), v), v)

    def put(self, family: str, ms: int, room: str, metric: str, value: int) -> None:
        key = self._keys(family, ms, hourly=False)[0]
        self.ops.sets[(key, keys.field_name(room, None, metric))] = value

    def first(self, room: str, name: str, ms: int) -> None:
        k = (keys.firsts_key(self.part), f"{room}|{name}")
        self.ops.mins[k] = min(self.ops.mins.get(k, ms), ms)

    def room(self, room: str) -> RoomCarry:
        carry = self.ops.carry.get(room)
        if carry is None:
            carry = self.ops.carry[room] = RoomCarry()
        return carry

    # -- events ---------------------------------------------------------------------------
    def apply(self, event: AnyEvent) -> None:
        """Add one event's counts; raises `RollupError`, changing nothing, when it cannot."""
        ms = _placed(event.ts.timestamp() * 1000, "ts")  # round, not int: 0.999… ms
        _check_times(event, ms)
        # Every event, live or shadow, counted per model version: how a candidate model
        # compares with the live one on the same rooms (the `models` report).
        run = "shadow" if event.shadow else "live"
        model = f"{event.model.name}@{event.model.version}"
        self.add(
            "models",
            ms,
            (event.room, None),
            f"{event.type.value}.{event.phase.value}:{model}:{run}",
        )
        if event.shadow:
            return  # a shadow model's output is compared, never counted in the figures
        if isinstance(event, HandHygieneEvent):
            self._hand_hygiene(event, ms)
        elif isinstance(event, OccupancyEvent):
            self._occupancy(event, ms)
        elif isinstance(event, FallEvent):
            self._fall(event, ms)
        elif isinstance(event, BedExitEvent):
            if event.data.stage == "exit":
                self.add("falls", ms, (event.room, event.bed), "bed_exits")
        elif isinstance(event, MobilityEvent):
            self._mobility(event, ms)
        elif isinstance(event, MobilityDayEvent):
            self._mobility_day(event)
        elif isinstance(event, ActivityEvent):
            self._activity(event, ms)

    def _hand_hygiene(self, event: HandHygieneEvent, ms: int) -> None:
        data = event.data
        contact = {True: "contact", False: "nocontact", None: "unknown"}[data.patient_contact]
        cell = f"{data.direction}.{contact}.{self.shifts.shift(ms)}"
        self.add("hh", ms, (event.room, event.bed), f"opp.{cell}")
        if data.dispenser_used:
            self.add("hh", ms, (event.room, event.bed), f"used.{cell}")

    def _occupancy(self, event: OccupancyEvent, ms: int) -> None:
        carry = self.room(event.room)
        if carry.people is not None:
            if ms < carry.since_ms:
                self.ops.late += 1
                return
            if carry.people > 0:
                self.add_span("occ", carry.since_ms, ms, event.room, "occ_ms")
        carry.people, carry.since_ms = event.data.count, ms
        if event.data.count > 0:
            self.first(event.room, "admit", ms)

    def _fall(self, event: FallEvent, ms: int) -> None:
        floor_ms = round(event.data.on_floor_s * 1000)
        landing = ms - floor_ms
        if event.phase is Phase.START:
            self.add("falls", landing, (event.room, event.bed), "falls")
        elif event.phase is Phase.END:
            self.put("falls", landing, event.room, f"floor_ms.{event.episode_id}", floor_ms)
            if floor_ms >= LONG_LIE_MS:
                self.add("falls", landing, (event.room, event.bed), "long_lies")

    def _mobility(self, event: MobilityEvent, ms: int) -> None:
        data = event.data
        if event.phase is Phase.END:
            place = (event.room, event.bed)
            self.add("mob", ms, place, "sessions")
            self.add("mob", ms, place, "active_ms", round(data.active_s * 1000))
            self.add("mob", ms, place, "staff_sum", data.staff_count)
            self.top("mob", ms, place, "max_ims", data.ims_level)
            self.top("mob", ms, place, "staff_max", data.staff_count)
            return
        if data.ims_level >= OUT_OF_BED_IMS:
            self.first(event.room, "oob", ms)
        if data.ims_level >= WALK_IMS:
            self.first(event.room, "walk", ms)

    def _mobility_day(self, event: MobilityDayEvent) -> None:
        data = event.data
        day = datetime.strptime(data.day, "%Y-%m-%d").replace(tzinfo=UTC)
        ms = round(day.timestamp() * 1000)
        place = (event.room, event.bed)
        self.top("mob", ms, place, "day_max_ims", data.max_ims_level)
        self.top("mob", ms, place, "day_active_ms", round(data.active_s * 1000))
        self.top("mob", ms, place, "day_sessions", data.sessions)
        self.top("mob", ms, place, "day_staff_max", data.max_staff)

    def _activity(self, event: ActivityEvent, ms: int) -> None:
        data, room = event.data, event.room
        carry = self.room(room)
        if data.previous is not None:
            start = ms - round(data.duration_s * 1000)
            category = ACTIVITY_CATEGORY[data.previous.value]
            self.add_span("act", start, ms, room, f"{category}_ms")
            if (
                data.previous.value == "in_bed"
                and data.state.value != "in_bed"
                and self.shifts.home_night(ms)
            ):
                self.add("act", ms, (room, None), "night_bed_exits")
        if data.zone == "bathroom" and carry.zone != "bathroom":
            self.add("act", ms, (room, None), "bathroom_visits")
        carry.activity, carry.zone, carry.activity_since_ms = data.state.value, data.zone, ms


def _placed(ms: float, what: str) -> int:
    if not math.isfinite(ms) or not FIRST_MS <= ms <= LAST_MS:
        raise RollupError(f"{what} is outside the years the roll-ups can count")
    return round(ms)


def _finite(seconds: float, what: str) -> None:
    if not (math.isfinite(seconds) and seconds <= MAX_LENGTH_S):
        raise RollupError(f"{what} is not a number of seconds the roll-ups can count")


def _check_times(event: AnyEvent, ms: int) -> None:
    """Every instant and length ``event`` will be counted at, checked before any counter
    moves: a fall lands ``on_floor_s`` before its time, an activity began ``duration_s``
    before it, a day summary counts on the day it names."""
    if isinstance(event, FallEvent):
        _finite(event.data.on_floor_s, "on_floor_s")
        _placed(ms - event.data.on_floor_s * 1000, "the landing (ts - on_floor_s)")
    elif isinstance(event, ActivityEvent):
        _finite(event.data.duration_s, "duration_s")
        _placed(ms - event.data.duration_s * 1000, "the start (ts - duration_s)")
    elif isinstance(event, MobilityEvent):
        _finite(event.data.active_s, "active_s")
        _finite(event.data.duration_s, "duration_s")
    elif isinstance(event, MobilityDayEvent):
        _finite(event.data.active_s, "active_s")
        try:
            day = datetime.strptime(event.data.day, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError as e:
            raise RollupError(f"day {event.data.day!r} is not a date") from e
        _placed(day.timestamp() * 1000, "day")
