"""Per-pixel temporal depth filter: fills short holes and averages noise on still surfaces.

Stereo cameras lose depth on dark and shiny surfaces in blobs that move every frame (black
clothing at 4 m loses about half its pixels), and at 320×240 their noise at 4 m is over a
decimetre: a person lying on the floor is only 0.2–0.3 m above it. One frame alone then
shows neither enough pixels nor a clear enough height. Like the camera vendor's own temporal
filter, each pixel therefore keeps a running mean of its recent readings:

* a reading close to the running mean (within ``delta``, the foreground threshold) joins the
  mean (a plain average of up to ``max_frames`` readings, then an EMA of that weight), so a
  still surface's noise shrinks by about √n;
* a reading far from it (someone moved), or off by over half of ``delta`` in the same
  direction two frames running (a surface moving slowly), replaces it: no smearing of a
  fall, and a walking person's points lag by at most about one noise σ;
* a pixel with no reading keeps its last value for ``hold_s`` ("unknown", not "background"),
  then becomes unknown (0).

The number of readings behind each value is returned too, so the foreground test can use
a threshold matched to the remaining noise. Everything is a few vector operations per frame.
"""

import numpy as np
import numpy.typing as npt

from edge_agent.perception.config import TemporalConfig

Depth = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]


class TemporalFilter:
    """One instance per stream; feed every frame in order.

    Written with plain arithmetic on whole images (no masked copies, which numpy does
    several times slower): about a dozen passes over the strided image per frame.
    """

    def __init__(self, config: TemporalConfig) -> None:
        self._cfg = config
        self._mean: Depth | None = None
        self._n: Depth | None = None
        self._hole_s: Depth | None = None
        """Seconds since each pixel's last reading (0 when it has one now)."""
        self._rising: Mask | None = None
        self._falling: Mask | None = None
        self._last_t: float | None = None
        self._delta: Depth | float | None = None
        self._half: Depth | np.float32 = np.float32(0.0)
        self._neg_half: Depth | np.float32 = np.float32(0.0)

    def reset(self) -> None:
        self._mean = self._n = self._hole_s = self._rising = self._falling = None
        self._last_t = None

    def _halves(self, delta: Depth | float) -> tuple[Depth | np.float32, Depth | np.float32]:
        """±delta/2, computed again only when the caller passes another threshold."""
        if delta is not self._delta:
            half = np.float32(0.5) * delta
            self._delta, self._half, self._neg_half = delta, half, -half
        return self._half, self._neg_half

    def step(self, depth: Depth, t: float, delta: Depth | float) -> tuple[Depth, Depth]:
        """Filtered depth (0 = unknown) and how many readings each value averages (0..max).

        ``delta`` (per pixel or one value, metres): a reading this far from the running
        mean starts it again.
        """
        mean, n, hole_s = self._mean, self._n, self._hole_s
        rising, falling = self._rising, self._falling
        if (
            mean is None
            or n is None
            or hole_s is None
            or rising is None
            or falling is None
            or mean.shape != depth.shape
        ):
            mean = self._mean = np.zeros_like(depth, dtype=np.float32)
            n = self._n = np.zeros_like(depth, dtype=np.float32)
            hole_s = self._hole_s = np.zeros_like(depth, dtype=np.float32)
            rising = self._rising = np.zeros(depth.shape, dtype=bool)
            falling = self._falling = np.zeros(depth.shape, dtype=bool)
        dt = np.float32(0.0 if self._last_t is None else max(0.0, t - self._last_t))
        self._last_t = t
        valid = depth > 0
        hole = ~valid
        residual = depth - mean
        half, neg_half = self._halves(delta)
        up = residual > half  # never in a hole: there the residual is -mean <= 0
        down = residual < neg_half
        # A clear (over half of delta) residual the same way two frames running: a surface
        # moving slowly, which noise rarely mimics; such a pixel starts again.
        restart = up & rising
        restart |= down & falling
        restart |= np.abs(residual) > delta
        restart &= valid
        np.copyto(rising, up, where=valid)  # a hole keeps the last direction
        np.copyto(falling, down, where=valid)
        # n ← min(n + 1, max) where a reading joins, 1 where it restarts, kept in a hole;
        # then mean += residual / n where there is a reading (n = 1 on restart or after an
        # unknown value, so the mean becomes the reading).
        n += valid
        np.minimum(n, np.float32(self._cfg.max_frames), out=n)
        np.copyto(n, np.float32(1.0), where=restart)
        residual *= valid
        residual /= n + hole
        mean += residual
        hole_s += dt
        hole_s *= hole
        kept = hole_s <= np.float32(self._cfg.hold_s)
        mean *= kept
        n *= kept
        return mean, n
