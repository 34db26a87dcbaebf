"""An articulated person made of capsules, posed by a handful of angles.

Proportions are fractions of standing height (Drillis & Contini / Winter anthropometry), so
one pose describes people of any height. Angles live in the body's sagittal plane:

- ``trunk``: pelvis→neck axis tilted forward from vertical (+90° prone, −90° supine with the
  head behind the hips);
- ``hip_*``: thigh direction from straight down, + forward (90° = thigh horizontal ahead);
- ``knee_*``: flexion, + swings the shin backwards relative to the thigh;
- ``shoulder_*``: upper arm from the trunk's down axis, + forward; ``elbow_*``: + forward.

The pelvis position is the midpoint between the hip joints, in world metres.
"""

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

HIP_HEIGHT = 0.53
THIGH = 0.245
SHIN = 0.26
HIP_HALF_WIDTH = 0.05
TRUNK = 0.30
TORSO_RADIUS = 0.065
TORSO_HALF_SPACING = 0.045
SHOULDER_RISE = 0.27
SHOULDER_HALF_WIDTH = 0.115
UPPER_ARM = 0.186
FOREARM = 0.20
HEAD_CENTRE = 0.10
HEAD_HALF = 0.02
HEAD_RADIUS = 0.05


@dataclass(frozen=True, slots=True)
class BodyPose:
    """Pose of one person: pelvis position, heading and joint angles (radians)."""

    x: float
    y: float
    z: float
    yaw: float
    trunk: float = 0.0
    hip_l: float = 0.0
    hip_r: float = 0.0
    knee_l: float = 0.0
    knee_r: float = 0.0
    shoulder_l: float = 0.0
    shoulder_r: float = 0.0
    elbow_l: float = 0.2
    elbow_r: float = 0.2

    def moved(self, **changes: float) -> "BodyPose":
        return dataclasses.replace(self, **changes)


def lerp(p: BodyPose, q: BodyPose, u: float) -> BodyPose:
    """Field-wise blend (heading along the shorter arc)."""
    values = {}
    for field in dataclasses.fields(BodyPose):
        a, b = getattr(p, field.name), getattr(q, field.name)
        if field.name == "yaw":
            b = a + (b - a + math.pi) % (2 * math.pi) - math.pi
        values[field.name] = a + (b - a) * u
    return BodyPose(**values)


def _sagittal(angle: Array | float, forward: Array, up: Array) -> Array:
    """Direction `angle` forward of straight down."""
    down = np.asarray(-np.cos(angle))[..., None] * up
    return down + np.asarray(np.sin(angle))[..., None] * forward


CAPSULE_PARTS: tuple[str, ...] = (
    "head",
    "neck",
    "torso",
    "torso",
    *(("thigh", "shin", "foot", "upper_arm", "forearm") * 2),
)
"""Body part of each capsule, in the order `capsules` returns them (left limbs first)."""
RIGHT_FOREARM = len(CAPSULE_PARTS) - 1


def capsules(pose: BodyPose, height: float, build: float = 1.0) -> tuple[Array, Array, Array]:
    """Segment starts (K, 3), ends (K, 3) and radii (K,) of the body's capsules.

    `build` scales girth (radii) only: 0.85 is slight, 1.3 heavy; bones keep their length.
    """
    h = height
    up = np.array([0.0, 0.0, 1.0])
    fwd = np.array([math.cos(pose.yaw), math.sin(pose.yaw), 0.0])
    left = np.array([-math.sin(pose.yaw), math.cos(pose.yaw), 0.0])
    pelvis = np.array([pose.x, pose.y, pose.z])
    trunk_up = math.cos(pose.trunk) * up + math.sin(pose.trunk) * fwd
    neck = pelvis + TRUNK * h * trunk_up
    head = neck + HEAD_CENTRE * h * trunk_up

    starts: list[Array] = []
    ends: list[Array] = []
    radii: list[float] = []

    def add(a: Array, b: Array, r: float) -> None:
        starts.append(a)
        ends.append(b)
        radii.append(r * h)

    add(head - HEAD_HALF * h * trunk_up, head + HEAD_HALF * h * trunk_up, HEAD_RADIUS)
    add(neck - 0.02 * h * trunk_up, neck + 0.04 * h * trunk_up, 0.028)
    for side in (1.0, -1.0):
        offset = side * TORSO_HALF_SPACING * h * left
        base = pelvis + offset
        add(base + 0.03 * h * trunk_up, base + 0.24 * h * trunk_up, TORSO_RADIUS)
    for side, hip_a, knee_a, sh_a, el_a in (
        (1.0, pose.hip_l, pose.knee_l, pose.shoulder_l, pose.elbow_l),
        (-1.0, pose.hip_r, pose.knee_r, pose.shoulder_r, pose.elbow_r),
    ):
        hip = pelvis + side * HIP_HALF_WIDTH * h * left
        knee = hip + THIGH * h * _sagittal(hip_a, fwd, up)
        ankle = knee + SHIN * h * _sagittal(hip_a - knee_a, fwd, up)
        toe = ankle + 0.11 * h * _sagittal(hip_a - knee_a + math.pi / 2, fwd, up)
        add(hip, knee, 0.045)
        add(knee, ankle, 0.032)
        add(ankle, toe, 0.022)
        shoulder = pelvis + SHOULDER_RISE * h * trunk_up + side * SHOULDER_HALF_WIDTH * h * left
        arm_a = sh_a - pose.trunk
        elbow = shoulder + UPPER_ARM * h * _sagittal(arm_a, fwd, up)
        hand = elbow + FOREARM * h * _sagittal(arm_a + el_a, fwd, up)
        add(shoulder, elbow, 0.026)
        add(elbow, hand, 0.021)
    return np.array(starts), np.array(ends), np.array(radii) * build


def head_top(pose: BodyPose, height: float) -> float:
    """Highest point of the head above the floor (metres)."""
    trunk_up_z = math.cos(pose.trunk)
    centre_z = pose.z + (TRUNK + HEAD_CENTRE) * height * trunk_up_z
    return centre_z + HEAD_HALF * height * abs(trunk_up_z) + HEAD_RADIUS * height


def standing(x: float, y: float, yaw: float, height: float) -> BodyPose:
    """Upright, arms hanging, feet on the floor."""
    return BodyPose(x, y, HIP_HEIGHT * height, yaw)
