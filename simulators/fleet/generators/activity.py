"""A home resident's day as activity events: in bed, sitting, up and about, out of view.

The day is painted on a timeline: asleep until a morning wake-up, then sitting in a chair
and walking about in turns until bedtime; daytime bathroom visits, the night's bed exits
(planned by the bed-exit generator) as trips to the bathroom, and spells away (out of view)
are painted over it. Each change of state or zone is an `activity` event whose
``duration_s`` is how long the previous one lasted. The truth records the time in each
state cut at midnight, night bed exits and bathroom visits.
"""

import random
from dataclasses import dataclass

from protocol import ActivityData, ActivityState, EventType, ModelRef, Phase
from simulators.fleet.generators.base import (
    HOUR_MS,
    MINUTE_MS,
    DayContext,
    Occurrence,
    poisson,
    uuid7_from,
)
from simulators.fleet.truth import home_night

ACTIVITY_MODEL = ModelRef(name="activity-rule", version="0.1.0")
CATEGORY = {
    ActivityState.IN_BED: "in_bed",
    ActivityState.SITTING: "sitting",
    ActivityState.STANDING: "up",
    ActivityState.WALKING: "up",
    ActivityState.OUT_OF_VIEW: "out_of_view",
    ActivityState.LYING: "other",
    ActivityState.ON_FLOOR: "other",
}
"""How the daily summary groups activity states (the analytics roll-up uses the same)."""


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    state: ActivityState
    zone: str | None


def paint(segments: list[Segment], seg: Segment) -> list[Segment]:
    """``seg`` over a contiguous timeline: what it covers is replaced."""
    if seg.end <= seg.start:
        return segments
    out: list[Segment] = []
    for s in segments:
        if s.end <= seg.start or s.start >= seg.end:
            out.append(s)
            continue
        if s.start < seg.start:
            out.append(Segment(s.start, seg.start, s.state, s.zone))
        if s.end > seg.end:
            out.append(Segment(seg.end, s.end, s.state, s.zone))
    out.append(seg)
    return sorted(out, key=lambda x: x.start)


class ActivityGenerator:
    name = "activity"

    def plan(self, ctx: DayContext) -> None:
        if not ctx.rates.home_activity:
            return
        rng = ctx.sub_rng(self.name)
        timeline = self._timeline(ctx, rng)
        self._emit(ctx, rng, timeline)

    def _timeline(self, ctx: DayContext, rng: random.Random) -> list[Segment]:
        day0, day1 = ctx.day_start_ms, ctx.day_end_ms
        wake = day0 + int(6.5 * HOUR_MS) + rng.randrange(HOUR_MS)
        sleep = day0 + int(21.5 * HOUR_MS) + rng.randrange(90 * MINUTE_MS)
        bed, up = ActivityState.IN_BED, ActivityState.WALKING
        segments = [Segment(day0, wake, bed, "bed")]
        t, sitting = wake, True
        while t < sleep:
            span = (20, 90) if sitting else (2, 10)
            end = min(sleep, t + int(rng.uniform(*span) * MINUTE_MS))
            segments.append(
                Segment(t, end, ActivityState.SITTING, "chair")
                if sitting
                else Segment(t, end, up, None)
            )
            t, sitting = end, not sitting
        segments.append(Segment(sleep, day1, bed, "bed"))
        for _ in range(poisson(rng, ctx.rates.bathroom_visits_per_day)):
            start = rng.randrange(wake, max(wake + 1, sleep - 10 * MINUTE_MS))
            length = int(rng.uniform(3, 8) * MINUTE_MS)
            segments = paint(
                segments, Segment(start, start + length, ActivityState.STANDING, "bathroom")
            )
        for out, back in ctx.bed_exits:
            if _at(segments, out) is bed:
                seg = Segment(out, min(back, day1), ActivityState.STANDING, "bathroom")
                segments = paint(segments, seg)
        for start, end in ctx.away:
            segments = paint(segments, Segment(start, end, ActivityState.OUT_OF_VIEW, None))
        return segments

    def _emit(self, ctx: DayContext, rng: random.Random, timeline: list[Segment]) -> None:
        carry = ctx.state.carry.get(self.name)
        track = 1
        totals = {f"{c}_ms": 0 for c in ("in_bed", "sitting", "up", "out_of_view", "other")}
        night_exits = bathroom = 0
        current = carry if isinstance(carry, Segment) else None
        for seg in timeline:
            totals[f"{CATEGORY[seg.state]}_ms"] += seg.end - seg.start
            if current is not None and (seg.state, seg.zone) == (current.state, current.zone):
                continue
            previous = current.state if current is not None else None
            since = current.start if current is not None else seg.start
            data = ActivityData(
                track_id=track,
                state=seg.state,
                previous=previous,
                duration_s=(seg.start - since) / 1000,
                zone=seg.zone,
            )
            ctx.state.push_event(
                Occurrence(
                    seg.start,
                    EventType.ACTIVITY,
                    Phase.INSTANT,
                    uuid7_from(rng, seg.start),
                    data,
                    0.85,
                    ACTIVITY_MODEL,
                )
            )
            if previous is ActivityState.IN_BED and home_night(seg.start):
                night_exits += 1
            if seg.zone == "bathroom" and (current is None or current.zone != "bathroom"):
                bathroom += 1
            current = seg
        ctx.state.carry[self.name] = current
        ctx.truth.activity = {**totals, "night_bed_exits": night_exits, "bathroom_visits": bathroom}


def _at(segments: list[Segment], ms: int) -> ActivityState | None:
    for seg in segments:
        if seg.start <= ms < seg.end:
            return seg.state
    return None
