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
_JUMPS = 2


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
    """8-connected components of a 2-D mask: labels 1..n (0 = empty) and n.

    Each cell starts labelled with the first cell of its horizontal run, then takes the
    smallest label in its 3×3 neighbourhood (a separable min: two passes of two minima)
    with pointer jumping until nothing changes; a person's footprint settles in two or
    three rounds. The grid is small, so the cost is numpy's per-call overhead: few calls.
    """
    h, w = occupied.shape
    big = h * w
    index = np.arange(big, dtype=np.int64).reshape(h, w)
    empty = ~occupied
    occ_flat = occupied.ravel()
    starts = occupied.copy()
    starts[:, 1:] &= empty[:, :-1]
    lab = np.maximum.accumulate(np.where(starts, index, 0), axis=1)
    lab[empty] = big
    pad = np.full((h + 2, w + 2), big, dtype=np.int64)
    rows = np.empty((h + 2, w), dtype=np.int64)
    new = np.empty((h, w), dtype=np.int64)
    while True:
        pad[1:-1, 1:-1] = lab
        np.minimum(pad[:, :-2], pad[:, 1:-1], out=rows)
        np.minimum(rows, pad[:, 2:], out=rows)
        np.minimum(rows[:-2], rows[1:-1], out=new)
        np.minimum(new, rows[2:], out=new)
        new[empty] = big
        flat = new.ravel()
        for _ in range(_JUMPS):  # pointer jumping: a label names a cell of its blob
            flat[occ_flat] = flat[flat[occ_flat]]
        if np.array_equal(new, lab):
            break
        lab, new = new, lab
    # Number the components by their root cell (the one its label names), in cell order.
    roots = occupied & (lab == index)
    number = np.cumsum(roots.ravel())
    out = np.zeros((h, w), dtype=np.int64)
    out[occupied] = number[lab[occupied]]
    return out, int(number[-1]) if big else 0


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
    footprints = cell_counts * (cell * cell)
    big = (
        (sizes >= config.min_points)
        & (surface >= config.min_area_m2)
        & (footprints >= config.min_footprint_m2)
    )
    big[0] = False
    for lab in np.flatnonzero(big):
        # A few blobs per frame: a pass over the points each is cheaper than sorting them.
        idx = np.flatnonzero(point_label == lab)
        bz = z[idx]
        m = bz.size - 1
        k_top, k_bottom = int(_TOP_PERCENTILE * m), int(_BOTTOM_PERCENTILE * m)
        part = np.partition(bz, (k_bottom, k_top))
        top = float(part[k_top])
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
                bottom_m=float(part[k_bottom]),
                extent_x_m=float(bx.max() - bx.min()),
                extent_y_m=float(by.max() - by.min()),
                footprint_m2=float(footprints[lab]),
                points=int(bz.size),
                area_m2=float(surface[lab]),
            )
        )
    return blobs, point_blob
