"""Seeded random scenarios: short clips around one focus event, and long days of normal life.

Clips (30–120 s) carry one focus event: a fall of some kind (with probability
`fall_fraction`) or a hard negative (sitting in a chair, lying in bed, a bed exit, picking
something up, crouching, sitting or exercising on the floor, an assisted transfer or walk,
a staff visit). Days (hours) are the false-alarm material: the patient is in bed most of the
time, eats in the chair, goes to the bathroom, and staff visit every 10–60 min using the
dispenser at the `compliance` rate; falls are rare (`falls_per_day`, default none).

Same rng state in, same scenario out: every random draw goes through the rng passed in.
"""

import math
import random
from typing import Literal, get_args

from simulators import activities as act
from simulators.body import standing
from simulators.falls import FALL_KINDS, FALL_START, FallKind, fall, lie_after_fall
from simulators.motion import Posture, Script, Support
from simulators.people import CLOTHING, Aid, Person, Role
from simulators.poses import sitting
from simulators.rooms import Room, RoomKind, room
from simulators.scenarios import Scenario
from simulators.stage import Stage

Kind = Literal["clip", "day"]
Negative = Literal[
    "chair_sit",
    "bed_lie",
    "bed_exit",
    "pick_up",
    "crouch",
    "floor_sit",
    "floor_exercise",
    "assisted_transfer",
    "assisted_walk",
    "staff_visit",
    "toilet_sit",
]
NEGATIVES: tuple[Negative, ...] = get_args(Negative)
CLIP_ROOMS: tuple[RoomKind, ...] = (
    "hospital_single",
    "icu_bay",
    "home_bedroom",
    "living_room",
    "bathroom",
)
DAY_ROOMS: tuple[RoomKind, ...] = ("hospital_single", "icu_bay", "home_bedroom")
HOSPITAL = ("hospital", "hospital_single", "icu_bay")


def random_scenario(
    rng: random.Random,
    *,
    kind: Kind,
    duration_s: float | None = None,
    room_kind: RoomKind | None = None,
    fall_fraction: float = 0.5,
    compliance: float = 0.7,
    falls_per_day: float = 0.0,
    focus: FallKind | Negative | None = None,
) -> Scenario:
    """A random scenario. `focus` forces a clip's focus event (a fall kind or a negative)."""
    if kind == "clip":
        rk = rng.choice(CLIP_ROOMS) if room_kind is None else room_kind
        duration = duration_s if duration_s is not None else rng.uniform(30.0, 120.0)
        return _clip(Stage(room(rk), rng), duration, fall_fraction, compliance, focus)
    rk = rng.choice(DAY_ROOMS) if room_kind is None else room_kind  # a day needs a bed
    if "bed" not in room(rk).furniture:
        raise ValueError(f"a day needs a room with a bed, not {rk!r}; try one of {DAY_ROOMS}")
    duration = duration_s if duration_s is not None else 8 * 3600.0
    return _day(Stage(room(rk), rng), duration, compliance, falls_per_day)


def random_mount(rng: random.Random, r: Room) -> Room:
    """The room seen from a random but sensible mount: high corner (2.2 m up to just under
    the ceiling, tilted 25–45° down) or ceiling (tilted 0–20° off vertical)."""
    if rng.random() < 0.5:
        height = rng.uniform(2.2, r.size[2] - 0.1)
        return r.with_camera("corner", height, rng.uniform(25.0, 45.0), corner=rng.choice((0, 2)))
    return r.with_camera("ceiling", r.size[2] - rng.uniform(0.02, 0.1), rng.uniform(0.0, 20.0))


def _feasible(stage: Stage, name: str) -> bool:
    spots, hospital = stage.room.spots, stage.room.kind in HOSPITAL
    need_bed = name in ("bed_roll", "bed_lie", "bed_exit", "assisted_transfer")
    if need_bed and "bed_edge" not in spots:
        return False
    if name in ("chair_slide", "standup_fall", "chair_sit") and "chair" not in spots:
        return False
    if name in ("assisted_transfer", "assisted_walk", "staff_visit") and not hospital:
        return False
    if name == "toilet_sit" and "toilet" not in spots:
        return False
    return not (name == "assisted_transfer" and "chair" not in spots)


