"""The scripted scenarios: what happens in the room, with ground-truth events.

Each builder takes a seeded `random.Random`, so a (scenario, seed) pair always gives the same
person (height, walking speed), the same timings and the same recording. Event times are in
seconds from the start of the recording.
"""

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulators import poses
from simulators.body import HIP_HEIGHT, BodyPose, standing
from simulators.motion import Posture, Script, Support, accelerate
from simulators.people import Person, PersonState, Role, people_at
from simulators.rooms import Room, room


@dataclass
class Scenario:
    """A room, the people in it with their scripts, and the ground-truth events."""

    name: str
    description: str
    room: Room
    people: list[Person]
    duration: float
    events: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    """Generator parameters and the like, copied into the labels' meta line."""

    @property
    def script(self) -> Script | None:
        """The first person's script (single-person scenarios), or None in an empty room."""
        return self.people[0].script if self.people else None

    @property
    def height(self) -> float:
        """The first person's height (0.0 in an empty room)."""
        return self.people[0].height if self.people else 0.0

    def at(self, t: float, *, include_absent: bool = False) -> list[PersonState]:
        """Every person in the room at time t (see `simulators.people`)."""
        return people_at(self.people, t, self.room.size, include_absent=include_absent)


def single(
    name: str,
    description: str,
    r: Room,
    height: float,
    script: Script,
    *,
    events: list[dict[str, Any]] | None = None,
) -> Scenario:
    """One person (patient in a hospital, resident at home) doing what `script` says."""
    role: Role = "patient" if r.kind in ("hospital", "hospital_single", "icu_bay") else "resident"
    person = Person(1, role, height, script)
    return Scenario(name, description, r, [person], script.t, events or [])


def _person(rng: random.Random, r: Room) -> tuple[float, Script]:
    height = round(rng.uniform(1.50, 1.95), 3)
    speed = rng.uniform(0.75, 1.2)
    door = r.door
    script = Script(height, standing(door.x, -0.5, door.yaw, height), speed=speed)
    script.walk((door.x, door.y))
    return height, script


def _j(rng: random.Random, value: float, spread: float = 0.1) -> float:
    return value + rng.uniform(-spread, spread)


def _leave(s: Script, minimum: float = 45.0) -> None:
    """Out through the door; the room stays empty until the recording is `minimum` long."""
    s.hold(max(2.0, minimum - s.t), "out_of_room", Posture.STANDING, Support.FEET, sway=0.0)


def _get_up_from_prone(s: Script, h: float) -> float:
    """prone → all fours → kneeling → standing; returns the time the person is upright."""
    p = s.pose
    head = (math.cos(p.yaw), math.sin(p.yaw))
    kx, ky = p.x + 0.25 * h * head[0], p.y + 0.25 * h * head[1]
    s.to(poses.all_fours(kx, ky, p.yaw, h), 1.6, "getting_up", Posture.KNEELING, Support.FLOOR)
    s.to(poses.kneeling(kx, ky, p.yaw, h), 1.2, "getting_up", Posture.KNEELING, Support.FLOOR)
    s.to(standing(kx + 0.2 * head[0], ky + 0.2 * head[1], p.yaw, h), 1.6, "getting_up")
    return s.t


def walk_fall_forward(rng: random.Random) -> Scenario:
    r = room("hospital")
    h, s = _person(rng, r)
    s.walk((_j(rng, 3.1), 1.3), (_j(rng, 3.0), _j(rng, 1.6)))
    s.hold(rng.uniform(2.0, 4.0), "standing", Posture.STANDING, Support.FEET)
    fall_x = _j(rng, 2.2, 0.15)
    s.walk((fall_x, _j(rng, 1.6)))
    p = s.pose
    fwd = (math.cos(p.yaw), math.sin(p.yaw))
    onset = s.t
    trip = p.moved(
        x=p.x + 0.15 * fwd[0],
        y=p.y + 0.15 * fwd[1],
        trunk=0.4,
        hip_l=0.5,
        hip_r=-0.3,
        knee_r=0.6,
        shoulder_l=1.2,
        shoulder_r=1.0,
        elbow_l=0.2,
        elbow_r=0.2,
    )
    s.to(trip, 0.35, "falling", Posture.TRANSITION, Support.FEET)
    reach = (HIP_HEIGHT - 0.05) * h
    down = poses.prone(trip.x + reach * fwd[0], trip.y + reach * fwd[1], p.yaw, h)
    s.to(down, 0.75, "falling", Posture.TRANSITION, Support.FEET, ease=accelerate)
    landing = s.t
    s.hold(rng.uniform(18.0, 22.0), "lying_floor", Posture.LYING, Support.FLOOR, sway=0.04)
    lie_end = s.t
    up = _get_up_from_prone(s, h)
    s.hold(2.0, "standing", Posture.STANDING, Support.FEET)
    s.walk((1.2, 2.3), (2.8, 1.2), (r.door.x, r.door.y), (r.door.x, -0.5))
    _leave(s)
    event = {
        "event": "fall",
        "person": 1,
        "direction": "forward",
        "onset": onset,
        "landing": landing,
        "lie_end": lie_end,
        "end": up,
    }
    return single(
        "walk_fall_forward",
        "walks in, trips, falls forward, lies ~20 s, gets up, walks out",
        r,
        h,
        s,
        events=[event],
    )


