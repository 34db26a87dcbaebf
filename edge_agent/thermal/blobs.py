"""Warm blobs: connected foreground pixels, each placed on the floor through the geometry.

Hysteresis keeps tiny arrays honest: a blob is the 8-connected foreground (excess above each
pixel's threshold) around at least one pixel warmer than `min_peak_k` of its own σ. On an 8×8
Grid-EYE a person is 1–4 pixels, so size cannot tell people from noise, but peak excess can;
on a 160×120 Lepton a few noisy pixels are a few square centimetres, and `min_area_m2` drops
them before they reach the tracker.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import ndimage

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
    excess: F32,
    threshold: F32,
    sigma: F32,
    geometry: SensorGeometry,
    config: ThermalBlobConfig,
) -> tuple[list[WarmBlob], I64]:
    """Blobs of this frame's excess and the per-pixel blob index (−1 outside blobs).

    `threshold` and `sigma` are per pixel (°C): foreground is excess above the pixel's
    threshold, and a blob needs one pixel above `min_peak_k` of its own σ. Components are
    labelled by scipy in one C pass (a Python flood fill took 4 ms on a 160×120 frame with
    four people; this takes 0.15 ms), and only the few seeded ones are measured.
    """
    h, w = excess.shape
    index = np.full(h * w, -1, dtype=np.int64)
    fg = excess > threshold
    if not fg.any():
        return [], index.reshape(h, w)
    labels, n = ndimage.label(fg, structure=_EIGHT)
    flat_labels = labels.ravel()
    seeds = fg & (excess >= np.float32(config.min_peak_k) * sigma)
    seeded = np.bincount(flat_labels, weights=seeds.ravel(), minlength=n + 1) > 0
    sizes = np.bincount(flat_labels, minlength=n + 1)
    keep = np.flatnonzero(seeded & (sizes >= config.min_pixels))
    flat = excess.ravel()
    blobs: list[WarmBlob] = []
    for label in keep[keep > 0].tolist():
        members = np.flatnonzero(flat_labels == label)
        blob = _measure(members, flat, w, geometry)
        if blob.area_m2 < config.min_area_m2 and np.isfinite(blob.x):
            continue
        index[members] = len(blobs)
        blobs.append(blob)
    return blobs, index.reshape(h, w)


_EIGHT = np.ones((3, 3), dtype=bool)


def _measure(members: I64, flat: F32, w: int, geometry: SensorGeometry) -> WarmBlob:
    ex = flat[members].astype(np.float64)
    peak = float(ex.max())
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
    return WarmBlob(
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


def ground_dist(point: tuple[float, float, float]) -> float:
    """Horizontal distance of a floor point from below the sensor."""
    return float(np.hypot(point[0], point[1]))
