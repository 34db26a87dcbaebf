"""The rules task: read partition streams through a consumer group, apply, then XACK.

An entry is acknowledged only after its effect is stored, so a crash re-delivers it; the
transitions are idempotent (deterministic alert ids, one alert per episode), so re-applying
is harmless. On start, and after any Redis error, the consumer first re-reads its own pending
entries, and it periodically claims entries left pending by a dead consumer (XAUTOCLAIM).

About once a second (by its own clock, so tests can drive time) it also looks for open
alerts nobody acknowledged past a step of their escalation chain (`due_escalations`) and
escalates each once, inside the store's transaction so an acknowledgement wins a race.
"""

import asyncio
import contextlib
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
from protocol import AgentStatus, parse_event

logger = logging.getLogger(__name__)

_status_adapter: TypeAdapter[AgentStatus] = TypeAdapter(AgentStatus)
IDLE_POLL_MS = 50
"""Pause when no partition had new entries: bounds alert latency added by the rules task."""


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

    async def run(self, stop: asyncio.Event) -> None:
        delay = 0.1
        while not stop.is_set():
            try:
                await self._step()
                delay = 0.1
            except RedisError as e:
                logger.warning("rules: redis error (%s); retrying in %.1f s", e, delay)
                self._recover = True
                self._known.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, 5.0)

    async def _step(self) -> None:
        parts = await self._store.partitions()
        if not self._backfilled:
            await self._store.backfill_history()
            self._backfilled = True
        for part in parts:
            if part not in self._known:
                await self._ensure_group(part)
                self._known.add(part)
                await self._drain_pending(part)
        if self._recover:
            for part in parts:
                await self._drain_pending(part)
            self._recover = False
        loop_now = asyncio.get_running_loop().time()
        if loop_now - self._last_claim > self._cfg.claim_idle_ms / 1000:
            self._last_claim = loop_now
            for part in parts:
                await self._claim_stale(part)
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
        got = 0
        for part, reply in zip(parts, replies, strict=True):
            for _, entries in cast(list[tuple[bytes, list[Entry]]], reply or []):
                got += len(entries)
                await self._apply_all(part, entries)
        if not got:
            await asyncio.sleep(min(self._block_ms, IDLE_POLL_MS) / 1000)

    async def _escalation_tick(self, parts: list[Partition]) -> None:
        now = self._clock()
        if self._last_tick is not None and (
            (now - self._last_tick).total_seconds() < self._cfg.escalation_tick_s
        ):
            return
        self._last_tick = now
        for part in parts:
            for due in due_escalations(await self._store.active([part]), now, self._policy):
                actions = await self._store.update(
                    part, due.alert_id, lambda a: escalate_if_due(a, now, self._policy)
                )
                self._count(actions, cause="timer")

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
        for _, fields in entries:
            room = await self._apply(part, fields, rooms)
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
            if kind == "status":
                status = _status_adapter.validate_json(payload)
                await self._store.set_agent(status.site, status.agent_id, payload)
                room = room_work(status, now)
                work: AlertWork | RoomWork | None = route_status(status, now, self._policy)
            else:
                event = parse_event(payload)
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
        except ValidationError:
            logger.exception("rules: stored entry of %s does not parse; skipped", part.name)
            return None
        if isinstance(work, AlertWork):
            alert_id = work.alert_id
            if alert_id is None and work.agent_id is not None:
                alert_id = await self._store.agent_alert_id(part, work.agent_id)
            if alert_id is not None:
                self._count(await self._store.update(part, alert_id, work.transition))
        return room

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
