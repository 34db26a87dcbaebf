"""Falls of several kinds, each ending on the floor, and what follows them.

A fall is scripted from the state the person is in (walking or standing for trips, slips,
sideways falls and collapses; sitting for a slide from a chair or a fall while standing up;
lying in bed for a roll out of bed), with `accelerate` easing so the body is fastest at
impact, as in real falls (0.5–1.5 s from onset to landing). `FALL_START` says which state a
kind needs; `simulators.generate` brings the person there first.

The event logged is ``{"event": "fall", "person", "role", "kind", "direction", "onset",
"landing", "lie_end", "end"}``; `lie_end`/`end` stay None for a long lie.
"""

import math
from typing import Any, Literal, get_args

from simulators import poses
from simulators.activities import get_up
from simulators.body import HIP_HEIGHT
from simulators.motion import Posture, Support, accelerate, smooth
from simulators.people import Person
from simulators.stage import Stage

FallKind = Literal[
    "trip_forward",
    "slip_backward",
    "sideways",
    "collapse",
    "chair_slide",
    "bed_roll",
    "standup_fall",
]
FALL_KINDS: tuple[FallKind, ...] = get_args(FallKind)
FALL_START: dict[FallKind, Literal["upright", "chair", "bed"]] = {
    "trip_forward": "upright",
    "slip_backward": "upright",
    "sideways": "upright",
    "collapse": "upright",
    "chair_slide": "chair",
    "bed_roll": "bed",
    "standup_fall": "chair",
}
_FALLING = ("falling", Posture.TRANSITION)


def _dir(yaw: float) -> tuple[float, float]:
    return math.cos(yaw), math.sin(yaw)


