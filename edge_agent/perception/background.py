"""Per-pixel depth background: what the empty room looks like, and what is closer than that.

The background is learned from the first frames as each pixel's median reading, with its
noise (MAD); someone walking through while it learns is mostly ignored. Then:

* readings clearly *farther* than the background mean something left (a person who stood
  in view while learning): the background follows them within about a second;
* readings within the noise band drift the background slowly (temperature, auto-exposure);
* foreground that never leaves is absorbed only after a long time and never where the
  pipeline marks a person (``protected``), so a person lying still on the floor stays
  visible for a long lie.

The foreground threshold is a multiple of the depth noise, which for stereo grows with
distance²: the measured per-pixel noise, or the sensor model where that is larger (its
coefficient the configured one or, if larger, the median over the room while learning). Fed the
output of the temporal filter (`temporal.py`), it lowers the threshold by √n for a value
averaged over n readings: a body lying 0.2–0.3 m above a floor 4 m away stands out of the
averaged noise though not out of one frame's.
"""

import logging
import math
import warnings

import numpy as np
import numpy.typing as npt

from edge_agent.perception.config import BackgroundConfig

logger = logging.getLogger(__name__)

Depth = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]

_MAD_TO_SIGMA = 1.4826
_MIN_LEARN_FRAMES = 3
_FAR_TAU_S = 1.0
_DRIFT_TAU_S = 30.0
_FAR_MIN_SAMPLES = 3
_CHECK_EVERY_S = 0.5
"""Long-stuck pixels are looked for, and the threshold refreshed, this often."""
_MIN_NOISE_PIXELS = 1000
_UPDATE_EVERY_S = 0.2
"""The model adapts at most this often: its time constants are seconds and minutes, so
adapting on every frame would cost a dozen image passes per frame for nothing."""


