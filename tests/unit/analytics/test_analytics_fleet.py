"""The fleet's new generators (hand hygiene, mobility, home activity) feed the reports without
changing the older histories, and their events agree with their truth."""

from collections import Counter
from datetime import date

import pytest

from protocol import EventType, HandHygieneData
from simulators.fleet import DEFAULT_RATES, RoomKind, RoomModel
from simulators.fleet.generators import (
    AwayGenerator,
    BedExitGenerator,
    FallGenerator,
    Generator,
    Occurrence,
    RoomSpec,
    StaffGenerator,
    VisitorGenerator,
)

OLD = {EventType.FALL, EventType.BED_EXIT, EventType.OCCUPANCY}


def _occurrences(kind: RoomKind, *, old_only: bool) -> tuple[RoomModel, list[Occurrence]]:
    spec = RoomSpec("s", "u", "r1", "agent-r1", kind, "r1-A", True)
    rates = DEFAULT_RATES[kind].model_copy(update={"falls_per_1000_days": 150.0})
    before: list[Generator] = [
        AwayGenerator(),
        FallGenerator(),
        BedExitGenerator(),
        StaffGenerator(),
        VisitorGenerator(),
    ]
    generators = before if old_only else None
    model = RoomModel(spec, rates, seed=5, start=date(2026, 2, 1), generators=generators)
    return model, [occ for day in model.days(20) for occ in day.occurrences]


@pytest.mark.parametrize("kind", list(RoomKind))
def test_falls_bed_exits_and_occupancy_are_as_before_the_new_generators(kind: RoomKind) -> None:
    old_model, old = _occurrences(kind, old_only=True)
    new_model, new = _occurrences(kind, old_only=False)
    assert [o for o in new if o.type in OLD] == old
    assert len(new) > len(old)
    for before, after in zip(old_model.truth.days, new_model.truth.days, strict=True):
        assert (before.falls, before.occupied_ms, before.bed_exits) == (
            after.falls,
            after.occupied_ms,
            after.bed_exits,
        )


def test_every_staff_member_makes_an_entry_and_an_exit_with_plausible_compliance() -> None:
    model, occs = _occurrences(RoomKind.HOSPITAL, old_only=False)
    hh = [o for o in occs if o.type is EventType.HAND_HYGIENE]
    directions = Counter(o.data.direction for o in hh if isinstance(o.data, HandHygieneData))
    assert abs(directions["entry"] - directions["exit"]) <= 2  # visits across the ends
    used = sum(1 for o in hh if isinstance(o.data, HandHygieneData) and o.data.dispenser_used)
    assert 0.4 < used / len(hh) < 0.7
    truth = sum(c[0] for day in model.truth.days for c in day.hand_hygiene.values())
    assert truth == len(hh)


def test_homes_have_activity_and_no_mobility_sessions_hospitals_the_reverse() -> None:
    _, home = _occurrences(RoomKind.HOME, old_only=False)
    _, hospital = _occurrences(RoomKind.HOSPITAL, old_only=False)
    assert {o.type for o in home} >= {EventType.ACTIVITY} and not any(
        o.type is EventType.MOBILITY for o in home
    )
    assert any(o.type is EventType.MOBILITY for o in hospital)
    assert not any(o.type is EventType.ACTIVITY for o in hospital)
