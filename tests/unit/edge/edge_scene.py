"""A tiny analytic room for perception tests: floor, walls, furniture and box "people".

Depth is rendered by ray casting axis-aligned boxes and planes with numpy, so tests need
neither the simulator package nor a recording. Room frame: z up from the floor, the camera
at (0, 0, height) looking along +y, pitched down by ``tilt_deg``.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from edge_agent.detections import Detection
from edge_agent.pipeline import Pipeline
from edge_agent.sources.base import DepthFrame, Intrinsics

Box = tuple[float, float, float, float, float, float]
"""xmin, xmax, ymin, ymax, zmin, zmax in room metres."""

Step = tuple[float, Sequence[Box] | Callable[[float], list[Box]]]
"""Seconds, and the boxes in view (or a function of progress 0..1 giving them)."""

T0 = 1_700_000_000.0


def intrinsics(width: int = 320, height: int = 240) -> Intrinsics:
    f = 385.0 * width / 640
    return Intrinsics(width, height, f, f, width / 2 - 0.5, height / 2 - 0.5)


@dataclass
class Scene:
    height_m: float = 2.6
    tilt_deg: float = 35.0
    intr: Intrinsics = field(default_factory=intrinsics)
    room: Box = (-2.5, 2.5, -0.5, 5.5, 0.0, 2.9)
    furniture: list[Box] = field(default_factory=list)
    noise: float = 0.003
    seed: int = 0
    dark_drop: float = 0.0
    """Fraction of the boxes' ("people's") pixels lost each frame, in blobs redrawn every
    frame, as a depth camera loses dark clothing."""
    dark_blob_px: int = 6

    def __post_init__(self) -> None:
        th = math.radians(self.tilt_deg)
        cam_to_room = np.array(
            [[1, 0, 0], [0, -math.sin(th), math.cos(th)], [0, -math.cos(th), -math.sin(th)]]
        )
        u = np.arange(self.intr.width)
        v = np.arange(self.intr.height)
        uu, vv = np.meshgrid(u, v)
        rays = np.stack(
            [
                (uu - self.intr.ppx) / self.intr.fx,
                (vv - self.intr.ppy) / self.intr.fy,
                np.ones_like(uu, dtype=float),
            ]
        ).reshape(3, -1)
        self.dirs = cam_to_room @ rays  # per pixel: room direction for camera depth 1
        self.origin = np.array([0.0, 0.0, self.height_m])
        self.rng = np.random.default_rng(self.seed)
        self._static = self._cast_inside(self.room)
        for box in self.furniture:
            self._static = np.minimum(self._static, self._cast_box(box))

    def _cast_inside(self, box: Box) -> npt.NDArray[np.float64]:
        """Depth to the inside walls/floor/ceiling of the room box."""
        lo = np.array(box[0::2])[:, None]
        hi = np.array(box[1::2])[:, None]
        o = self.origin[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            t_hi = (hi - o) / self.dirs
            t_lo = (lo - o) / self.dirs
        t_exit = np.where(self.dirs > 0, t_hi, t_lo)
        t_exit = np.where(np.isfinite(t_exit), t_exit, np.inf)
        nearest: npt.NDArray[np.float64] = t_exit.min(axis=0)
        return nearest

    def _cast_box(self, box: Box) -> npt.NDArray[np.float64]:
        lo = np.array(box[0::2])[:, None]
        hi = np.array(box[1::2])[:, None]
        o = self.origin[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            t1 = (lo - o) / self.dirs
            t2 = (hi - o) / self.dirs
        tmin = np.nanmax(np.minimum(t1, t2), axis=0)
        tmax = np.nanmin(np.maximum(t1, t2), axis=0)
        hit = (tmax >= tmin) & (tmin > 0)
        return np.where(hit, tmin, np.inf)

    def render(self, boxes: list[Box]) -> npt.NDArray[np.float32]:
        depth = self._static.copy()
        for box in boxes:
            depth = np.minimum(depth, self._cast_box(box))
        body = depth < self._static
        depth = depth + self.rng.normal(0, 1, depth.shape) * self.noise * depth * depth
        if self.dark_drop > 0:
            h, w, b = self.intr.height, self.intr.width, self.dark_blob_px
            coarse = self.rng.random((h // b + 1, w // b + 1)) < self.dark_drop
            blobs = np.repeat(np.repeat(coarse, b, axis=0), b, axis=1)[:h, :w].ravel()
            depth[body & blobs] = 0
        depth[~np.isfinite(depth) | (depth > 10)] = 0
        return depth.reshape(self.intr.height, self.intr.width).astype(np.float32)

    def frame(self, index: int, t: float, boxes: list[Box]) -> DepthFrame:
        return DepthFrame(index=index, t=T0 + t, depth_m=self.render(boxes), intrinsics=self.intr)


class CachedRoom:
    """Renders each distinct set of boxes once; per frame only draws the depth noise."""

    def __init__(self, width: int = 320) -> None:
        self.scene = Scene(noise=0.0, intr=intrinsics(width, width * 3 // 4))
        self.rng = np.random.default_rng(7)
        self._cache: dict[tuple[Box, ...], np.ndarray] = {}
        self.index = 0

    def frame(self, t: float, boxes: list[Box]) -> DepthFrame:
        key = tuple(boxes)
        clean = self._cache.get(key)
        if clean is None:
            clean = self._cache[key] = self.scene.render(boxes)
        noise = self.rng.standard_normal(clean.shape, dtype=np.float32)
        depth = np.where(clean > 0, clean + noise * np.float32(0.003) * clean * clean, 0)
        self.index += 1
        return DepthFrame(self.index, T0 + t, depth.astype(np.float32), self.scene.intr)


def standing(x: float, y: float, height: float = 1.7) -> Box:
    return (x - 0.22, x + 0.22, y - 0.15, y + 0.15, 0.0, height)


def lying_floor(x: float, y: float) -> Box:
    """Lying along +y with the feet at ``y`` (fell forward)."""
    return (x - 0.22, x + 0.22, y, y + 1.7, 0.0, 0.28)


def falling(x: float, y: float, f: float) -> Box:
    """Between standing (f=0) and lying (f=1) at the same feet position."""
    h = 1.7 * (1 - f) + 0.28 * f
    length = 0.3 * (1 - f) + 1.7 * f
    return (x - 0.22, x + 0.22, y - 0.15, y - 0.15 + length, 0.0, h)


def sitting(x: float, y: float) -> Box:
    return (x - 0.25, x + 0.25, y - 0.25, y + 0.3, 0.0, 1.3)


def script(
    scene: Scene, steps: Sequence[Step], fps: float = 10.0, learn_s: float = 2.0
) -> list[DepthFrame]:
    """Frames: ``learn_s`` of empty room, then each (duration, boxes-or-callable(f)) step."""
    frames: list[DepthFrame] = []
    t = 0.0
    dt = 1.0 / fps

    def add(boxes: list[Box]) -> None:
        nonlocal t
        frames.append(scene.frame(len(frames), t, boxes))
        t += dt

    for _ in range(int(learn_s * fps)):
        add([])
    for duration, what in steps:
        n = max(1, round(duration * fps))
        for i in range(n):
            if callable(what):
                add(what(i / max(1, n - 1)))
            else:
                add(list(what))
    return frames


def run(frames: list[DepthFrame], pipeline: Pipeline) -> list[Detection]:
    """Every detection of a frame sequence, open episodes flushed at the end."""
    out: list[Detection] = []
    for frame in frames:
        out += pipeline.process(frame)
    out += pipeline.flush(frames[-1].t)
    return out
