"""Foreground room points → people-sized 3-D blobs.

Points are binned on a floor grid (a few centimetres per cell) and the occupied cells are
split into 8-connected components: a person is one connected footprint whatever their
posture. Labelling runs on the small grid (thousands of cells, not pixels) with vectorised
min-label propagation and pointer jumping, so it needs no per-cell Python loop.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge_agent.perception.config import BlobConfig

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]

_TOP_PERCENTILE = 0.98
_BOTTOM_PERCENTILE = 0.05
_MAX_GRID_CELLS = 250_000


@dataclass(frozen=True, slots=True)
class Blob:
    """One connected foreground object, in room coordinates (metres)."""

    x: float
    y: float
    """Centroid on the floor."""
    z: float
    """Mean height of its points."""
    top_m: float
    """Robust highest point above the floor."""
    bottom_m: float
    """Robust lowest point above the floor (≈ 0 for a person lying on the floor)."""
    extent_x_m: float
    extent_y_m: float
    footprint_m2: float
    points: int
    area_m2: float
    """Visible surface."""


def label_components(occupied: npt.NDArray[np.bool_]) -> tuple[I64, int]:
    """8-connected components of a 2-D mask: labels 1..n (0 = empty) and n."""
    h, w = occupied.shape
    big = h * w
    lab = np.where(occupied, np.arange(big, dtype=np.int64).reshape(h, w), big)
    pad = np.full((h + 2, w + 2), big, dtype=np.int64)
    while True:
        pad[1:-1, 1:-1] = lab
        new = lab.copy()
        for dy in (0, 1, 2):
            for dx in (0, 1, 2):
                if dy != 1 or dx != 1:
                    np.minimum(new, pad[dy : dy + h, dx : dx + w], out=new)
        new[~occupied] = big
        flat = new.ravel()
        inside = flat < big
        flat[inside] = flat[flat[inside]]  # pointer jumping: a label names a cell of its blob
        if np.array_equal(new, lab):
            break
        lab = new
    out = np.zeros((h, w), dtype=np.int64)
    _, inverse = np.unique(lab[occupied], return_inverse=True)
    out[occupied] = inverse.ravel() + 1
    return out, int(inverse.max()) + 1 if inverse.size else 0


def find_blobs(points: F32, areas: F32, config: BlobConfig) -> tuple[list[Blob], I64]:
    """Blobs of (3, N) room points with each point's surface (m²).

    Also returns each point's blob index (-1: noise or ignored).
    """
    n = points.shape[1]
    point_blob = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return [], point_blob
    x, y, z = points[0], points[1], points[2]
    keep = (z > -0.1) & (z < config.max_height_m)
    if not keep.any():
        return [], point_blob
    cell = config.cell_m
    ix = np.floor(x / cell).astype(np.int64)
    iy = np.floor(y / cell).astype(np.int64)
    x0, y0 = ix[keep].min(), iy[keep].min()
    gw, gh = int(ix[keep].max() - x0) + 1, int(iy[keep].max() - y0) + 1
    if gw * gh > _MAX_GRID_CELLS:  # far noise: clip the grid around the bulk of the points
        lo_x, hi_x = np.percentile(ix[keep], [1, 99]).astype(np.int64)
        lo_y, hi_y = np.percentile(iy[keep], [1, 99]).astype(np.int64)
        keep &= (ix >= lo_x) & (ix <= hi_x) & (iy >= lo_y) & (iy <= hi_y)
        x0, y0 = lo_x, lo_y
        gw, gh = int(hi_x - lo_x) + 1, int(hi_y - lo_y) + 1
    flat_cell = (iy - y0) * gw + (ix - x0)
    counts = np.bincount(flat_cell[keep], minlength=gw * gh)
    occupied = (counts > 0).reshape(gh, gw)
    labels, count = label_components(occupied)
    point_label = np.zeros(n, dtype=np.int64)
    point_label[keep] = labels.ravel()[flat_cell[keep]]
    blobs: list[Blob] = []
    if count == 0:
        return blobs, point_blob
    sizes = np.bincount(point_label, minlength=count + 1)
    surface = np.bincount(point_label, weights=areas, minlength=count + 1)
    cell_counts = np.bincount(labels.ravel(), minlength=count + 1)
    order = np.argsort(point_label, kind="stable")
    starts = np.concatenate(([0], np.cumsum(sizes)))
    big = (sizes >= config.min_points) & (surface >= config.min_area_m2)
    for lab in np.flatnonzero(big[1:]) + 1:
        idx = order[starts[lab] : starts[lab + 1]]
        footprint = float(cell_counts[lab]) * cell * cell
        if footprint < config.min_footprint_m2:
            continue
        bz = np.sort(z[idx])
        m = bz.size - 1
        top = float(bz[int(_TOP_PERCENTILE * m)])
        if top < config.min_height_m:
            continue
        bx, by = x[idx], y[idx]
        point_blob[idx] = len(blobs)
        blobs.append(
            Blob(
                x=float(bx.mean()),
                y=float(by.mean()),
                z=float(bz.mean()),
                top_m=top,
                bottom_m=float(bz[int(_BOTTOM_PERCENTILE * m)]),
                extent_x_m=float(bx.max() - bx.min()),
                extent_y_m=float(by.max() - by.min()),
                footprint_m2=footprint,
                points=int(bz.size),
                area_m2=float(surface[lab]),
            )
        )
    return blobs, point_blob
