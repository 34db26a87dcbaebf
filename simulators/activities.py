"""Everyday activities as composable script blocks, each logging its ground truth.

Every block extends one person's script from wherever it ended and draws its timings from
the stage's rng. Blocks that involve two people (patient contact, assisted transfers and
walks) are built patient first, then the helpers are timed against the patient's script.
The hard negatives for fall detection live here too: bending to pick something up,
crouching, sitting on the floor and lying on the floor to exercise, all slow and deliberate.
"""

import math
from collections.abc import Sequence

from simulators import poses
from simulators.body import BodyPose, standing
from simulators.motion import Posture, Script, Support
from simulators.people import Person
from simulators.rooms import Spot
from simulators.stage import OUTSIDE_Y, Stage

_ON = {"chair": Support.CHAIR, "toilet": Support.CHAIR, "sofa": Support.CHAIR}


def _front(spot: Spot, d: float = 0.45) -> tuple[float, float]:
    return spot.x + d * math.cos(spot.yaw), spot.y + d * math.sin(spot.yaw)


def _crosses(
    a: tuple[float, float], b: tuple[float, float], lo: Sequence[float], hi: Sequence[float]
) -> bool:
    """Does the segment a→b pass through the rectangle lo–hi (sampled every 5 cm)?"""
    n = max(2, int(math.hypot(b[0] - a[0], b[1] - a[1]) / 0.05))
    for i in range(n + 1):
        x, y = a[0] + (b[0] - a[0]) * i / n, a[1] + (b[1] - a[1]) * i / n
        if lo[0] < x < hi[0] and lo[1] < y < hi[1]:
            return True
    return False


def walk_path(stage: Stage, p: Person, x: float, y: float) -> None:
    """Walk to (x, y), round the foot of the bed if the straight line would cross it."""
    s, r = p.script, stage.room
    start = (s.pose.x, s.pose.y)
    bed = r.furniture.get("bed")
    if bed is not None:
        lo, hi = (bed.lo[0] - 0.2, bed.lo[1] - 0.2), (bed.hi[0] + 0.2, bed.hi[1] + 0.2)
        if _crosses(start, (x, y), lo, hi):
            foot = max(bed.lo[1] - 0.7, 0.35)
            s.walk((start[0], foot), (x, foot))
    s.walk((x, y))


def walk_to(stage: Stage, p: Person, spot: Spot) -> None:
    walk_path(stage, p, spot.x, spot.y)
    p.script.turn(spot.yaw, 0.7)


def stand(stage: Stage, p: Person, lo: float = 1.0, hi: float = 4.0) -> None:
    p.script.hold(stage.rng.uniform(lo, hi), "standing", Posture.STANDING, Support.FEET)


def hand_rub(stage: Stage, p: Person, where: str = "in") -> None:
    """Walk to the dispenser (inside or outside the door), take rub, rub 2–20 s."""
    spot = stage.room.spots[f"dispenser_{where}"]
    s = p.script
    walk_path(stage, p, spot.x, spot.y)
    s.turn(spot.yaw, 0.5)
    onset = s.t
    rub = s.pose.moved(shoulder_l=0.7, shoulder_r=0.7, elbow_l=1.3, elbow_r=1.3)
    s.to(rub, 0.6, "hand_rub", Posture.STANDING)
    s.hold(stage.rng.uniform(1.4, 19.0), "hand_rub", Posture.STANDING, Support.FEET, sway=0.05)
    end = s.t
    stage.log("hand_rub", p, onset=onset, end=end, duration=end - onset, where=where)


def enter(stage: Stage, p: Person, at: float, *, rub: bool = False) -> None:
    """Wait outside until `at`, optionally rub at the corridor dispenser, walk in."""
    r, s = stage.room, p.script
    s.wait_until(at, "out_of_room", sway=0.0)
    rubbed_out = rub and "dispenser_out" in r.spots and stage.rng.random() < 0.5
    if rubbed_out:
        hand_rub(stage, p, "out")
        s.walk((r.door.x, OUTSIDE_Y))
    s.walk((r.door.x, r.door.y))
    t_in = s.t - r.door.y / s.speed
    rubbed_in = rub and not rubbed_out and "dispenser_in" in r.spots
    if rubbed_in:
        hand_rub(stage, p, "in")
    stage.log("room_entry", p, t=t_in, hand_rub=rubbed_out or rubbed_in)


