"""Named falls the random clips only draw now and then, and the negative that mirrors one.

The random training clips (`simulators.generate`) already draw slides from a chair, rolls out
of bed, falls with staff in the room and ceiling mounts; these pin each case down by name,
so `ambient sim record --scenario NAME` renders it and the edge tests replay it over a few
seeds. They are built from the same blocks (`simulators.activities`, `simulators.falls`),
in the furnished single room except the roll out of bed (the compact home room, whose low
bed hides only part of someone beside it). Whoever falls is person 1, who then lies on the
floor to the end (a long lie):

* chair_slide: walks in, sits in the chair, slowly slides off it onto the floor;
* chair_sit_slow: the same walk, a slow sit-down into the chair, getting up again (negative);
* bed_roll: lies in bed from the start and rolls out onto the floor on the side away from
  the camera, which hangs in the corner by the door: the bed hides about half of the body;
* fall_with_visitor: falls while a visitor stands by the window or walks to and fro there;
* fall_ceiling: falls under a ceiling-mounted camera looking (almost) straight down;
* fall_behind_bed: collapses in the gap between the bed and the chair, far from the corner
  camera, which sees little more than the head and shoulders past the bed.
"""

import random

from simulators import activities as act
from simulators.falls import FallKind, fall, lie_after_fall
from simulators.motion import Script
from simulators.people import Person
from simulators.rooms import Room, room
from simulators.scenarios import Scenario
from simulators.stage import Stage

_LENGTH_S = 40.0
_UPRIGHT: tuple[FallKind, ...] = ("trip_forward", "slip_backward", "sideways", "collapse")


def _walks_in(stage: Stage, x: float, y: float) -> Person:
    """The patient comes in through the door a moment after the recording starts and walks
    to (x, y): the agent learns the empty room first and sees them standing."""
    p = stage.cast("patient")
    act.enter(stage, p, stage.rng.uniform(0.5, 1.5))
    act.walk_path(stage, p, x, y)
    act.stand(stage, p, 1.0, 3.0)
    return p


def _falls_and_lies(stage: Stage, p: Person, kind: FallKind) -> None:
    event = fall(stage, p, kind)
    lie_after_fall(stage, p, event, max(15.0, _LENGTH_S - p.script.t), recover=False)


def _mid_room_fall(rng: random.Random, r: Room) -> tuple[Stage, Person]:
    stage = Stage(r, rng)
    free = r.spots["floor_free"]
    p = _walks_in(stage, free.x + rng.uniform(-0.3, 0.3), free.y + rng.uniform(-0.3, 0.3))
    return stage, p


def _done(stage: Stage, name: str, description: str) -> Scenario:
    length = max(_LENGTH_S, *(p.script.t for p in stage.people))
    return stage.scenario(name, description, length, generator="named", focus=name)


def chair_slide(rng: random.Random) -> Scenario:
    stage = Stage(room("hospital_single"), rng)
    front = stage.room.spots["chair_front"]
    p = _walks_in(stage, front.x, front.y)
    act.sit_down(stage, p, "chair", walk=False)
    act.sit(stage, p, rng.uniform(5.0, 9.0))
    _falls_and_lies(stage, p, "chair_slide")
    return _done(stage, "chair_slide", "sits in the chair, slides slowly off it to the floor")


def chair_sit_slow(rng: random.Random) -> Scenario:
    stage = Stage(room("hospital_single"), rng)
    front = stage.room.spots["chair_front"]
    p = _walks_in(stage, front.x, front.y)
    act.sit_down(stage, p, "chair", walk=False, slow=rng.uniform(1.8, 2.5))
    act.sit(stage, p, rng.uniform(8.0, 12.0))
    act.stand_up(stage, p, "chair")
    act.walk_to(stage, p, stage.room.spots["window"])
    return _done(stage, "chair_sit_slow", "sits down slowly into the chair, later gets up")


def bed_roll(rng: random.Random) -> Scenario:
    # From the corner by the door the bed lies between the camera and where they land.
    stage = Stage(room("home").with_camera("corner", corner=1), rng)
    h = round(min(2.0, max(1.45, rng.gauss(1.66, 0.09))), 3)
    p = stage.cast("resident", start=Script(h, act.bed_pose(stage, h)), height=h)
    act.in_bed(stage, p, rng.uniform(8.0, 12.0))
    _falls_and_lies(stage, p, "bed_roll")
    return _done(stage, "bed_roll", "lies in bed, rolls out on the far side; the bed hides them")


def fall_with_visitor(rng: random.Random) -> Scenario:
    stage, p = _mid_room_fall(rng, room("hospital_single"))
    visitor = stage.cast("visitor")
    act.enter(stage, visitor, rng.uniform(3.0, 4.0))
    window, chair = stage.room.spots["window"], stage.room.spots["chair_front"]
    act.walk_to(stage, visitor, window)
    pacing = rng.random() < 0.5
    while pacing and visitor.script.t < p.script.t + 3.0:  # to and fro through the fall
        act.walk_to(stage, visitor, chair)
        act.walk_to(stage, visitor, window)
    act.stand(stage, visitor)
    _falls_and_lies(stage, p, rng.choice(_UPRIGHT))
    return _done(stage, "fall_with_visitor", "falls while a visitor stands or paces by the window")


def fall_ceiling(rng: random.Random) -> Scenario:
    r = room("hospital_single")
    stage, p = _mid_room_fall(rng, r.with_camera("ceiling", tilt_deg=rng.uniform(0.0, 10.0)))
    _falls_and_lies(stage, p, rng.choice(_UPRIGHT))
    return _done(stage, "fall_ceiling", "falls in the middle of the room under a ceiling camera")


def fall_behind_bed(rng: random.Random) -> Scenario:
    stage = Stage(room("hospital_single"), rng)
    gap = stage.room.spots["bed_side_far"]
    p = _walks_in(stage, gap.x, gap.y + rng.uniform(-0.1, 0.2))
    _falls_and_lies(stage, p, rng.choice(("collapse", "slip_backward")))
    return _done(stage, "fall_behind_bed", "collapses between the bed and the chair, half hidden")
