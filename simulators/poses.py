"""Named key poses (sitting, lying, kneeling...) that scripts blend between.

Each takes the person's height so contact heights come out right: a sitting pelvis rests a
thigh-radius above the seat, a lying trunk a torso-radius above the mattress or floor.
"""

import math

from simulators.body import THIGH, TORSO_RADIUS, BodyPose

HALF_PI = math.pi / 2


def sitting(x: float, y: float, yaw: float, seat: float, h: float) -> BodyPose:
    """On a chair or bed edge, thighs level, shins down, hands in the lap."""
    return BodyPose(
        x,
        y,
        seat + 0.045 * h,
        yaw,
        trunk=0.12,
        hip_l=1.5,
        hip_r=1.45,
        knee_l=1.45,
        knee_r=1.4,
        shoulder_l=0.5,
        shoulder_r=0.45,
        elbow_l=0.9,
        elbow_r=0.9,
    )


def supine(x: float, y: float, feet_yaw: float, surface: float, h: float) -> BodyPose:
    """On the back, head behind the hips, legs straight towards `feet_yaw`."""
    return BodyPose(
        x,
        y,
        surface + TORSO_RADIUS * h,
        feet_yaw,
        trunk=-HALF_PI,
        hip_l=HALF_PI,
        hip_r=HALF_PI - 0.05,
        knee_l=0.05,
        knee_r=0.1,
        shoulder_l=0.05,
        shoulder_r=0.1,
        elbow_l=0.1,
        elbow_r=0.1,
    )


def long_sitting(x: float, y: float, feet_yaw: float, surface: float, h: float) -> BodyPose:
    """Sitting up in bed, legs still straight on the mattress."""
    return BodyPose(
        x,
        y,
        surface + 0.045 * h,
        feet_yaw,
        trunk=-0.2,
        hip_l=HALF_PI,
        hip_r=HALF_PI - 0.05,
        knee_l=0.05,
        knee_r=0.1,
        shoulder_l=0.4,
        shoulder_r=0.5,
        elbow_l=0.6,
        elbow_r=0.6,
    )


def prone(x: float, y: float, head_yaw: float, h: float) -> BodyPose:
    """Face down on the floor, one arm above the head."""
    return BodyPose(
        x,
        y,
        TORSO_RADIUS * h,
        head_yaw,
        trunk=HALF_PI,
        hip_l=-HALF_PI,
        hip_r=-HALF_PI + 0.15,
        knee_l=0.1,
        knee_r=0.35,
        shoulder_l=2.7,
        shoulder_r=0.4,
        elbow_l=0.3,
        elbow_r=0.8,
    )


def all_fours(x: float, y: float, yaw: float, h: float) -> BodyPose:
    """Hands and knees, the first stage of getting up from the floor."""
    trunk = HALF_PI - 0.25
    return BodyPose(
        x,
        y,
        (THIGH + 0.032) * h,
        yaw,
        trunk=trunk,
        hip_l=0.0,
        hip_r=0.05,
        knee_l=HALF_PI,
        knee_r=HALF_PI,
        shoulder_l=trunk,
        shoulder_r=trunk,
        elbow_l=0.0,
        elbow_r=0.0,
    )


def kneeling(x: float, y: float, yaw: float, h: float) -> BodyPose:
    """Upright on both knees."""
    return BodyPose(
        x,
        y,
        (THIGH + 0.032) * h,
        yaw,
        trunk=0.15,
        hip_l=0.0,
        hip_r=0.0,
        knee_l=HALF_PI,
        knee_r=HALF_PI,
        shoulder_l=0.3,
        shoulder_r=0.3,
        elbow_l=0.5,
        elbow_r=0.5,
    )


def crouch(x: float, y: float, yaw: float, h: float) -> BodyPose:
    """Knees buckling: the first instant of a collapse."""
    return BodyPose(
        x,
        y,
        0.33 * h,
        yaw,
        trunk=0.35,
        hip_l=1.1,
        hip_r=1.0,
        knee_l=2.0,
        knee_r=1.9,
        shoulder_l=0.6,
        shoulder_r=0.7,
        elbow_l=0.4,
        elbow_r=0.4,
    )


def floor_sitting(x: float, y: float, yaw: float, h: float) -> BodyPose:
    """Sitting on the floor, legs forward, leaning back."""
    return BodyPose(
        x,
        y,
        0.045 * h,
        yaw,
        trunk=-0.35,
        hip_l=HALF_PI,
        hip_r=HALF_PI - 0.1,
        knee_l=0.4,
        knee_r=0.6,
        shoulder_l=-0.4,
        shoulder_r=-0.5,
        elbow_l=0.1,
        elbow_r=0.1,
    )
