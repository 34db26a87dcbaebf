"""Automatic floor calibration: find the floor in the empty room once, store it, reuse it.

Cameras are wall-mounted high and tilted down, so the floor is the large plane whose normal,
turned towards the camera, points roughly image-up (camera -y). Walls facing the camera,
side walls and the ceiling all fail that test; tables and beds pass it but are smaller and
closer to the camera, so among the passing planes the farthest one is the floor.

The result is a rigid camera→room transform: room z is the height above the floor, room y
is the camera's viewing direction along the floor, x completes a right-handed frame, and the
origin is the point of the floor straight below the camera. open3d is used here only, once.
"""

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]

_FORMAT = "ambient.floor-calibration/1"
_MIN_UP = 0.3
"""Floor normal · image-up must exceed this (camera tilted down by at most ~72°)."""
_MIN_INLIER_FRACTION = 0.08
_MAX_PLANES = 5
_MAX_POINTS = 20_000
_SAME_FLOOR_M = 0.15
"""Up-facing planes this close to the lowest one are pieces of the floor: take the biggest."""


class CalibrationError(RuntimeError):
    """No usable floor plane, or an unreadable calibration file."""


@dataclass(frozen=True, slots=True)
class Calibration:
    """camera→room transform: room = rotation @ camera + translation."""

    rotation: F32
    translation: F32
    camera_height_m: float
    tilt_deg: float
    """Camera pitch below the horizon."""
    roll_deg: float
    inlier_fraction: float

    def to_room(self, points: F32) -> F32:
        """(N, 3) camera points → (N, 3) room points."""
        out: F32 = points @ self.rotation.T + self.translation
        return out

    def save(self, path: Path) -> None:
        body = {
            "format": _FORMAT,
            "rotation": self.rotation.tolist(),
            "translation": self.translation.tolist(),
            "camera_height_m": self.camera_height_m,
            "tilt_deg": self.tilt_deg,
            "roll_deg": self.roll_deg,
            "inlier_fraction": self.inlier_fraction,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(body, indent=2) + "\n")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "Calibration":
        try:
            body = json.loads(path.read_text())
            if body.get("format") != _FORMAT:
                raise CalibrationError(f"{path}: not a floor calibration ({body.get('format')!r})")
            rotation = np.asarray(body["rotation"], dtype=np.float32).reshape(3, 3)
            translation = np.asarray(body["translation"], dtype=np.float32).reshape(3)
            return cls(
                rotation=rotation,
                translation=translation,
                camera_height_m=float(body["camera_height_m"]),
                tilt_deg=float(body["tilt_deg"]),
                roll_deg=float(body["roll_deg"]),
                inlier_fraction=float(body["inlier_fraction"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise CalibrationError(f"cannot read floor calibration {path}: {e}") from e


def from_floor_plane(normal: npt.ArrayLike, offset: float, inliers: float = 1.0) -> Calibration:
    """Calibration from a floor plane ``normal · p + offset = 0`` in camera coordinates."""
    n = np.asarray(normal, dtype=np.float64)
    norm = float(np.linalg.norm(n))
    n, d = n / norm, offset / norm
    if d < 0:  # orient the normal towards the camera: height of the camera = d > 0
        n, d = -n, -d
    forward = np.array([0.0, 0.0, 1.0]) - n * n[2]  # camera z projected onto the floor
    if np.linalg.norm(forward) < 1e-6:  # looking straight down: use image-up as forward
        forward = np.array([0.0, -1.0, 0.0]) - n * -n[1]
    y_axis = forward / np.linalg.norm(forward)
    x_axis = np.cross(y_axis, n)
    rotation = np.stack([x_axis, y_axis, n]).astype(np.float32)
    translation = np.array([0.0, 0.0, d], dtype=np.float32)
    tilt = math.degrees(math.asin(float(np.clip(-n[2], -1, 1))))
    roll = math.degrees(math.atan2(float(-n[0]), float(-n[1])))
    return Calibration(rotation, translation, float(d), tilt, roll, inliers)


def _refine(pts: npt.NDArray[np.float64], calib: Calibration, distance_m: float) -> Calibration:
    """Least-squares plane through every point near the RANSAC floor (noise grows with d²)."""
    n = calib.rotation[2].astype(np.float64)
    residual = np.abs(pts @ n + calib.camera_height_m)
    near = pts[residual < distance_m + 0.005 * pts[:, 2] ** 2]
    if len(near) < 100:
        return calib
    weight = 1.0 / near[:, 2] ** 2  # 1/σ: stereo depth noise grows with d²
    centre = (near * weight[:, None] ** 2).sum(axis=0) / (weight**2).sum()
    normal = np.linalg.svd((near - centre) * weight[:, None], full_matrices=False)[2][2]
    if normal @ n < 0:
        normal = -normal
    return from_floor_plane(normal, -float(normal @ centre), calib.inlier_fraction)


def calibrate_floor(points: F32, distance_m: float = 0.04, seed: int = 0) -> Calibration:
    """Find the floor in (N, 3) camera-frame points of the empty room (open3d RANSAC)."""
    import open3d as o3d

    pts = np.asarray(points, dtype=np.float64)
    pts = pts[np.isfinite(pts).all(axis=1) & (pts[:, 2] > 0)]
    if len(pts) < 1000:
        raise CalibrationError(f"only {len(pts)} depth points: is the camera covered?")
    rng = np.random.default_rng(seed)
    if len(pts) > _MAX_POINTS:
        pts = pts[rng.choice(len(pts), _MAX_POINTS, replace=False)]
    o3d.utility.random.seed(seed)
    total = len(pts)
    remaining = pts
    floors: list[Calibration] = []
    for _ in range(_MAX_PLANES):
        if len(remaining) < _MIN_INLIER_FRACTION * total:
            break
        cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(remaining))
        model, inliers = cloud.segment_plane(
            distance_threshold=distance_m, ransac_n=3, num_iterations=1000
        )
        a, b, c, d = (float(v) for v in model)
        frac = len(inliers) / total
        mask = np.zeros(len(remaining), dtype=bool)
        mask[np.asarray(inliers, dtype=np.intp)] = True
        remaining = remaining[~mask]
        if frac < _MIN_INLIER_FRACTION:
            break
        calib = from_floor_plane((a, b, c), d, frac)
        up = -float(calib.rotation[2, 1])  # floor normal · image-up (camera -y)
        logger.debug(
            "plane %.3f %.3f %.3f %.3f: %.0f%% of points, up %.2f", a, b, c, d, frac * 100, up
        )
        if up >= _MIN_UP:
            floors.append(calib)
    if not floors:
        raise CalibrationError(
            "no floor plane found: the camera must see a large part of the empty floor"
        )
    lowest = max(c.camera_height_m for c in floors)
    pieces = [c for c in floors if c.camera_height_m >= lowest - _SAME_FLOOR_M]
    calib = _refine(pts, max(pieces, key=lambda c: c.inlier_fraction), distance_m)
    logger.info(
        "floor found: camera %.2f m above it, tilted %.1f° down, roll %.1f°, %.0f%% inliers",
        calib.camera_height_m,
        calib.tilt_deg,
        calib.roll_deg,
        calib.inlier_fraction * 100,
    )
    return calib
