"""How far this agent's clock is from the aggregator's, from the aggregator's live state.

The aggregator republishes its retained ``online`` state every few tens of seconds with its
own time. A live (not retained) copy left the aggregator a moment ago, so our clock minus its
``ts`` is our skew plus the network delay; the smallest of the last few samples is the one
least inflated by delay. A retained copy may be hours old and says nothing about the clock.

The agent reports the skew in its status (and logs when it is large) so an installer sees a
drifting clock before the aggregator's time window starts refusing its events.
"""

from collections import deque
from datetime import datetime

SAMPLES = 5
REPORT_CHANGE_S = 1.0
"""A new status is published when the estimate moves by this much (or on the first one)."""
LARGE_SKEW_S = 60.0


class SkewEstimate:
    """Agent clock minus aggregator clock (s); pure: both times are passed in."""

    def __init__(self, samples: int = SAMPLES, report_change_s: float = REPORT_CHANGE_S) -> None:
        self._samples: deque[float] = deque(maxlen=samples)
        self._change = report_change_s
        self.reported: float | None = None
        """The value last reported in a status (None: not measured yet)."""

    def observe(self, local: datetime, aggregator_ts: datetime, *, retained: bool) -> bool:
        """Take one aggregator state; True when the status should be published again."""
        if retained:
            return False
        self._samples.append((local - aggregator_ts).total_seconds())
        estimate = round(min(self._samples), 3)
        if self.reported is not None and abs(estimate - self.reported) < self._change:
            return False
        self.reported = estimate
        return True
