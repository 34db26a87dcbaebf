"""Per-track feature windows: the one piece of code both training and the device run.

The depth models never see pixels. Each frame, every tracked object contributes one row of
room-coordinate numbers (heights above the floor, horizontal extent, speeds, distance to
the nearest hand-rub dispenser); a window is that track's recent rows resampled to a fixed
rate. Heights and speeds in metres do not depend on the camera's resolution, frame rate or
mount, so one model serves every room. Training replays recorded rows through exactly this
code, so there is no train/serve skew to hunt for.

A window needs ``min_fill`` of its span covered by the track's history (the tracker may
start a new track mid-fall); the part before the first row repeats that row.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge_agent.engines.observation import Observation

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

ROW_FEATURES: tuple[str, ...] = (
    "top_m",
    "centroid_m",
    "bottom_m",
    "extent_m",
    "speed_mps",
    "vspeed_mps",
    "top_ref_m",
    "top_rel",
    "dispenser_m",
)
"""Every per-step feature a model may ask for, by name (sidecar ``features``)."""

DISPENSER_FAR_M = 3.0
"""Distances to a dispenser are clipped here; no dispenser configured reads as this far."""
_TOP_REF_MIN_M = 1.0
"""The reference height (tallest seen) never drops below this: a track first seen lying."""
_TOP_REF_MAX_M = 2.2
_HISTORY_S = 8.0
"""Rows kept per track: the longest window plus slack."""
_FORGET_S = 3.0
"""A track unseen this long is forgotten (the tracker has dropped it)."""

DispenserDistance = Callable[[float, float], float]
"""Room (x, y) → metres to the nearest dispenser zone (0 inside it)."""


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """How one model looks at a track: which features, how many steps, at what rate."""

    features: tuple[str, ...]
    frames: int
    fps: float
    min_fill: float = 0.5
    """Fraction of the window's span the track must have been seen for."""

    @property
    def span_s(self) -> float:
        return (self.frames - 1) / self.fps

    @property
    def columns(self) -> list[int]:
        return [ROW_FEATURES.index(f) for f in self.features]


def observation_row(obs: Observation, dispenser_m: float, top_ref_m: float) -> list[float]:
    """One row of `ROW_FEATURES` for an observation."""
    ref = min(max(top_ref_m, _TOP_REF_MIN_M), _TOP_REF_MAX_M)
    return [
        obs.top_m,
        obs.centroid_m,
        obs.bottom_m,
        obs.extent_m,
        obs.speed_mps,
        obs.vspeed_mps,
        ref,
        obs.top_m / ref,
        min(max(dispenser_m, 0.0), DISPENSER_FAR_M),
    ]


class TrackHistory:
    """Recent rows of one track, oldest first, in a preallocated buffer."""

    def __init__(self, capacity: int = 512) -> None:
        self._t = np.zeros(capacity, dtype=np.float64)
        self._rows = np.zeros((capacity, len(ROW_FEATURES)), dtype=np.float64)
        self._n = 0
        self.top_ref_m = 0.0
        """Tallest the track has stood (its person's height, roughly)."""

    def __len__(self) -> int:
        return self._n

    @property
    def first_t(self) -> float:
        return float(self._t[0]) if self._n else float("nan")

    @property
    def last_t(self) -> float:
        return float(self._t[self._n - 1]) if self._n else float("nan")

    def push(self, t: float, obs: Observation, dispenser_m: float) -> None:
        if self._n and t <= self._t[self._n - 1]:
            return  # repeated or out-of-order frame
        self.top_ref_m = max(self.top_ref_m, obs.top_m)
        if self._n == len(self._t):
            keep = self._t[: self._n] >= t - _HISTORY_S
            if keep.all():  # a very high frame rate: keep the newer half
                keep[: self._n // 2] = False
            k = int(keep.sum())
            self._t[:k] = self._t[: self._n][keep]
            self._rows[:k] = self._rows[: self._n][keep]
            self._n = k
        self._t[self._n] = t
        self._rows[self._n] = observation_row(obs, dispenser_m, self.top_ref_m)
        self._n += 1

    def window(self, t_end: float, spec: WindowSpec) -> F32 | None:
        """``[frames, len(features)]`` resampled at ``spec.fps`` ending at ``t_end``, or
        None while the track has been seen for less than ``min_fill`` of the span."""
        n = self._n
        if n == 0 or t_end - self._t[0] < spec.min_fill * spec.span_s - 1e-6:
            return None
        times = t_end - spec.span_s + np.arange(spec.frames) / spec.fps
        ts = self._t[:n]
        out = np.empty((spec.frames, len(spec.features)), dtype=np.float32)
        for j, col in enumerate(spec.columns):
            out[:, j] = np.interp(times, ts, self._rows[:n, col])
        return out


class TrackBuffers:
    """Histories of every live track, fed one frame at a time."""

    def __init__(self) -> None:
        self.tracks: dict[int, TrackHistory] = {}

    def update(
        self,
        t: float,
        observations: Iterable[Observation],
        dispenser_distance: DispenserDistance | None = None,
    ) -> list[int]:
        """Add this frame's rows; forget tracks unseen for a while. Returns the ids seen."""
        seen: list[int] = []
        for obs in observations:
            history = self.tracks.get(obs.track_id)
            if history is None:
                history = self.tracks[obs.track_id] = TrackHistory()
            far = (
                DISPENSER_FAR_M if dispenser_distance is None else dispenser_distance(obs.x, obs.y)
            )
            history.push(t, obs, far)
            seen.append(obs.track_id)
        for track_id in [k for k, h in self.tracks.items() if t - h.last_t > _FORGET_S]:
            del self.tracks[track_id]
        return seen

    def windows(
        self, t_end: float, spec: WindowSpec, track_ids: Sequence[int]
    ) -> tuple[list[int], F32]:
        """Windows of the given tracks that are ready: (their ids, ``[n, frames, features]``)."""
        ids: list[int] = []
        rows: list[F32] = []
        for track_id in track_ids:
            history = self.tracks.get(track_id)
            w = None if history is None else history.window(t_end, spec)
            if w is not None:
                ids.append(track_id)
                rows.append(w)
        if not rows:
            return [], np.zeros((0, spec.frames, len(spec.features)), dtype=np.float32)
        return ids, np.stack(rows)


def rect_distance(x: float, y: float, lo: Sequence[float], hi: Sequence[float]) -> float:
    """Metres from (x, y) to an axis-aligned floor rectangle (0 inside)."""
    dx = max(lo[0] - x, 0.0, x - hi[0])
    dy = max(lo[1] - y, 0.0, y - hi[1])
    return float(np.hypot(dx, dy))
