"""Automatic floor calibration: find the floor in the empty room once, store it, reuse it.

The camera hangs either on a wall (or in a corner), tilted 10–65° down, or on the ceiling,
looking down 0–35° off vertical. Planes are pulled out of the empty room's points one by one
(RANSAC, largest first); each is a floor candidate with its normal turned towards the camera,
and the floor is the largest candidate that passes every physical prior:

1. Mount: under the wall hypothesis the camera pitch below the horizon is 10–65° and its roll
   at most 25° (image x roughly level); under the ceiling hypothesis the plane normal is within
   35° of the optical axis (any heading). A `mount` hint tries only that hypothesis; "auto"
   accepts either. Side walls (large roll, or far off the optical axis) and the ceiling
   (normal pointing image-down, negative pitch) fail here.
2. Height: the camera is 1.5–4.5 m above a wall-mount floor, 1.8–5 m above a ceiling-mount
   one. A camera facing a near wall sees a plane straight along its axis, but too close.
3. Nothing below it: the room's points (furniture, walls, the floor itself) lie on the camera's
   side of the floor, so the floor is the farthest large plane along its own normal. A bed or
   table top has floor points beyond it (more than noise) and is rejected.

Planes come out largest first, so the first one that passes is the floor. If nothing passes,
`CalibrationError` says what each plane failed, so a wrong hint or a covered camera is
obvious; a wrong floor is never returned silently.

The chosen plane is then refitted by least squares (weights 1/z²: stereo noise grows with
depth²) on the points near it, binned in 30 cm floor cells: only the cells whose medians
agree on one plane within a few mm are used, so a shower tray or rug a few cm up (inside the
noise of single points) does not tilt the floor.

The result is a rigid camera→room transform: room z is the height above the floor, room y is
the camera's heading along the floor (the optical axis and image-up, projected on the floor:
well defined even straight down), x completes a right-handed frame, and the origin is the
point of the floor straight below the camera. open3d is used here only, once.
"""

import json
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from edge_agent.errors import EdgeError

logger = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
Mount = Literal["auto", "wall", "ceiling"]

_FORMAT = "ambient.floor-calibration/1"
_MIN_INLIER_FRACTION = 0.03
"""Planes with fewer of the points are too small to be the floor (and end the search)."""
_MAX_PLANES = 8
_MAX_POINTS = 20_000
"""Points kept for the checks and the final fit (a random sample of the image)."""
_RANSAC_POINTS = 8_000
"""The first of them, enough to find the planes (RANSAC time grows with the points)."""
_BELOW_TOL_M = 0.10
_BELOW_TOL_REL_SQ = 0.01
"""A point is below a plane if beyond it by more than 0.10 m + 0.01·z² (depth noise ∝ z²)."""
_MAX_BELOW_FRACTION = 0.02
_CELL_M = 0.3
_MIN_CELL_POINTS = 10
_CELL_TOL_M = 0.005
"""Floor cells agree on the floor plane within this (plus their median's noise)."""
_CELL_TRIALS = 300
"""A floor has at most this fraction of all points below it (noise, a door left open)."""


@dataclass(frozen=True, slots=True)
class _Prior:
    """Where the floor may be for one mount hypothesis (angles in degrees, heights in m)."""

    min_tilt: float
    max_tilt: float
    max_roll: float
    min_height: float
    max_height: float

    def rejects(self, tilt: float, roll: float, height: float) -> str | None:
        if not self.min_tilt <= tilt <= self.max_tilt:
            return f"tilt {tilt:.0f}° outside {self.min_tilt:.0f}–{self.max_tilt:.0f}°"
        if abs(roll) > self.max_roll:
            return f"roll {roll:.0f}° beyond ±{self.max_roll:.0f}°"
        if not self.min_height <= height <= self.max_height:
            return f"camera {height:.2f} m above it, not {self.min_height}–{self.max_height} m"
        return None


_PRIORS: dict[str, _Prior] = {
    "wall": _Prior(min_tilt=10.0, max_tilt=65.0, max_roll=25.0, min_height=1.5, max_height=4.5),
    "ceiling": _Prior(min_tilt=55.0, max_tilt=90.0, max_roll=180.0, min_height=1.8, max_height=5.0),
}


class CalibrationError(EdgeError, RuntimeError):
    """No usable floor plane, or an unreadable calibration file."""


