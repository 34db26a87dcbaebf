"""Per-pixel thermal background and noise, learned online, that finds a person already in view.

Real people under real arrays read a few degrees, or under one, above the room, and pixel
noise and fixed offsets are of the same order, so every threshold here is a multiple of each
pixel's own measured noise, and what changes slowly must not become a person:

- **Cold start**: recordings and reboots begin with people in view. The first frame gives the
  room level (a low percentile, robust to a person filling part of the view) and a first
  noise figure (the spread of the pixels near that level). Pixels clearly warmer than the room
  start at the room level instead of at their reading, so a person present at start-up is
  foreground from the first frame rather than learned as background; a warm region hotter
  than any person can read (`max_person_excess_c`: a radiator, a lamp) is background at once,
  and if another warm region was an object after all, it is absorbed like any warm object
  put down (`absorb_s`).
- **Noise, per pixel, over time**: each quiet pixel's variance around its background is an
  exponential average of its squared residual. Measured this way, not from frame-to-frame
  differences, it holds for arrays that low-pass their output (where consecutive frames are
  alike and a lag-1 estimate collapses). Foreground is excess above `noise_k`·σ of that
  pixel, and above `min_excess_c`.
- **Room-wide drift and flicker** (heating, sun, the array's own drift, whole-frame jumps of a
  Grid-EYE): each frame's offset is the median residual of the pixels that were quiet in the
  last frame, so the whole background moves at once.
- **Per-pixel pattern** (fixed offsets, gradients, the power-up transient): quiet pixels follow
  their readings with a time constant of `settle_follow_s` for the first `settle_s` after
  start (arrays ramp up from a few °C and settle over seconds), then `follow_s`.
- **Warm objects** (a radiator, a laptop, a hot drink): foreground for `absorb_s` with no
  tracked person on it becomes background. People are protected: the pipeline passes the
  pixels around every tracked person, and those are never updated, so someone lying still
  on the floor for an hour stays foreground.
- **Cold ghosts** (a warm object taken away, a person who was there at start-up and left): a
  pixel colder than its background by its threshold for `cold_absorb_s` is relearned.
"""

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from edge_agent.thermal.config import ThermalBackgroundConfig

F32 = npt.NDArray[np.float32]
B = npt.NDArray[np.bool_]

_MIN_SIGMA = 0.03
"""No array is quieter than this (°C): a 50 mK Lepton at its best."""
_MAX_SIGMA0 = 1.0
_MAD_TO_SIGMA = 1.4826
_ROOM_PERCENTILE = 35.0
"""The room level at start: a low percentile, so a person covering up to half of a 4×4 view
does not lift it (and cold corners do not pull it down much)."""
_VAR_TAU_S = (5.0, 30.0)
"""Noise averaging time constant while settling, then after."""
_MAX_MEDIAN_SAMPLES = 2048


