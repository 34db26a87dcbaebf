"""RealSense D4xx depth errors applied to a perfect depth image.

Model (documented so tests and readers can check it):

- RMS depth error grows with distance squared, as for any stereo camera (Intel's D400 tuning
  white paper): ``sigma(z) = subpixel · z² / (fx · baseline)``, with the D435's 50 mm baseline
  and a typical subpixel accuracy of 0.08. At 640×480 (fx ≈ 381 px) that is 4.2 mm at 1 m and
  17 mm at 2 m (0.8 %, inside the D435's "< 2 % at 2 m" spec); at 320×240 fx halves and the
  error doubles, as on the real camera at lower resolutions.
- Quantisation to the 1 mm depth unit of the Z16 stream.
- Flying pixels: on the right edge of a silhouette some background pixels read a depth
  between the object and what is behind it.
- Missing pixels, written as 0 like the camera does: outside the 0.28–10 m range, a small
  fraction of random dropouts, and the occlusion band on the left of near objects, where the
  left (reference) imager sees background that the right imager cannot.
- Surface materials, when the renderer's `SurfaceImage` is passed (matte pixels are untouched,
  and a scene with no dark or shiny pixel draws no extra random numbers, so it renders exactly
  as without it). Holes on these surfaces come in irregular blobs, as on the real camera, not
  salt-and-pepper: each frame a Gaussian random field on a coarse grid (one node per
  ``blob_px`` pixels at 640 px width, scaled with the image width) is bilinearly upsampled and
  normalised to unit variance per pixel; a pixel drops where the field's (approximately
  uniform) quantile is below its drop probability.

  - dark (IR-absorbing: black clothing, dark hair, black screens): drop probability rises
    linearly with depth from ``dark_drop_near`` (20 %) at ``dark_near_m`` (1 m) to
    ``dark_drop_far`` (60 %) at ``dark_far_m`` (4 m), clamped outside.
  - shiny (specular: metal rails, stainless sinks, mirrors): ``shiny_drop`` (10 %) at ordinary
    angles, rising linearly to ``shiny_graze_drop`` (90 %) between ``shiny_graze_deg`` (60°)
    and ``shiny_graze_full_deg`` (85°) from the normal; ``shiny_specular_drop`` (50 %) within
    ``shiny_specular_deg`` (6°) of head-on, where the projector's reflection saturates the
    imagers; and of the surviving pixels ``shiny_speckle`` (3 %) read a wrong, farther depth
    (a reflection), 5–50 % beyond the surface.

  These material figures are estimates from the behaviour commonly reported for D4xx cameras
  (dark fabric and screens losing depth in patches, worse with distance; metal and glossy
  surfaces losing it at grazing and mirror angles), not measured on a camera.
"""

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulators.raycast import MATERIALS, SurfaceImage

DEPTH_UNIT_M = 0.001
_DARK = np.uint8(MATERIALS.index("dark"))
_SHINY = np.uint8(MATERIALS.index("shiny"))
_LOGISTIC = 1.702
"""Φ(x) ≈ 1 / (1 + exp(−1.702 x)) (max error 0.01): Gaussian field value → quantile."""