def leave(stage: Stage, p: Person, *, rub: bool = False, contact: bool = False) -> None:
    """Optionally rub at the inside dispenser, walk out, stay out."""
    r, s = stage.room, p.script
    if rub and "dispenser_in" in r.spots:
        hand_rub(stage, p, "in")
    walk_path(stage, p, r.door.x, r.door.y)
    s.walk((r.door.x, OUTSIDE_Y))
    t_out = s.t + OUTSIDE_Y / s.speed  # crossed y = 0 that long before reaching OUTSIDE_Y
    stage.log("room_exit", p, t=t_out, hand_rub=rub, patient_contact=contact)


def patient_contact(stage: Stage, p: Person, patient: Person, duration: float) -> None:
    """Walk up to the patient (bedside or beside their chair) and attend to them."""
    r, s = stage.room, p.script
    target, _ = patient.script.at(s.t + 4.0)
    if "bed" in r.zones and r.zones["bed"].contains(target.x, target.y):
        spot = r.spots.get("bed_side_far") or r.spots["bed_side"]
        x, y = spot.x, min(max(target.y, r.zones["bed"].lo[1] + 0.3), r.zones["bed"].hi[1] - 0.5)
    else:
        m = r.spots.get("middle", Spot(r.size[0] / 2, r.size[1] / 2))
        d = math.hypot(m.x - target.x, m.y - target.y) or 1.0
        x, y = target.x + 0.6 * (m.x - target.x) / d, target.y + 0.6 * (m.y - target.y) / d
    walk_path(stage, p, x, y)
    s.turn(math.atan2(target.y - y, target.x - x), 0.6)
    onset = s.t
    care = s.pose.moved(trunk=0.35, shoulder_l=0.9, shoulder_r=0.8, elbow_l=0.5, elbow_r=0.5)
    s.to(care, 0.8, "patient_contact", Posture.STANDING)
    s.hold(duration, "patient_contact", Posture.STANDING, Support.FEET, sway=0.04)
    s.to(standing(x, y, s.pose.yaw, p.height), 0.8, "patient_contact", Posture.STANDING)
    stage.log("patient_contact", p, patient=patient.id, onset=onset, end=s.t)


def sit_down(stage: Stage, p: Person, seat: str, *, walk: bool = True, slow: float = 1.0) -> None:
    """Turn to the seat and sit; `slow` stretches the sit-down (2: twice as long)."""
    r, s, h = stage.room, p.script, p.height
    spot = r.spots[seat]
    fx, fy = _front(spot)
    if walk:
        walk_path(stage, p, fx, fy)
    s.turn(spot.yaw, 0.9)
    onset = s.t
    sit = poses.sitting(spot.x, spot.y, spot.yaw, r.seat(seat), h)
    support = _ON.get(seat, Support.BED)
    s.to(sit.moved(trunk=0.6), slow * 1.0, "sitting_down", Posture.TRANSITION, Support.FEET)
    s.to(
        sit, slow * (0.6 + stage.rng.uniform(0.0, 0.6)), "sitting_down", Posture.TRANSITION, support
    )
    stage.log("sit_down", p, onset=onset, end=s.t, surface=seat)


def sit(stage: Stage, p: Person, duration: float, seat: str = "chair") -> None:
    support = _ON.get(seat, Support.BED)
    activity = "sitting_bed_edge" if seat == "bed_edge" else "sitting"
    p.script.hold(duration, activity, Posture.SITTING, support, sway=0.03)


def stand_up(stage: Stage, p: Person, seat: str) -> None:
    r, s, h = stage.room, p.script, p.height
    spot = r.spots[seat]
    fx, fy = _front(spot)
    onset = s.t
    support = _ON.get(seat, Support.BED)
    lift = s.pose.moved(trunk=0.7, z=s.pose.z + 0.05 * h)
    s.to(lift, 0.8 + stage.rng.uniform(0.0, 0.8), "standing_up", Posture.TRANSITION, support)
    s.to(standing(fx, fy, spot.yaw, h), 0.9, "standing_up")
    stage.log("stand_up", p, onset=onset, end=s.t, surface=seat)


def bed_pose(stage: Stage, h: float) -> BodyPose:
    """Lying on the back in the bed, head at the headboard."""
    r = stage.room
    bed = r.furniture["bed"]
    head_wall = r.furniture["headboard"].lo[1] if "headboard" in r.furniture else bed.hi[1]
    y = head_wall - 0.1 - 0.47 * h
    return poses.supine((bed.lo[0] + bed.hi[0]) / 2, y, -math.pi / 2, r.bed_top, h)


