"""The fall model's input: the last 3 s of contrast and excess, at a fixed rate and size.

A fall on a thermal array is a descent and a lying footprint within a few seconds, seen as
warm pixels that move and spread. What the model gets does not depend on the array:

- two planes per tick: the contrast `excess / σ` of each pixel (its own measured noise, so a
  Grid-EYE's quantised +1 °C person and a Lepton's +0.5 °C one look alike) clipped to
  [−3, 12], and the excess in °C clipped to [−2, 8];
- area-resampled to one grid (`window.GRID`, 12 × 16), so 4×4 to 160×120 all fit;
- sampled at `FPS` by sample-and-hold (each tick holds the latest frame at or before it), so
  a 2.5 fps array and a 10 fps one both give `FRAMES` ticks per 3 s;
- followed by the array's context planes (mount, angular pixel size);
- from the first second of a stream on: while fewer than `FRAMES` ticks exist, the oldest is
  repeated in front (a device that just booted, a clip of 2 s), so short recordings get a
  decision too. Training builds its windows with this same class.
"""

from collections import deque
from typing import Literal

import numpy as np
import numpy.typing as npt

from edge_agent.thermal.window import CONTEXT_PLANES, GRID, Resampler, context_planes

F32 = npt.NDArray[np.float32]

FRAMES = 15
FPS = 5.0
PLANES = 2
MIN_TICKS = 5
"""Ticks (1 s) before the first decision."""
Z_RANGE = (-3.0, 12.0)
EXCESS_RANGE = (-2.0, 8.0)
CHANNELS = FRAMES * PLANES + CONTEXT_PLANES


def tick_planes(excess: F32, sigma: F32) -> F32:
    """(PLANES, H, W): clipped contrast in σ, clipped excess in °C."""
    out = np.empty((PLANES, *excess.shape), dtype=np.float32)
    np.clip(excess / sigma, *Z_RANGE, out=out[0])
    np.clip(excess, *EXCESS_RANGE, out=out[1])
    return out


class FallSampler:
    """Ticks of resampled planes; `window()` is the model input once `ready`."""

    def __init__(
        self,
        height: int,
        width: int,
        mount: Literal["ceiling", "wall"],
        hfov_deg: float,
        *,
        grid: tuple[int, int] = GRID,
    ) -> None:
        self.period = 1.0 / FPS
        self.resample = Resampler(height, width, grid)
        self.context = context_planes(mount, hfov_deg, width, grid)
        self._ticks: deque[F32] = deque(maxlen=FRAMES)
        self._next_t: float | None = None
        self._last: F32 | None = None
        self.count = 0
        """Ticks so far in this stream."""

    def push(self, excess: F32, sigma: F32, t: float) -> int:
        """Offer a frame at time `t`; returns how many ticks it completed (0, 1 or more)."""
        planes = self.resample(tick_planes(excess, sigma))
        if self._next_t is None:
            self._next_t = t
        made = 0
        while self._next_t <= t + 1e-6 and made < FRAMES:
            # A tick before this frame's time holds the frame before it (sample and hold).
            held = planes if self._next_t >= t - 1e-6 or self._last is None else self._last
            self._ticks.append(held)
            self._next_t += self.period
            made += 1
        if self._next_t <= t:  # a gap longer than a window: start counting from now
            self._next_t = t + self.period
        self._last = planes
        self.count += made
        return made

    def recent(self, n: int) -> list[F32]:
        """The last `n` ticks, oldest first."""
        return list(self._ticks)[-n:] if n > 0 else []

    @property
    def ready(self) -> bool:
        return len(self._ticks) >= MIN_TICKS

    def window(self) -> F32:
        """(CHANNELS, rows, cols): FRAMES ticks × PLANES, oldest first, then the context."""
        ticks = list(self._ticks)
        ticks = [ticks[0]] * (FRAMES - len(ticks)) + ticks
        stacked = np.concatenate(ticks, axis=0)
        return np.concatenate([stacked, self.context], axis=0)


DECIDE_EVERY_TICKS = 2
"""The model runs every 0.4 s once ready."""


class FallStream:
    """When the fall model is due, and its input then: the one cadence for the device and
    for training, so the model learns from exactly the windows it will be shown."""

    def __init__(self, sampler: FallSampler) -> None:
        self.sampler = sampler
        self._decided_at = -DECIDE_EVERY_TICKS

    def push(self, excess: F32, sigma: F32, t: float) -> bool:
        """Offer a frame; True when the model is due on `sampler.window()` now."""
        if not self.sampler.push(excess, sigma, t) or not self.sampler.ready:
            return False
        if self.sampler.count - self._decided_at < DECIDE_EVERY_TICKS:
            return False
        self._decided_at = self.sampler.count
        return True