@dataclass(frozen=True, slots=True)
class DepthNoise:
    """Parameters of the D435 error model (see the module docstring)."""

    baseline_m: float = 0.050
    subpixel: float = 0.08
    min_z: float = 0.28
    max_z: float = 10.0
    dropout: float = 0.002
    edge_jump_m: float = 0.10
    max_band_px: int = 12
    flying: float = 0.3
    """Chance that a background pixel on the right of a silhouette reads a depth in between."""
    blob_px: float = 10.0
    """Grid spacing of the hole field at 640 px width (scaled with the width)."""
    dark_drop_near: float = 0.20
    dark_drop_far: float = 0.60
    dark_near_m: float = 1.0
    dark_far_m: float = 4.0
    shiny_drop: float = 0.10
    shiny_graze_deg: float = 60.0
    shiny_graze_full_deg: float = 85.0
    shiny_graze_drop: float = 0.90
    shiny_specular_deg: float = 6.0
    shiny_specular_drop: float = 0.50
    shiny_speckle: float = 0.03

    def sigma(self, z: npt.NDArray[np.floating] | float, fx: float) -> npt.NDArray[np.floating]:
        """RMS depth error (metres) at depth z for a stream with focal length fx (pixels)."""
        return np.asarray(self.subpixel * np.square(z) / (fx * self.baseline_m))

    def apply(
        self,
        depth_m: npt.NDArray[np.float32],
        fx: float,
        rng: np.random.Generator,
        surfaces: SurfaceImage | None = None,
    ) -> npt.NDArray[np.uint16]:
        """Noisy, quantised Z16 image (millimetres, 0 = no reading) of a perfect depth image.

        With `surfaces` (from `DepthRenderer.render_surfaces`), dark and shiny surfaces lose
        depth as the module docstring describes."""
        z = depth_m
        scale = np.float32(self.subpixel / (fx * self.baseline_m * DEPTH_UNIT_M))
        mm = rng.standard_normal(z.shape, dtype=np.float32)
        mm *= scale
        mm *= z
        mm *= z
        mm += z * np.float32(1.0 / DEPTH_UNIT_M)
        np.rint(mm, out=mm)
        np.clip(mm, 0, 65535, out=mm)
        with np.errstate(invalid="ignore"):
            invalid = ~((z >= self.min_z) & (z <= self.max_z))
        invalid |= rng.random(z.shape, dtype=np.float32) < self.dropout
        invalid |= self._occlusion_band(z, fx)
        out = mm.astype(np.uint16)
        self._flying_pixels(z, out, rng)
        if surfaces is not None and surfaces.material.any():
            invalid |= self._material_holes(z, out, surfaces, rng)
        out[invalid] = 0
        return out

    def drop_probability(
        self,
        material: npt.NDArray[np.uint8],
        z: npt.NDArray[np.float32],
        cos_incidence: npt.NDArray[np.float32],
    ) -> npt.NDArray[np.float32]:
        """Chance each pixel is lost to its material (0 on matte), before blob shaping."""
        p = np.zeros(z.shape, dtype=np.float32)
        dark = material == _DARK
        if dark.any():
            ramp = np.clip(
                (z[dark] - self.dark_near_m) / (self.dark_far_m - self.dark_near_m), 0, 1
            )
            p[dark] = self.dark_drop_near + ramp * (self.dark_drop_far - self.dark_drop_near)
        shiny = material == _SHINY
        if shiny.any():
            angle = np.degrees(np.arccos(np.clip(cos_incidence[shiny], 0.0, 1.0)))
            span = self.shiny_graze_full_deg - self.shiny_graze_deg
            graze = np.clip((angle - self.shiny_graze_deg) / span, 0.0, 1.0)
            q = np.maximum(self.shiny_drop, graze * self.shiny_graze_drop)
            q = np.where(
                angle < self.shiny_specular_deg, np.maximum(q, self.shiny_specular_drop), q
            )
            p[shiny] = q
        return p

    def _material_holes(
        self,
        z: npt.NDArray[np.float32],
        out: npt.NDArray[np.uint16],
        surfaces: SurfaceImage,
        rng: np.random.Generator,
    ) -> npt.NDArray[np.bool_]:
        """Blobs of missing pixels on dark and shiny surfaces; wrong-depth speckle on shiny.

        Works on the non-matte pixels only (a list, not the image), so a frame costs in
        proportion to how much dark or shiny surface is in view."""
        rows, cols = np.divmod(np.flatnonzero(surfaces.material), z.shape[1])
        material = surfaces.material[rows, cols]
        p = self.drop_probability(material, z[rows, cols], surfaces.cos_incidence[rows, cols])
        cell = max(2.0, self.blob_px * z.shape[1] / 640.0)
        field = _field(rows, cols, (z.shape[0], z.shape[1]), cell, rng)
        with np.errstate(divide="ignore"):
            lost = field < np.log(p / (1.0 - p)) / _LOGISTIC
        holes = np.zeros(z.shape, dtype=np.bool_)
        holes[rows[lost], cols[lost]] = True
        shiny = (material == _SHINY) & ~lost
        if not shiny.any():
            return holes
        shiny[shiny] = rng.random(int(shiny.sum())) < self.shiny_speckle
        r, c = rows[shiny], cols[shiny]
        farther = z[r, c] * (1.0 + rng.uniform(0.05, 0.5, r.size))
        out[r, c] = np.clip(np.rint(farther / DEPTH_UNIT_M), 0, 65535).astype(np.uint16)
        return holes

    def _flying_pixels(
        self, z: npt.NDArray[np.float32], out: npt.NDArray[np.uint16], rng: np.random.Generator
    ) -> None:
        """Stereo matching blends foreground and background across the silhouette."""
        far = np.where(np.isfinite(z), z, np.float32(0.0))
        rows, cols = np.nonzero(far[:, 1:] - far[:, :-1] > self.edge_jump_m)
        keep = rng.random(rows.size) < self.flying
        rows, cols = rows[keep], cols[keep] + 1
        mix = rng.random(rows.size, dtype=np.float32)
        blended = far[rows, cols - 1] + mix * (far[rows, cols] - far[rows, cols - 1])
        out[rows, cols] = np.rint(blended / DEPTH_UNIT_M).astype(np.uint16)

    def _occlusion_band(self, z: npt.NDArray[np.float32], fx: float) -> npt.NDArray[np.bool_]:
        """Background pixels just left of a nearer surface, as wide as the disparity jump."""
        band = np.zeros(z.shape, dtype=np.bool_)
        far = np.where(np.isfinite(z), z, np.float32(1e3))
        rows, cols = np.nonzero(far[:, :-1] - far[:, 1:] > self.edge_jump_m)
        if rows.size == 0:
            return band
        z_bg, z_fg = far[rows, cols], far[rows, cols + 1]
        width = fx * self.baseline_m * (1.0 / z_fg - 1.0 / z_bg)
        width = np.minimum(np.floor(width), self.max_band_px).astype(np.int64)
        for k in range(int(width.max(initial=0))):
            sel = (width > k) & (cols >= k)
            band[rows[sel], cols[sel] - k] = True
        return band