class BackgroundModel:
    """Learns, then separates foreground from background; one instance per stream."""

    def __init__(self, config: BackgroundConfig) -> None:
        self._cfg = config
        self._learning: list[Depth] = []
        self._t0: float | None = None
        self._last_t: float | None = None
        self.depth: Depth | None = None
        """Background depth (metres); 0 where the empty room gave no reading."""
        self._thr: Depth | None = None
        self._sigma: Depth | None = None
        """Per-pixel depth noise measured while learning (metres)."""
        self._fg_since: npt.NDArray[np.float64] | None = None
        self._prev_raw: Mask | None = None
        self._half_thr: Depth | None = None
        self._ksigma: Depth | None = None
        self._checked_t = -math.inf
        self._noise_rel_sq = config.noise_rel_sq
        """Noise σ per metre² of distance: the config's, or the room's median if larger."""

    @property
    def ready(self) -> bool:
        return self.depth is not None

    def learn(self, depth: Depth, t: float) -> bool:
        """Feed a learning frame; True once the background is ready."""
        if self.depth is not None:
            return True
        if self._t0 is None:
            self._t0 = t
        self._learning.append(depth.copy())
        if t - self._t0 < self._cfg.learn_s or len(self._learning) < _MIN_LEARN_FRAMES:
            return False
        self._finish_learning(t)
        return True

    def _finish_learning(self, t: float) -> None:
        stack = np.stack(self._learning)
        self._learning = []
        stack[stack <= 0] = np.nan
        valid = np.isfinite(stack).sum(axis=0)
        with warnings.catch_warnings():  # pixels with no reading at all: NaN, handled below
            warnings.simplefilter("ignore", RuntimeWarning)
            median = np.nanmedian(stack, axis=0)
            mad = np.nanmedian(np.abs(stack - median), axis=0)
        bg = np.where(valid > 0, median, 0.0).astype(np.float32)
        self._sigma = np.where(valid > 1, _MAD_TO_SIGMA * mad, 0.0).astype(np.float32)
        # The sensor's noise coefficient, measured on the whole room: one pixel's MAD over a
        # second of frames is off by ±20 %, so half the pixels would get too low a threshold
        # (noise at far walls then sticks to whoever is near them), and the configured
        # coefficient is a 640×480 figure, half of what 320×240 shows.
        known = (bg > 0) & (self._sigma > 0)
        if np.count_nonzero(known) >= _MIN_NOISE_PIXELS:
            measured = float(np.median(self._sigma[known] / (bg[known] * bg[known])))
            self._noise_rel_sq = max(self._noise_rel_sq, measured)
        self._set(bg)
        self._fg_since = np.full(bg.shape, np.inf)
        self._last_t = t
        logger.info(
            "background learned from %d frames, %.0f%% of pixels known",
            stack.shape[0],
            100.0 * float(np.count_nonzero(bg)) / bg.size,
        )

    def _set(self, bg: Depth) -> None:
        self.depth = bg
        cfg = self._cfg
        sigma = np.float32(self._noise_rel_sq) * bg * bg
        if self._sigma is not None:
            sigma = np.maximum(sigma, self._sigma)
        self._ksigma = np.float32(cfg.noise_k) * sigma
        self._thr = np.maximum(np.float32(cfg.min_fg_m), self._ksigma)
        self._half_thr = np.float32(0.5) * self._thr

    @property
    def threshold(self) -> Depth:
        """Per-pixel foreground threshold for a single reading (metres)."""
        if self._thr is None:
            raise RuntimeError("background not learned yet")
        return self._thr

    def foreground(self, depth: Depth, samples: Depth | None = None) -> Mask:
        """Pixels clearly closer than the background (or with no background), two frames running.

        ``samples``: how many readings each depth value averages (a temporal filter's
        output); the threshold then shrinks with the noise, by √n.
        """
        if self.depth is None or self._thr is None or self._ksigma is None:
            raise RuntimeError("background not learned yet")
        bg = self.depth
        thr = self._thr
        if samples is not None:
            root = np.sqrt(np.maximum(samples, np.float32(1.0)))
            thr = np.maximum(np.float32(self._cfg.min_fg_m), self._ksigma / root)
        raw = (depth > 0) & ((depth < bg - thr) | (bg <= 0))
        prev, self._prev_raw = self._prev_raw, raw
        # Noise (edges, corners, far walls) flickers; a body is there in consecutive frames.
        return raw if prev is None or prev.shape != raw.shape else raw & prev

    def update(
        self,
        depth: Depth,
        fg: Mask,
        protected: Mask,
        t: float,
        samples: Depth | None = None,
    ) -> None:
        """Adapt after a frame (at most every 0.2 s): follow what left, drift slowly,
        absorb long-stuck objects.

        ``protected`` marks pixels around people: no drift and no absorption there.
        ``samples`` (temporal filter): readings behind each value; the background follows a
        farther reading only once it held for a few frames, not a single outlier.
        """
        bg, thr, since = self.depth, self._thr, self._fg_since
        if bg is None or thr is None or since is None or self._half_thr is None:
            raise RuntimeError("background not learned yet")
        if self._last_t is not None and 0.0 <= t - self._last_t < _UPDATE_EVERY_S:
            return
        dt = max(0.0, t - (self._last_t if self._last_t is not None else t))
        self._last_t = t
        diff = depth - bg
        # Farther readings: something that was in front of the background moved away.
        far = (diff > thr) & (bg > 0)
        if samples is not None:
            far &= samples >= _FAR_MIN_SAMPLES
        # Drift only on readings well inside the noise band (symmetric, so noise cancels) and
        # never near a person: a body just under the threshold must not creep into the model.
        steady = (np.abs(diff) < self._half_thr) & (depth > 0) & ~protected
        a_far = np.float32(1.0 - math.exp(-dt / _FAR_TAU_S))
        a_drift = np.float32(1.0 - math.exp(-dt / _DRIFT_TAU_S))
        bg += (far * a_far + steady * a_drift) * diff
        np.copyto(since, t, where=fg & np.isinf(since))
        np.copyto(since, np.inf, where=~fg)
        if t - self._checked_t >= _CHECK_EVERY_S:  # absorption works on minutes: check rarely
            self._checked_t = t
            stuck = fg & ~protected & (t - since >= self._cfg.update_after_s)
            if stuck.any():
                logger.info("absorbing %d long-static foreground pixels", int(stuck.sum()))
                bg[stuck] = depth[stuck]
                since[stuck] = np.inf
            self._set(bg)
