"""A state that changes only after the new value has held for a while (hysteresis by dwell).

Depth heights jitter by a few centimetres and a tracker's speed by a few cm/s, so a person
standing still near a threshold would flip between two states every frame; engines report a
new state only once it has lasted ``min_dwell_s``, and date it from when it began. A new
state need not be seen on every frame of the dwell, only on most of them (``share``): a walk
with a turn on the spot in the middle is still a walk, while a value that merely flickers
in and out (half the frames) never takes hold.
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
    def __init__(self, min_dwell_s: float, share: float = 0.7) -> None:
        self.min_dwell_s = min_dwell_s
        self.share = share
        self.state: S | None = None
        self.since = 0.0
        """Onset of the committed state."""
        self._candidate: S | None = None
        self._candidate_since = 0.0
        self._seen = 0
        self._frames = 0

    @property
    def candidate_since(self) -> float | None:
        """Onset of a new state that has not held long enough yet, if any."""
        return self._candidate_since if self._candidate is not None else None

    def update(self, t: float, raw: S | None) -> Change[S] | None:
        """Feed this frame's raw state (None: no opinion, keep waiting)."""
        if raw is None:
            return None
        if self.state is None:
            return self._commit(raw, t)
        if self._candidate is None:
            if raw == self.state:
                return None
            self._candidate, self._candidate_since, self._seen, self._frames = raw, t, 0, 0
        self._frames += 1
        if raw == self._candidate:
            self._seen += 1
        elif self._seen < self.share * self._frames:  # it did not take hold: start over
            self._candidate = None
            return self.update(t, raw)
        held = t - self._candidate_since >= self.min_dwell_s
        if raw == self._candidate and held and self._seen >= self.share * self._frames:
            return self._commit(raw, self._candidate_since)
        return None

    def _commit(self, raw: S, onset: float) -> Change[S]:
        previous = self.state
        previous_s = max(0.0, onset - self.since) if previous is not None else 0.0
        self.state, self.since, self._candidate = raw, onset, None
        return Change(raw, previous, onset, previous_s)