def walk_sit_stand(rng: random.Random) -> Scenario:
    r = room("home")
    h, s = _person(rng, r)
    chair, front = r.spots["chair"], r.spots["chair_front"]
    s.walk((_j(rng, 2.3), _j(rng, 1.0)), (front.x, front.y))
    s.turn(chair.yaw, 0.9)
    t0 = s.t
    seat = poses.sitting(chair.x, chair.y, chair.yaw, r.seat_top, h)
    s.to(seat.moved(trunk=0.6), 1.0, "sitting_down", Posture.TRANSITION, Support.FEET)
    s.to(seat, 0.6, "sitting_down", Posture.TRANSITION, Support.CHAIR)
    sit = {"event": "sit_down", "person": 1, "onset": t0, "end": s.t}
    s.hold(rng.uniform(12.0, 18.0), "sitting", Posture.SITTING, Support.CHAIR, sway=0.03)
    t1 = s.t
    s.to(
        seat.moved(trunk=0.7, z=seat.z + 0.05 * h),
        0.8,
        "standing_up",
        Posture.TRANSITION,
        Support.CHAIR,
    )
    s.to(standing(front.x, front.y, chair.yaw, h), 0.9, "standing_up")
    stand = {"event": "stand_up", "person": 1, "onset": t1, "end": s.t}
    s.hold(1.5, "standing", Posture.STANDING, Support.FEET)
    s.walk((1.2, 1.5), (1.2, _j(rng, 2.9)))
    s.hold(rng.uniform(3.0, 6.0), "standing", Posture.STANDING, Support.FEET)
    s.walk((1.2, 1.5), (r.door.x, r.door.y), (r.door.x, -0.5))
    _leave(s)
    return single(
        "walk_sit_stand",
        "walks, sits on the armchair, stands, walks (a hard negative)",
        r,
        h,
        s,
        events=[sit, stand],
    )


def _bed_pose(r: Room, h: float) -> BodyPose:
    bed = r.furniture["bed"]
    x = (bed.lo[0] + bed.hi[0]) / 2
    head_wall = r.furniture["headboard"].lo[1] if "headboard" in r.furniture else bed.hi[1]
    y = head_wall - 0.1 - 0.47 * h
    return poses.supine(x, y, -math.pi / 2, r.bed_top, h)


def bed_exit(rng: random.Random) -> Scenario:
    r = room("hospital")
    h = round(rng.uniform(1.50, 1.95), 3)
    lying = _bed_pose(r, h)
    s = Script(h, lying, speed=rng.uniform(0.6, 0.9))
    s.hold(rng.uniform(10.0, 16.0), "lying_bed", Posture.LYING, Support.BED, sway=0.02)
    onset = s.t
    s.to(
        poses.long_sitting(lying.x, lying.y, lying.yaw, r.bed_top, h),
        3.0,
        "sitting_up",
        Posture.TRANSITION,
        Support.BED,
    )
    s.hold(rng.uniform(2.0, 5.0), "sitting_bed", Posture.SITTING, Support.BED)
    edge_x = r.furniture["bed"].lo[0] + 0.14
    s.to(
        poses.sitting(edge_x, lying.y - 0.2, math.pi, r.bed_top, h),
        3.0,
        "moving_to_edge",
        Posture.TRANSITION,
        Support.BED,
    )
    edge = s.t
    s.hold(rng.uniform(4.0, 8.0), "sitting_bed_edge", Posture.SITTING, Support.BED, sway=0.03)
    stand_onset = s.t
    s.to(
        s.pose.moved(trunk=0.7, x=edge_x - 0.1), 0.8, "standing_up", Posture.TRANSITION, Support.BED
    )
    s.to(standing(edge_x - 0.45, lying.y - 0.2, math.pi, h), 1.0, "standing_up")
    out = s.t
    s.hold(2.0, "standing", Posture.STANDING, Support.FEET)
    s.walk((1.0, 2.2), (2.6, 1.0), (r.door.x, r.door.y), (r.door.x, -0.5))
    _leave(s)
    event = {
        "event": "bed_exit",
        "person": 1,
        "onset": onset,
        "edge": edge,
        "stand_onset": stand_onset,
        "exit": out,
        "end": None,
    }
    return single(
        "bed_exit",
        "lies in bed, sits up, sits on the edge, stands, walks away",
        r,
        h,
        s,
        events=[event],
    )


