"""Scoring on hand-made labels and events: the numbers a reader of the report relies on."""

from typing import Any

import pytest

from models.evaluate import metrics, stats
from models.evaluate.events import Ev, event_from_wire
from models.evaluate.items import Truth, room_frame_zones, truth_from_labels
from models.evaluate.scoring import (
    score_bed_exits,
    score_falls,
    score_hand_hygiene,
    score_mobility,
)

FALL = {
    "event": "fall",
    "person": 1,
    "kind": "trip_forward",
    "onset": 9.0,
    "landing": 10.0,
    "lie_end": 30.0,
    "end": 32.0,
}


def start(t: float, confidence: float = 0.9, **kw: Any) -> Ev:
    return Ev("fall", "start", t, confidence, **kw)


def test_a_fall_alerted_1_5_s_after_landing_is_detected_with_its_delay() -> None:
    score = score_falls([FALL], [start(11.5), Ev("fall", "update", 16.5)], 60.0)
    [outcome] = score.falls
    assert outcome.detected and outcome.delay_s == pytest.approx(1.5)
    assert score.false_alerts == [] and score.calibration == [(0.9, True)]


def test_an_alert_12_s_after_landing_misses_the_fall_but_is_not_a_false_alarm() -> None:
    score = score_falls([FALL], [start(22.0)], 60.0)
    assert not score.falls[0].detected
    assert score.false_alerts == [] and len(score.late_alerts) == 1


def test_a_fall_with_no_alert_is_missed() -> None:
    score = score_falls([FALL], [], 60.0)
    assert [o.detected for o in score.falls] == [False]


def test_a_second_alert_for_one_fall_does_not_count_twice() -> None:
    score = score_falls([FALL], [start(10.5), start(11.0)], 60.0)
    assert sum(o.detected for o in score.falls) == 1
    assert score.false_alerts == [] and len(score.late_alerts) == 1


def test_shadow_model_alerts_are_left_out() -> None:
    score = score_falls([], [start(100.0, shadow=True)], 3600.0)
    assert score.false_alerts == []


def _day(events: list[Ev], hours: float = 4.0) -> metrics.ItemRun:
    truth = Truth("day-0", "day", {}, [], [], 0.0, hours * 3600.0)
    return metrics.ItemRun(truth, events, hours * 3600.0, {"room": "hospital_single"})


def test_a_false_alarm_on_a_day_is_counted_per_room_day() -> None:
    summary = metrics.falls([_day([start(5000.0, confidence=0.6)])])
    days = summary["false_alerts"]["days"]
    assert days["count"] == 1 and days["hours"] == pytest.approx(4.0)
    assert days["per_room_day"] == pytest.approx(6.0)
    assert days["per_room_month"] == pytest.approx(180.0)
    assert summary["calibration"]["n"] == 1


def test_no_false_alarm_in_a_few_hours_does_not_show_the_monthly_target() -> None:
    summary = {"fall": metrics.falls([_day([])])}
    [target] = [t for t in metrics.targets(summary) if t["key"] == "fall_false_per_room_month"]
    assert target["value"] == 0.0 and target["verdict"] == "not shown"
    assert "upper bound" in target["note"]


def test_bed_exit_lead_time_is_from_the_first_warning_to_the_exit() -> None:
    label = {
        "event": "bed_exit",
        "onset": 100.0,
        "edge": 110.0,
        "stand_onset": 118.0,
        "exit": 125.0,
    }
    events = [
        Ev("bed_exit", "start", 103.0, 0.8, {"stage": "predicted"}),
        Ev("bed_exit", "update", 127.0, 0.8, {"stage": "exit"}),
        Ev("bed_exit", "start", 500.0, 0.7, {"stage": "predicted"}),
    ]
    score = score_bed_exits([label], events)
    [outcome] = score.exits
    assert outcome.warned and outcome.lead_s == pytest.approx(22.0)
    assert outcome.exit_detected and outcome.exit_delay_s == pytest.approx(2.0)
    assert len(score.false_warnings) == 1


def test_hand_hygiene_opportunities_match_by_direction_within_5_s() -> None:
    labels = [
        {"event": "room_entry", "person": 2, "role": "staff", "t": 10.0, "hand_rub": True},
        {
            "event": "room_exit",
            "person": 2,
            "role": "staff",
            "t": 80.0,
            "hand_rub": False,
            "patient_contact": True,
        },
        {"event": "room_entry", "person": 3, "role": "staff", "t": 200.0, "hand_rub": False},
    ]
    events = [
        Ev("hand_hygiene", "instant", 12.0, 0.9, {"direction": "entry", "dispenser_used": True}),
        Ev("hand_hygiene", "instant", 81.0, 0.9, {"direction": "entry", "dispenser_used": False}),
        Ev("hand_hygiene", "instant", 203.0, 0.7, {"direction": "entry", "dispenser_used": True}),
    ]
    score = score_hand_hygiene(labels, events)
    found = [ev is not None for _, ev in score.matched]
    assert found == [True, False, True]  # the exit was reported as an entry: not a match
    assert len(score.false_opportunities) == 1
    assert score.dispenser_counts() == {"tp": 1, "fn": 0, "fp": 1, "tn": 0}


