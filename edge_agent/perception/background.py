"""Per-pixel depth background: what the empty room looks like, and what is closer than that.

The background is learned from the first frames as each pixel's median reading, with its
noise (MAD); someone walking through while it learns is mostly ignored. Then:

* readings clearly *farther* than the background mean something left (a person who stood
  in view while learning): the background follows them within about a second;
* readings within the noise band drift the background slowly (temperature, auto-exposure);
* foreground that never leaves is absorbed only after a long time and never where the
  pipeline marks a person (``protected``), so a person lying still on the floor stays
  visible for a long lie.

Someone in view while it learns is learned with the room. Two ways out, both set up by the
pipeline once the first background is learned (`edge_agent.perception.startup`):

* `adopt` an empty-room reference kept from an earlier run: where the learned view is
  closer than the reference (a patient in bed, a chair moved since) the reference stays the
  background, so that is foreground at once; where it is farther (something taken away) the
  learned view wins. A view that mostly disagrees (the camera moved) is refused.
* `hold_pixels` of the learned background that look like a person: they count as
  foreground while their reading stays where it was learned (the person is still there);
  each one is let go as soon as it reads farther (the room behind them is seen) or when the
  pipeline `release`s it (the person moved away and what is left is furniture).

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
_MAX_REMOVED = 0.1
"""A reference is refused when more of the view than this is farther than it: people and
furniture added since make the view closer, never farther; a moved camera does both."""
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
        self._held: Mask | None = None
        """Learned pixels taken for a person (see `hold_pixels`); None when there are none."""
        self.held_seen: Mask | None = None
        self.held_same: Mask | None = None
        """Of the held pixels in the last `foreground`: those with a reading, and those
        reading as learned (neither farther nor closer): the person has not moved there."""

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
    def sigma(self) -> Depth:
        """Per-pixel depth noise σ (metres): measured while learning, at least the model's."""
        if self.depth is None or self._ksigma is None:
            raise RuntimeError("background not learned yet")
        return self._ksigma / np.float32(self._cfg.noise_k)

    @property
    def held(self) -> Mask | None:
        """Pixels held as a person (see `hold`), or None."""
        return self._held

    def adopt(self, depth: Depth, sigma: Depth, min_agree: float) -> bool:
        """Take an empty-room reference (same pixel grid) as the background where the learned
        view is not clearly farther; False (nothing changed) when the view disagrees.

        Agreement is within half the single-frame threshold: both are medians of many
        frames, so static surfaces agree far better than that, while a body 0.2 m above a
        mattress at 4 m does not.
        """
        learned, thr = self.depth, self._thr
        if learned is None or thr is None or self._sigma is None:
            raise RuntimeError("background not learned yet")
        if depth.shape != learned.shape:
            return False
        both = (learned > 0) & (depth > 0)
        n = int(np.count_nonzero(both))
        half = np.float32(0.5) * thr
        agree = np.count_nonzero(both & (np.abs(learned - depth) < half)) / max(1, n)
        removed_px = both & (learned > depth + half)
        removed = np.count_nonzero(removed_px) / max(1, n)
        if n == 0 or agree < min_agree or removed > _MAX_REMOVED:
            logger.warning(
                "empty-room reference not used: %.0f%% of the view agrees with it, %.0f%% is "
                "farther (has the camera moved?)",
                100.0 * agree,
                100.0 * removed,
            )
            return False
        use = (depth > 0) & ~removed_px
        self._sigma = np.where(use, np.maximum(self._sigma, sigma), self._sigma)
        self._set(np.where(use, depth, learned).astype(np.float32))
        logger.info(
            "empty-room reference in use: %.0f%% of the view agrees, %.1f%% is in front of it",
            100.0 * agree,
            100.0 * np.count_nonzero(both & (learned < depth - half)) / n,
        )
        return True

    def hold_pixels(self, pixels: list[npt.NDArray[np.intp]]) -> None:
        """Count these learned pixels (flat indices) as foreground while they read as
        learned or closer: a person learned with the room, still where they were."""
        if self.depth is None:
            raise RuntimeError("background not learned yet")
        held = np.zeros(self.depth.shape, dtype=bool)
        for p in pixels:
            held.ravel()[p] = True
        held &= self.depth > 0
        self._held = held if held.any() else None

    def release(self, pixels: npt.NDArray[np.intp]) -> None:
        """These held pixels (flat indices) are room after all: furniture someone sat or lay
        on, left behind when they moved away."""
        if self._held is not None and pixels.size:
            self._held.ravel()[pixels] = False
            if not self._held.any():
                self._held = None

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
        if self._held is not None:  # a person learned with the room, still where they were
            seen = self._held & (depth > 0)
            not_farther = seen & (depth < bg + thr)
            raw |= not_farther
            self.held_seen, self.held_same = seen, not_farther & (depth > bg - thr)
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
        held = self._held
        if held is not None:  # what reads farther was a person and is room now
            protected = protected | held
            held &= ~far
            if not held.any():
                self._held = None
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
