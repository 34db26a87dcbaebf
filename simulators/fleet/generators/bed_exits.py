"""Bed exits of fall-risk beds: `predicted` (sitting on the edge), `exit`, `return`.

A few per patient-day, mostly at night; the warning (predicted → exit) is tens of seconds,
like the engine's and the literature's (median ~28 s). Beds not flagged fall-risk are not
watched by the edge engine, so they produce nothing.
"""

from protocol import BedExitData, EventType, ModelRef, Phase
from simulators.fleet.generators.base import MINUTE_MS, DayContext, Occurrence

BED_EXIT_MODEL = ModelRef(name="bed-exit-rule", version="0.1.0")
_STAGES = ((Phase.START, "predicted"), (Phase.UPDATE, "exit"), (Phase.END, "return"))


class BedExitGenerator:
    name = "bed_exits"

    def plan(self, ctx: DayContext) -> None:
        rates = ctx.rates
        if not ctx.spec.fall_risk:
            return
        n = ctx.poisson(rates.bed_exits_per_day)
        starts = sorted(
            ctx.time_of_day(ctx.rng.random() < rates.bed_exit_night_fraction) for _ in range(n)
        )
        for start in starts:
            exit_ms = start + int(ctx.rng.uniform(*rates.bed_exit_warning_s) * 1000)
            back = exit_ms + ctx.uniform_ms(rates.out_of_bed_min, MINUTE_MS)
            if not ctx.patient_free(start, back):
                continue
            ctx.occupy(start, back)
            ctx.bed_exits.append((exit_ms, back))
            episode = ctx.new_id(start)
            track = ctx.rng.randrange(1000)
            for ts, (phase, stage) in zip((start, exit_ms, back), _STAGES, strict=True):
                data = BedExitData.model_validate({"stage": stage, "track_id": track})
                ctx.state.push_event(
                    Occurrence(
                        ts,
                        EventType.BED_EXIT,
                        phase,
                        episode,
                        data,
                        0.8,
                        BED_EXIT_MODEL,
                        ctx.spec.bed,
                    )
                )
            ctx.truth.bed_exits += 1
