"""Scripted motion: a person's timeline of segments (walk, hold, transition), each with labels.

A scenario builds a `Script` step by step; every step starts from the pose the previous one
ended in, so scripts read like a story. `Script.at(t)` gives the pose and ground-truth labels
for any time, and is a pure function of the script (no clock, no randomness at playback).
Lookup bisects over segment end times, so hours-long day scripts stay cheap per frame.
"""

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from simulators.body import HIP_HEIGHT, BodyPose, lerp


class Posture(StrEnum):
    STANDING = "standing"
    SITTING = "sitting"
    LYING = "lying"
    KNEELING = "kneeling"
    CROUCHING = "crouching"
    BENDING = "bending"
    TRANSITION = "transition"


class Support(StrEnum):
    """What carries the person's weight."""

    FEET = "feet"
    FLOOR = "floor"
    BED = "bed"
    CHAIR = "chair"


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    duration: float
    activity: str
    posture: Posture
    support: Support
    pose: Callable[[float], BodyPose]
    """Pose at a time relative to the segment start."""


def smooth(u: float) -> float:
    u = min(max(u, 0.0), 1.0)
    return u * u * (3.0 - 2.0 * u)


def accelerate(u: float) -> float:
    """Toppling: slow start, fastest at impact."""
    u = min(max(u, 0.0), 1.0)
    return u * u


class Script:
    """One person's motion, built in order."""

    def __init__(self, height: float, start: BodyPose, *, speed: float = 1.0) -> None:
        self.height = height
        self.speed = speed
        self.pose = start
        self.t = 0.0
        self.segments: list[Segment] = []
        self._ends: list[float] = []

    def _append(
        self,
        duration: float,
        activity: str,
        posture: Posture,
        support: Support,
        pose: Callable[[float], BodyPose],
    ) -> None:
        self.segments.append(Segment(self.t, duration, activity, posture, support, pose))
        self.t += duration
        self._ends.append(self.t)
        self.pose = pose(duration)

    def hold(
        self,
        duration: float,
        activity: str,
        posture: Posture,
        support: Support,
        sway: float = 0.01,
    ) -> "Script":
        """Stay in the current pose, with a small slow sway so a 'still' person is alive."""
        base = self.pose
        phase = self.t

        def pose(t: float) -> BodyPose:
            wobble = sway * math.sin(2 * math.pi * 0.23 * (t + phase))
            arm = 2 * sway * math.sin(2 * math.pi * 0.11 * (t + phase))
            return base.moved(
                trunk=base.trunk + wobble,
                shoulder_l=base.shoulder_l + arm,
                elbow_r=base.elbow_r - arm,
            )

        self._append(duration, activity, posture, support, pose)
        self.pose = base
        return self

    def to(
        self,
        target: BodyPose,
        duration: float,
        activity: str,
        posture: Posture = Posture.TRANSITION,
        support: Support = Support.FEET,
        *,
        ease: Callable[[float], float] = smooth,
    ) -> "Script":
        """Blend to a target pose."""
        base = self.pose
        self._append(
            duration, activity, posture, support, lambda t: lerp(base, target, ease(t / duration))
        )
        return self

    def turn(self, yaw: float, duration: float = 0.8) -> "Script":
        base = self.pose
        return self.to(base.moved(yaw=yaw), duration, "turning", Posture.STANDING)

    def walk(self, *points: tuple[float, float]) -> "Script":
        """Walk through waypoints, turning towards each one first."""
        for x, y in points:
            p = self.pose
            dx, dy = x - p.x, y - p.y
            dist = math.hypot(dx, dy)
            if dist < 1e-6:
                continue
            yaw = math.atan2(dy, dx)
            if abs((yaw - p.yaw + math.pi) % (2 * math.pi) - math.pi) > 0.3:
                self.turn(yaw, 0.6)
            self._walk_leg(x, y, yaw, dist)
        return self

    def _walk_leg(self, x: float, y: float, yaw: float, dist: float) -> None:
        h = self.height
        p0 = self.pose
        duration = dist / self.speed
        stride = 0.75 * h * min(self.speed, 1.4)

        def pose(t: float) -> BodyPose:
            s = min(self.speed * t, dist)
            u = s / dist
            phase = 2 * math.pi * s / stride
            sw = math.sin(phase)
            # Swing knee bends while its leg is going forward, fades at the leg's end.
            fade = min(1.0, s / 0.3, (dist - s) / 0.3 + 0.05)
            return BodyPose(
                x=p0.x + (x - p0.x) * u,
                y=p0.y + (y - p0.y) * u,
                z=HIP_HEIGHT * h - 0.012 * h * abs(math.cos(phase)) * fade,
                yaw=yaw,
                trunk=0.05 * fade,
                hip_l=0.38 * sw * fade,
                hip_r=-0.38 * sw * fade,
                knee_l=0.1 + 0.5 * max(0.0, math.cos(phase)) * fade,
                knee_r=0.1 + 0.5 * max(0.0, -math.cos(phase)) * fade,
                shoulder_l=-0.3 * sw * fade,
                shoulder_r=0.3 * sw * fade,
                elbow_l=0.3,
                elbow_r=0.3,
            )

        self._append(duration, "walking", Posture.STANDING, Support.FEET, pose)

    def wait_until(
        self,
        t: float,
        activity: str,
        posture: Posture = Posture.STANDING,
        support: Support = Support.FEET,
        sway: float = 0.01,
    ) -> "Script":
        """Hold the current pose until absolute time `t` (no-op if already past it)."""
        if t > self.t:
            self.hold(t - self.t, activity, posture, support, sway)
        return self

    def follow(
        self,
        leader: "Script",
        until: float,
        side: float,
        activity: str = "assisting_walk",
        *,
        behind: float = 0.0,
    ) -> "Script":
        """Walk beside `leader` from now to `until`, `side` metres to its left (− right) and
        `behind` metres back.

        The helper copies the leader's gait and heading, offset sideways, with the inner arm
        reaching towards the leader: what a nurse walking a patient looks like from above.
        """
        start = self.t
        duration = max(until - start, 0.0)

        def pose(t: float) -> BodyPose:
            lead, _ = leader.at(start + t)
            c, s = math.cos(lead.yaw), math.sin(lead.yaw)
            z = HIP_HEIGHT * self.height + (lead.z - HIP_HEIGHT * leader.height)
            arm = {"shoulder_r": 0.5} if side > 0 else {"shoulder_l": 0.5}
            x = lead.x - side * s - behind * c
            return lead.moved(x=x, y=lead.y + side * c - behind * s, z=z, trunk=0.05, **arm)

        first = pose(0.0)
        if math.hypot(first.x - self.pose.x, first.y - self.pose.y) > 0.05:
            self.to(first, 0.6, "turning", Posture.STANDING)
            start = self.t
            duration = max(until - start, 0.0)
        if duration > 0:
            self._append(duration, activity, Posture.STANDING, Support.FEET, pose)
        return self

    def at(self, t: float) -> tuple[BodyPose, Segment]:
        """Pose and labels at time t (clamped to the script's span)."""
        index = bisect.bisect_right(self._ends, t)
        seg = self.segments[min(index, len(self.segments) - 1)]
        local = min(max(t - seg.start, 0.0), seg.duration)
        return seg.pose(local), seg