@functools.lru_cache(maxsize=8)
def _grid_axis(
    n: int, cell: float
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Per pixel of an image axis: the coarse grid node before it and the bilinear weights of
    that node and the next, scaled so the interpolated field keeps unit variance."""
    g = np.arange(n) / cell + 0.5
    j = np.floor(g).astype(np.intp)
    frac = g - j
    scale = 1.0 / np.sqrt(np.square(1.0 - frac) + np.square(frac))
    return j, ((1.0 - frac) * scale).astype(np.float32), (frac * scale).astype(np.float32)


def _field(
    rows: npt.NDArray[np.intp],
    cols: npt.NDArray[np.intp],
    shape: tuple[int, int],
    cell: float,
    rng: np.random.Generator,
) -> npt.NDArray[np.float32]:
    """At the given pixels, a smooth random field: standard normal at every pixel, correlated
    over ~`cell` pixels (a coarse Gaussian grid, bilinearly interpolated and renormalised)."""
    row_node, row_w0, row_w1 = _grid_axis(shape[0], cell)
    col_node, col_w0, col_w1 = _grid_axis(shape[1], cell)
    stride = math.ceil(shape[1] / cell) + 2
    grid = rng.standard_normal((math.ceil(shape[0] / cell) + 2) * stride, dtype=np.float32)
    node = row_node[rows] * stride + col_node[cols]
    c0, c1 = col_w0[cols], col_w1[cols]
    top = grid[node] * c0 + grid[node + 1] * c1
    bottom = grid[node + stride] * c0 + grid[node + stride + 1] * c1
    field: npt.NDArray[np.float32] = top * row_w0[rows] + bottom * row_w1[rows]
    return field
