"""Keeping the aggregator's long-running work alive, and retrying what may pass: written once.

Two loops, for two kinds of failure:

- `retry` (and `retry_blocking` for the ingest thread): a step that fails because a
  dependency is away (Redis down, a timeout) is tried again after a growing, jittered delay.
  The work goes on by itself when the dependency is back; nothing is logged as a crash.
- `Supervisor`: a task that raises anything else (a bug, a stored entry nobody foresaw) is
  logged with its traceback, counted, and started again after a growing delay, so one bad
  input cannot end the alerts or the reports of every unit. From a crash until the task has
  run ``healthy_after_s`` again it is *failing*, and the health checks name it. A task that
  keeps crashing (more than ``max_restarts`` in a row), or fails before it ever started (the
  web server on a taken port), makes the supervisor give up: the process then ends with a
  one-line reason and a non-zero code, so its service manager sees it, rather than running
  on half dead.

And `each`, for the loops over units inside a task: one unit that fails (its stored state
unreadable, say) raises only after every other unit had its turn.
"""

import asyncio
import contextlib
import logging
import random
import threading
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from redis.exceptions import RedisError

from aggregator.errors import AggregatorError
from aggregator.notify.backoff import delay_s

logger = logging.getLogger(__name__)

T = TypeVar("T")
Transient = tuple[type[Exception], ...]
REDIS_DOWN: Transient = (RedisError,)
"""What `retry` waits out by default: Redis restarting, unreachable or too slow."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential delays with equal jitter (see `aggregator.notify.backoff.delay_s`)."""

    base_s: float = 0.1
    cap_s: float = 5.0

    def delay_s(self, failures: int, rand: float) -> float:
        """Wait after ``failures`` failures in a row (1: the first); ``rand`` in [0, 1)."""
        return delay_s(failures, self.base_s, self.cap_s, rand)


RETRY_BACKOFF = Backoff(base_s=0.1, cap_s=5.0)
"""Between retries of a step while a dependency is away."""


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds``, or less when ``stop`` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _nothing(_error: Exception) -> None:
    return None


async def retry(
    step: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    *,
    what: str,
    transient: Transient = REDIS_DOWN,
    on_error: Callable[[Exception], None] = _nothing,
    backoff: Backoff = RETRY_BACKOFF,
    rand: Callable[[], float] = random.random,
) -> None:
    """Call ``step`` until ``stop`` is set (``step`` does its own idling when it has nothing).

    A ``transient`` failure is logged, handed to ``on_error`` (say, to re-read what was
    pending) and retried after a growing delay; anything else propagates to the supervisor.
    """
    failures = 0
    while not stop.is_set():
        try:
            await step()
        except transient as e:
            failures += 1
            wait = backoff.delay_s(failures, rand())
            logger.warning("%s: %s (%s); retrying in %.1f s", what, type(e).__name__, e, wait)
            on_error(e)
            await wait_or_stop(stop, wait)
        else:
            failures = 0


def retry_blocking(
    call: Callable[[], T],
    stop: threading.Event,
    *,
    what: str,
    transient: Transient = REDIS_DOWN,
    on_error: Callable[[Exception], None] = _nothing,
    backoff: Backoff = RETRY_BACKOFF,
    rand: Callable[[], float] = random.random,
) -> T | None:
    """`retry` for a worker thread: ``call``'s result, or None when ``stop`` came first."""
    failures = 0
    while not stop.is_set():
        try:
            return call()
        except transient as e:
            failures += 1
            wait = backoff.delay_s(failures, rand())
            logger.warning("%s: %s (%s); retrying in %.1f s", what, type(e).__name__, e, wait)
            on_error(e)
            stop.wait(wait)
    return None


async def each(
    items: Iterable[T],
    work: Callable[[T], Awaitable[object]],
    *,
    what: str,
    transient: Transient = REDIS_DOWN,
) -> None:
    """``work`` for every item (a unit's partition, say). A failure of one item is raised
    only after the others had their turn, so one broken unit does not hold up the rest; a
    ``transient`` failure concerns them all and propagates at once. Further failures of the
    same round are logged here, the raised one by whoever catches it (the supervisor)."""
    first: Exception | None = None
    for item in items:
        try:
            await work(item)
        except transient:
            raise
        except Exception as e:  # deferred, see above
            if first is None:
                first = e
            else:
                logger.exception("%s: %s failed too", what, item)
    if first is not None:
        raise first


def each_blocking(
    items: Iterable[T],
    work: Callable[[T], object],
    *,
    what: str,
    transient: Transient = REDIS_DOWN,
) -> None:
    """`each` for blocking work."""
    first: Exception | None = None
    for item in items:
        try:
            work(item)
        except transient:
            raise
        except Exception as e:  # deferred, see `each`
            if first is None:
                first = e
            else:
                logger.exception("%s: %s failed too", what, item)
    if first is not None:
        raise first


def error_summary(error: BaseException) -> str:
    """One line for health checks and dead letters: the error and where it was raised."""
    text = f"{type(error).__name__}: {error}"
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        last = frames[-1]
        text += f" (at {last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name})"
    return text[:500]


