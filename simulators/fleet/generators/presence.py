"""Who is in the room: the patient's spells away, staff visits and family visits.

These generators produce no events of their own: they add people entering and leaving, and
the room model turns the resulting head count into occupancy events.
"""

from simulators.fleet.generators.base import HOUR_MS, MINUTE_MS, DayContext


class AwayGenerator:
    """The patient leaves the room by day (tests, imaging; outings at home)."""

    name = "away"

    def plan(self, ctx: DayContext) -> None:
        rates = ctx.rates
        latest_end = ctx.day_start_ms + (rates.night_start_h - 1) * HOUR_MS
        for _ in range(ctx.poisson(rates.away_per_day)):
            start = ctx.time_of_day(night=False)
            end = min(start + ctx.uniform_ms(rates.away_min, MINUTE_MS), latest_end)
            if end - start < 10 * MINUTE_MS or not ctx.patient_free(start, end):
                continue
            ctx.away.append((start, end))
            ctx.state.push_presence(start, end, -1)
            ctx.truth.away_spells += 1


class StaffGenerator:
    """Nurses and doctors come by: a renewal process, sparser at night."""

    name = "staff"

    def plan(self, ctx: DayContext) -> None:
        rates, state = ctx.rates, ctx.state
        if state.next_staff_ms is None:
            state.next_staff_ms = ctx.day_start_ms + ctx.uniform_ms(
                rates.staff_gap_day_min, MINUTE_MS
            )
        while state.next_staff_ms < ctx.day_end_ms:
            start = state.next_staff_ms
            night = ctx.is_night(start)
            gap = rates.staff_gap_night_min if night else rates.staff_gap_day_min
            if gap is None:  # nobody comes at night: next visit when the day starts
                state.next_staff_ms = _next_day_shift(ctx, start)
                continue
            people = 2 if ctx.rng.random() < rates.two_staff_fraction else 1
            end = start + ctx.uniform_ms(rates.staff_visit_min, MINUTE_MS)
            state.push_presence(start, end, people)
            ctx.staff_visits.append((start, end, people))
            ctx.truth.staff_visits += 1
            state.next_staff_ms = start + ctx.uniform_ms(gap, MINUTE_MS)


def _next_day_shift(ctx: DayContext, ms: int) -> int:
    day_h = ctx.rates.day_start_h * HOUR_MS
    today_shift = ctx.day_start_ms + day_h
    return today_shift if ms < today_shift else today_shift + 24 * HOUR_MS


class VisitorGenerator:
    """Family and friends by day, one or two at a time."""

    name = "visitors"

    def plan(self, ctx: DayContext) -> None:
        rates = ctx.rates
        for _ in range(ctx.poisson(rates.visitors_per_day)):
            start = ctx.time_of_day(night=False)
            end = start + ctx.uniform_ms(rates.visit_min, MINUTE_MS)
            people = 1 if ctx.rng.random() < 0.7 else 2
            ctx.state.push_presence(start, end, people)
            ctx.truth.visits += 1
