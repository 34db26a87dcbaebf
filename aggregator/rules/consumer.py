"""The rules task: read partition streams through a consumer group, apply, then XACK.

An entry is acknowledged only after its effect is stored, so a crash re-delivers it; the
transitions are idempotent (deterministic alert ids, one alert per episode), so re-applying
is harmless. On start, and after any Redis error, the consumer first re-reads its own pending
entries, and it periodically claims entries left pending by a dead consumer (XAUTOCLAIM).

About once a second (by its own clock, so tests can drive time) it also looks for open
alerts nobody acknowledged past a step of their escalation chain (`due_escalations`) and
escalates each once, inside the store's transaction so an acknowledgement wins a race.

An entry whose processing raises is set aside (`aggregator.poison`) instead of stopping the
alerts of every unit: at once when its payload does not parse, else after
``dead_letter_after`` tries, each a crash of this task that the supervisor logs and restarts
(the restart re-reads what was pending, so the entries of the batch are applied again, which
the idempotent transitions absorb). Set aside: dead-lettered, then acknowledged with its batch.
"""

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

import redis.asyncio as aioredis
from pydantic import TypeAdapter, ValidationError
from redis.exceptions import RedisError, ResponseError

from aggregator.alerts.escalation import due_escalations, escalate_if_due
from aggregator.alerts.lifecycle import ActionKind, AlertAction
from aggregator.alerts.policy import EscalationPolicy
from aggregator.alerts.room_cap import suppression_cause
from aggregator.alerts.store import AlertStore
from aggregator.alerts.suppression import RoomContext
from aggregator.config import RulesConfig
from aggregator.groups import Entry, claim_stale, drain_pending
from aggregator.metrics import Metrics
from aggregator.poison import Failures, PoisonReason, set_aside
from aggregator.rules.engine import (
    AlertWork,
    RoomWork,
    needs_room,
    room_work,
    route_event,
    route_status,
)
from aggregator.rules.room_state import RoomState, apply_signal, read_state, rooms_channel
from aggregator.store import RULES_GROUP, Partition
from aggregator.supervise import each, retry
from protocol import AgentStatus, parse_event

logger = logging.getLogger(__name__)

_status_adapter: TypeAdapter[AgentStatus] = TypeAdapter(AgentStatus)
IDLE_POLL_MS = 50
"""Pause when no partition had new entries: bounds alert latency added by the rules task."""
READER = "rules"


class _UnparseableError(Exception):
    """The stored payload does not parse: it never will, so it is set aside at once."""


