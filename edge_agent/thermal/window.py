"""Frame windows for the activity model: excess images resampled in time and space.

Every array, 8×8 to 160×120, becomes the same model input: the excess over background
area-resampled to a fixed grid (each output cell is the overlap-weighted mean of the source
pixels it covers, so a coarse array and a fine one agree on what a cell holds), sampled at a
fixed rate (the latest frame at or before each tick), `frames` ticks per window.
"""

from collections import deque
from typing import Literal

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]

GRID = (12, 16)
"""Model input rows × columns."""
WINDOW_FRAMES = 8
WINDOW_FPS = 4.0
CONTEXT_PLANES = 2
"""Constant planes after the frames: the mount (+1 ceiling, −1 wall) and the pixel's angular
size (degrees / 3: 2.5 for a Grid-EYE, 0.12 for a Lepton). A person is a 1-pixel blob on one
array and a 300-pixel one on another, and a wall view shows height where a ceiling view
shows footprint: the model needs to know which it is looking at."""


def context_planes(
    mount: Literal["ceiling", "wall"], hfov_deg: float, width: int, grid: tuple[int, int] = GRID
) -> F32:
    """(CONTEXT_PLANES, rows, cols) constant planes describing the array."""
    out = np.empty((CONTEXT_PLANES, *grid), dtype=np.float32)
    out[0] = 1.0 if mount == "ceiling" else -1.0
    out[1] = hfov_deg / width / 3.0
    return out


def _area_matrix(src: int, dst: int) -> F32:
    """(dst, src) weights: output cell i covers source span [i·s, (i+1)·s), s = src/dst."""
    s = src / dst
    out = np.zeros((dst, src), dtype=np.float64)
    for i in range(dst):
        lo, hi = i * s, (i + 1) * s
        for j in range(int(lo), min(src, int(np.ceil(hi)))):
            out[i, j] = max(0.0, min(hi, j + 1) - max(lo, j))
    weights: F32 = (out / out.sum(axis=1, keepdims=True)).astype(np.float32)
    return weights


class Resampler:
    """(H, W) → GRID by two small matrix products (precomputed per array size)."""

    def __init__(self, height: int, width: int, grid: tuple[int, int] = GRID) -> None:
        self.rows = _area_matrix(height, grid[0])
        self.cols = _area_matrix(width, grid[1]).T.copy()

    def __call__(self, image: F32) -> F32:
        out: F32 = (self.rows @ image @ self.cols).astype(np.float32, copy=False)
        return out


class WindowSampler:
    """Keeps the last `frames` ticks of resampled excess at `fps`."""

    def __init__(
        self,
        height: int,
        width: int,
        *,
        frames: int = WINDOW_FRAMES,
        fps: float = WINDOW_FPS,
        grid: tuple[int, int] = GRID,
    ) -> None:
        self.frames = frames
        self.period = 1.0 / fps
        self.resample = Resampler(height, width, grid)
        self._ticks: deque[F32] = deque(maxlen=frames)
        self._next_t: float | None = None

    def push(self, excess: F32, t: float) -> bool:
        """Offer this frame; True when it became a tick (the window moved on)."""
        if self._next_t is None:
            self._next_t = t
        if t + 1e-6 < self._next_t:
            return False
        # A gap longer than a tick repeats nothing: the window just continues from now.
        self._next_t = max(self._next_t + self.period, t + 0.5 * self.period)
        self._ticks.append(self.resample(excess))
        return True

    @property
    def full(self) -> bool:
        return len(self._ticks) == self.frames

    def window(self) -> F32:
        """(frames, rows, cols) float32, oldest first; only when `full`."""
        return np.stack(self._ticks).astype(np.float32, copy=False)

    def reset(self) -> None:
        self._ticks.clear()
        self._next_t = None
