"""Mobilization sessions of hospital and ICU patients, during staff visits by day.

A session takes the patient from bed to sitting on the edge (ICU Mobility Scale 3), maybe to
standing (4), then to a chair (5) or walking (7 with two staff, 8 with one), and back to
bed. Transitions are `start`/`update` events; the return to bed is the `end` summary with
the highest level, the active (upright) seconds and the staff count. Sessions fit inside one
staff visit and one day, and avoid the patient's other episodes and spells away.
"""

import random
import uuid

from protocol import EventType, MobilityData, MobilityState, ModelRef, Phase
from simulators.fleet.generators.base import DayContext, Occurrence, poisson, uuid7_from
from simulators.fleet.truth import iso_ms

MOBILITY_MODEL = ModelRef(name="mobility-rule", version="0.1.0")
IMS = {
    MobilityState.IN_BED: 0,
    MobilityState.SITTING_EDGE: 3,
    MobilityState.STANDING: 4,
    MobilityState.CHAIR: 5,
}
UPRIGHT = {MobilityState.STANDING, MobilityState.WALKING}
OUT_OF_BED_IMS = 4
WALK_IMS = 7
MARGIN_MS = 30_000


def ims_of(state: MobilityState, staff: int) -> int:
    if state is MobilityState.WALKING:
        return 7 if staff >= 2 else 8
    return IMS[state]


def _plan_states(rng: random.Random, stand: float, walk: float) -> list[tuple[MobilityState, int]]:
    """States entered after leaving the bed, with how long each lasts (ms)."""
    steps = [(MobilityState.SITTING_EDGE, rng.randrange(60_000, 180_000))]
    if rng.random() < stand:
        steps.append((MobilityState.STANDING, rng.randrange(30_000, 120_000)))
        if rng.random() < walk:
            steps.append((MobilityState.WALKING, rng.randrange(120_000, 480_000)))
        else:
            steps.append((MobilityState.CHAIR, rng.randrange(300_000, 1_200_000)))
    return steps


class MobilityGenerator:
    name = "mobility"

    def plan(self, ctx: DayContext) -> None:
        rates = ctx.rates
        if rates.mobility_sessions_per_day <= 0:
            return
        rng = ctx.sub_rng(self.name)
        n = poisson(rng, rates.mobility_sessions_per_day)
        visits = [
            v
            for v in ctx.staff_visits
            if v[1] - v[0] >= 8 * 60_000 and v[1] < ctx.day_end_ms and not ctx.is_night(v[0])
        ]
        for start, end, staff in sorted(rng.sample(visits, min(n, len(visits)))):
            steps = _plan_states(rng, rates.mobility_stand_fraction, rates.mobility_walk_fraction)
            begin = start + 60_000
            finish = begin + sum(ms for _, ms in steps)
            if finish > end - MARGIN_MS:  # shorten the last state to fit the visit
                last_state, last_ms = steps[-1]
                cut = finish - (end - MARGIN_MS)
                if last_ms - cut < 30_000:
                    continue
                steps[-1] = (last_state, last_ms - cut)
                finish = end - MARGIN_MS
            if not ctx.patient_free(begin, finish):
                continue
            self._emit(ctx, rng, begin, steps, staff)

    def _emit(
        self,
        ctx: DayContext,
        rng: random.Random,
        begin: int,
        steps: list[tuple[MobilityState, int]],
        staff: int,
    ) -> None:
        episode = uuid7_from(rng, begin)
        track = rng.randrange(1000)
        previous, since, active_ms, top = MobilityState.IN_BED, begin, 0, 0
        t = begin
        for index, (state, ms) in enumerate(steps):
            level = ims_of(state, staff)
            self._push(
                ctx,
                t,
                Phase.START if index == 0 else Phase.UPDATE,
                episode,
                MobilityData(
                    track_id=track,
                    state=state,
                    previous=previous,
                    staff_count=staff,
                    duration_s=(t - since) / 1000,
                    ims_level=level,
                    active_s=active_ms / 1000,
                ),
            )
            self._firsts(ctx, t, level)
            top = max(top, level)
            previous, since = state, t
            t += ms
            if state in UPRIGHT:
                active_ms += ms
        self._push(
            ctx,
            t,
            Phase.END,
            episode,
            MobilityData(
                track_id=track,
                state=MobilityState.IN_BED,
                previous=None,
                staff_count=staff,
                duration_s=(t - begin) / 1000,
                ims_level=top,
                active_s=active_ms / 1000,
            ),
        )
        day = ctx.truth.mobility
        day["sessions"] = day.get("sessions", 0) + 1
        day["max_ims"] = max(day.get("max_ims", 0), top)
        day["active_ms"] = day.get("active_ms", 0) + active_ms
        day["staff_sum"] = day.get("staff_sum", 0) + staff
        day["staff_max"] = max(day.get("staff_max", 0), staff)

    @staticmethod
    def _firsts(ctx: DayContext, ms: int, level: int) -> None:
        room = ctx.room_truth
        if room is None:
            return
        if level >= OUT_OF_BED_IMS and room.first_out_of_bed is None:
            room.first_out_of_bed = iso_ms(ms)
        if level >= WALK_IMS and room.first_walk is None:
            room.first_walk = iso_ms(ms)

    @staticmethod
    def _push(
        ctx: DayContext, ms: int, phase: Phase, episode: uuid.UUID, data: MobilityData
    ) -> None:
        ctx.state.push_event(
            Occurrence(
                ms, EventType.MOBILITY, phase, episode, data, 0.85, MOBILITY_MODEL, ctx.spec.bed
            )
        )
