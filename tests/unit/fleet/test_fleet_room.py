"""The fleet's room model: reproducible by seed, rates as configured, valid ordered events."""

import itertools
import uuid
from collections import Counter, defaultdict
from datetime import date

import pytest

from protocol import EventType, FallData, OccupancyData, Phase, parse_event
from protocol.events import dump_event
from simulators.fleet import DEFAULT_RATES, RoomKind, RoomModel, RoomRates, SimStamper, make_rooms
from simulators.fleet.generators import DayContext, Occurrence, RoomSpec, default_generators
from simulators.fleet.room import day_start_ms

START = date(2026, 3, 1)


def _spec(kind: RoomKind = RoomKind.HOSPITAL, fall_risk: bool = True) -> RoomSpec:
    return RoomSpec("s1", "u1", "r101", "agent-r101", kind, "r101-A", fall_risk)


def _run(
    spec: RoomSpec, rates: RoomRates, days: int, seed: int = 7, update_s: float = 5.0
) -> tuple[RoomModel, list[Occurrence]]:
    model = RoomModel(spec, rates, seed=seed, start=START, update_s=update_s)
    return model, [occ for day in model.days(days) for occ in day.occurrences]


def test_same_seed_same_history_other_seed_other_history() -> None:
    rates = DEFAULT_RATES[RoomKind.HOSPITAL]
    _, first = _run(_spec(), rates, 5)
    _, again = _run(_spec(), rates, 5)
    _, other = _run(_spec(), rates, 5, seed=8)
    assert first == again
    assert first != other
    stamped = [dump_event(SimStamper(_spec(), 3).stamp(occ)) for occ in first[:50]]
    assert stamped == [dump_event(SimStamper(_spec(), 3).stamp(occ)) for occ in first[:50]]


def test_events_come_in_time_order_within_their_day() -> None:
    model = RoomModel(_spec(), DEFAULT_RATES[RoomKind.HOSPITAL], seed=1, start=START)
    for day in model.days(10):
        times = [occ.ts_ms for occ in day.occurrences]
        assert times == sorted(times)
        assert all(day_start_ms(day.day) <= t < day_start_ms(day.day) + 86_400_000 for t in times)


@pytest.mark.parametrize("kind", list(RoomKind))
def test_every_event_is_a_valid_wire_event_and_episodes_are_ordered(kind: RoomKind) -> None:
    rates = DEFAULT_RATES[kind].model_copy(update={"falls_per_1000_days": 200.0})
    _, occs = _run(_spec(kind), rates, 30)
    stamper = SimStamper(_spec(kind), 1)
    phases: dict[tuple[EventType, uuid.UUID], list[Phase]] = defaultdict(list)
    for occ in occs:
        event = parse_event(dump_event(stamper.stamp(occ, historical=True)))
        assert event.type == occ.type and event.historical
        phases[(event.type, event.episode_id)].append(event.phase)
    falls = [p for (t, _), p in phases.items() if t == EventType.FALL]
    exits = [p for (t, _), p in phases.items() if t == EventType.BED_EXIT]
    assert falls and exits
    for seen in falls + exits:
        # an episode cut by the end of the period has no end yet
        seq = seen if seen[-1] is Phase.END else [*seen, Phase.END]
        assert seq[0] is Phase.START and seq[-1] is Phase.END
        assert all(p is Phase.UPDATE for p in seq[1:-1])
    occupancy = [p for (t, _), p in phases.items() if t == EventType.OCCUPANCY]
    assert all(p == [Phase.INSTANT] for p in occupancy)


def test_fall_events_follow_the_truth_of_each_fall() -> None:
    rates = DEFAULT_RATES[RoomKind.HOME].model_copy(update={"falls_per_1000_days": 300.0})
    model, occs = _run(_spec(RoomKind.HOME), rates, 40, update_s=5.0)
    truth = [f for d in model.truth.days for f in d.falls]
    by_episode: dict[str, list[Occurrence]] = defaultdict(list)
    for occ in occs:
        if occ.type is EventType.FALL:
            by_episode[str(occ.episode_id)].append(occ)
    assert len(truth) >= 5
    for fall in truth:
        events = by_episode[fall.episode_id]
        assert events[0].phase is Phase.START and events[-1].phase is Phase.END
        floor = [e.data.on_floor_s for e in events if isinstance(e.data, FallData)]
        assert len(floor) == len(events)
        assert floor == sorted(floor)
        assert floor[-1] == pytest.approx(fall.on_floor_s)
        gaps = {b.ts_ms - a.ts_ms for a, b in itertools.pairwise(events[:-1])}
        assert gaps <= {5000}
        assert fall.long_lie == (fall.on_floor_s >= 3600)


