"""One simulated room over days: generators plan each day, the model releases its events.

Everything planned for day d starts on day d (it may end later: a long lie past midnight),
so once day d is planned, every event before its midnight is known and can be released in
time order. The people count is composed from every generator's presence changes and
reported as occupancy events, like the edge occupancy engine does. Each room-day draws from
its own seeded random stream, so a room's history depends only on (seed, ids, day).
"""

import heapq
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from protocol import EventType, HandHygieneData, ModelRef, OccupancyData, Phase
from simulators.fleet.generators import (
    DayContext,
    Generator,
    Occurrence,
    RoomSpec,
    RoomState,
    default_generators,
)
from simulators.fleet.rates import RoomRates
from simulators.fleet.truth import DayTruth, RoomTruth, iso_ms, shift_of

OCCUPANCY_MODEL = ModelRef(name="occupancy-rule", version="0.1.0")


def day_start_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class DayResult:
    day: date
    occurrences: list[Occurrence]
    """Every event of the day (by ``ts``), in time order."""
    truth: DayTruth


class RoomModel:
    """Produces a room's events and ground truth, one UTC day at a time."""

    def __init__(
        self,
        spec: RoomSpec,
        rates: RoomRates,
        *,
        seed: int,
        start: date,
        update_s: float = 5.0,
        generators: Sequence[Generator] | None = None,
        initial_people: int = 1,
    ) -> None:
        self.spec = spec
        self.rates = rates
        self.seed = seed
        self.update_s = update_s
        self.generators = list(generators) if generators is not None else default_generators()
        self.truth = RoomTruth(
            spec.site,
            spec.unit,
            spec.room,
            spec.agent_id,
            spec.kind.value,
            spec.bed,
            spec.fall_risk,
        )
        self._next_day = start
        self._state = RoomState()
        self._count = initial_people
        self._reported: int | None = None
        self._since = day_start_ms(start)

    def days(self, n: int | None = None) -> Iterator[DayResult]:
        """The next ``n`` days (forever when None)."""
        done = 0
        while n is None or done < n:
            yield self.next_day()
            done += 1

    def next_day(self) -> DayResult:
        day = self._next_day
        self._next_day = day + timedelta(days=1)
        start = day_start_ms(day)
        key = f"{self.seed}/{self.spec.site}/{self.spec.unit}/{self.spec.room}/{day}"
        rng = random.Random(key)
        truth = DayTruth(date=day.isoformat())
        ctx = DayContext(
            self.spec,
            self.rates,
            rng,
            start,
            self._state,
            truth,
            self.update_s,
            key=key,
            room_truth=self.truth,
        )
        if self._reported is None:  # the first report says who is there
            self._report(ctx, start)
        for generator in self.generators:
            generator.plan(ctx)
        if ctx.busy:
            self._state.busy_until_ms = max(self._state.busy_until_ms, *(e for _, e in ctx.busy))
        self._occupancy(ctx)
        out: list[Occurrence] = []
        pending = self._state.pending
        while pending and pending[0][0] < ctx.day_end_ms:
            out.append(heapq.heappop(pending)[2])
        truth.events = dict(Counter(occ.type.value for occ in out))
        truth.hand_hygiene = hand_hygiene_truth(out)
        self.truth.days.append(truth)
        return DayResult(day, out, truth)

    def _occupancy(self, ctx: DayContext) -> None:
        presence, end = self._state.presence, ctx.day_end_ms
        while presence and presence[0][0] < end:
            ms = presence[0][0]
            if self._count > 0:
                ctx.truth.occupied_ms += ms - self._since
            self._since = ms
            while presence and presence[0][0] == ms:
                self._count += heapq.heappop(presence)[2]
            if self._count != self._reported:
                self._report(ctx, ms)
        if self._count > 0:
            ctx.truth.occupied_ms += end - self._since
        self._since = end

    def _report(self, ctx: DayContext, ms: int) -> None:
        count = max(0, min(50, self._count))
        self._reported = self._count
        if count > 0 and self.truth.admission is None:
            self.truth.admission = iso_ms(ms)
        ctx.state.push_event(
            Occurrence(
                ms,
                EventType.OCCUPANCY,
                Phase.INSTANT,
                ctx.new_id(ms),
                OccupancyData(count=count),
                0.9,
                OCCUPANCY_MODEL,
            )
        )


def hand_hygiene_truth(occurrences: Sequence[Occurrence]) -> dict[str, list[int]]:
    """Opportunities and dispenser uses released today, as the truth file keys them."""
    out: dict[str, list[int]] = {}
    for occ in occurrences:
        if occ.type is not EventType.HAND_HYGIENE or not isinstance(occ.data, HandHygieneData):
            continue
        data = occ.data
        contact = {True: "contact", False: "nocontact", None: "unknown"}[data.patient_contact]
        cell = out.setdefault(f"{data.direction}.{contact}.{shift_of(occ.ts_ms)}", [0, 0])
        cell[0] += 1
        cell[1] += int(data.dispenser_used)
    return dict(sorted(out.items()))
