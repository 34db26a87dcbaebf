"""The delivery loop: take due jobs from the outbox, attempt each on its channel, then record
delivered / retry later / dead letter. Attempts of one batch run concurrently.

Retried: what the channel calls retryable (timeouts, connection errors, 5xx, 429, MQTT not
connected), up to ``max_attempts``; anything else is dead-lettered at once with its reason.
"""

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from aggregator.notify.backoff import Outcome, next_delay_s
from aggregator.notify.config import RetryConfig
from aggregator.notify.metrics import NotifyMetrics
from aggregator.notify.model import Notification
from aggregator.notify.outbox import Job, Outbox
from aggregator.supervise import retry

logger = logging.getLogger(__name__)

BATCH = 32


class Channel(Protocol):
    name: str

    async def deliver(self, notification: Notification, attempt: int) -> Outcome:
        """One attempt; classify failures instead of raising."""
        ...


class Dispatcher:
    def __init__(
        self,
        outbox: Outbox,
        channels: Mapping[str, Channel],
        retry: RetryConfig,
        metrics: NotifyMetrics,
        *,
        clock: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
        poll_s: float = 1.0,
    ) -> None:
        self._outbox = outbox
        self._channels = channels
        self._retry = retry
        self._metrics = metrics
        self._clock = clock
        self._rand = rand
        self._poll_s = poll_s
        self.wake = asyncio.Event()
        """Set when something was queued, so it goes out now rather than at the next poll."""

    async def run(self, stop: asyncio.Event) -> None:
        async def step() -> None:
            if not await self.step():
                await self._idle(stop)

        await retry(step, stop, what="notify delivery: redis error")

    async def _idle(self, stop: asyncio.Event) -> None:
        wait = self._poll_s
        next_due = await self._outbox.next_due()
        if next_due is not None:
            wait = min(wait, max(0.01, next_due - self._clock()))
        self.wake.clear()
        waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())}
        _, pending = await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()

    async def step(self) -> int:
        """Attempt every due job once; returns how many were attempted."""
        jobs = await self._outbox.take(self._clock(), self._retry.lease_s, BATCH)
        if jobs:
            await asyncio.gather(*(self._attempt(job) for job in jobs))
        self._metrics.pending.set(await self._outbox.pending())
        return len(jobs)

    async def _attempt(self, job: Job) -> None:
        channel = self._channels.get(job.channel)
        if channel is None:
            outcome = Outcome(ok=False, reason="channel not configured")
        else:
            try:
                outcome = await channel.deliver(job.notification, job.attempt)
            except Exception as e:  # a channel bug must not stop the loop, nor lose the job
                logger.exception("notify: channel %s raised", job.channel)
                outcome = Outcome(ok=False, retryable=True, reason=f"error: {type(e).__name__}")
        now = self._clock()
        kind = job.notification.kind.value
        if outcome.ok:
            await self._outbox.delivered(job, outcome, now)
            self._metrics.attempts.labels(job.channel, "delivered").inc()
            self._metrics.delivered.labels(job.channel, kind).inc()
            return
        if outcome.retryable and job.attempt < self._retry.max_attempts:
            wait = next_delay_s(
                outcome, job.attempt, self._retry.base_s, self._retry.cap_s, self._rand()
            )
            await self._outbox.retry_at(job, outcome, now + wait, now)
            self._metrics.attempts.labels(job.channel, "retry").inc()
            logger.info(
                "notify: %s %s attempt %d failed (%s); next in %.1f s",
                job.channel,
                kind,
                job.attempt,
                outcome.reason,
                wait,
            )
            return
        await self._outbox.dead_letter(job, outcome, now)
        self._metrics.attempts.labels(job.channel, "dead").inc()
        self._metrics.dead_lettered.labels(job.channel).inc()
        logger.warning(
            "notify: %s %s %s dead-lettered after %d attempts (%s)",
            job.channel,
            kind,
            job.notification.notification_id,
            job.attempt,
            outcome.reason,
        )