def fall(stage: Stage, p: Person, kind: FallKind) -> dict[str, Any]:
    """Script the fall from the current pose; returns its (logged) event."""
    s, h, rng = p.script, p.height, stage.rng
    q = s.pose
    fx, fy = _dir(q.yaw)
    lx, ly = -fy, fx
    onset = s.t
    direction = "forward"
    if kind == "trip_forward":
        trip = q.moved(
            x=q.x + 0.15 * fx,
            y=q.y + 0.15 * fy,
            trunk=0.4,
            hip_l=0.5,
            hip_r=-0.3,
            knee_r=0.6,
            shoulder_l=1.2,
            shoulder_r=1.0,
            elbow_l=0.2,
            elbow_r=0.2,
        )
        s.to(trip, rng.uniform(0.25, 0.4), *_FALLING, Support.FEET)
        reach = (HIP_HEIGHT - 0.05) * h
        down = poses.prone(trip.x + reach * fx, trip.y + reach * fy, q.yaw, h)
        s.to(down, rng.uniform(0.6, 0.85), *_FALLING, Support.FEET, ease=accelerate)
    elif kind == "slip_backward":
        direction = "backward"
        slip = q.moved(
            hip_l=0.7,
            hip_r=0.4,
            knee_l=0.1,
            knee_r=0.2,
            trunk=-0.35,
            shoulder_l=1.0,
            shoulder_r=0.9,
        )
        s.to(slip, rng.uniform(0.2, 0.35), *_FALLING, Support.FEET)
        back = 0.15 * h
        down = poses.supine(q.x - back * fx, q.y - back * fy, q.yaw, 0.0, h)
        s.to(down, rng.uniform(0.5, 0.75), *_FALLING, Support.FLOOR, ease=accelerate)
    elif kind == "sideways":
        side = rng.choice((-1.0, 1.0))
        direction = "left" if side > 0 else "right"
        sx, sy = side * lx, side * ly
        tilt = q.moved(
            x=q.x + 0.08 * h * sx,
            y=q.y + 0.08 * h * sy,
            trunk=0.3,
            knee_l=0.5,
            knee_r=0.5,
            shoulder_l=0.8,
            shoulder_r=0.8,
        )
        s.to(tilt, rng.uniform(0.3, 0.45), *_FALLING, Support.FEET)
        down = poses.supine(q.x + 0.45 * h * sx, q.y + 0.45 * h * sy, math.atan2(-sy, -sx), 0.0, h)
        s.to(down, rng.uniform(0.5, 0.7), *_FALLING, Support.FLOOR, ease=accelerate)
    elif kind == "collapse":
        direction = "down"
        s.to(
            poses.crouch(q.x, q.y, q.yaw, h),
            rng.uniform(0.4, 0.6),
            *_FALLING,
            Support.FEET,
            ease=accelerate,
        )
        bx, by = q.x - 0.2 * h * fx, q.y - 0.2 * h * fy
        s.to(
            poses.floor_sitting(bx, by, q.yaw, h),
            rng.uniform(0.35, 0.5),
            *_FALLING,
            Support.FLOOR,
            ease=accelerate,
        )
        s.to(
            poses.supine(bx - 0.05 * h * fx, by - 0.05 * h * fy, q.yaw, 0.0, h),
            rng.uniform(0.5, 0.7),
            *_FALLING,
            Support.FLOOR,
            ease=accelerate,
        )
    elif kind == "chair_slide":
        ox, oy = q.x + 0.5 * fx, q.y + 0.5 * fy
        s.to(
            poses.floor_sitting(ox, oy, q.yaw, h),
            rng.uniform(1.0, 1.8),
            *_FALLING,
            Support.CHAIR,
            ease=smooth,
        )
        side = rng.choice((-1.0, 1.0))
        s.to(
            poses.supine(ox + 0.1 * fx, oy + 0.1 * fy, q.yaw + side * math.pi / 2, 0.0, h),
            rng.uniform(0.6, 1.0),
            *_FALLING,
            Support.FLOOR,
            ease=accelerate,
        )
    elif kind == "bed_roll":
        direction = "out_of_bed"
        edge = stage.room.spots["bed_edge"]
        ex, ey = _dir(edge.yaw)
        bed = stage.room.furniture["bed"]
        rim = bed.lo[0] if ex < 0 else bed.hi[0]
        roll = q.moved(x=rim, trunk=q.trunk + 0.4, hip_l=1.2, knee_l=0.6)
        s.to(roll, rng.uniform(0.6, 1.0), *_FALLING, Support.BED)
        head_yaw = q.yaw + math.pi  # prone, head still towards the headboard
        down = poses.prone(rim + 0.3 * ex, q.y + 0.3 * ey, head_yaw, h)
        s.to(down, rng.uniform(0.4, 0.6), *_FALLING, Support.BED, ease=accelerate)
    else:  # standup_fall: halfway up from a seat, the legs give way forwards
        half = q.moved(trunk=0.7, z=q.z + 0.08 * h, x=q.x + 0.1 * fx, y=q.y + 0.1 * fy)
        s.to(half, rng.uniform(0.7, 1.0), "standing_up", Posture.TRANSITION, Support.CHAIR)
        reach = 0.35 * h
        down = poses.prone(q.x + reach * fx, q.y + reach * fy, q.yaw, h)
        s.to(down, rng.uniform(0.6, 0.9), *_FALLING, Support.FEET, ease=accelerate)
    landing = s.t
    return stage.log(
        "fall",
        p,
        kind=kind,
        direction=direction,
        onset=onset,
        landing=landing,
        lie_end=None,
        end=None,
    )


def lie_after_fall(
    stage: Stage, p: Person, event: dict[str, Any], lie_s: float, *, recover: bool
) -> None:
    """Lie on the floor `lie_s` seconds; then get up (`recover`) or keep lying (long lie)."""
    s = p.script
    s.hold(lie_s, "lying_floor", Posture.LYING, Support.FLOOR, sway=0.04)
    if recover:
        event["lie_end"] = s.t
        event["end"] = get_up(stage, p)