def test_truth_counts_match_the_events() -> None:
    rooms = make_rooms(6, units=3, kinds=list(RoomKind), seed=2)
    for spec in rooms:
        model = RoomModel(spec, DEFAULT_RATES[spec.kind], seed=2, start=START)
        for day in model.days(20):
            counts = Counter(occ.type.value for occ in day.occurrences)
            assert day.truth.events == dict(counts)
            starts = [
                o for o in day.occurrences if o.type is EventType.FALL and o.phase is Phase.START
            ]
            assert len(starts) == len(day.truth.falls)
            assert 0 <= day.truth.occupied_ms <= 86_400_000
            counts_seen = [o.data for o in day.occurrences if o.type is EventType.OCCUPANCY]
            assert all(isinstance(d, OccupancyData) and d.count >= 0 for d in counts_seen)


def test_rates_over_many_days_match_the_configuration() -> None:
    rates = DEFAULT_RATES[RoomKind.HOSPITAL].model_copy(
        update={"falls_per_1000_days": 100.0, "long_lie_fraction": 0.3}
    )
    days = 0
    falls = long_lies = exits = night_exits = staff = visits = 0
    for room in range(8):
        spec = RoomSpec("s1", "u1", f"r{room}", f"agent-r{room}", RoomKind.HOSPITAL, "b", True)
        model = RoomModel(spec, rates, seed=11, start=START, update_s=60.0)
        for day in model.days(125):
            days += 1
            falls += len(day.truth.falls)
            long_lies += sum(f.long_lie for f in day.truth.falls)
            exits += day.truth.bed_exits
            staff += day.truth.staff_visits
            visits += day.truth.visits
            night_exits += sum(
                1
                for o in day.occurrences
                if o.type is EventType.BED_EXIT
                and o.phase is Phase.START
                and not 7 <= (o.ts_ms // 3_600_000) % 24 < 22
            )
    assert days == 1000
    assert falls / days * 1000 == pytest.approx(100.0, rel=0.25)
    assert long_lies / falls == pytest.approx(0.3, abs=0.12)
    assert exits / days == pytest.approx(3.0, rel=0.08)  # a few skipped while away or busy
    assert night_exits / exits == pytest.approx(0.7, abs=0.05)
    # 15 h of day at a mean gap of 35 min, 9 h of night at 120 min: about 30 visits a day.
    assert staff / days == pytest.approx(15 * 60 / 35 + 9 * 60 / 120, rel=0.1)
    assert visits / days == pytest.approx(1.0, rel=0.15)


def test_beds_not_at_risk_have_no_bed_exit_events() -> None:
    _, occs = _run(_spec(fall_risk=False), DEFAULT_RATES[RoomKind.HOSPITAL], 10)
    assert occs and not [o for o in occs if o.type is EventType.BED_EXIT]


class _NoonRound:
    """A new generator, as a later event type would add: people at noon, plus truth."""

    name = "noon_round"

    def plan(self, ctx: DayContext) -> None:
        noon = ctx.day_start_ms + 12 * 3_600_000
        ctx.state.push_presence(noon, noon + 60_000, 3)
        ctx.truth.staff_visits += 1


def test_a_new_generator_plugs_in_beside_the_defaults() -> None:
    rates = DEFAULT_RATES[RoomKind.HOME].model_copy(
        update={"staff_gap_day_min": (2000.0, 2000.0), "visitors_per_day": 0.0}
    )
    spec = _spec(RoomKind.HOME, fall_risk=False)
    model = RoomModel(
        spec, rates, seed=1, start=START, generators=[*default_generators(), _NoonRound()]
    )
    for day in model.days(3):
        noon = day_start_ms(day.day) + 12 * 3_600_000
        at_noon = [o for o in day.occurrences if o.ts_ms == noon]
        assert [o.type for o in at_noon] == [EventType.OCCUPANCY]
        assert isinstance(at_noon[0].data, OccupancyData) and at_noon[0].data.count >= 3
