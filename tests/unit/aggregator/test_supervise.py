"""The supervisor keeps tasks alive (logged, counted, restarted with backoff, health red until
a task runs again for a while) and gives up on one that cannot be kept alive; the retry loop
waits out failures that pass and lets the others through.

Delays are tiny and health time is a hand-driven clock, so nothing here waits on wall time.
"""

import asyncio
import logging
import threading

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from aggregator.app import restart_policy
from aggregator.config import ConfigError, parse_config
from aggregator.supervise import (
    Backoff,
    RestartPolicy,
    Supervisor,
    each,
    each_blocking,
    error_summary,
    retry,
    retry_blocking,
)

FAST = Backoff(base_s=0.001, cap_s=0.002)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Flaky:
    """A task body that raises ``fails`` times, then runs until stop."""

    def __init__(self, stop: asyncio.Event, fails: int) -> None:
        self.stop = stop
        self.fails = fails
        self.calls = 0
        self.running = asyncio.Event()

    async def __call__(self) -> None:
        self.calls += 1
        if self.calls <= self.fails:
            raise ValueError(f"year 0 is out of range (call {self.calls})")
        self.running.set()
        await self.stop.wait()


def test_backoff_doubles_up_to_its_cap_with_jitter_in_the_upper_half() -> None:
    backoff = Backoff(base_s=0.5, cap_s=30)
    assert [backoff.delay_s(n, 0.0) for n in (1, 2, 3, 8, 9)] == [0.25, 0.5, 1.0, 15.0, 15.0]
    assert 1.0 <= backoff.delay_s(3, 0.999) < 2.0


async def _run_until(event: asyncio.Event, timeout: float = 10) -> None:
    await asyncio.wait_for(event.wait(), timeout)