class TaskExitedError(AggregatorError, RuntimeError):
    """A supervised task returned although the aggregator was not stopping."""


RESTART_BACKOFF = Backoff(base_s=0.5, cap_s=30.0)
"""Between restarts of a crashed task."""


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    backoff: Backoff = RESTART_BACKOFF
    max_restarts: int = 10
    """Crashes in a row (without ``healthy_after_s`` of running between) before giving up."""
    healthy_after_s: float = 30.0
    """A restarted task counts as running again (health green) after this long."""


DEFAULT_POLICY = RestartPolicy()


@dataclass(slots=True)
class TaskHealth:
    """What the health checks say about one supervised task."""

    name: str
    crashes: int = 0
    in_a_row: int = 0
    last_error: str | None = None
    running_since: float | None = None
    """None while waiting to be started again, or given up."""
    gave_up: bool = False

    def failing(self, now: float, healthy_after_s: float) -> bool:
        if self.gave_up or self.running_since is None:
            return True
        return self.in_a_row > 0 and now - self.running_since < healthy_after_s


class Supervisor:
    """Runs named tasks until ``stop``, restarting each one that raises or returns early."""

    def __init__(
        self,
        stop: asyncio.Event,
        policy: RestartPolicy = DEFAULT_POLICY,
        *,
        on_crash: Callable[[str], None] = lambda _name: None,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._stop = stop
        self._policy = policy
        self._on_crash = on_crash
        self._clock = clock
        self._rand = rand
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._health: dict[str, TaskHealth] = {}
        self.gave_up = asyncio.Event()
        """Set when a task cannot be kept alive; `reason` says which and why."""
        self.reason = ""

    def start(
        self,
        name: str,
        run: Callable[[], Awaitable[None]],
        *,
        started: asyncio.Event | None = None,
    ) -> None:
        """Keep ``run()`` going until stop. With ``started``, a failure before that event is
        set is not retried: the task cannot start at all (a port taken, say)."""
        health = self._health[name] = TaskHealth(name)
        self._tasks[name] = asyncio.create_task(self._keep(health, run, started), name=name)

    def record_crash(self, name: str, error: BaseException) -> None:
        """A crash of work this supervisor does not run itself (the ingest writer thread,
        which logs it and goes on with its next batch): counted, and failing in health until
        ``healthy_after_s`` pass without another. Call on the event loop's thread."""
        health = self._health.setdefault(name, TaskHealth(name))
        now = self._clock()
        if health.running_since is not None and (
            now - health.running_since >= self._policy.healthy_after_s
        ):
            health.in_a_row = 0
        health.crashes += 1
        health.in_a_row += 1
        health.last_error = error_summary(error)
        health.running_since = now
        self._on_crash(name)

    def health(self) -> dict[str, TaskHealth]:
        return dict(self._health)

    def failing(self) -> dict[str, str]:
        """Task name -> why, for each task crashed and not running again for long enough."""
        now = self._clock()
        return {
            name: h.last_error or "not running"
            for name, h in self._health.items()
            if h.failing(now, self._policy.healthy_after_s)
        }

    async def wait(self, timeout: float) -> None:
        """After stop: let every task end, cancelling those still running after ``timeout``."""
        tasks = list(self._tasks.values())
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            logger.warning(
                "task %s did not stop within %.0f s; cancelled", task.get_name(), timeout
            )
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _keep(
        self,
        health: TaskHealth,
        run: Callable[[], Awaitable[None]],
        started: asyncio.Event | None,
    ) -> None:
        name, policy = health.name, self._policy
        while not self._stop.is_set():
            health.running_since = self._clock()
            try:
                await run()
                if self._stop.is_set():
                    return
                raise TaskExitedError(f"task {name} returned while the aggregator was running")
            except Exception as e:  # the top of a worker loop: logged, counted, restarted
                error: Exception = e
            now = self._clock()
            if health.running_since is not None and (
                now - health.running_since >= policy.healthy_after_s
            ):
                health.in_a_row = 0  # it had been running fine: a new run of crashes
            health.crashes += 1
            health.in_a_row += 1
            health.last_error = error_summary(error)
            health.running_since = None
            self._on_crash(name)
            if started is not None and not started.is_set():
                self._give_up(health, f"{name} could not start: {health.last_error}", error)
                return
            if health.in_a_row > policy.max_restarts:
                self._give_up(
                    health,
                    f"{name} crashed {health.in_a_row} times in a row: {health.last_error}",
                    error,
                )
                return
            wait = policy.backoff.delay_s(health.in_a_row, self._rand())
            logger.error(
                "task %s crashed (%d in a row); restarting in %.1f s",
                name,
                health.in_a_row,
                wait,
                exc_info=error,
            )
            await wait_or_stop(self._stop, wait)

    def _give_up(self, health: TaskHealth, reason: str, error: Exception) -> None:
        health.gave_up = True
        logger.critical("giving up on task %s: %s", health.name, reason, exc_info=error)
        if not self.gave_up.is_set():
            self.reason = reason
            self.gave_up.set()
