"""Warm blobs: connected foreground pixels, each placed on the floor through the geometry.

Hysteresis keeps tiny arrays honest: a blob is the 8-connected foreground (excess above the
background threshold) around at least one pixel warmer than `min_peak_k`·σ. On an 8×8
Grid-EYE a person is 1–4 pixels, so size cannot tell people from noise, but peak excess can.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge_agent.thermal.config import ThermalBlobConfig
from edge_agent.thermal.geometry import SensorGeometry

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class WarmBlob:
    """One warm object in one frame."""

    row: float
    col: float
    """Excess-weighted centroid pixel (sub-pixel)."""
    pixels: int
    peak_c: float
    """Warmest excess over background (°C)."""
    mean_c: float
    """Mean excess over the blob's pixels (°C)."""
    x: float
    y: float
    """Floor position in the room frame (m); NaN when the ray misses the floor."""
    range_m: float
    """Distance from the sensor to that floor point (m)."""
    area_m2: float
    """Size of the blob at that range, face on (m²): about the floor footprint from a
    ceiling, the silhouette from a wall."""
    top_m: float | None
    """Wall mount: height of the blob's top above the floor at its floor position."""
    bbox: tuple[int, int, int, int]
    """Rows r0..r1 and columns c0..c1 (inclusive)."""


def find_warm_blobs(
    excess: F32, threshold: float, sigma: float, geometry: SensorGeometry, config: ThermalBlobConfig
) -> tuple[list[WarmBlob], I64]:
    """Blobs of this frame's excess and the per-pixel blob index (−1 outside blobs)."""
    h, w = excess.shape
    index = np.full(h * w, -1, dtype=np.int64)
    flat = excess.ravel()
    fg = np.flatnonzero(flat > threshold)
    if fg.size == 0:
        return [], index.reshape(h, w)
    seed = max(threshold, config.min_peak_k * sigma)
    blobs: list[WarmBlob] = []
    for pix in _components(fg.tolist(), w, h):
        members = np.array(pix, dtype=np.int64)
        ex = flat[members].astype(np.float64)
        peak = float(ex.max())
        if peak < seed or members.size < config.min_pixels:
            continue
        rows, cols = members // w, members % w
        total = float(ex.sum())
        row_c = float(rows @ ex) / total
        col_c = float(cols @ ex) / total
        r0, r1 = int(rows.min()), int(rows.max())
        c0, c1 = int(cols.min()), int(cols.max())
        top_m: float | None = None
        if geometry.mount == "wall":
            # The lowest pixel touches the floor (feet, or a body lying down).
            ground = geometry.floor_point(r1 + 0.5, col_c)
            if ground is not None:
                top_m = max(0.0, geometry.top_height(r0 - 0.5, col_c, ground_dist(ground)))
        else:
            ground = geometry.floor_point(row_c, col_c)
        nan = float("nan")
        x, y, rng = ground if ground is not None else (nan, nan, nan)
        area = members.size * geometry.pixel_area_m2(rng) if ground is not None else 0.0
        index[members] = len(blobs)
        blobs.append(
            WarmBlob(
                row=row_c,
                col=col_c,
                pixels=int(members.size),
                peak_c=peak,
                mean_c=total / members.size,
                x=x,
                y=y,
                range_m=rng,
                area_m2=area,
                top_m=top_m,
                bbox=(r0, r1, c0, c1),
            )
        )
    return blobs, index.reshape(h, w)


def _components(pixels: list[int], w: int, h: int) -> list[list[int]]:
    """8-connected groups of flat pixel indices (a flood fill: people are few pixels, so a
    plain loop beats whole-image label propagation at these sizes)."""
    todo = set(pixels)
    groups: list[list[int]] = []
    while todo:
        start = todo.pop()
        group = [start]
        stack = [start]
        while stack:
            p = stack.pop()
            r, c = divmod(p, w)
            for dr in (-1, 0, 1):
                rr = r + dr
                if rr < 0 or rr >= h:
                    continue
                for dc in (-1, 0, 1):
                    cc = c + dc
                    if 0 <= cc < w:
                        q = rr * w + cc
                        if q in todo:
                            todo.remove(q)
                            group.append(q)
                            stack.append(q)
        groups.append(group)
    return groups


def ground_dist(point: tuple[float, float, float]) -> float:
    """Horizontal distance of a floor point from below the sensor."""
    return float(np.hypot(point[0], point[1]))
