"""What a generator sees and returns: the day's context, occurrences and the room's state.

A generator plans one kind of happening for one room-day (falls, bed exits, staff visits…)
from the room's seeded random stream. It writes protocol-shaped `Occurrence`s and its share
of the ground truth into the `DayContext`, and may add people entering and leaving the room
(the occupancy count is composed from everyone's presence by the room model). New event
types (hand-hygiene opportunities, mobility sessions, home activity) are new generators; they
draw from their own streams (`DayContext.sub_rng`) so adding one leaves the others' histories
as they were for a seed.
"""

import heapq
import math
import random
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel

from protocol import EventType, ModelRef, Phase
from simulators.fleet.rates import RoomKind, RoomRates
from simulators.fleet.truth import DayTruth, RoomTruth

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class RoomSpec:
    """One simulated room and the agent watching it (opaque ids only)."""

    site: str
    unit: str
    room: str
    agent_id: str
    kind: RoomKind
    bed: str
    fall_risk: bool

    @property
    def sensor_id(self) -> str:
        return f"{self.agent_id}-depth"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One event as an edge engine would produce it, before agent identity and stamping."""

    ts_ms: int
    type: EventType
    phase: Phase
    episode_id: uuid.UUID
    data: BaseModel
    """The type's typed data (`FallData`, …): any protocol data model, so new types plug in."""
    confidence: float
    model: ModelRef
    bed: str | None = None


@dataclass(slots=True)
class RoomState:
    """What carries over from one day to the next in one room."""

    busy_until_ms: int = 0
    """The patient is in an episode (fall, bed exit) or away until then."""
    next_staff_ms: int | None = None
    presence: list[tuple[int, int, int]] = field(default_factory=list)
    """Heap of (ms, order, delta people) changes not yet applied."""
    pending: list[tuple[int, int, Occurrence]] = field(default_factory=list)
    """Heap of (ms, order, occurrence) not yet released."""
    order: int = 0
    carry: dict[str, object] = field(default_factory=dict)
    """What a generator keeps from one day to the next (e.g. the activity going on)."""

    def push_event(self, occ: Occurrence) -> None:
        self.order += 1
        heapq.heappush(self.pending, (occ.ts_ms, self.order, occ))

    def push_presence(self, start_ms: int, end_ms: int, people: int) -> None:
        self.order += 1
        heapq.heappush(self.presence, (start_ms, self.order, people))
        self.order += 1
        heapq.heappush(self.presence, (end_ms, self.order, -people))


@dataclass(slots=True)
class DayContext:
    spec: RoomSpec
    rates: RoomRates
    rng: random.Random
    day_start_ms: int
    state: RoomState
    truth: DayTruth
    update_s: float
    away: list[tuple[int, int]] = field(default_factory=list)
    """Spells the patient is out of the room today (no bed exits or falls then)."""
    busy: list[tuple[int, int]] = field(default_factory=list)
    """Episodes planned today (a fall, a bed exit): no other episode overlaps them."""
    key: str = ""
    """The room-day's seed text: later generators draw from their own streams under it."""
    staff_visits: list[tuple[int, int, int]] = field(default_factory=list)
    """Staff visits starting today: (start, end, people), for hand hygiene and mobility."""
    bed_exits: list[tuple[int, int]] = field(default_factory=list)
    """Bed exits planned today: (out of bed, back), for the home activity timeline."""
    room_truth: RoomTruth | None = None
    """The room's whole truth, for firsts (first time out of bed, first walk)."""

    @property
    def day_end_ms(self) -> int:
        return self.day_start_ms + DAY_MS

    def sub_rng(self, name: str) -> random.Random:
        """A stream of its own for a generator added later, so the older generators' draws
        (and hence their histories) stay the same for a seed."""
        return random.Random(f"{self.key}/{name}")

    def new_id(self, ms: int) -> uuid.UUID:
        """A UUIDv7 at ``ms`` whose random bits come from the room's seeded stream."""
        return uuid7_from(self.rng, ms)

    def uniform_ms(self, span: tuple[float, float], unit_ms: int) -> int:
        return int(self.rng.uniform(span[0], span[1]) * unit_ms)

    def is_night(self, ms: int) -> bool:
        hour = ((ms - self.day_start_ms) // HOUR_MS) % 24
        return hour >= self.rates.night_start_h or hour < self.rates.day_start_h

    def time_of_day(self, night: bool) -> int:
        """A random instant today, at night or by day (by the rates' shift hours)."""
        day_h = self.rates.day_start_h
        night_h = self.rates.night_start_h
        if night:
            early = day_h * HOUR_MS
            late = (24 - night_h) * HOUR_MS
            offset = self.rng.randrange(early + late)
            ms = offset if offset < early else night_h * HOUR_MS + (offset - early)
        else:
            ms = day_h * HOUR_MS + self.rng.randrange((night_h - day_h) * HOUR_MS)
        return self.day_start_ms + ms

    def patient_free(self, start_ms: int, end_ms: int) -> bool:
        """The patient is in the room and in no other episode over [start, end)."""
        if start_ms < self.state.busy_until_ms:
            return False
        return all(end_ms <= a or start_ms >= b for a, b in (*self.away, *self.busy))

    def occupy(self, start_ms: int, end_ms: int) -> None:
        """Mark the patient busy with an episode; the last end carries over to tomorrow."""
        self.busy.append((start_ms, end_ms))

    def poisson(self, mean: float) -> int:
        return poisson(self.rng, mean)


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means of a room-day."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def uuid7_from(rng: random.Random, ms: int) -> uuid.UUID:
    """A UUIDv7 at ``ms`` whose random bits come from ``rng``."""
    rand_a = rng.getrandbits(12)
    rand_b = rng.getrandbits(62)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


class Generator(Protocol):
    """Plans one kind of happening for one room-day."""

    name: str

    def plan(self, ctx: DayContext) -> None:
        """Add occurrences, presence changes and truth for the day ``ctx`` describes."""
        ...
