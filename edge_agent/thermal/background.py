"""Per-pixel thermal background that follows the room and forgets warm objects, not people.

A thermal array sees the room at room temperature and people 5–12 °C warmer. What changes
slowly must not become a person:

- **Room-wide drift** (heating, sun, the sensor's own drift): every frame, a global offset is
  the median of (frame − background) over the pixels that were background in the last frame,
  so a 2 °C drift over an hour (or 0.5 °C in a minute) moves the whole background at once.
- **Per-pixel pattern** (fixed offsets, gradients, the power-up transient): each background
  pixel follows its own reading with a time constant of `follow_s` (shorter while the array
  has only just started), but only where there is no foreground and no tracked person.
- **Start-up**: for the first `learn_s` every pixel follows (a running mean), since the
  first frames after power-up can be garbage; a faint foreground pixel with nobody tracked on
  it (under twice the threshold: the tail of a power-up transient) keeps following, 5× slower.
- **Warm objects** (a radiator switched on, a laptop, a hot drink put down): a pixel that has
  been foreground for `absorb_s` (10 min) without a tracked person on it becomes background.
  People are protected: the pipeline passes the pixels around every tracked person, and those
  are never updated, so someone lying still on the floor for an hour stays foreground.
- **Cold ghosts** (a warm object taken away): a pixel colder than background for
  `cold_absorb_s` is relearned; nothing a thermal array should report is colder than the room.

The first frame is the background, warm objects and all, as for the depth camera: the array
should start with nobody in view. Someone who was there shows up as soon as they move (the
cold ghost they leave is relearned after `cold_absorb_s`).

The noise σ is measured, not configured: the mean absolute frame-to-frame change of the
background pixels, converted to a Gaussian σ and smoothed. Foreground is excess above
max(`min_excess_c`, `noise_k`·σ), so one setting works for a quantised 8×8 Grid-EYE and a
50 mK Lepton alike.
"""

import math

import numpy as np
import numpy.typing as npt

from edge_agent.thermal.config import ThermalBackgroundConfig

F32 = npt.NDArray[np.float32]
B = npt.NDArray[np.bool_]

_SIGMA0 = 0.3
_SIGMA_ALPHA = 0.1
_SIGMA_EVERY = 4
"""Noise is measured on every 4th frame pair (it changes slowly; saves a pass per frame)."""
_MIN_SIGMA = 0.03
_MAX_MEDIAN_SAMPLES = 2048
_MEAN_ABS_TO_SIGMA = math.sqrt(math.pi) / 2.0
"""|a − b| of two N(0, σ²) samples has mean 2σ/√π: σ = mean|Δ| · √π / 2."""


class ThermalBackground:
    """One per stream; `excess` then `update` for every frame, in time order."""

    def __init__(self, config: ThermalBackgroundConfig) -> None:
        self.config = config
        self.bg: F32 | None = None
        self.offset = 0.0
        """Room-wide drift since the background was learned (°C)."""
        self.sigma = _SIGMA0
        """Measured temporal noise of one pixel (°C)."""
        self._start_t = 0.0
        self._last_t = 0.0
        self._prev: F32 | None = None
        self._bg_mask: B | None = None
        self._fg_since: npt.NDArray[np.float64] | None = None
        self._cold_since: npt.NDArray[np.float64] | None = None
        self._frames = 0

    @property
    def threshold(self) -> float:
        """Excess (°C) above which a pixel is foreground."""
        return max(self.config.min_excess_c, self.config.noise_k * self.sigma)

    def excess(self, frame: F32, t: float) -> F32:
        """Frame minus background and drift (°C); learns the background on the first frame."""
        if self.bg is None or self.bg.shape != frame.shape:
            self._init(frame, t)
        bg = self.bg
        assert bg is not None and self._bg_mask is not None
        diff = frame - bg
        sample = diff[self._bg_mask] if self._bg_mask.any() else diff.ravel()
        if sample.size > _MAX_MEDIAN_SAMPLES:
            sample = sample[:: sample.size // _MAX_MEDIAN_SAMPLES + 1]
        self.offset = float(np.median(sample))
        out: F32 = diff - np.float32(self.offset)
        self._frames += 1
        if self._prev is not None and self._frames % _SIGMA_EVERY == 0:
            change = np.abs(out - self._prev)[self._bg_mask]
            cap = 6.0 * self.sigma
            change = change[change < cap]
            if change.size >= 4:
                measured = max(float(change.mean()) * _MEAN_ABS_TO_SIGMA, _MIN_SIGMA)
                self.sigma += _SIGMA_ALPHA * (measured - self.sigma)
        if self._frames % _SIGMA_EVERY == _SIGMA_EVERY - 1:
            self._prev = out
        return out

    def update(self, frame: F32, excess: F32, fg: B, protected: B, t: float) -> None:
        """Learn from this frame: follow where nobody is, absorb long-still warm objects."""
        bg, fg_since, cold_since = self.bg, self._fg_since, self._cold_since
        assert bg is not None and fg_since is not None and cold_since is not None
        cfg = self.config
        dt = max(t - self._last_t, 0.0)
        self._last_t = t
        age = t - self._start_t
        tau = min(cfg.follow_s, max(dt, age, 1e-3))
        alpha = np.float32(min(1.0, dt / tau))
        cold = excess < -self.threshold
        if age < cfg.learn_s:
            # Learning: a running mean of everything (power-up frames can be garbage).
            bg += np.where(protected, np.float32(0.0), alpha * excess)
        else:
            calm = ~fg & ~protected & ~cold
            # Faint foreground nobody is tracked on follows 5× slower: the tail of a
            # power-up transient or a gradient, not a body (a body is several σ warmer).
            faint = fg & ~protected & (excess < 2.0 * self.threshold)
            rate = np.where(calm, alpha, np.where(faint, alpha * np.float32(0.2), np.float32(0)))
            bg += rate * excess
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
        self.bg = frame.astype(np.float32, copy=True)
        self.offset = 0.0
        self._start_t = self._last_t = t
        self._prev = None
        self._bg_mask = np.ones(frame.shape, dtype=bool)
        self._fg_since = np.full(frame.shape, t, dtype=np.float64)
        self._cold_since = np.full(frame.shape, t, dtype=np.float64)