def in_bed(stage: Stage, p: Person, duration: float) -> None:
    p.script.hold(duration, "lying_bed", Posture.LYING, Support.BED, sway=0.015)


def turn_in_bed(stage: Stage, p: Person) -> None:
    s = p.script
    base = s.pose
    side = stage.rng.choice((-1.0, 1.0))
    turned = base.moved(x=base.x + 0.12 * side, hip_l=1.0, hip_r=1.1, knee_l=1.0, knee_r=1.2)
    s.to(turned, stage.rng.uniform(2.0, 4.0), "turning_in_bed", Posture.LYING, Support.BED)
    s.hold(stage.rng.uniform(5.0, 30.0), "lying_bed", Posture.LYING, Support.BED, sway=0.015)
    s.to(base, stage.rng.uniform(2.0, 4.0), "turning_in_bed", Posture.LYING, Support.BED)


def get_into_bed(stage: Stage, p: Person) -> None:
    """Sit on the edge, swing the legs in, lie back."""
    sit_down(stage, p, "bed_edge")
    sit(stage, p, stage.rng.uniform(2.0, 6.0), "bed_edge")
    lying = bed_pose(stage, p.height)
    sitting_up = poses.long_sitting(lying.x, lying.y, lying.yaw, stage.room.bed_top, p.height)
    p.script.to(sitting_up, 3.0, "lying_down", Posture.TRANSITION, Support.BED)
    p.script.to(lying, 2.5, "lying_down", Posture.TRANSITION, Support.BED)


def bed_exit(stage: Stage, p: Person, *, stand: bool = True) -> dict[str, object]:
    """Sit up → move to the edge → sit → stand (the stages the bed-exit engine warns on)."""
    r, s, h, rng = stage.room, p.script, p.height, stage.rng
    lying = s.pose
    onset = s.t
    sitting_up = poses.long_sitting(lying.x, lying.y, lying.yaw, r.bed_top, h)
    s.to(sitting_up, rng.uniform(2.5, 4.0), "sitting_up", Posture.TRANSITION, Support.BED)
    s.hold(rng.uniform(2.0, 5.0), "sitting_bed", Posture.SITTING, Support.BED)
    edge = r.spots["bed_edge"]
    sitting = poses.sitting(edge.x, edge.y, edge.yaw, r.bed_top, h)
    s.to(sitting, rng.uniform(2.5, 4.0), "moving_to_edge", Posture.TRANSITION, Support.BED)
    at_edge = s.t
    sit(stage, p, rng.uniform(3.0, 8.0), "bed_edge")
    event = stage.log(
        "bed_exit", p, onset=onset, edge=at_edge, stand_onset=s.t, exit=None, end=None
    )
    if stand:
        stand_up(stage, p, "bed_edge")
        event["exit"] = s.t
    return event


def pick_up(stage: Stage, p: Person) -> None:
    """Bend at the hips to pick something off the floor (a hard negative)."""
    s = p.script
    onset = s.t
    bend = s.pose.moved(
        trunk=1.25,
        hip_l=0.35,
        hip_r=0.3,
        knee_l=0.3,
        knee_r=0.3,
        shoulder_l=1.2,
        shoulder_r=1.4,
        elbow_l=0.1,
        elbow_r=0.1,
    )
    back = s.pose
    s.to(bend, stage.rng.uniform(0.9, 1.5), "picking_up", Posture.BENDING)
    s.hold(stage.rng.uniform(0.8, 2.5), "picking_up", Posture.BENDING, Support.FEET)
    s.to(back, stage.rng.uniform(0.9, 1.4), "picking_up", Posture.BENDING)
    stage.log("pick_up", p, onset=onset, end=s.t, hard_negative=True)


def crouch(stage: Stage, p: Person) -> None:
    """Squat down for a while (tying shoes, looking under the bed), then stand."""
    s = p.script
    onset = s.t
    back = s.pose
    low = poses.crouch(back.x, back.y, back.yaw, p.height).moved(z=0.3 * p.height, trunk=0.5)
    s.to(low, stage.rng.uniform(1.2, 2.0), "crouching", Posture.CROUCHING)
    s.hold(stage.rng.uniform(3.0, 12.0), "crouching", Posture.CROUCHING, Support.FEET, 0.03)
    s.to(back, stage.rng.uniform(1.2, 2.0), "standing_up", Posture.TRANSITION)
    stage.log("crouch", p, onset=onset, end=s.t, hard_negative=True)


