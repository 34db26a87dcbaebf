"""The notifier's input: the partition streams of configured homes, through its own consumer
group, plus a timer for "not seen" and inactivity.

Why the streams and not the alert feed: the feed is Redis pub/sub (a restart loses what was
published meanwhile) and the alert lifecycle is a ward's (acknowledge, resolve); a caregiver
is told about the condition itself. A consumer group ``notify`` on the same durable streams
the rules read gives at-least-once input for free: an entry is acknowledged only after its
notifications are queued in the outbox and the home's state is saved, so a crash re-reads it
and the deterministic ids make that harmless. On first start the group begins
``stale_after_s`` back, so a home's old history is not notified.

An entry this reader cannot process is set aside in the dead-letter stream
(`aggregator.poison`): at once when it does not parse, else after ``dead_letter_after``
tries, each a crash of this loop that the supervisor logs and restarts.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis
from pydantic import TypeAdapter, ValidationError
from redis.exceptions import RedisError, ResponseError

from aggregator.groups import Entry, claim_stale, drain_pending
from aggregator.notify.config import HomeNotifyConfig, NotifyConfig
from aggregator.notify.home import HomeState, observe, observe_status
from aggregator.notify.metrics import NotifyMetrics
from aggregator.notify.model import Notification
from aggregator.notify.outbox import Outbox, home_key
from aggregator.notify.rules import event_notifications
from aggregator.notify.timers import due
from aggregator.poison import Failures, PoisonReason, set_aside
from aggregator.store import Partition
from aggregator.supervise import retry, wait_or_stop
from protocol import AgentStatus, parse_event

logger = logging.getLogger(__name__)

NOTIFY_GROUP = "notify"
CLAIM_IDLE_MS = 60_000
"""Entries another (dead) consumer of the group held this long are taken over."""
_status_adapter: TypeAdapter[AgentStatus] = TypeAdapter(AgentStatus)
READER = "notify"


class NotifySource:
    def __init__(
        self,
        client: "aioredis.Redis",
        outbox: Outbox,
        cfg: NotifyConfig,
        metrics: NotifyMetrics,
        *,
        consumer: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_queued: Callable[[], None] = lambda: None,
        idle_s: float = 0.1,
        dead_letter_after: int = 3,
        on_set_aside: Callable[[PoisonReason], None] = lambda _reason: None,
    ) -> None:
        self._client = client
        self._outbox = outbox
        self._cfg = cfg
        self._metrics = metrics
        self._consumer = consumer
        self._clock = clock
        self._on_queued = on_queued
        self._idle_s = idle_s
        self._failures = Failures(dead_letter_after)
        self._on_set_aside = on_set_aside
        self._homes = {Partition(h.site, h.unit): h for h in cfg.homes}
        self._ready = False
        self._last_tick = float("-inf")
        self._last_claim = float("-inf")

    async def run(self, stop: asyncio.Event) -> None:
        async def step() -> None:
            if not await self.step():
                await wait_or_stop(stop, self._idle_s)

        self._ready = False  # a restart after a crash: what was read and not acked comes first
        await retry(step, stop, what="notify: redis error", on_error=self._reread)

    def _reread(self, _error: Exception) -> None:
        self._ready = False

    async def step(self) -> int:
        """Read new entries of every home once, and run the timers when due; returns entries."""
        if not self._ready:
            for part in self._homes:
                await self._ensure_group(part)
                await self._drain_pending(part)
            self._ready = True
        pipe = self._client.pipeline(transaction=False)
        parts = list(self._homes)
        for part in parts:
            pipe.xreadgroup(NOTIFY_GROUP, self._consumer, cast(Any, {part.events: ">"}), count=200)
        replies = await pipe.execute()
        got = 0
        for part, reply in zip(parts, replies, strict=True):
            for _, entries in cast(list[tuple[bytes, list[Entry]]], reply or []):
                got += len(entries)
                await self._apply_all(part, entries)
        loop_now = asyncio.get_running_loop().time()
        if loop_now - self._last_claim >= CLAIM_IDLE_MS / 1000:
            self._last_claim = loop_now
            for part in parts:
                await self._claim_stale(part)
        if loop_now - self._last_tick >= self._cfg.tick_s:
            self._last_tick = loop_now
            await self.tick()
        return got

    async def tick(self) -> None:
        """Run the not-seen and inactivity timers of every home against the clock."""
        now = self._clock()
        for part, home in self._homes.items():
            state = HomeState.load(await self._client.get(home_key(part.site, part.unit)))
            for note in due(state, home, now):
                await self._queue(note, home)

    async def _ensure_group(self, part: Partition) -> None:
        # Stream ids are the Redis server's milliseconds, so the start is taken on its clock.
        seconds, micros = await self._client.time()
        start_ms = int((seconds + micros / 1e6 - self._cfg.stale_after_s) * 1000)
        try:
            await self._client.xgroup_create(
                part.events, NOTIFY_GROUP, id=f"{max(start_ms, 0)}-0", mkstream=True
            )
        except ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise

    async def _drain_pending(self, part: Partition) -> None:
        """Entries read before a crash and never acknowledged."""
        await drain_pending(
            self._client, part.events, NOTIFY_GROUP, self._consumer, partial(self._apply_all, part)
        )

    async def _claim_stale(self, part: Partition) -> None:
        """Entries left pending by a consumer that went away (say, a renamed client id)."""
        await claim_stale(
            self._client,
            part.events,
            NOTIFY_GROUP,
            self._consumer,
            partial(self._apply_all, part),
            idle_ms=CLAIM_IDLE_MS,
        )

    async def _apply_all(self, part: Partition, entries: list[Entry]) -> None:
        home = self._homes[part]
        key = home_key(part.site, part.unit)
        state = HomeState.load(await self._client.get(key))
        zone = home.zone
        now = self._clock()
        for entry in entries:
            try:
                state = await self._apply(state, entry[1], home, zone, now)
            except RedisError:
                raise
            except Exception as e:  # one entry's failure: retried, then set aside
                reason = PoisonReason.UNPARSEABLE
                if not isinstance(e, ValidationError):
                    reason = PoisonReason.FAILED
                    if not self._failures.add(part.events, entry[0]):
                        raise  # the supervisor logs it and starts this loop again
                await set_aside(self._client, READER, part.events, entry, reason=reason, error=e)
                self._failures.forget(part.events, entry[0])
                self._on_set_aside(reason)
        await self._client.set(key, state.dump())
        # Acknowledged after the notifications are queued and the state saved.
        await self._client.xack(part.events, NOTIFY_GROUP, *(entry_id for entry_id, _ in entries))

    async def _apply(
        self,
        state: HomeState,
        fields: dict[bytes, bytes],
        home: HomeNotifyConfig,
        zone: ZoneInfo,
        now: datetime,
    ) -> HomeState:
        """One entry: the home's new state, its notifications queued."""
        kind = fields.get(b"kind", b"").decode()
        payload = fields.get(b"payload", b"")
        if kind == "status":
            return observe_status(state, _status_adapter.validate_json(payload))
        event = parse_event(payload)
        state = observe(state, event, zone)
        for note in event_notifications(event, home, now, self._cfg.stale_after_s):
            await self._queue(note, home)
        return state

    async def _queue(self, note: Notification, home: HomeNotifyConfig) -> None:
        channels = self._cfg.channels_of(home)
        if await self._outbox.enqueue(note, channels, self._clock().timestamp()):
            self._metrics.queued.labels(note.kind.value).inc()
            logger.info("notify: %s queued for %s/%s", note.kind.value, note.site, note.unit)
            self._on_queued()
