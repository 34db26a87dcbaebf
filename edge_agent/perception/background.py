"""Per-pixel depth background: what the empty room looks like, and what is closer than that.

The background is learned from the first frames as the far side of each pixel's readings
(a 90th percentile, so someone walking through during learning is mostly ignored). Then:

* readings clearly *farther* than the background mean something left (a person who was in
  view while learning): the background follows them within about a second;
* readings within the noise band drift the background slowly (temperature, auto-exposure);
* foreground that never leaves is absorbed only after a long time and never where the
  pipeline marks a person (``protected``), so a person lying still on the floor stays
  visible for a long lie.

The foreground threshold grows with distance² because stereo depth noise does.
"""

import logging
import math

import numpy as np
import numpy.typing as npt

from edge_agent.perception.config import BackgroundConfig

logger = logging.getLogger(__name__)

Depth = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]

_LEARN_PERCENTILE = 0.9
_MIN_LEARN_FRAMES = 3
_FAR_TAU_S = 1.0
_DRIFT_TAU_S = 30.0


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
        self._fg_since: npt.NDArray[np.float64] | None = None

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
        stack.sort(axis=0)  # NaNs sort last, so valid readings are stack[:valid]
        k = np.floor(_LEARN_PERCENTILE * np.maximum(valid - 1, 0)).astype(np.intp)
        bg = np.take_along_axis(stack, k[None], axis=0)[0]
        bg = np.where(valid > 0, bg, 0.0).astype(np.float32)
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
        self._thr = (self._cfg.min_fg_m + self._cfg.fg_rel_sq * bg * bg).astype(np.float32)

    def foreground(self, depth: Depth) -> Mask:
        """Pixels clearly closer than the background (or with no background at all)."""
        if self.depth is None or self._thr is None:
            raise RuntimeError("background not learned yet")
        bg = self.depth
        return (depth > 0) & ((depth < bg - self._thr) | (bg <= 0))

    def update(self, depth: Depth, fg: Mask, protected: Mask, t: float) -> None:
        """Adapt after a frame: follow what left, drift slowly, absorb long-stuck objects."""
        bg, thr, since = self.depth, self._thr, self._fg_since
        if bg is None or thr is None or since is None:
            raise RuntimeError("background not learned yet")
        dt = max(0.0, t - (self._last_t if self._last_t is not None else t))
        self._last_t = t
        valid = depth > 0
        known = bg > 0
        far = valid & known & (depth > bg + thr)
        steady = valid & known & ~fg & ~far
        a_far = np.float32(1.0 - math.exp(-dt / _FAR_TAU_S))
        a_drift = np.float32(1.0 - math.exp(-dt / _DRIFT_TAU_S))
        # Farther readings: something that was in front of the background moved away.
        bg += np.where(far, a_far, np.where(steady, a_drift, np.float32(0))) * (depth - bg)
        newly = fg & np.isinf(since)
        since[newly] = t
        since[~fg] = np.inf
        stuck = fg & ~protected & (t - since >= self._cfg.update_after_s)
        if stuck.any():
            logger.info("absorbing %d long-static foreground pixels", int(stuck.sum()))
            bg[stuck] = depth[stuck]
            since[stuck] = np.inf
        # Pixels unknown while learning that now read steadily become background once stuck.
        self._set(bg)
