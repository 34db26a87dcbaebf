"""Scenarios where someone is already in the room when the recording (and the agent) starts.

An edge agent reboots with a patient in bed far more often than into an empty room, so the
depth pipeline must find a person who is there from the first frame, in any posture, and not
learn them into the background. `quiet_room` (lying in bed throughout) and `bed_exit` (in bed
at the start, then up and away) already start that way; these add the other postures, all in
the compact hospital room so one empty-room reference of that room serves them all:

* sitting in the visitor chair, then getting up and walking out (what is left in the chair
  must become background again, not a phantom person);
* lying still on the floor the whole time (found on the floor with no fall seen);
* standing by the window, then walking out.
"""

import math
import random

from simulators import poses
from simulators.body import standing
from simulators.motion import Posture, Script, Support
from simulators.rooms import room
from simulators.scenarios import Scenario, single

_LENGTH_S = 40.0


def _leave_room(s: Script, door: tuple[float, float]) -> None:
    """Through the door and out; the room stays empty until the recording is 40 s long."""
    s.walk(door, (door[0], -0.5))
    s.hold(max(2.0, _LENGTH_S - s.t), "out_of_room", Posture.STANDING, Support.FEET, sway=0.0)


def start_in_chair(rng: random.Random) -> Scenario:
    r = room("hospital")
    h = round(rng.uniform(1.50, 1.95), 3)
    chair, front = r.spots["chair"], r.spots["chair_front"]
    seat = poses.sitting(chair.x, chair.y, chair.yaw, r.seat_top, h)
    s = Script(h, seat, speed=rng.uniform(0.7, 1.0))
    s.hold(rng.uniform(12.0, 16.0), "sitting", Posture.SITTING, Support.CHAIR, sway=0.03)
    onset = s.t
    s.to(seat.moved(trunk=0.7, z=seat.z + 0.05 * h), 0.8, "standing_up", Posture.TRANSITION)
    s.to(standing(front.x, front.y, chair.yaw, h), 0.9, "standing_up")
    stand = {"event": "stand_up", "person": 1, "onset": onset, "end": s.t}
    s.hold(1.5, "standing", Posture.STANDING, Support.FEET)
    _leave_room(s, (r.door.x, r.door.y))
    return single(
        "start_in_chair",
        "sits in the chair from the start, stands up, walks out",
        r,
        h,
        s,
        events=[stand],
    )


def start_on_floor(rng: random.Random) -> Scenario:
    r = room("hospital")
    h = round(rng.uniform(1.50, 1.95), 3)
    x, y = 2.3 + rng.uniform(-0.15, 0.15), 1.7 + rng.uniform(-0.15, 0.15)
    feet_yaw = rng.choice((0.0, 0.4, -0.3))
    s = Script(h, poses.supine(x, y, feet_yaw, 0.0, h))
    s.hold(_LENGTH_S, "lying_floor", Posture.LYING, Support.FLOOR, sway=0.03)
    return single(
        "start_on_floor", "lies still on the floor from the start (no fall seen)", r, h, s
    )


def start_standing(rng: random.Random) -> Scenario:
    r = room("hospital")
    h = round(rng.uniform(1.50, 1.95), 3)
    window = r.spots["window"]
    s = Script(h, standing(window.x, window.y, math.pi * 0.75, h), speed=rng.uniform(0.8, 1.1))
    s.hold(rng.uniform(6.0, 9.0), "standing", Posture.STANDING, Support.FEET)
    _leave_room(s, (r.door.x, r.door.y))
    return single("start_standing", "stands by the window from the start, then walks out", r, h, s)
