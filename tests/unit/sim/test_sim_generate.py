"""Generated scenarios: falls end on the floor, hard negatives never do, staff use the
dispenser for 2–20 s, and a seed always gives the same scene (clip or hours-long day)."""

import random
import time
from typing import Any

import numpy as np
import pytest

from simulators.falls import FALL_KINDS
from simulators.generate import NEGATIVES, random_scenario
from simulators.people import PersonState
from simulators.recording import frame_person
from simulators.scenarios import Scenario


def _clip(focus: str, seed: int = 0, room_kind: Any = "hospital_single") -> Scenario:
    return random_scenario(random.Random(seed), kind="clip", room_kind=room_kind, focus=focus)  # type: ignore[arg-type]  # focus names are checked at run time


def _extent(state: PersonState) -> tuple[float, float]:
    """Lowest and highest point of the person's body (capsule surfaces)."""
    a, b, r = state.capsules
    return float(np.min(np.minimum(a[:, 2], b[:, 2]) - r)), float(
        np.max(np.maximum(a[:, 2], b[:, 2]) + r)
    )


def _patient(s: Scenario, t: float) -> PersonState:
    return next(p for p in s.at(t, include_absent=True) if p.person.id == 1)


@pytest.mark.parametrize("kind", FALL_KINDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_fall_kind_ends_on_the_floor_fast(kind: str, seed: int) -> None:
    s = _clip(kind, seed)
    [fall] = [e for e in s.events if e["event"] == "fall"]
    assert fall["kind"] == kind and fall["person"] == 1
    assert 0.4 <= fall["landing"] - fall["onset"] <= 3.0
    before = _extent(_patient(s, fall["onset"] - 0.05))
    assert before[1] > 0.9, "falls start from upright, seated or in bed"
    lie_until = fall["lie_end"] if fall["lie_end"] is not None else s.duration
    assert lie_until - fall["landing"] >= 10.0
    for t in np.linspace(fall["landing"] + 0.1, lie_until - 0.1, 12):
        state = _patient(s, float(t))
        low, top = _extent(state)
        assert -0.001 <= low < 0.03, (t, low)
        assert top < 0.6, (t, top)
        assert (state.activity, str(state.segment.support)) == ("lying_floor", "floor")
    if fall["end"] is not None:
        assert _extent(_patient(s, fall["end"] + 0.1))[1] > 1.3


@pytest.mark.parametrize(
    ("focus", "activity", "posture", "support"),
    [
        ("chair_sit", "sitting", "sitting", "chair"),
        ("bed_lie", "lying_bed", "lying", "bed"),
        ("floor_exercise", "exercise_floor", "lying", "floor"),
        ("floor_sit", "sitting_floor", "sitting", "floor"),
        ("pick_up", "picking_up", "bending", "feet"),
        ("crouch", "crouching", "crouching", "feet"),
        ("toilet_sit", "sitting", "sitting", "chair"),
    ],
)
def test_hard_negatives_are_labelled_as_what_they_are(
    focus: str, activity: str, posture: str, support: str
) -> None:
    for seed in range(3):
        s = _clip(focus, seed, "bathroom" if focus == "toilet_sit" else "hospital_single")
        assert not any(e["event"] == "fall" for e in s.events)
        labels = [frame_person(_patient(s, t)) for t in np.arange(0.0, s.duration, 0.25)]
        seen = [p for p in labels if p["activity"] == activity]
        assert len(seen) > 4, focus
        assert {(p["posture"], p["support"]) for p in seen} == {(posture, support)}
        if focus == "floor_exercise":
            [event] = [e for e in s.events if e["event"] == "floor_exercise"]
            assert event["hard_negative"] is True
            assert min(p["head_height_m"] for p in seen) < 0.35


def test_bed_exit_and_transfers_log_their_stages_and_staff() -> None:
    s = _clip("bed_exit", 4)
    [exit_] = [e for e in s.events if e["event"] == "bed_exit"]
    assert exit_["onset"] < exit_["edge"] < exit_["stand_onset"] < exit_["exit"]
    assert _patient(s, exit_["onset"] - 0.5).activity == "lying_bed"
    assert str(_patient(s, exit_["exit"] + 0.5).segment.support) == "feet"
    counts = set()
    for seed in range(12):
        s = _clip("assisted_transfer", seed)
        [transfer] = [e for e in s.events if e["event"] == "transfer"]
        staff = {p.id for p in s.people if p.role == "staff"}
        assert set(transfer["staff"]) == staff and transfer["staff_count"] == len(staff)
        assert (transfer["origin"], transfer["target"]) == ("bed", "chair")
        assert _patient(s, transfer["end"] + 0.5).activity == "sitting"
        counts.add(transfer["staff_count"])
    assert counts == {0, 1, 2}


def test_staff_rub_hands_at_the_dispenser_for_2_to_20_s() -> None:
    s = random_scenario(
        random.Random(7),
        kind="day",
        duration_s=4 * 3600.0,
        room_kind="hospital_single",
        compliance=1.0,
    )
    rubs = [e for e in s.events if e["event"] == "hand_rub"]
    entries = [e for e in s.events if e["event"] == "room_entry" and e["role"] == "staff"]
    assert len(entries) >= 4
    assert len(rubs) >= 2 * len(entries) - 1, "compliance 1.0: a rub on entry and on exit"
    zones = s.room.zones
    for rub in rubs:
        assert rub["role"] == "staff"
        assert rub["end"] - rub["onset"] == pytest.approx(rub["duration"])
        assert 2.0 <= rub["duration"] <= 20.0
        mid = (rub["onset"] + rub["end"]) / 2
        [state] = [p for p in s.at(mid, include_absent=True) if p.person.id == rub["person"]]
        assert state.activity == "hand_rub"
        zone = zones[f"dispenser_{rub['where']}"]
        assert zone.contains(state.pose.x, state.pose.y)
        assert state.in_room == (zone.where == "inside")
    exits = [e for e in s.events if e["event"] == "room_exit" and e["role"] == "staff"]
    assert {e["person"] for e in exits} == {e["person"] for e in entries}
    contacts = [e for e in s.events if e["event"] == "patient_contact"]
    assert contacts and all(c["patient"] == 1 for c in contacts)
    assert {c["person"] for c in contacts} == {e["person"] for e in exits if e["patient_contact"]}


def test_no_compliance_means_no_rubs() -> None:
    s = random_scenario(
        random.Random(3), kind="day", duration_s=3 * 3600.0, room_kind="icu_bay", compliance=0.0
    )
    assert any(e["event"] == "room_entry" for e in s.events)
    assert not any(e["event"] == "hand_rub" for e in s.events)


def _fingerprint(s: Scenario) -> tuple[Any, ...]:
    poses = [tuple(p.pose for p in s.at(t)) for t in (0.0, 7.7, s.duration / 2)]
    return s.name, s.duration, s.events, [p.meta() for p in s.people], poses


@pytest.mark.parametrize("kind", ["clip", "day"])
def test_generator_is_deterministic_by_seed(kind: Any) -> None:
    opts: dict[str, Any] = {"kind": kind, "duration_s": 3 * 3600.0 if kind == "day" else None}
    a = random_scenario(random.Random(11), **opts)
    b = random_scenario(random.Random(11), **opts)
    c = random_scenario(random.Random(12), **opts)
    assert _fingerprint(a) == _fingerprint(b)
    assert _fingerprint(a) != _fingerprint(c)


def test_clips_balance_falls_and_hard_negatives() -> None:
    focus = [
        random_scenario(random.Random(seed), kind="clip", fall_fraction=0.5).meta["focus"]
        for seed in range(60)
    ]
    falls = sum(f in FALL_KINDS for f in focus)
    assert 18 <= falls <= 42
    assert len(set(focus) & set(NEGATIVES)) >= 5 and len(set(focus) & set(FALL_KINDS)) >= 5
    durations = [
        random_scenario(random.Random(s), kind="clip", fall_fraction=0.0).duration
        for s in range(20)
    ]
    assert all(30.0 <= d <= 150.0 for d in durations)


def test_an_eight_hour_day_builds_and_plays_back_cheaply() -> None:
    began = time.perf_counter()
    s = random_scenario(random.Random(5), kind="day", duration_s=8 * 3600.0)
    assert time.perf_counter() - began < 2.0
    assert s.duration >= 8 * 3600.0
    assert not any(e["event"] == "fall" for e in s.events)
    times = np.random.default_rng(0).uniform(0, s.duration, 2000)
    began = time.perf_counter()
    states = [s.at(float(t)) for t in times]
    per_frame = (time.perf_counter() - began) / len(times)
    assert per_frame < 2e-3
    in_bed = sum(any(p.activity == "lying_bed" for p in frame) for frame in states)
    assert in_bed / len(states) > 0.4, "the patient is in bed most of the day"


def test_people_on_their_feet_walk_round_furniture_not_through_it() -> None:
    upright = clipped = 0
    for seed in range(25):
        s = random_scenario(random.Random(seed), kind="clip")
        solid = [b for b in s.room.furniture.values() if b.hi[2] > 0.3 and b.lo[2] < 1.6]
        for t in np.arange(0.0, s.duration, 0.5):
            for p in s.at(float(t)):
                if p.activity not in ("walking", "standing", "assisting_walk", "hand_rub"):
                    continue
                upright += 1
                x, y = p.pose.x, p.pose.y
                clipped += any(
                    b.lo[0] - 0.05 < x < b.hi[0] + 0.05 and b.lo[1] - 0.05 < y < b.hi[1] + 0.05
                    for b in solid
                )
    assert upright > 500
    assert clipped / upright < 0.01


def test_a_day_needs_a_bed() -> None:
    with pytest.raises(ValueError, match="bed"):
        random_scenario(random.Random(0), kind="day", room_kind="living_room")