def test_a_crashed_task_is_logged_counted_restarted_and_red_until_it_ran_a_while(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> None:
        stop, clock = asyncio.Event(), Clock()
        crashes: list[str] = []
        policy = RestartPolicy(backoff=FAST, max_restarts=5, healthy_after_s=30)
        sup = Supervisor(stop, policy, on_crash=crashes.append, clock=clock)
        body = Flaky(stop, fails=2)
        sup.start("analytics", body)
        await _run_until(body.running)
        assert crashes == ["analytics", "analytics"]
        failing = sup.failing()
        assert list(failing) == ["analytics"]
        assert failing["analytics"].startswith("ValueError: year 0 is out of range (call 2)")
        clock.now += 29
        assert "analytics" in sup.failing(), "still red before it ran healthy_after_s"
        clock.now += 2
        assert sup.failing() == {}
        assert not sup.gave_up.is_set()
        stop.set()
        await sup.wait(5)
        assert body.calls == 3

    with caplog.at_level(logging.ERROR, logger="aggregator.supervise"):
        asyncio.run(scenario())
    crashed = [r for r in caplog.records if "task analytics crashed" in r.getMessage()]
    assert len(crashed) == 2
    assert all(r.exc_info is not None for r in crashed), "logged with its traceback"
    assert "year 0 is out of range" in caplog.text


def test_a_task_that_keeps_crashing_is_given_up_with_a_reason() -> None:
    async def scenario() -> None:
        stop = asyncio.Event()
        crashes: list[str] = []
        policy = RestartPolicy(backoff=FAST, max_restarts=3, healthy_after_s=30)
        sup = Supervisor(stop, policy, on_crash=crashes.append, clock=Clock())
        body = Flaky(stop, fails=1_000)
        sup.start("rules", body)
        await _run_until(sup.gave_up)
        assert body.calls == 4, "the first run and three restarts"
        assert crashes == ["rules"] * 4
        assert sup.reason.startswith("rules crashed 4 times in a row: ValueError")
        assert "rules" in sup.failing()
        stop.set()
        await sup.wait(5)

    asyncio.run(scenario())


def test_crashes_far_apart_never_add_up_to_giving_up() -> None:
    async def scenario() -> None:
        stop, clock = asyncio.Event(), Clock()
        policy = RestartPolicy(backoff=FAST, max_restarts=1, healthy_after_s=10)
        sup = Supervisor(stop, policy, clock=clock)
        calls = 0
        crashed = asyncio.Event()

        async def body() -> None:
            nonlocal calls
            calls += 1
            clock.now += 60  # each run lasts a minute, then crashes
            crashed.set()
            if calls < 5:
                raise RuntimeError("a bug")
            await stop.wait()

        sup.start("notify-source", body)
        while calls < 5:
            await _run_until(crashed)
            crashed.clear()
        assert not sup.gave_up.is_set()
        assert sup.health()["notify-source"].crashes == 4
        stop.set()
        await sup.wait(5)

    asyncio.run(scenario())


def test_a_task_failing_before_it_started_is_given_up_at_once() -> None:
    async def scenario() -> None:
        stop = asyncio.Event()
        started = asyncio.Event()
        sup = Supervisor(stop, RestartPolicy(backoff=FAST, max_restarts=10), clock=Clock())
        calls = 0

        async def web() -> None:
            nonlocal calls
            calls += 1
            raise OSError("[Errno 98] address already in use")

        sup.start("web", web, started=started)
        await _run_until(sup.gave_up)
        assert calls == 1
        assert sup.reason.startswith("web could not start: OSError: [Errno 98]")
        stop.set()
        await sup.wait(5)

    asyncio.run(scenario())


def test_a_task_returning_while_the_aggregator_runs_is_a_crash() -> None:
    async def scenario() -> None:
        stop = asyncio.Event()
        crashes: list[str] = []
        sup = Supervisor(stop, RestartPolicy(backoff=FAST), on_crash=crashes.append)
        body = Flaky(stop, fails=0)
        calls = 0

        async def returns_once() -> None:
            nonlocal calls
            calls += 1
            if calls == 1:
                return
            await body()

        sup.start("web", returns_once)
        await _run_until(body.running)
        assert crashes == ["web"]
        assert "TaskExitedError" in sup.failing()["web"]
        stop.set()
        await sup.wait(5)
        assert calls == 2, "not restarted once stopping"

    asyncio.run(scenario())


def test_retry_waits_out_redis_errors_and_lets_bugs_through() -> None:
    async def scenario() -> None:
        stop = asyncio.Event()
        seen: list[Exception] = []
        calls = 0

        async def step() -> None:
            nonlocal calls
            calls += 1
            if calls <= 3:
                raise RedisConnectionError("connection refused")
            raise KeyError("payload")

        with pytest.raises(KeyError):
            await retry(step, stop, what="rules", on_error=seen.append, backoff=FAST)
        assert calls == 4 and len(seen) == 3

    asyncio.run(scenario())


def test_retry_blocking_returns_the_result_or_none_once_stopped() -> None:
    stop = threading.Event()
    attempts: list[int] = []

    def write() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise RedisConnectionError("down")
        return "stored"

    assert retry_blocking(write, stop, what="ingest", backoff=FAST) == "stored"
    assert len(attempts) == 3
    stop.set()
    assert retry_blocking(write, stop, what="ingest", backoff=FAST) is None


def test_an_error_summary_names_the_error_and_where_it_was_raised() -> None:
    try:
        int("year 1")
    except ValueError as e:
        text = error_summary(e)
    assert text.startswith("ValueError: invalid literal for int()")
    assert "(at test_supervise.py:" in text


def test_a_crash_reported_from_a_thread_is_counted_and_red_for_a_while() -> None:
    clock, crashes = Clock(), list[str]()
    policy = RestartPolicy(healthy_after_s=30)
    sup = Supervisor(asyncio.Event(), policy, on_crash=crashes.append, clock=clock)
    try:
        raise KeyError("payload")
    except KeyError as e:
        sup.record_crash("ingest-writer", e)
    assert crashes == ["ingest-writer"]
    assert sup.failing()["ingest-writer"].startswith("KeyError: 'payload'")
    clock.now += 31
    assert sup.failing() == {}
    assert sup.health()["ingest-writer"].crashes == 1


def test_the_supervision_section_is_checked_and_reaches_the_restart_policy() -> None:
    cfg = parse_config("supervision: {restart_base_s: 1, restart_cap_s: 8, max_restarts: 4}\n")
    policy = restart_policy(cfg.supervision)
    assert (policy.backoff.base_s, policy.backoff.cap_s, policy.max_restarts) == (1, 8, 4)
    with pytest.raises(ConfigError, match="restart_cap_s must be at least restart_base_s"):
        parse_config("supervision: {restart_base_s: 10, restart_cap_s: 1}\n")
    with pytest.raises(ConfigError, match="dead_letter_after"):
        parse_config("supervision: {dead_letter_after: 0}\n")


def test_each_gives_every_item_its_turn_before_raising_the_first_failure() -> None:
    done: list[str] = []

    async def work(unit: str) -> None:
        if unit in ("a", "c"):
            raise ValueError(f"unit {unit} is broken")
        done.append(unit)

    async def redis_down(unit: str) -> None:
        done.append(unit)
        raise RedisConnectionError("down")

    with pytest.raises(ValueError, match="unit a"):
        asyncio.run(each(["a", "b", "c", "d"], work, what="rules"))
    assert done == ["b", "d"]
    done.clear()
    with pytest.raises(RedisConnectionError):
        asyncio.run(each(["a", "b"], redis_down, what="rules"))
    assert done == ["a"], "a Redis failure concerns every unit: raised at once"

    def fold(unit: str) -> None:
        done.append(unit)
        if unit == "e":
            raise KeyError(unit)

    with pytest.raises(KeyError):
        each_blocking(["e", "f"], fold, what="analytics")
    assert done == ["a", "e", "f"]