def _clip(
    stage: Stage, duration: float, fall_fraction: float, compliance: float, focus: str | None
) -> Scenario:
    rng, r = stage.rng, stage.room
    if focus is None:
        pool: tuple[str, ...] = FALL_KINDS if rng.random() < fall_fraction else NEGATIVES
        focus = rng.choice([k for k in pool if _feasible(stage, k)])
    if not _feasible(stage, focus):
        raise ValueError(f"{focus} is not possible in a {r.kind} room")
    role: Role = "patient" if r.kind in HOSPITAL else "resident"
    start = _start_state(focus)
    h = round(min(2.0, max(1.45, rng.gauss(1.68, 0.1))), 3)
    aids: tuple[Aid, ...] = ("none", "none", "cane", "walker")
    aid: Aid = rng.choice(aids) if start == "upright" else "none"
    p = stage.cast(role, start=_start_script(stage, start, h), height=h, aid=aid)
    lead_in = rng.uniform(3.0, 10.0)
    if start == "upright":
        p.script.hold(lead_in, "standing", Posture.STANDING, Support.FEET)
        free = r.spots["floor_free"]
        act.walk_path(stage, p, free.x + rng.uniform(-0.3, 0.3), free.y + rng.uniform(-0.3, 0.3))
    elif start == "chair":
        act.sit(stage, p, lead_in)
    else:
        act.in_bed(stage, p, lead_in)
    if focus in FALL_KINDS:
        event = fall(stage, p, focus)
        recover = rng.random() < 0.5
        lie = rng.uniform(10.0, 40.0) if recover else max(20.0, duration - p.script.t)
        lie_after_fall(stage, p, event, lie, recover=recover)
    else:
        _negative(stage, p, focus, compliance)
    total = max(duration, *(q.script.t for q in stage.people))
    return stage.scenario(
        f"clip_{focus}",
        f"random clip: {focus} in a {r.kind}",
        total,
        generator="clip",
        focus=focus,
        room_kind=r.kind,
    )


def _start_state(focus: str) -> Literal["upright", "chair", "bed"]:
    if focus in FALL_START:
        return FALL_START[focus]
    if focus in ("bed_exit", "assisted_transfer"):
        return "bed"
    return "upright"


def _start_script(stage: Stage, start: str, h: float) -> Script:
    r, rng = stage.room, stage.rng
    if start == "bed":
        return Script(h, act.bed_pose(stage, h))
    if start == "chair":
        c = r.spots["chair"]
        return Script(h, sitting(c.x, c.y, c.yaw, r.seat("chair"), h))
    m = r.spots["middle"]
    return Script(h, standing(m.x, m.y, rng.uniform(-math.pi, math.pi), h))


def _negative(stage: Stage, p: Person, focus: str, compliance: float) -> None:
    rng = stage.rng
    if focus == "chair_sit":
        act.sit_down(stage, p, "chair")
        act.sit(stage, p, rng.uniform(8.0, 30.0))
        act.stand_up(stage, p, "chair")
    elif focus == "toilet_sit":
        act.sit_down(stage, p, "toilet")
        act.sit(stage, p, rng.uniform(20.0, 60.0), "toilet")
        act.stand_up(stage, p, "toilet")
    elif focus == "bed_lie":
        act.get_into_bed(stage, p)
        act.in_bed(stage, p, rng.uniform(5.0, 15.0))
        act.turn_in_bed(stage, p)
    elif focus == "bed_exit":
        act.bed_exit(stage, p)
        act.stand(stage, p)
    elif focus == "pick_up":
        act.pick_up(stage, p)
        act.stand(stage, p)
    elif focus == "crouch":
        act.crouch(stage, p)
    elif focus == "floor_sit":
        act.sit_on_floor(stage, p, rng.uniform(8.0, 30.0))
    elif focus == "floor_exercise":
        act.exercise_on_floor(stage, p, rng.uniform(15.0, 50.0))
    elif focus == "assisted_transfer":
        assisted_transfer(stage, p, rng.choice((0, 1, 1, 2)), compliance)
    elif focus == "assisted_walk":
        assisted_walk(stage, p, rng.choice((1, 2)), compliance)
    else:
        at = p.script.t + rng.uniform(0.0, 5.0)
        staff_visit(stage, p, at, compliance, contact=None, contact_s=(8.0, 40.0))


def staff_visit(
    stage: Stage,
    patient: Person | None,
    at: float,
    compliance: float,
    *,
    contact: bool | None,
    contact_s: tuple[float, float] = (10.0, 240.0),
) -> Person:
    """A nurse comes in (rubbing at the `compliance` rate), maybe attends, and leaves."""
    rng = stage.rng
    nurse = stage.cast("staff")
    act.enter(stage, nurse, at, rub=rng.random() < compliance)
    inside = patient is not None and _in_room(stage, patient, nurse.script.t + 4.0)
    touch = (rng.random() < 0.7 if contact is None else contact) and inside
    if touch and patient is not None:
        act.patient_contact(stage, nurse, patient, rng.uniform(*contact_s))
    else:
        spot = rng.choice(
            [stage.room.spots[k] for k in ("sink", "middle", "window") if k in stage.room.spots]
        )
        act.walk_to(stage, nurse, spot)
        act.stand(stage, nurse, contact_s[0] / 2, contact_s[1] / 4)
    act.leave(stage, nurse, rub=rng.random() < compliance, contact=touch)
    return nurse


