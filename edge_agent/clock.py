"""How far this agent's clock is from the aggregator's, from the aggregator's live state.

The aggregator republishes its retained ``online`` state every few tens of seconds with its
own time. A live (not retained) copy left the aggregator a moment ago, so our clock minus its
``ts`` is our skew plus the network delay; the smallest of the last few samples is the one
least inflated by delay. A retained copy may be hours old and says nothing about the clock.

The agent reports the skew in its status (and logs when it is large) so an installer sees a
drifting clock. It also puts the times of its events right (`corrected`) once the skew is
past ``CORRECT_SKEW_S``: a box whose clock is an hour fast would otherwise have every fall
refused by the aggregator's time window (``future``), and a nurse would not hear of it. The
correction is made once, when the event enters the outbox, so a resent event is the same
bytes (the aggregator refuses one ``event_id`` with two contents). Until the first live
state arrives (at most ``ingest.state_republish_s`` after connecting) nothing is known and
nothing is corrected.
"""

from collections import deque
from datetime import datetime, timedelta

from edge_agent.detections import WireEvent

SAMPLES = 5
REPORT_CHANGE_S = 1.0
"""A new status is published when the estimate moves by this much (or on the first one)."""
LARGE_SKEW_S = 60.0
CORRECT_SKEW_S = 2.0
"""Smaller skews are left alone: the estimate carries the network delay, and the
aggregator's window is minutes wide."""


def corrected_by(skew_s: float | None) -> float:
    """Seconds to take off this clock's times (0 while the skew is unknown or small)."""
    return 0.0 if skew_s is None or abs(skew_s) < CORRECT_SKEW_S else skew_s


def corrected(event: WireEvent, skew_s: float | None) -> WireEvent:
    """The event with its times on the aggregator's clock, when this one is known to be off."""
    if not corrected_by(skew_s):
        return event
    shift = timedelta(seconds=corrected_by(skew_s))
    return event.model_copy(update={"ts": event.ts - shift, "sent_ts": event.sent_ts - shift})


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
