"""Falls: onset, landing, `start` after the engine's confirmation, `update`s, `end`.

Rare (Poisson per patient-day), half at night by default. In hospital and ICU staff come in
and help the person up; at home nobody may come, so a share of falls become long lies.
Updates follow the edge engine's interval (5 s), or a thinner one for load realism.
"""

from protocol import EventType, FallData, ModelRef, Phase
from simulators.fleet.generators.base import MINUTE_MS, DayContext, Occurrence
from simulators.fleet.truth import FallTruth, iso_ms

FALL_MODEL = ModelRef(name="fall-rule", version="0.1.0")
_TRACK_IDS = 1000


class FallGenerator:
    name = "falls"

    def plan(self, ctx: DayContext) -> None:
        rates = ctx.rates
        for _ in range(ctx.poisson(rates.falls_per_1000_days / 1000.0)):
            night = ctx.rng.random() < rates.fall_night_fraction
            onset = ctx.time_of_day(night)
            landing = onset + int(ctx.rng.uniform(*rates.fall_drop_s) * 1000)
            start = landing + int(rates.fall_confirm_s * 1000)
            long_lie = ctx.rng.random() < rates.long_lie_fraction
            lie = ctx.uniform_ms(rates.long_lie_min if long_lie else rates.lie_min, MINUTE_MS)
            end = max(start + 1000, landing + lie)
            recovered = ctx.rng.random() >= rates.unrecovered_fraction
            if not ctx.patient_free(onset, end):
                continue
            ctx.occupy(onset, end)
            self._emit(
                ctx,
                onset=onset,
                landing=landing,
                start=start,
                end=end,
                recovered=recovered,
                long_lie=long_lie,
            )
            if rates.staff_respond:  # help arrives and stays a few minutes after
                arrive = max(start, end - ctx.uniform_ms((0.3, 1.0), MINUTE_MS))
                ctx.state.push_presence(arrive, end + 5 * MINUTE_MS, 2)

    def _emit(
        self,
        ctx: DayContext,
        *,
        onset: int,
        landing: int,
        start: int,
        end: int,
        recovered: bool,
        long_lie: bool,
    ) -> None:
        episode = ctx.new_id(start)
        track = ctx.rng.randrange(_TRACK_IDS)
        confidence = round(ctx.rng.uniform(0.85, 0.98), 3)
        step = max(1, int(ctx.update_s * 1000))
        times = [(start, Phase.START), *((t, Phase.UPDATE) for t in range(start + step, end, step))]
        times.append((end, Phase.END))
        for ts, phase in times:
            data = FallData(
                on_floor_s=(ts - landing) / 1000,
                track_id=track,
                height_m=0.3 if phase is not Phase.END or not recovered else 1.6,
                recovered=recovered if phase is Phase.END else None,
            )
            ctx.state.push_event(
                Occurrence(ts, EventType.FALL, phase, episode, data, confidence, FALL_MODEL)
            )
        ctx.truth.falls.append(
            FallTruth(
                episode_id=str(episode),
                onset=iso_ms(onset),
                landing=iso_ms(landing),
                start=iso_ms(start),
                end=iso_ms(end),
                on_floor_s=(end - landing) / 1000,
                long_lie=long_lie,
                recovered=recovered,
            )
        )
