"""Vectorised analytic ray casting against the few solids a room and a body are made of.

All rays start at one point (the camera's optical centre), so every per-ray quantity is a dot
product of the ray directions with a handful of per-solid vectors: one matrix product per
solid kind, no per-pixel Python. Distances are along unit rays; `inf` means no hit.

The `*_hit` variants also say which face each ray hit (the axis of its normal, and for boxes
which box), found in the same slab test, so a renderer can look up surface materials and
incidence angles without casting twice.
"""

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Material = Literal["matte", "dark", "shiny"]
"""How a surface looks to an active-stereo IR camera (see `simulators.noise`)."""
MATERIALS: tuple[Material, ...] = ("matte", "dark", "shiny")
"""Material ids of a surface image: the index in this tuple (0 is matte)."""


@dataclass(frozen=True, slots=True)
class SurfaceImage:
    """What each pixel's ray hit: material id (into `MATERIALS`) and |cos| of incidence."""

    material: npt.NDArray[np.uint8]
    cos_incidence: npt.NDArray[np.float32]
    """1 is head-on, 0 grazing. Body capsules report 1 (only furniture is shiny)."""


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned box in world metres (furniture, bed frames, mattresses)."""

    lo: tuple[float, float, float]
    hi: tuple[float, float, float]
    material: Material = "matte"


def room_interior(origin: Array, dirs: Array, size: tuple[float, float, float]) -> Array:
    """Distance to the inside of the room's walls, floor and ceiling (origin is inside)."""
    return room_interior_hit(origin, dirs, size)[0]


def room_interior_hit(
    origin: Array, dirs: Array, size: tuple[float, float, float]
) -> tuple[Array, IntArray]:
    """Distance to the room's inside and the axis (0 x, 1 y, 2 z) of the face each ray hits."""
    hi = np.asarray(size, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.where(dirs > 0, hi, 0.0)
        t = (bound - origin) / dirs
    t = np.where(np.isfinite(t) & (t > 0), t, np.inf)
    axis: IntArray = t.argmin(axis=-1)
    result: Array = np.take_along_axis(t, axis[..., None], axis=-1)[..., 0]
    return result, axis


def boxes(origin: Array, dirs: Array, solids: list[Box]) -> Array:
    """Nearest entry distance into any of the boxes (slab method)."""
    return boxes_hit(origin, dirs, solids)[0]


def boxes_hit(origin: Array, dirs: Array, solids: list[Box]) -> tuple[Array, IntArray, IntArray]:
    """Nearest entry distance into any box, which box (−1: none) and the entry face's axis."""
    best = np.full(dirs.shape[:-1], np.inf)
    which = np.full(dirs.shape[:-1], -1, dtype=np.int64)
    axis = np.zeros(dirs.shape[:-1], dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / dirs
        for index, box in enumerate(solids):
            t0 = (np.asarray(box.lo) - origin) * inv
            t1 = (np.asarray(box.hi) - origin) * inv
            entry = np.where(np.isnan(t0), -np.inf, np.minimum(t0, t1))
            near = entry.max(axis=-1)
            far = np.nanmin(np.maximum(t0, t1), axis=-1)
            hit = (near <= far) & (far > 0) & (near > 0) & (near < best)
            best = np.where(hit, near, best)
            which[hit] = index
            axis[hit] = entry.argmax(axis=-1)[hit]
    return best, which, axis


def capsule(origin: Array, dirs: Array, a: Array, b: Array, radius: float) -> Array:
    """Nearest hit on one capsule (segment a→b swept by a sphere of `radius`).

    A capsule is the union of a finite cylinder and two end spheres, so its first hit is
    the nearest of the three surfaces' first hits (the origin is outside the capsule).
    `dirs` is (..., 3) unit vectors; returns distances of shape `dirs.shape[:-1]`.
    """
    oa = origin - a
    ob = origin - b
    ba = b - a
    r2 = radius * radius
    baba = float(ba @ ba)
    baoa = float(ba @ oa)
    oaoa = float(oa @ oa)
    obob = float(ob @ ob)
    bard = dirs @ ba
    rdoa = dirs @ oa
    rdob = rdoa - bard

    # Lateral surface of the finite cylinder.
    qa = np.maximum(baba - bard * bard, 1e-12)
    qb = baba * rdoa - baoa * bard
    h = qb * qb - qa * (baba * oaoa - baoa * baoa - r2 * baba)
    hit = h >= 0
    t_cyl = (-qb - np.sqrt(np.where(hit, h, 0.0))) / qa
    y = baoa + t_cyl * bard
    best = np.where(hit & (y > 0) & (y < baba) & (t_cyl > 0), t_cyl, np.inf)

    # End spheres.
    for rd_o, oo in ((rdoa, oaoa), (rdob, obob)):
        hs = rd_o * rd_o - (oo - r2)
        hit = hs >= 0
        ts = -rd_o - np.sqrt(np.where(hit, hs, 0.0))
        np.minimum(best, np.where(hit & (ts > 0), ts, np.inf), out=best)
    return best
