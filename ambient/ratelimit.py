"""Token buckets with the clock passed in, shared by the edge (pacing) and ingest (limits).

The edge agent paces what it sends with the same shape of bucket the aggregator uses to
limit what it accepts, so an agent configured below the aggregator's limit (rate and burst)
never has an event refused for its rate, even when it replays hours of held events at once.
`LogEvery` keeps a flood from filling the log: one line per key per interval, with the count.
Pure: no wall clock inside, so the limits are tested without sleeping.
"""

from dataclasses import dataclass

MAX_KEYS = 10_000
"""Keys a `LogEvery` remembers before it starts afresh (a flood of distinct keys)."""


@dataclass(slots=True)
class TokenBucket:
    """``rate_per_s`` tokens a second, at most ``burst`` saved up; one token per message."""

    rate_per_s: float
    burst: float
    tokens: float
    stamp: float

    @classmethod
    def full(cls, rate_per_s: float, burst: float, now: float) -> "TokenBucket":
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate_per_s > 0 and burst >= 1")
        return cls(rate_per_s, burst, burst, now)

    def refill(self, now: float) -> float:
        """Tokens available at ``now`` (a clock going backwards adds nothing)."""
        if now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate_per_s)
            self.stamp = now
        return self.tokens

    def take(self, now: float, count: float = 1.0) -> bool:
        """Spend ``count`` tokens if there are that many; False (nothing spent) if not."""
        if self.refill(now) >= count:
            self.tokens -= count
            return True
        return False

    def is_full(self, now: float) -> bool:
        """A full bucket is the same as a new one: it may be forgotten."""
        return self.refill(now) >= self.burst


class LogEvery:
    """Say something about a key at most once per interval, with how often it happened."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._last: dict[str, float] = {}
        self._counts: dict[str, int] = {}

    def due(self, key: str, now: float) -> int | None:
        """Count one occurrence; the count since the last report when one is due, else None."""
        self._counts[key] = self._counts.get(key, 0) + 1
        last = self._last.get(key)
        if last is not None and now - last < self.interval_s:
            return None
        self._last[key] = now
        if len(self._last) > MAX_KEYS:  # bound memory under a flood of topics
            self._last = {key: now}
            self._counts = {key: self._counts[key]}
        return self._counts.pop(key)