class ThermalBackground:
    """One per stream; `excess` then `update` for every frame, in time order."""

    def __init__(self, config: ThermalBackgroundConfig) -> None:
        self.config = config
        self.bg: F32 | None = None
        self.var: F32 | None = None
        """Per-pixel noise variance (°C²) of the background."""
        self.offset = 0.0
        """Room-wide drift of this frame from the background (°C)."""
        self.started_warm = 0
        """Pixels that were warmer than the room in the first frame (a person in view)."""
        self._start_t = 0.0
        self._last_t = 0.0
        self._bg_mask: B | None = None
        self._fg_since: npt.NDArray[np.float64] | None = None
        self._cold_since: npt.NDArray[np.float64] | None = None

    @property
    def sigma_map(self) -> F32:
        """Per-pixel noise σ (°C)."""
        assert self.var is not None, "no frame yet"
        out: F32 = np.sqrt(self.var)
        return out

    @property
    def sigma(self) -> float:
        """The typical pixel's noise σ (°C)."""
        return float(np.median(self.sigma_map)) if self.var is not None else 0.0

    @property
    def threshold_map(self) -> F32:
        """Per-pixel excess (°C) above which a pixel is foreground."""
        cfg = self.config
        out: F32 = np.maximum(
            np.float32(cfg.noise_k) * self.sigma_map, np.float32(cfg.min_excess_c)
        )
        return out

    def excess(self, frame: F32, t: float) -> F32:
        """Frame minus background and drift (°C); the first frame starts the background."""
        if self.bg is None or self.bg.shape != frame.shape:
            self._init(frame, t)
        bg, mask = self.bg, self._bg_mask
        assert bg is not None and mask is not None
        diff = frame - bg
        quiet = diff[mask] if int(mask.sum()) * 4 >= mask.size else diff.ravel()
        if quiet.size > _MAX_MEDIAN_SAMPLES:
            quiet = quiet[:: quiet.size // _MAX_MEDIAN_SAMPLES + 1]
        self.offset = float(np.median(quiet))
        out: F32 = diff - np.float32(self.offset)
        return out

    def update(self, frame: F32, excess: F32, fg: B, protected: B, t: float) -> None:
        """Learn from this frame: follow where nobody is, absorb long-still warm objects."""
        bg, var = self.bg, self.var
        fg_since, cold_since = self._fg_since, self._cold_since
        assert bg is not None and var is not None
        assert fg_since is not None and cold_since is not None
        cfg = self.config
        dt = max(t - self._last_t, 0.0)
        self._last_t = t
        settling = t - self._start_t < cfg.settle_s
        follow = cfg.settle_follow_s if settling else cfg.follow_s
        alpha = np.float32(min(1.0, dt / follow))
        beta = np.float32(min(1.0, dt / _VAR_TAU_S[0 if settling else 1]))
        threshold = self.threshold_map
        cold = excess < -threshold
        calm = ~fg & ~protected & ~cold
        # Faint foreground nobody is tracked on follows 5× slower: the tail of a power-up
        # transient or a gradient, not a body (a body is several σ warmer).
        faint = fg & ~protected & (excess < 2.0 * threshold)
        rate = np.where(calm, alpha, np.where(faint, alpha * np.float32(0.2), np.float32(0)))
        bg += rate * excess
        # Noise from quiet pixels only; one outlier moves a pixel's variance by at most 9σ².
        sq = np.minimum(excess * excess, np.float32(9.0) * var)
        var += np.where(calm, beta, np.float32(0.0)) * (sq - var)
        np.maximum(var, np.float32(_MIN_SIGMA**2), out=var)
        # Continuous foreground (not on a person) and continuous cold, per pixel.
        np.copyto(fg_since, t, where=~fg | protected)
        np.copyto(cold_since, t, where=~cold | protected)
        stuck = (t - fg_since >= cfg.absorb_s) | (t - cold_since >= cfg.cold_absorb_s)
        if stuck.any():
            np.copyto(bg, frame - np.float32(self.offset), where=stuck)
            fg_since[stuck] = t
            cold_since[stuck] = t
        self._bg_mask = ~fg & ~protected

    def _init(self, frame: F32, t: float) -> None:
        """Cold start from one frame: room level, a first noise figure, warm pixels as people."""
        cfg = self.config
        values = frame.astype(np.float64).ravel()
        room = float(np.percentile(values, _ROOM_PERCENTILE))
        near = values[values <= np.percentile(values, 75.0)]
        spread = _MAD_TO_SIGMA * float(np.median(np.abs(near - room)))
        sigma0 = min(_MAX_SIGMA0, max(_MIN_SIGMA, spread))
        warm = frame > room + max(cfg.noise_k * sigma0, cfg.min_excess_c)
        if warm.any():
            # A warm region with a pixel hotter than any person can read (skin at 33–35 °C
            # over a room of 18 °C or more) is a radiator or a lamp: background from the start.
            labels, n = ndimage.label(warm, structure=np.ones((3, 3), dtype=bool))
            peaks = ndimage.maximum(frame - room, labels, np.arange(1, n + 1))
            hot = np.flatnonzero(np.asarray(peaks) > cfg.max_person_excess_c) + 1
            warm &= ~np.isin(labels, hot)
        self.bg = np.where(warm, np.float32(room), frame).astype(np.float32)
        self.var = np.full(frame.shape, sigma0 * sigma0, dtype=np.float32)
        self.started_warm = int(warm.sum())
        self.offset = 0.0
        self._start_t = self._last_t = t
        self._bg_mask = ~warm
        self._fg_since = np.full(frame.shape, t, dtype=np.float64)
        self._cold_since = np.full(frame.shape, t, dtype=np.float64)
