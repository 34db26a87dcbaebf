"""Stamping virtual agents' events: restarts, sequence numbers, reproducible ids."""

import itertools
from datetime import date

from protocol import AgentState, uuid7_time
from simulators.fleet import DEFAULT_RATES, RoomKind, RoomModel, SimStamper
from simulators.fleet.agent import Outage, outage_schedule
from simulators.fleet.generators import Occurrence, RoomSpec

SPEC = RoomSpec("s1", "u1", "r1", "agent-r1", RoomKind.ICU, "r1-A", True)


def _occurrences(n: int) -> list[Occurrence]:
    model = RoomModel(SPEC, DEFAULT_RATES[RoomKind.ICU], seed=0, start=date(2026, 1, 1))
    out: list[Occurrence] = []
    for day in model.days(3):
        out.extend(day.occurrences)
    return out[:n]


def test_a_restart_gives_a_new_boot_id_and_seq_from_zero() -> None:
    stamper = SimStamper(SPEC, seed=5)
    occs = _occurrences(10)
    first = [stamper.stamp(o) for o in occs[:5]]
    old_boot = stamper.boot_id
    new_boot = stamper.new_boot()
    second = [stamper.stamp(o) for o in occs[5:]]
    assert [e.seq for e in first] == [0, 1, 2, 3, 4]
    assert [e.seq for e in second] == [0, 1, 2, 3, 4]
    assert new_boot != old_boot
    assert {e.boot_id for e in first} == {old_boot}
    assert {e.boot_id for e in second} == {new_boot}
    assert stamper.status(AgentState.ONLINE, occs[5].ts_ms).boot_id == new_boot


def test_event_ids_are_uuid7_at_the_event_time_and_unique() -> None:
    stamper = SimStamper(SPEC, seed=5)
    events = [stamper.stamp(o) for o in _occurrences(200)]
    assert len({e.event_id for e in events}) == len(events)
    for e in events:
        assert uuid7_time(e.event_id) == e.ts.timestamp()


def _spells(per_day: float, n: int = 50) -> list[Outage]:
    schedule = outage_schedule(
        1, "a", start_ms=0, per_day=per_day, minutes=(1.0, 30.0), restart_fraction=0.5
    )
    return list(itertools.islice(schedule, n))


def test_outage_schedule_is_seeded_and_spells_do_not_overlap() -> None:
    outages = _spells(2.0)
    assert outages == _spells(2.0)
    assert len(outages) == 50
    assert all(a.end_ms <= b.start_ms for a, b in itertools.pairwise(outages))
    assert 10 < sum(o.restart for o in outages) < 40
    assert _spells(0.0) == []