@dataclass(frozen=True, slots=True)
class Calibration:
    """camera→room transform: room = rotation @ camera + translation."""

    rotation: F32
    translation: F32
    camera_height_m: float
    tilt_deg: float
    """Camera pitch below the horizon (90° = looking straight down)."""
    roll_deg: float
    """Rotation of image-up away from the floor normal; meaningless looking straight down."""
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
    # Heading: optical axis + image-up (camera z - y), projected on the floor. Same as the
    # optical axis alone for a level image, and still defined when looking straight down.
    ahead = np.array([0.0, -1.0, 1.0])
    forward = ahead - n * float(n @ ahead)
    if np.linalg.norm(forward) < 1e-6:  # looking up 45°: never a floor; keep it defined
        forward = np.array([1.0, 0.0, 0.0]) - n * n[0]
    y_axis = forward / np.linalg.norm(forward)
    x_axis = np.cross(y_axis, n)
    rotation = np.stack([x_axis, y_axis, n]).astype(np.float32)
    translation = np.array([0.0, 0.0, d], dtype=np.float32)
    tilt = math.degrees(math.asin(float(np.clip(-n[2], -1, 1))))
    roll = math.degrees(math.atan2(float(-n[0]), float(-n[1])))
    return Calibration(rotation, translation, float(d), tilt, roll, inliers)


def _fit(pts: F64, n: F64) -> tuple[F64, float]:
    """Weighted least-squares plane (normal towards ``n``, offset): noise grows with d²."""
    weight = 1.0 / pts[:, 2] ** 2  # 1/σ
    centre = (pts * weight[:, None] ** 2).sum(axis=0) / (weight**2).sum()
    normal = np.linalg.svd((pts - centre) * weight[:, None], full_matrices=False)[2][2]
    if normal @ n < 0:
        normal = -normal
    return normal, -float(normal @ centre)


def _floor_cells(
    near: F64, res: F64, n: F64, cell: npt.NDArray[np.intp], seed: int
) -> npt.NDArray[np.bool_]:
    """Per point: does its floor cell lie on the plane most of the floor area agrees on?

    Each cell of `_MIN_CELL_POINTS` or more votes with its centroid moved to its median
    residual (precise to a few mm where single points are noisy to a few cm); a RANSAC over
    these cells, scored by points, keeps the cells within `_CELL_TOL_M` + 2 standard errors.
    """
    ids, centres, weight, tol = [], [], [], []
    for c in range(int(cell.max()) + 1):
        members = cell == c
        r = res[members]
        if len(r) < _MIN_CELL_POINTS:
            continue
        mid = float(np.median(r))
        stderr = 1.9 * float(np.median(np.abs(r - mid))) / math.sqrt(len(r))
        ids.append(c)
        centres.append(near[members].mean(axis=0) - (float(r.mean()) - mid) * n)
        weight.append(len(r))
        tol.append(_CELL_TOL_M + 2.0 * stderr)
    if len(ids) < 3:
        return np.ones(len(near), dtype=bool)
    pc, w, t = np.array(centres), np.array(weight, dtype=np.float64), np.array(tol)
    rng = np.random.default_rng(seed)
    best, best_score = np.ones(len(pc), dtype=bool), -1.0
    for _ in range(_CELL_TRIALS):
        a, b, c = pc[rng.choice(len(pc), 3, replace=False)]
        normal = np.cross(b - a, c - a)
        length = float(np.linalg.norm(normal))
        if length < 1e-9:
            continue
        agree = np.abs((pc - a) @ (normal / length)) < t
        score = float(w[agree].sum())
        if score > best_score:
            best, best_score = agree, score
    keep: npt.NDArray[np.bool_] = np.isin(cell, np.asarray(ids)[best])
    return keep


def _refine(pts: F64, calib: Calibration, distance_m: float, seed: int) -> Calibration:
    """Least-squares floor through the points near the RANSAC plane, without raised patches.

    A shower tray or a rug a few cm up is within the noise of single points but not of a
    patch's median: only the `_CELL_M` floor cells that agree on one plane are fitted.
    """
    n = calib.rotation[2].astype(np.float64)
    res = pts @ n + calib.camera_height_m
    near_mask = np.abs(res) < distance_m + 0.005 * pts[:, 2] ** 2
    near, res = pts[near_mask], res[near_mask]
    if len(near) < 100:
        return calib
    keys = np.floor(near @ calib.rotation[:2].T.astype(np.float64) / _CELL_M).astype(np.int64)
    cell = np.unique(keys, axis=0, return_inverse=True)[1].ravel()
    on_floor = near[_floor_cells(near, res, n, cell, seed)]
    normal, offset = _fit(on_floor if len(on_floor) >= 100 else near, n)
    return from_floor_plane(normal, offset, calib.inlier_fraction)


