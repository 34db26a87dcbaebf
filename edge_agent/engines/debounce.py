"""A state that changes only after the new value has held for a while (hysteresis by dwell).

Depth heights jitter by a few centimetres and a tracker's speed by a few cm/s, so a person
standing still near a threshold would flip between two states every frame; engines report a
new state only once it has lasted ``min_dwell_s``, and date it from when it began.
"""

from dataclasses import dataclass
from typing import Generic, TypeVar

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Change(Generic[S]):
    """A committed change: ``previous`` lasted from its onset until ``onset``."""

    state: S
    previous: S | None
    onset: float
    """When the new state began (the first frame of the dwell)."""
    previous_s: float
    """How long the previous state lasted (0 for the first state)."""


class Debounced(Generic[S]):
    def __init__(self, min_dwell_s: float) -> None:
        self.min_dwell_s = min_dwell_s
        self.state: S | None = None
        self.since = 0.0
        """Onset of the committed state."""
        self._candidate: S | None = None
        self._candidate_since = 0.0

    @property
    def candidate_since(self) -> float | None:
        """Onset of a new state that has not held long enough yet, if any."""
        return self._candidate_since if self._candidate is not None else None

    def update(self, t: float, raw: S | None) -> Change[S] | None:
        """Feed this frame's raw state (None: no opinion, keep waiting)."""
        if raw is None:
            return None
        if raw == self.state:
            self._candidate = None
            return None
        if raw != self._candidate:
            self._candidate, self._candidate_since = raw, t
        if self.state is not None and t - self._candidate_since < self.min_dwell_s:
            return None
        previous, onset = self.state, self._candidate_since
        previous_s = onset - self.since if previous is not None else 0.0
        self.state, self.since, self._candidate = raw, onset, None
        return Change(raw, previous, onset, max(0.0, previous_s))
