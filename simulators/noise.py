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
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

DEPTH_UNIT_M = 0.001


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

    def sigma(self, z: npt.NDArray[np.floating] | float, fx: float) -> npt.NDArray[np.floating]:
        """RMS depth error (metres) at depth z for a stream with focal length fx (pixels)."""
        return np.asarray(self.subpixel * np.square(z) / (fx * self.baseline_m))

    def apply(
        self, depth_m: npt.NDArray[np.float32], fx: float, rng: np.random.Generator
    ) -> npt.NDArray[np.uint16]:
        """Noisy, quantised Z16 image (millimetres, 0 = no reading) of a perfect depth image."""
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
        out[invalid] = 0
        return out

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
