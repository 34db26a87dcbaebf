"""Plausibility limits at ingest: a time window around our clock and a rate per agent.

A device that floods (a fault, or a stolen credential) must not fill the stream that every
room of its unit is read from, nor the log: beyond its rate, each message is dead-lettered
(``rate_limited``, kept whole so nothing is lost) and counted, and the log says so once per
agent per interval with the count, not once per message.

Each ingest process keeps its own buckets in memory, so with N ingest workers on a shared
subscription an agent gets up to N times its rate; a restart starts every bucket full.
"""

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from aggregator.config import IngestConfig
from aggregator.ingest.validate import Accepted, DeadReason, Rejected, TimeWindow, classify
from aggregator.registry import Registry
from ambient.ratelimit import LogEvery, TokenBucket

logger = logging.getLogger(__name__)

MAX_TRACKED_AGENTS = 10_000
"""Buckets kept before full (idle) ones are forgotten; a full bucket equals a new one."""


class AgentLimiter:
    """One token bucket per agent; pure (the caller passes the time)."""

    def __init__(self, rate_per_s: float, burst: int) -> None:
        self._rate = rate_per_s
        self._burst = float(burst)
        self._buckets: dict[str, TokenBucket] = {}

    def allow(self, agent: str, now: float) -> bool:
        bucket = self._buckets.get(agent)
        if bucket is None:
            if len(self._buckets) >= MAX_TRACKED_AGENTS:
                self._forget_idle(now)
            bucket = self._buckets[agent] = TokenBucket.full(self._rate, self._burst, now)
        return bucket.take(now)

    def _forget_idle(self, now: float) -> None:
        for agent in [a for a, b in self._buckets.items() if b.is_full(now)]:
            del self._buckets[agent]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class IngestGate:
    """Every message's verdict: `classify` in our time window, then the agent's rate."""

    def __init__(
        self,
        cfg: IngestConfig,
        *,
        wall: Callable[[], datetime] = _utcnow,
        clock: Callable[[], float] = time.monotonic,
        log_every_s: float = 60.0,
        on_skew: Callable[[str, str, float], None] | None = None,
    ) -> None:
        """``on_skew(site, agent_id, seconds)``: an agent reported its clock skew."""
        self._cfg = cfg
        self._wall = wall
        self._clock = clock
        self._limiter = AgentLimiter(cfg.agent_rate_per_s, cfg.agent_burst)
        self._log = LogEvery(log_every_s)
        self._on_skew = on_skew

    def judge(
        self, topic: str, payload: bytes, registry: Registry | None = None
    ) -> Accepted | Rejected:
        window = TimeWindow(self._wall(), self._cfg.max_future_s, self._cfg.max_age_s)
        verdict = classify(topic, payload, self._cfg.max_payload_bytes, window, registry)
        now = self._clock()
        if isinstance(verdict, Rejected):
            if verdict.reason in (DeadReason.FUTURE, DeadReason.TOO_OLD):
                self._say(f"{verdict.reason}:{topic}", now, verdict.reason, topic, verdict.detail)
            return verdict
        agent = f"{verdict.partition.site}/{verdict.agent_id}"
        if self._limiter.allow(agent, now):
            if verdict.clock_skew_s is not None and self._on_skew is not None:
                self._on_skew(verdict.partition.site, verdict.agent_id, verdict.clock_skew_s)
            return verdict
        detail = (
            f"agent {agent} over {self._cfg.agent_rate_per_s:g} messages/s "
            f"(burst {self._cfg.agent_burst})"
        )
        self._say(f"rate:{agent}", now, DeadReason.RATE_LIMITED, topic, detail)
        return Rejected(DeadReason.RATE_LIMITED, detail)

    def _say(self, key: str, now: float, reason: DeadReason, topic: str, detail: str) -> None:
        count = self._log.due(key, now)
        if count is not None:
            logger.warning(
                "dead-lettered %d message(s) as %s on %s since this was last said "
                "(once per %.0f s at most); last: %s",
                count,
                reason.value,
                topic,
                self._log.interval_s,
                detail,
            )