_RANSAC_ATTEMPTS = 3


def _planes(pts: F64, distance_m: float, seed: int) -> Iterator[Calibration]:
    """Large planes of the cloud, largest first (each from what the previous ones left)."""
    import open3d as o3d

    o3d.utility.random.seed(seed)
    remaining = pts[:_RANSAC_POINTS]
    total = len(remaining)
    for _ in range(_MAX_PLANES):
        if len(remaining) < _MIN_INLIER_FRACTION * total:
            break
        cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(remaining))
        model, inliers = cloud.segment_plane(
            distance_threshold=distance_m, ransac_n=3, num_iterations=1000
        )
        frac = len(inliers) / total
        if frac < _MIN_INLIER_FRACTION:
            break
        mask = np.zeros(len(remaining), dtype=bool)
        mask[np.asarray(inliers, dtype=np.intp)] = True
        remaining = remaining[~mask]
        a, b, c, d = (float(v) for v in model)
        yield from_floor_plane((a, b, c), d, frac)


def _rejects(pts: F64, calib: Calibration, priors: list[_Prior]) -> str | None:
    """Why this plane cannot be the floor, or None if it can."""
    reasons = [p.rejects(calib.tilt_deg, calib.roll_deg, calib.camera_height_m) for p in priors]
    if all(reasons):
        return "; ".join(r for r in reasons if r)
    height = pts @ calib.rotation[2].astype(np.float64) + calib.camera_height_m
    below = float(np.mean(height < -(_BELOW_TOL_M + _BELOW_TOL_REL_SQ * pts[:, 2] ** 2)))
    if below > _MAX_BELOW_FRACTION:
        return f"{below:.0%} of the points lie below it (furniture top)"
    return None


def _first_floor(
    pts: F64, distance_m: float, seed: int, priors: list[_Prior], why: list[str]
) -> Calibration | None:
    """The largest plane that can be the floor (reasons for the others go to `why`)."""
    for plane in _planes(pts, distance_m, seed):
        reason = _rejects(pts, plane, priors)
        logger.debug(
            "plane: camera %.2f m, tilt %.1f°, roll %.1f°, %.0f%% of points: %s",
            plane.camera_height_m,
            plane.tilt_deg,
            plane.roll_deg,
            plane.inlier_fraction * 100,
            reason or "floor candidate",
        )
        if reason is None:  # the first plane that passes is the largest one that does
            return plane
        why.append(f"{plane.inlier_fraction:.0%} plane: {reason}")
    return None


def calibrate_floor(
    points: F32, distance_m: float = 0.04, seed: int = 0, *, mount: Mount = "auto"
) -> Calibration:
    """Find the floor in (N, 3) camera-frame points of the empty room (see module docstring).

    `mount` "wall" or "ceiling" tries only that hypothesis; "auto" accepts either.
    """
    pts = np.asarray(points, dtype=np.float64)
    pts = pts[np.isfinite(pts).all(axis=1) & (pts[:, 2] > 0)]
    if len(pts) < 1000:
        raise CalibrationError(f"only {len(pts)} depth points: is the camera covered?")
    rng = np.random.default_rng(seed)
    if len(pts) > _MAX_POINTS:
        pts = pts[rng.choice(len(pts), _MAX_POINTS, replace=False)]
    priors = list(_PRIORS.values()) if mount == "auto" else [_PRIORS[mount]]
    why: list[str] = []
    floor: Calibration | None = None
    # RANSAC draws at random (and open3d's threads make even a seeded draw vary), so a
    # miss is tried again with fresh draws before the room is declared floorless.
    for attempt in range(_RANSAC_ATTEMPTS):
        floor = _first_floor(pts, distance_m, seed + attempt, priors, why)
        if floor is not None:
            break
    if floor is None:
        raise CalibrationError(
            f"no floor plane found for mount {mount!r}: the camera must see a large part of "
            "the empty floor" + (" (" + " | ".join(dict.fromkeys(why)) + ")" if why else "")
        )
    calib = _refine(pts, floor, distance_m, seed)
    logger.info(
        "floor found: camera %.2f m above it, tilted %.1f° down, roll %.1f°, %.0f%% inliers",
        calib.camera_height_m,
        calib.tilt_deg,
        calib.roll_deg,
        calib.inlier_fraction * 100,
    )
    return calib