def _kneel_down(stage: Stage, s: Script, h: float) -> None:
    p = s.pose
    s.to(
        poses.kneeling(p.x, p.y, p.yaw, h),
        stage.rng.uniform(1.8, 2.8),
        "kneeling_down",
        Posture.TRANSITION,
        Support.FEET,
    )


def get_up(stage: Stage, p: Person) -> float:
    """From lying or sitting on the floor: sit → all fours → kneel → stand. Returns upright t."""
    s, h, rng = p.script, p.height, stage.rng
    q = s.pose
    fwd = (math.cos(q.yaw), math.sin(q.yaw))
    if q.trunk < 0.3:  # on the back or sitting: sit up first
        s.to(
            poses.floor_sitting(q.x, q.y, q.yaw, h),
            rng.uniform(1.2, 2.5),
            "getting_up",
            Posture.SITTING,
            Support.FLOOR,
        )
    x, y = q.x + 0.25 * h * fwd[0], q.y + 0.25 * h * fwd[1]
    s.to(
        poses.all_fours(x, y, q.yaw, h),
        rng.uniform(1.4, 2.5),
        "getting_up",
        Posture.KNEELING,
        Support.FLOOR,
    )
    s.to(
        poses.kneeling(x, y, q.yaw, h),
        rng.uniform(1.0, 2.0),
        "getting_up",
        Posture.KNEELING,
        Support.FLOOR,
    )
    s.to(
        standing(x + 0.2 * fwd[0], y + 0.2 * fwd[1], q.yaw, h), rng.uniform(1.4, 2.4), "getting_up"
    )
    return s.t


def sit_on_floor(stage: Stage, p: Person, duration: float) -> None:
    """Deliberately sit down on the floor (kneel first, slowly), stay, get up."""
    s, h = p.script, p.height
    onset = s.t
    _kneel_down(stage, s, h)
    q = s.pose
    s.to(
        poses.floor_sitting(q.x, q.y, q.yaw, h),
        1.8,
        "sitting_down",
        Posture.TRANSITION,
        Support.FLOOR,
    )
    s.hold(duration, "sitting_floor", Posture.SITTING, Support.FLOOR, sway=0.03)
    stage.log("floor_sit", p, onset=onset, end=get_up(stage, p), hard_negative=True)


def exercise_on_floor(stage: Stage, p: Person, duration: float) -> None:
    """Lie down on the floor on purpose (physio exercises), with leg raises, then get up."""
    s, h, rng = p.script, p.height, stage.rng
    onset = s.t
    _kneel_down(stage, s, h)
    q = s.pose
    s.to(
        poses.floor_sitting(q.x, q.y, q.yaw, h),
        2.0,
        "lying_down",
        Posture.TRANSITION,
        Support.FLOOR,
    )
    flat = poses.supine(q.x, q.y, q.yaw, 0.0, h)
    s.to(flat, rng.uniform(2.0, 3.0), "lying_down", Posture.TRANSITION, Support.FLOOR)
    end_hold = s.t + duration
    while s.t < end_hold - 4.0:
        raised = (
            flat.moved(hip_l=flat.hip_l - 0.8)
            if rng.random() < 0.5
            else flat.moved(hip_r=flat.hip_r - 0.8)
        )
        s.to(raised, 1.5, "exercise_floor", Posture.LYING, Support.FLOOR)
        s.to(flat, 1.5, "exercise_floor", Posture.LYING, Support.FLOOR)
    s.wait_until(end_hold, "exercise_floor", Posture.LYING, Support.FLOOR, sway=0.03)
    stage.log("floor_exercise", p, onset=onset, end=get_up(stage, p), hard_negative=True)


def bathroom_trip(stage: Stage, p: Person, duration: float) -> None:
    """Through the bathroom door (out of view) and back; a door trip at home."""
    r, s = stage.room, p.script
    inside = r.spots.get("bathroom_inside")
    door = r.spots.get("bathroom_door")
    if inside is None or door is None:
        door, inside = Spot(r.door.x, r.door.y), Spot(r.door.x, OUTSIDE_Y)
    walk_path(stage, p, door.x, door.y)
    s.walk((inside.x, inside.y))
    onset = s.t
    s.hold(duration, "out_of_room", Posture.STANDING, Support.FEET, sway=0.0)
    s.walk((door.x, door.y))
    stage.log("bathroom_visit", p, onset=onset, end=s.t)