def test_mobility_transitions_staff_counts_and_quiet_windows() -> None:
    labels = [
        {"event": "transfer", "onset": 20.0, "end": 30.0, "staff_count": 2},
        {"event": "stand_up", "onset": 60.0, "end": 62.0},
    ]
    events = [
        Ev(
            "mobility",
            "start",
            28.0,
            0.8,
            {"previous": "in_bed", "state": "chair", "staff_count": 1},
        ),
        Ev(
            "mobility",
            "update",
            70.0,
            0.8,
            {"previous": "standing", "state": "walking", "staff_count": 0},
        ),  # not scored
        Ev(
            "mobility",
            "update",
            95.0,
            0.8,
            {"previous": "chair", "state": "standing", "staff_count": 0},
        ),  # false
        Ev("mobility", "end", 99.0, 0.8, {"previous": None, "state": "standing"}),  # summary
    ]
    score = score_mobility(labels, events, 100.0)
    assert [ev is not None for _, ev in score.matched] == [True, False]
    assert score.staff == [(2, 1)]
    assert score.confusion == {"transfer": {"chair": 1}, "stand_up": {"missed": 1}}
    # quiet 10 s windows: 0, 40, 70 (walking is not scored), 80 and 90; the false one is in 90
    assert (score.negative_windows, score.false_windows) == (5, 1)


def test_mobility_and_hand_hygiene_are_not_run_without_their_events() -> None:
    runs = [_day([start(10.0)])]
    assert metrics.mobility(runs)["status"] == "not run"
    assert metrics.hand_hygiene(runs)["status"] == "not run"


def test_wire_events_are_put_on_the_clip_clock() -> None:
    line = {
        "type": "fall",
        "phase": "start",
        "ts": "2026-01-01T03:00:11.500000Z",
        "confidence": 0.8,
        "data": {"on_floor_s": 1.5},
        "model": {"name": "fall-rules", "version": "1.0.0"},
    }
    start_s = 1767236400.0  # 2026-01-01T03:00:00Z
    ev = event_from_wire(line, start_s)
    assert ev.t == pytest.approx(11.5) and ev.model == "fall-rules/1.0.0"


def test_wilson_interval_and_zero_count_bound() -> None:
    lo, hi = stats.wilson(0, 10) or (None, None)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-3)
    lo, hi = stats.wilson(10, 10) or (None, None)
    assert lo == pytest.approx(0.7225, abs=1e-3) and hi == pytest.approx(1.0)
    assert stats.poisson_upper(0, 1.0) == pytest.approx(2.996, abs=1e-3)
    assert stats.poisson_upper(3, 1.0) == pytest.approx(7.75, rel=0.03)


def test_reliability_bins_and_calibration_error() -> None:
    pairs = [(0.95, True)] * 9 + [(0.95, False)] + [(0.55, True), (0.55, False)]
    table = stats.reliability(pairs)
    top = table[9]
    assert top.n == 10 and top.accuracy == pytest.approx(0.9)
    ece = stats.expected_calibration_error(table)
    assert ece == pytest.approx((10 * 0.05 + 2 * 0.05) / 12)


def test_a_day_cut_short_scores_only_events_it_saw_whole() -> None:
    meta = {"start_time_ms": 1767250800000, "duration_s": 14400.0}
    lines = [
        {"type": "segment", "person": 1, "start": 0.0, "end": 900.0, "activity": "lying_bed"},
        {"event": "bed_exit", "onset": 100.0, "edge": 110.0, "stand_onset": 115.0, "exit": 120.0},
        {
            "event": "bed_exit",
            "onset": 1790.0,
            "edge": 1800.0,
            "stand_onset": 1805.0,
            "exit": 1810.0,
        },
    ]
    truth = truth_from_labels("day-0", kind="day", meta=meta, lines=lines, frames=[], hours=0.5)
    assert truth.duration_s == 1800.0 and truth.start_s == 1767250800.0
    assert [e["exit"] for e in truth.events] == [120.0]


def test_false_alerts_are_told_by_the_activity_they_hit() -> None:
    labels = [
        {"event": "sit_down", "onset": 40.0, "end": 43.0, "surface": "chair"},
        {"event": "floor_exercise", "onset": 38.0, "end": 90.0, "hard_negative": True},
    ]
    truth = Truth("clip-9", "clip", {}, labels, [], 0.0, 120.0)
    run = metrics.ItemRun(truth, [start(42.0), start(110.0)], 120.0)
    causes = metrics.falls([run])["false_alerts"]["by_activity"]
    assert causes == {"floor_exercise": 1, "no labelled event": 1}


def test_zones_are_moved_into_the_pipelines_room_frame() -> None:
    # A camera at (1, 0) looking along world +y, image x along world +x (no tilt, for clarity).
    rotation = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]]
    meta = {
        "camera": {"pose": {"position": [1.0, 0.0, 2.5], "rotation_cam_to_world": rotation}},
        "room": {
            "zones": {
                "bed": {"lo": [0.5, 2.0], "hi": [1.5, 4.0], "where": "inside"},
                "dispenser_out": {"lo": [3.0, 0.0], "hi": [3.5, 0.5], "where": "outside"},
            }
        },
    }
    zones = room_frame_zones(meta)
    [bed] = zones["beds"]
    xs, ys = zip(*bed["polygon"], strict=True)
    assert (min(xs), max(xs), min(ys), max(ys)) == (-0.5, 0.5, 2.0, 4.0)
    assert bed["fall_risk"] is True
    [dispenser] = zones["dispensers"]
    assert dispenser["where"] == "outside" and min(x for x, _ in dispenser["polygon"]) == 2.0
