"""A long day of normal life in one room, for counting false alarms per room-day.

The patient (or resident) spends most of the time in bed, turning now and then; gets up for
meals in the chair and for bathroom trips; staff visit every 10–60 min (hospital rooms),
using the dispenser at the compliance rate and attending the patient most of the time; a
visitor may come. Falls happen only at `falls_per_day` (Poisson), default none.
"""

import math

from simulators import activities as act
from simulators.falls import FALL_KINDS, FALL_START, fall, lie_after_fall
from simulators.generate import HOSPITAL, staff_visit
from simulators.motion import Posture, Script, Support
from simulators.scenarios import Scenario
from simulators.stage import Stage

HOUR = 3600.0


def _poisson(stage: Stage, mean: float) -> int:
    """Knuth's method: few draws for the small means used here."""
    limit, k, prod = math.exp(-mean), 0, stage.rng.random()
    while prod > limit:
        k += 1
        prod *= stage.rng.random()
    return k


def day_routine(stage: Stage, duration: float, compliance: float, falls_per_day: float) -> Scenario:
    rng, r = stage.rng, stage.room
    hospital = r.kind in HOSPITAL
    h = round(min(2.0, max(1.45, rng.gauss(1.68, 0.1))), 3)
    p = stage.cast(
        "patient" if hospital else "resident",
        start=Script(h, act.bed_pose(stage, h)),
        height=h,
        aid=rng.choice(("none", "none", "walker")),
    )
    s = p.script
    meal_gap = rng.uniform(4.0, 5.0) * HOUR
    next_meal = rng.uniform(0.5, 1.5) * HOUR
    n_falls = _poisson(stage, falls_per_day * duration / (24 * HOUR))
    falls = sorted(rng.uniform(0.1, 0.9) * duration for _ in range(n_falls))
    upright = [k for k in FALL_KINDS if FALL_START[k] == "upright"]
    while s.t < duration - 1200.0:
        if next_meal <= s.t and "chair" in r.spots:
            act.bed_exit(stage, p)
            act.sit_down(stage, p, "chair")
            act.sit(stage, p, rng.uniform(15.0, 40.0) * 60.0)
            act.stand_up(stage, p, "chair")
            act.get_into_bed(stage, p)
            next_meal += meal_gap
        elif falls and falls[0] <= s.t:
            falls.pop(0)
            act.bed_exit(stage, p)
            free = r.spots["floor_free"]
            act.walk_path(stage, p, free.x, free.y)
            event = fall(stage, p, rng.choice(upright))
            lie_after_fall(stage, p, event, rng.uniform(60.0, 900.0), recover=True)
            act.get_into_bed(stage, p)
        elif rng.random() < 0.15:
            act.bed_exit(stage, p)
            act.bathroom_trip(stage, p, rng.uniform(3.0, 8.0) * 60.0)
            act.get_into_bed(stage, p)
        elif rng.random() < 0.1:
            act.bed_exit(stage, p)
            win = r.spots["window"]
            act.walk_to(stage, p, win)
            act.stand(stage, p, 20.0, 120.0)
            act.get_into_bed(stage, p)
        else:
            act.in_bed(stage, p, rng.uniform(10.0, 45.0) * 60.0)
            if rng.random() < 0.5:
                act.turn_in_bed(stage, p)
    s.hold(max(1.0, duration - s.t), "lying_bed", Posture.LYING, Support.BED, sway=0.015)
    t = rng.uniform(5.0, 30.0) * 60.0
    while hospital and t < duration - 600.0:
        nurse = staff_visit(stage, p, t, compliance, contact=None)
        t = nurse.script.t + rng.uniform(10.0, 60.0) * 60.0
    if rng.random() < 0.5 and duration > 2 * HOUR:
        _visit(stage, rng.uniform(0.2, 0.7) * duration)
    total = max(duration, *(q.script.t for q in stage.people))
    return stage.scenario(
        f"day_{r.kind}",
        f"a day of normal activity in a {r.kind}",
        total,
        generator="day",
        compliance=compliance,
        room_kind=r.kind,
    )


def _visit(stage: Stage, at: float) -> None:
    """A visitor comes in, stands by the bed for a while and leaves (no dispenser)."""
    rng, r = stage.rng, stage.room
    v = stage.cast("visitor")
    act.enter(stage, v, at, rub=False)
    spot = r.spots.get("bed_side_far") or r.spots["middle"]
    act.walk_to(stage, v, spot)
    v.script.hold(rng.uniform(5.0, 25.0) * 60.0, "visiting", Posture.STANDING, Support.FEET)
    act.leave(stage, v)
