"""Vectorised analytic ray casting against the few solids a room and a body are made of.

All rays start at one point (the camera's optical centre), so every per-ray quantity is a dot
product of the ray directions with a handful of per-solid vectors: one matrix product per
solid kind, no per-pixel Python. Distances are along unit rays; `inf` means no hit.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned box in world metres (furniture, bed frames, mattresses)."""

    lo: tuple[float, float, float]
    hi: tuple[float, float, float]


def room_interior(origin: Array, dirs: Array, size: tuple[float, float, float]) -> Array:
    """Distance to the inside of the room's walls, floor and ceiling (origin is inside)."""
    hi = np.asarray(size, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.where(dirs > 0, hi, 0.0)
        t = (bound - origin) / dirs
    t = np.where(np.isfinite(t) & (t > 0), t, np.inf)
    result: Array = t.min(axis=-1)
    return result


def boxes(origin: Array, dirs: Array, solids: list[Box]) -> Array:
    """Nearest entry distance into any of the boxes (slab method)."""
    best = np.full(dirs.shape[:-1], np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / dirs
        for box in solids:
            t0 = (np.asarray(box.lo) - origin) * inv
            t1 = (np.asarray(box.hi) - origin) * inv
            near = np.nanmax(np.minimum(t0, t1), axis=-1)
            far = np.nanmin(np.maximum(t0, t1), axis=-1)
            hit = (near <= far) & (far > 0) & (near > 0)
            best = np.where(hit & (near < best), near, best)
    return best


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