def home_fall(rng: random.Random) -> Scenario:
    r = room("home")
    h, s = _person(rng, r)
    s.walk((_j(rng, 2.6), 1.2), (_j(rng, 3.2), _j(rng, 1.8)))
    s.hold(rng.uniform(2.0, 4.0), "standing", Posture.STANDING, Support.FEET)
    s.walk((_j(rng, 2.0), _j(rng, 1.4)))
    p = s.pose
    onset = s.t
    back = (-math.cos(p.yaw), -math.sin(p.yaw))
    s.to(
        poses.crouch(p.x, p.y, p.yaw, h),
        0.5,
        "falling",
        Posture.TRANSITION,
        Support.FEET,
        ease=accelerate,
    )
    sx, sy = p.x + 0.2 * h * back[0], p.y + 0.2 * h * back[1]
    s.to(
        poses.floor_sitting(sx, sy, p.yaw, h),
        0.45,
        "falling",
        Posture.TRANSITION,
        Support.FLOOR,
        ease=accelerate,
    )
    lx, ly = sx + 0.05 * h * back[0], sy + 0.05 * h * back[1]
    s.to(
        poses.supine(lx, ly, p.yaw, 0.0, h),
        0.6,
        "falling",
        Posture.TRANSITION,
        Support.FLOOR,
        ease=accelerate,
    )
    landing = s.t
    s.hold(rng.uniform(40.0, 55.0), "lying_floor", Posture.LYING, Support.FLOOR, sway=0.05)
    event = {
        "event": "fall",
        "person": 1,
        "direction": "backward",
        "onset": onset,
        "landing": landing,
        "lie_end": None,
        "end": None,
    }
    return single(
        "home_fall",
        "home: walks, collapses backwards, lies until the end (long lie)",
        r,
        h,
        s,
        events=[event],
    )


def quiet_room(rng: random.Random) -> Scenario:
    r = room("hospital")
    h = round(rng.uniform(1.50, 1.95), 3)
    s = Script(h, _bed_pose(r, h))
    s.hold(60.0, "lying_bed", Posture.LYING, Support.BED, sway=0.015)
    return single("quiet_room", "a person lies still in bed the whole time", r, h, s)


def empty_room(rng: random.Random) -> Scenario:
    r = room("hospital")
    return Scenario("empty_room", "nobody in the room", r, [], 45.0)


def _generated(**options: Any) -> Callable[[random.Random], Scenario]:
    """A builder drawing from `simulators.generate` (imported lazily: it imports us)."""

    def builder(rng: random.Random) -> Scenario:
        from simulators.generate import random_scenario

        return random_scenario(rng, **options)

    return builder


def _four_people(rng: random.Random) -> Scenario:
    from simulators.generate import four_people

    return four_people(rng)


def _falling(name: str) -> Callable[[random.Random], Scenario]:
    """A builder from `simulators.fall_scenarios` (imported lazily: it imports us)."""

    def builder(rng: random.Random) -> Scenario:
        from simulators import fall_scenarios

        made: Scenario = getattr(fall_scenarios, name)(rng)
        return made

    return builder


def _starting(name: str) -> Callable[[random.Random], Scenario]:
    """A builder from `simulators.startup_scenarios` (imported lazily: it imports us)."""

    def builder(rng: random.Random) -> Scenario:
        from simulators import startup_scenarios

        made: Scenario = getattr(startup_scenarios, name)(rng)
        return made

    return builder


SCENARIOS: dict[str, Callable[[random.Random], Scenario]] = {
    "walk_fall_forward": walk_fall_forward,
    "walk_sit_stand": walk_sit_stand,
    "bed_exit": bed_exit,
    "home_fall": home_fall,
    "quiet_room": quiet_room,
    "empty_room": empty_room,
    "start_in_chair": _starting("start_in_chair"),
    "start_on_floor": _starting("start_on_floor"),
    "start_standing": _starting("start_standing"),
    "chair_slide": _falling("chair_slide"),
    "chair_sit_slow": _falling("chair_sit_slow"),
    "bed_roll": _falling("bed_roll"),
    "fall_with_visitor": _falling("fall_with_visitor"),
    "fall_ceiling": _falling("fall_ceiling"),
    "fall_behind_bed": _falling("fall_behind_bed"),
    "random_clip": _generated(kind="clip"),
    "random_fall": _generated(kind="clip", fall_fraction=1.0),
    "random_negative": _generated(kind="clip", fall_fraction=0.0),
    "staff_visit": _generated(kind="clip", room_kind="hospital_single", focus="staff_visit"),
    "assisted_transfer": _generated(
        kind="clip", room_kind="hospital_single", focus="assisted_transfer"
    ),
    "random_day": _generated(kind="day", duration_s=3600.0),
    "four_people": _four_people,
}


def build(name: str, seed: int = 0) -> Scenario:
    """The named scenario for a seed; raises KeyError naming the known ones."""
    try:
        builder = SCENARIOS[name]
    except KeyError:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
    return builder(random.Random(f"{name}:{seed}"))