class RulesConsumer:
    def __init__(
        self,
        client: "aioredis.Redis",
        store: AlertStore,
        metrics: Metrics,
        cfg: RulesConfig,
        *,
        consumer: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        block_ms: int = 500,
        dead_letter_after: int = 3,
    ) -> None:
        self._client = client
        self._store = store
        self._metrics = metrics
        self._cfg = cfg
        self._consumer = consumer
        self._clock = clock
        self._block_ms = block_ms
        self._known: set[Partition] = set()
        self._recover = True
        self._last_claim = float("-inf")
        self._policy = EscalationPolicy.from_config(cfg)
        self._last_tick: datetime | None = None
        self._backfilled = False
        self._failures = Failures(dead_letter_after)

    async def run(self, stop: asyncio.Event) -> None:
        self._reread()  # a restart after a crash: what was read and not acked comes first
        await retry(self._step, stop, what="rules: redis error", on_error=self._reread)

    def _reread(self, _error: Exception | None = None) -> None:
        self._recover = True
        self._known.clear()

    async def _step(self) -> None:
        parts = await self._store.partitions()
        if not self._backfilled:
            await self._store.backfill_history()
            self._backfilled = True
        # Every loop over partitions goes through `each`: a unit whose processing fails
        # crashes this task only after every other unit had its turn.
        await each([p for p in parts if p not in self._known], self._join, what=READER)
        if self._recover:
            await each(parts, self._drain_pending, what=READER)
            self._recover = False
        loop_now = asyncio.get_running_loop().time()
        if loop_now - self._last_claim > self._cfg.claim_idle_ms / 1000:
            self._last_claim = loop_now
            await each(parts, self._claim_stale, what=READER)
        if not parts:
            await asyncio.sleep(self._block_ms / 1000)
            return
        await self._escalation_tick(parts)
        # One XREADGROUP per partition (each touches one hash slot, as Redis Cluster needs),
        # sent together in one pipeline; a short idle pause replaces a multi-key BLOCK.
        pipe = self._client.pipeline(transaction=False)
        for part in parts:
            pipe.xreadgroup(RULES_GROUP, self._consumer, cast(Any, {part.events: ">"}), count=200)
        replies = await pipe.execute()
        batches = [
            (part, entries)
            for part, reply in zip(parts, replies, strict=True)
            for _, entries in cast(list[tuple[bytes, list[Entry]]], reply or [])
        ]
        await each(batches, self._apply_batch, what=READER)
        if not batches:
            await asyncio.sleep(min(self._block_ms, IDLE_POLL_MS) / 1000)

    async def _join(self, part: Partition) -> None:
        """A partition seen for the first time (or again after a restart)."""
        await self._ensure_group(part)
        self._known.add(part)
        await self._drain_pending(part)

    async def _apply_batch(self, batch: tuple[Partition, list[Entry]]) -> None:
        await self._apply_all(*batch)

    async def _escalation_tick(self, parts: list[Partition]) -> None:
        now = self._clock()
        if self._last_tick is not None and (
            (now - self._last_tick).total_seconds() < self._cfg.escalation_tick_s
        ):
            return
        self._last_tick = now

        async def escalate(part: Partition) -> None:
            for due in due_escalations(await self._store.active([part]), now, self._policy):
                actions = await self._store.update(
                    part, due.alert_id, lambda a: escalate_if_due(a, now, self._policy)
                )
                self._count(actions, cause="timer")

        await each(parts, escalate, what=READER)

    def _count(self, actions: list[AlertAction], cause: str = "event") -> None:
        for action in actions:
            a = action.alert
            if action.kind is ActionKind.OPEN:
                self._metrics.alerts_opened.labels(a.kind.value, a.priority.value).inc()
                logger.info("alert opened: %s %s in %s/%s", a.kind, a.alert_id, a.unit, a.room)
            elif action.kind is ActionKind.ESCALATE and action.notify:
                level_cause = "long_lie" if a.kind == "fall" and cause == "event" else cause
                self._metrics.alerts_escalated.labels(a.kind.value, level_cause).inc()
                logger.info(
                    "alert escalated: %s %s to %s (level %d)",
                    a.kind,
                    a.alert_id,
                    a.recipient,
                    a.escalation_level,
                )
            elif action.kind is ActionKind.SUPPRESS:
                self._metrics.alerts_suppressed.labels(
                    a.kind.value, suppression_cause(a.reason)
                ).inc()

    async def _ensure_group(self, part: Partition) -> None:
        try:
            await self._client.xgroup_create(part.events, RULES_GROUP, id="0", mkstream=True)
        except ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise

    async def _drain_pending(self, part: Partition) -> None:
        """Entries delivered to this consumer before a crash and never acked."""
        await drain_pending(
            self._client, part.events, RULES_GROUP, self._consumer, partial(self._apply_all, part)
        )

    async def _claim_stale(self, part: Partition) -> None:
        await claim_stale(
            self._client,
            part.events,
            RULES_GROUP,
            self._consumer,
            partial(self._apply_all, part),
            idle_ms=self._cfg.claim_idle_ms,
        )

    async def _apply_all(self, part: Partition, entries: list[Entry]) -> None:
        # Alerts first, in stream order, as each entry comes; room tiles once per batch (one
        # read, one write and one announcement per room), so a burst of ordinary readings
        # cannot queue a fall behind thousands of room round trips.
        rooms: list[RoomWork] = []
        for entry in entries:
            try:
                room = await self._apply(part, entry[1], rooms)
            except RedisError:
                raise
            except _UnparseableError as e:
                await self._set_aside(part, entry, PoisonReason.UNPARSEABLE, e)
                continue
            except Exception as e:  # one entry's failure: retried, then set aside
                if not self._failures.add(part.events, entry[0]):
                    raise  # the supervisor logs it and starts this task again
                await self._set_aside(part, entry, PoisonReason.FAILED, e)
                continue
            if room is not None:
                rooms.append(room)
        await self._apply_rooms(part, rooms)
        # Acked only after every effect of the batch is stored; a crash re-applies at most
        # one batch, which the idempotent transitions absorb.
        await self._client.xack(part.events, RULES_GROUP, *(entry_id for entry_id, _ in entries))

    async def _apply(
        self, part: Partition, fields: dict[bytes, bytes], pending: list[RoomWork]
    ) -> RoomWork | None:
        """Apply the entry's alert work; return its room-state work for the batch. An event
        whose rule reads the room (staff present?) first stores the ``pending`` rooms."""
        now = self._clock()
        kind = fields.get(b"kind", b"").decode()
        payload = fields.get(b"payload", b"")
        try:
            parsed = (
                _status_adapter.validate_json(payload) if kind == "status" else parse_event(payload)
            )
        except ValidationError as e:
            raise _UnparseableError(f"{kind or 'entry'} does not parse: {e}") from e
        if isinstance(parsed, AgentStatus):
            status = parsed
            await self._store.set_agent(status.site, status.agent_id, payload)
            room = room_work(status, now)
            work: AlertWork | RoomWork | None = route_status(status, now, self._policy)
        else:
            event = parsed
            room = room_work(event, now)
            context = RoomContext()
            if needs_room(event):
                await self._apply_rooms(part, pending)
                pending.clear()
                context = await self._store.room_context(part, event.room)
            work = route_event(
                event,
                now,
                self._cfg.fall_risk_beds,
                room=context,
                policy=self._policy,
                staff_present_count=self._cfg.suppression.staff_present_count,
            )
        if isinstance(work, AlertWork):
            alert_id = work.alert_id
            if alert_id is None and work.agent_id is not None:
                alert_id = await self._store.agent_alert_id(part, work.agent_id)
            if alert_id is not None:
                self._count(await self._store.update(part, alert_id, work.transition))
        return room

    async def _set_aside(
        self,
        part: Partition,
        entry: Entry,
        reason: PoisonReason,
        error: Exception,
    ) -> None:
        """Dead-letter one entry; it is acknowledged with its batch."""
        await set_aside(self._client, READER, part.events, entry, reason=reason, error=error)
        self._failures.forget(part.events, entry[0])
        self._metrics.entries_dead_lettered.labels(READER, reason.value).inc()

    async def _apply_rooms(self, part: Partition, works: list[RoomWork]) -> None:
        """Read, change, write and announce the batch's rooms (this task is their only
        writer): signals applied in stream order, the final state stored and announced."""
        if not works:
            return
        names = list(dict.fromkeys(w.room for w in works))
        raws = await self._client.hmget(part.rooms, names)
        states = {
            name: read_state(name, None if raw is None else json.loads(raw))
            for name, raw in zip(names, raws, strict=True)
        }
        changed: dict[str, RoomState] = {}
        for work in works:
            state = apply_signal(states[work.room], work.room, work.signal)
            if state is not None:
                states[work.room] = changed[work.room] = state
        if not changed:
            return
        async with self._client.pipeline(transaction=False) as pipe:
            for name, state in changed.items():
                body = state.model_dump_json()
                pipe.hset(part.rooms, name, body)
                pipe.publish(rooms_channel(part), body)
            await pipe.execute()
