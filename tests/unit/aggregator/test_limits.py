"""Per-agent rate at ingest: a flooding agent is cut to its rate, the others never notice,
and the log says so once per interval, not once per message."""

import logging
import uuid
from datetime import UTC, datetime

import pytest

from aggregator import samples
from aggregator.config import IngestConfig
from aggregator.ingest.limits import AgentLimiter, IngestGate
from aggregator.ingest.validate import Accepted, DeadReason, Rejected
from ambient.ratelimit import TokenBucket
from protocol import AgentState, Phase, agent_status_topic, dump_event, event_topic

T0 = 1_790_000_000.0


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    bucket = TokenBucket.full(rate_per_s=2, burst=5, now=0)
    assert [bucket.take(0) for _ in range(6)] == [True] * 5 + [False]
    assert bucket.take(0.5) and not bucket.take(0.5)  # 0.5 s at 2/s: one more
    assert bucket.refill(100) == 5  # never more than the burst saved up
    assert bucket.refill(50) == 5  # a clock going back gives nothing


def test_a_limiter_keeps_agents_apart_and_forgets_idle_ones() -> None:
    limiter = AgentLimiter(rate_per_s=1, burst=3)
    flood = [limiter.allow("s/a", 0) for _ in range(100)]
    assert flood.count(True) == 3
    assert limiter.allow("s/b", 0), "another agent keeps its own budget"
    assert limiter.allow("s/a", 1.0) and not limiter.allow("s/a", 1.0)


def _fall(agent: str, room: str) -> tuple[str, bytes]:
    st = samples.stamper(site="s1", unit="4north", room=room, agent_id=agent)
    event = samples.fall(st, Phase.START, uuid.uuid4(), T0)
    return event_topic("s1", agent, "fall"), dump_event(event)


def test_a_flood_from_one_agent_is_dead_lettered_beyond_its_rate_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    cfg = IngestConfig(agent_rate_per_s=5, agent_burst=20)
    gate = IngestGate(cfg, wall=lambda: datetime.fromtimestamp(T0, UTC), clock=clock)
    with caplog.at_level(logging.WARNING, logger="aggregator.ingest.limits"):
        verdicts = [gate.judge(*_fall("agent-1", "412")) for _ in range(1000)]
        other = gate.judge(*_fall("agent-2", "414"))
    accepted = [v for v in verdicts if isinstance(v, Accepted)]
    refused = [v for v in verdicts if isinstance(v, Rejected)]
    assert len(accepted) == 20 and len(refused) == 980
    assert {v.reason for v in refused} == {DeadReason.RATE_LIMITED}
    assert isinstance(other, Accepted), "another room's fall is not held back by the flood"
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "rate_limited" in lines[0] and "s1/agent-1" in lines[0]

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="aggregator.ingest.limits"):
        for _ in range(30):  # within the interval: counted, not logged
            gate.judge(*_fall("agent-1", "412"))
        clock.t += 61  # the next interval: 20 saved up, then one line with the count
        for _ in range(25):
            gate.judge(*_fall("agent-1", "412"))
    lines = [r.getMessage() for r in caplog.records]  # 979 after the first line, 30, then 1
    assert len(lines) == 1 and lines[0].startswith("dead-lettered 1010 message(s) as rate_limited")


def test_the_gate_checks_the_time_window() -> None:
    cfg = IngestConfig()
    gate = IngestGate(cfg, wall=lambda: datetime.fromtimestamp(T0 + 86400 * 365, UTC))
    verdict = gate.judge(*_fall("agent-1", "412"))
    assert isinstance(verdict, Rejected) and verdict.reason is DeadReason.TOO_OLD


def test_a_reported_clock_skew_reaches_the_metric() -> None:
    seen: list[tuple[str, str, float]] = []
    gate = IngestGate(
        IngestConfig(),
        wall=lambda: datetime.fromtimestamp(T0, UTC),
        on_skew=lambda site, agent, s: seen.append((site, agent, s)),
    )
    st = samples.stamper(site="s1", agent_id="agent-1")
    status = samples.agent_status(st, AgentState.ONLINE, T0).model_copy(
        update={"clock_skew_s": 42.5}
    )
    topic = agent_status_topic("s1", "agent-1")
    assert isinstance(gate.judge(topic, status.model_dump_json(by_alias=True).encode()), Accepted)
    assert seen == [("s1", "agent-1", 42.5)]