def _in_room(stage: Stage, p: Person, t: float) -> bool:
    pose, _ = p.script.at(t)
    return 0.0 <= pose.x <= stage.room.size[0] and 0.0 <= pose.y <= stage.room.size[1]


def _helpers_enter(stage: Stage, n: int, at: float, compliance: float) -> list[Person]:
    helpers = []
    for i in range(n):
        nurse = stage.cast("staff")
        act.enter(stage, nurse, at + 1.5 * i, rub=stage.rng.random() < compliance)
        helpers.append(nurse)
    return helpers


def assisted_transfer(stage: Stage, p: Person, n_staff: int, compliance: float) -> None:
    """Bed → chair with `n_staff` helpers walking beside (0: alone)."""
    r, rng, s = stage.room, stage.rng, p.script
    helpers = _helpers_enter(stage, n_staff, s.t, compliance)
    side = r.spots["bed_side"]
    for i, nurse in enumerate(helpers):
        act.walk_path(stage, nurse, side.x, side.y - 0.7 - 0.6 * i)
    ready = max([s.t, *(n.script.t for n in helpers)])
    act.in_bed(stage, p, ready - s.t + 0.5)
    event = act.bed_exit(stage, p)
    onset = float(event["onset"])  # type: ignore[arg-type]  # logged as float
    act.stand(stage, p, 1.0, 2.0)
    walk_start = s.t
    front = r.spots["chair_front"]
    act.walk_path(stage, p, front.x, front.y)
    walk_end = s.t
    act.sit_down(stage, p, "chair", walk=False)
    for i, nurse in enumerate(helpers):
        nurse.script.wait_until(walk_start, "assisting", sway=0.02)
        # Both on the patient's right, the side away from the bed when rounding its foot.
        nurse.script.follow(s, walk_end, -0.5, behind=0.6 * i)
        act.walk_path(stage, nurse, front.x, front.y - 0.6 - 0.5 * i)  # clear of the chair
        nurse.script.wait_until(s.t + 2.0, "assisting", sway=0.02)
    stage.log(
        "transfer",
        p,
        onset=onset,
        end=s.t,
        origin="bed",
        target="chair",
        staff=[n.id for n in helpers],
        staff_count=len(helpers),
    )
    act.sit(stage, p, rng.uniform(5.0, 20.0))
    for nurse in helpers:
        act.leave(stage, nurse, rub=rng.random() < compliance, contact=True)


def assisted_walk(stage: Stage, p: Person, n_staff: int, compliance: float) -> None:
    """A walk around the room with one or two staff beside the patient."""
    r, rng, s = stage.room, stage.rng, p.script
    helpers = _helpers_enter(stage, n_staff, s.t, compliance)
    for i, nurse in enumerate(helpers):
        act.walk_path(stage, nurse, s.pose.x + 0.6, s.pose.y + (0.5 if i == 0 else -0.5))
    ready = max([s.t, *(n.script.t for n in helpers)])
    s.wait_until(ready + 1.0, "standing")
    onset = s.t
    points = [r.spots[k] for k in ("window", "middle", "floor_free") if k in r.spots]
    rng.shuffle(points)
    for q in points:
        act.walk_path(stage, p, q.x, q.y)
    for i, nurse in enumerate(helpers):
        nurse.script.wait_until(onset, "assisting", sway=0.02)
        nurse.script.follow(s, s.t, 0.5 if i == 0 else -0.5)
    stage.log(
        "assisted_walk",
        p,
        onset=onset,
        end=s.t,
        staff=[n.id for n in helpers],
        staff_count=len(helpers),
    )
    act.stand(stage, p, 2.0, 5.0)
    for nurse in helpers:
        act.leave(stage, nurse, rub=rng.random() < compliance, contact=True)


def _day(stage: Stage, duration: float, compliance: float, falls_per_day: float) -> Scenario:
    from simulators.day import day_routine

    return day_routine(stage, duration, compliance, falls_per_day)


def four_people(rng: random.Random, duration_s: float = 30.0) -> Scenario:
    """Four staff enter one after another and walk back and forth across each other's paths:
    the multi-person tracking scene of the tracker tests and the edge benchmark."""
    stage = Stage(room("hospital"), rng)
    paths = [
        [(0.6, 1.0), (3.4, 2.4)],
        [(3.4, 1.0), (0.6, 2.4)],
        [(0.8, 4.2), (0.8, 1.0)],
        [(2.0, 0.8), (2.2, 2.5)],
    ]
    for i, (path, height) in enumerate(zip(paths, (1.85, 1.58, 1.72, 1.66), strict=True)):
        p = stage.cast("staff", height=height, clothing=CLOTHING["scrubs"], speed=1.0)
        act.enter(stage, p, 2.0 + 1.0 * i)
        while p.script.t < duration_s:
            for x, y in path:
                act.walk_path(stage, p, x, y)
    return stage.scenario("four_people", "four staff walking across paths", duration_s)
