"""Where a thermal pixel looks: rays from the sensor's field of view and mount to the floor.

Room frame as for the depth camera: metres, origin on the floor straight below the sensor,
z up, y along the horizontal direction the sensor faces (for a ceiling mount looking straight
down: image-up), x to its right. The sensor is a pinhole with square-ish pixels whose focal
lengths follow from the field of view (`f = (n / 2) / tan(fov / 2)`), pixel centres at
`(i + 0.5)`, like the simulator. A thermal array has no depth, so a blob is placed where the
ray through one of its pixels meets the floor: its centroid for a ceiling mount (looking
down, the centroid is over the body) and its lowest pixel for a wall mount (the feet, or the
whole body when lying, touch the floor there).
"""

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from edge_agent.sources.thermal import ThermalMeta

F64 = npt.NDArray[np.float64]
Mount = Literal["ceiling", "wall"]


@dataclass(frozen=True, slots=True)
class SensorGeometry:
    """A thermal array's optics and mount; precomputes nothing heavy (rays are per call)."""

    width: int
    height: int
    hfov_deg: float
    vfov_deg: float
    mount: Mount
    height_m: float
    tilt_deg: float
    """Ceiling: away from straight down; wall: below horizontal."""

    @classmethod
    def from_meta(cls, meta: ThermalMeta) -> "SensorGeometry":
        mount: Mount = "wall" if meta.mount == "wall" else "ceiling"
        return cls(
            meta.width,
            meta.height,
            meta.fov_deg[0],
            meta.fov_deg[1],
            mount,
            meta.height_m,
            meta.tilt_deg,
        )

    @property
    def fx(self) -> float:
        return (self.width / 2.0) / math.tan(math.radians(self.hfov_deg) / 2.0)

    @property
    def fy(self) -> float:
        return (self.height / 2.0) / math.tan(math.radians(self.vfov_deg) / 2.0)

    @property
    def pitch_deg(self) -> float:
        """Optical axis below horizontal."""
        return 90.0 - self.tilt_deg if self.mount == "ceiling" else self.tilt_deg

    def rotation(self) -> F64:
        """Camera (x right, y down, z forward) → room rotation, columns = camera axes."""
        p = math.radians(self.pitch_deg)
        forward = np.array([0.0, math.cos(p), -math.sin(p)])
        right = np.array([1.0, 0.0, 0.0])
        down = np.cross(forward, right)
        return np.stack([right, down, forward], axis=1)

    def rays(self, rows: F64, cols: F64) -> F64:
        """Unit ray directions in the room frame, (N, 3), for sub-pixel (row, col) indices."""
        cam = np.stack(
            [
                (cols + 0.5 - self.width / 2.0) / self.fx,
                (rows + 0.5 - self.height / 2.0) / self.fy,
                np.ones_like(rows, dtype=np.float64),
            ],
            axis=-1,
        )
        cam /= np.linalg.norm(cam, axis=-1, keepdims=True)
        out: F64 = cam @ self.rotation().T
        return out

    def ray(self, row: float, col: float) -> tuple[float, float, float]:
        """Unit ray direction in the room frame through sub-pixel (row, col) (plain floats:
        called per blob, where numpy's per-call overhead would dominate)."""
        u = (col + 0.5 - self.width / 2.0) / self.fx
        v = (row + 0.5 - self.height / 2.0) / self.fy
        n = math.sqrt(u * u + v * v + 1.0)
        p = math.radians(self.pitch_deg)
        cp, sp = math.cos(p), math.sin(p)
        # Columns of `rotation()`: right (1, 0, 0), down (0, -sp, -cp), forward (0, cp, -sp).
        return u / n, (-v * sp + cp) / n, (-v * cp - sp) / n

    def floor_point(self, row: float, col: float) -> tuple[float, float, float] | None:
        """(x, y, range) where the ray through (row, col) meets the floor; None if it misses."""
        dx, dy, dz = self.ray(row, col)
        if dz > -1e-3:
            return None
        s = self.height_m / -dz
        return s * dx, s * dy, s

    def top_height(self, row: float, col: float, distance_m: float) -> float:
        """Height above the floor where the ray through (row, col) passes `distance_m` away
        horizontally (a wall mount's view of the top of a body standing there)."""
        dx, dy, dz = self.ray(row, col)
        return self.height_m + distance_m * dz / max(math.hypot(dx, dy), 1e-6)

    def pixel_area_m2(self, range_m: float) -> float:
        """Area one pixel covers, face on, at this range."""
        return range_m * range_m / (self.fx * self.fy)

    def project(self, point: tuple[float, float, float]) -> tuple[float, float] | None:
        """(row, col) of a room point, None when behind the sensor (for labels and tests)."""
        rel = np.array([point[0], point[1], point[2] - self.height_m])
        cam = self.rotation().T @ rel
        if cam[2] <= 1e-6:
            return None
        col = cam[0] / cam[2] * self.fx + self.width / 2.0 - 0.5
        row = cam[1] / cam[2] * self.fy + self.height / 2.0 - 0.5
        return float(row), float(col)
