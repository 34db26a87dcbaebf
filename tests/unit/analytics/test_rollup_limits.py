"""Events the roll-ups cannot place in time are refused with `RollupError` before any counter
moves, instead of raising deep inside `datetime` (which stopped the roll-up task for every
unit, and again after every restart)."""

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from aggregator.analytics.rollup import Rollup, RollupError
from protocol import AnyEvent
from tests.unit.analytics.test_analytics_rollup import PART, event, mobility_day

FALL = {"track_id": 1, "height_m": 0.3}


def _with(e: AnyEvent, **changes: Any) -> AnyEvent:
    """``e`` with fields the protocol accepts but `event()` cannot build (years 1 and 9999)."""
    return e.model_copy(update=changes)


def _activity(seconds: float) -> dict[str, Any]:
    return {"track_id": 1, "state": "sitting", "previous": "in_bed", "duration_s": seconds}


def _refused(e: AnyEvent) -> str:
    rollup = Rollup(PART, {})
    rollup.apply(event("occupancy", "2026-01-01T10:00:00", {"count": 1}))
    before = (dict(rollup.ops.incr), dict(rollup.ops.maxes), dict(rollup.ops.sets))
    with pytest.raises(RollupError) as refused:
        rollup.apply(e)
    assert (rollup.ops.incr, rollup.ops.maxes, rollup.ops.sets) == before, "nothing counted"
    return str(refused.value)


def test_a_fall_landing_before_year_1_is_refused_cleanly() -> None:
    fall = event("fall", "2026-01-02T00:00:02", {**FALL, "on_floor_s": 60.0}, phase="start")
    assert "landing" in _refused(_with(fall, ts=fall.ts.replace(year=1, day=2, second=10)))


@pytest.mark.parametrize(
    "ts", [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)]
)
def test_an_event_of_year_1_or_9999_is_refused_cleanly(ts: datetime) -> None:
    fall = event("fall", "2026-01-02T00:00:02", {**FALL, "on_floor_s": 0.0}, phase="start")
    assert "ts is outside" in _refused(_with(fall, ts=ts))


def test_lengths_that_are_not_numbers_or_reach_before_year_1_are_refused() -> None:
    fall = event("fall", "2026-01-02T00:00:02", {**FALL, "on_floor_s": 1.0}, phase="start")
    assert "on_floor_s" in _refused(
        _with(fall, data=fall.data.model_copy(update={"on_floor_s": math.inf}))
    )
    assert "duration_s" in _refused(event("activity", "2026-01-02T00:00:00", _activity(1e12)))
    thirty_years = event("activity", "2026-01-02T00:00:00", _activity(9.5e8))
    assert "start" in _refused(_with(thirty_years, ts=thirty_years.ts.replace(year=20)))
    session = event(
        "mobility",
        "2026-01-02T00:00:00",
        {"track_id": 1, "state": "walking", "staff_count": 1, "duration_s": 60, "ims_level": 7},
        phase="end",
    )
    huge = session.data.model_copy(update={"active_s": 1e306})
    assert "active_s" in _refused(_with(session, data=huge))
    # The contract refuses such a day at ingest now; the roll-up's own check stays behind it.
    day = event("mobility_day", "2026-01-03T00:00:05", mobility_day("2026-01-03", 5, 3, 60))
    bad_day = _with(day, data=day.data.model_copy(update={"day": "2026-02-30"}))
    assert "not a date" in _refused(bad_day)


def test_ordinary_events_at_the_edges_of_the_range_still_count() -> None:
    fall = event("fall", "2026-01-02T00:00:10", {**FALL, "on_floor_s": 5.0}, phase="start")
    rollup = Rollup(PART, {})
    rollup.apply(_with(fall, ts=fall.ts.replace(year=1)))
    rollup.apply(_with(fall, ts=fall.ts.replace(year=9999, month=12, day=29)))
    days = sorted(key.rsplit(":", 1)[-1] for key, _ in rollup.ops.incr if ":day:falls:" in key)
    assert days == ["0001-01-02", "9999-12-29"]
