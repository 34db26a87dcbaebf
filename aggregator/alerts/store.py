"""Alerts in Redis (asyncio): a hash per alert, a sorted set of open alerts per partition,
a sorted set of every alert by the time it was raised (history: metrics and audit export),
room snoozes, and a pub/sub message per change for the live feed.

Suppressed alerts are stored (hash and history) but never published nor listed as active:
the feed never sees them.

Each room's open alerts are also kept in a set, so a cap on them (`room_cap`) costs one
SCARD; alerts opened before that set existed are not in it until they change.

Every change goes through `update`, an optimistic transaction (WATCH the alert, compute the
pure lifecycle, MULTI the writes), so the rules task and a nurse's click cannot overwrite
each other.
"""

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, cast

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from aggregator.alerts.lifecycle import ActionKind, AlertAction
from aggregator.alerts.model import Alert, AlertKind, AlertStatus
from aggregator.alerts.room_cap import ROOM_CAP_REASON, cap_room
from aggregator.alerts.suppression import RoomContext, Snooze
from aggregator.store import (
    ALERT_INDEX_KEY,
    PARTITIONS_KEY,
    PREFIX,
    Partition,
    agents_key,
    feed_channel,
)
from ambient.ratelimit import LogEvery

logger = logging.getLogger(__name__)

SNOOZE_LOG_MAXLEN = 10_000
HISTORY_BACKFILLED_KEY = f"{PREFIX}:alerts:history-backfilled"
"""Set once every alert older than the history sets has been indexed in them."""


# These three belong with the other key builders in aggregator.store (as Partition
# properties); they are here until that module takes them. Same hash tag as the partition.
def history_key(part: Partition) -> str:
    """Sorted set alert_id -> time raised (epoch s): every alert, resolved and suppressed too."""
    return f"{PREFIX}:{{{part.name}}}:alerts:history"


def snoozes_key(part: Partition) -> str:
    """Hash room -> JSON `Snooze`, the room's current (or last) snooze."""
    return f"{PREFIX}:{{{part.name}}}:snoozes"


def room_alerts_key(part: Partition, room: str) -> str:
    """Set of the ids of a room's open alerts (for the per-room cap)."""
    return f"{PREFIX}:{{{part.name}}}:room-alerts:{room}"


def snooze_log_key(part: Partition) -> str:
    """Stream of every snooze asked for (field ``snooze``: JSON), for the audit export."""
    return f"{PREFIX}:{{{part.name}}}:snooze-log"


Transition = Callable[[Alert | None], list[AlertAction]]


def encode_alert(alert: Alert) -> dict[str, str]:
    """Hash fields: every field JSON-encoded, so a field reads back with its type."""
    return {k: json.dumps(v) for k, v in alert.model_dump(mode="json").items()}


def decode_alert(raw: Mapping[Any, Any]) -> Alert | None:
    """The inverse of `encode_alert`; None for a missing hash."""
    if not raw:
        return None
    return Alert.model_validate({_text(k): json.loads(v) for k, v in raw.items()})


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def feed_message(action: AlertAction) -> str:
    """What the live feed receives for one change."""
    return json.dumps(
        {
            "action": action.kind.value,
            "notify": action.notify,
            "alert": action.alert.model_dump(mode="json"),
        }
    )


class AlertStore:
    def __init__(self, client: "aioredis.Redis", *, max_open_per_room: int | None = None) -> None:
        """``max_open_per_room``: the cap on a room's open alerts (None: no cap)."""
        self._client = client
        self._cap = max_open_per_room
        self._cap_log = LogEvery(60.0)

    async def partitions(self) -> list[Partition]:
        names = await self._client.smembers(PARTITIONS_KEY)
        return sorted(Partition.parse(_text(n)) for n in names)

    async def get(self, alert_id: str) -> Alert | None:
        where = await self._client.hget(ALERT_INDEX_KEY, alert_id)
        if where is None:
            return None
        return await self.get_in(Partition.parse(_text(where)), alert_id)

    async def get_in(self, part: Partition, alert_id: str) -> Alert | None:
        raw = await self._client.hgetall(part.alert(alert_id))
        return decode_alert(raw)

    async def active(self, parts: Iterable[Partition]) -> list[Alert]:
        """Open alerts, sorted by priority then age (oldest first), across partitions."""
        alerts: list[Alert] = []
        for part in parts:
            ids = cast(list[bytes], await self._client.zrange(part.active_alerts, 0, -1))
            async with self._client.pipeline(transaction=False) as pipe:
                for alert_id in ids:
                    pipe.hgetall(part.alert(_text(alert_id)))
                raws = await pipe.execute()
            for raw in raws:
                alert = decode_alert(raw)
                if alert is not None and alert.open:
                    alerts.append(alert)
        return sorted(alerts, key=Alert.sort_score)

    async def most_urgent(
        self, part: Partition, limit: int, after: str | None = None
    ) -> tuple[list[Alert], int]:
        """Up to ``limit`` open alerts of a unit, in feed order (priority, then oldest), from
        just after alert ``after`` (a cursor: the last one of the previous page); and how
        many the unit has open in all.

        Reads only the page, so a flood of alerts in one unit does not make every listing
        read them all. When the cursor's alert has closed since, the page starts at the
        first alert ranked as it was: a page may then repeat one, never skip one.
        """
        start = 0
        if after is not None:
            rank = cast(int | None, await self._client.zrank(part.active_alerts, after))
            if rank is not None:
                start = rank + 1
            else:
                gone = await self.get_in(part, after)
                if gone is not None:
                    start = await self._client.zcount(
                        part.active_alerts, "-inf", f"({gone.sort_score()}"
                    )
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.zrange(part.active_alerts, start, start + limit - 1)
            pipe.zcard(part.active_alerts)
            ids, total = await pipe.execute()
        async with self._client.pipeline(transaction=False) as pipe:
            for alert_id in ids:
                pipe.hgetall(part.alert(_text(alert_id)))
            raws = await pipe.execute()
        alerts = [a for a in (decode_alert(raw) for raw in raws) if a is not None and a.open]
        return alerts, int(total)

    async def history(
        self, part: Partition, start: datetime | None = None, end: datetime | None = None
    ) -> list[Alert]:
        """Every alert of a unit raised in [start, end), oldest first, suppressed included."""
        low = "-inf" if start is None else start.timestamp()
        high = "+inf" if end is None else f"({end.timestamp()}"
        ids = cast(list[bytes], await self._client.zrangebyscore(history_key(part), low, high))
        async with self._client.pipeline(transaction=False) as pipe:
            for alert_id in ids:
                pipe.hgetall(part.alert(_text(alert_id)))
            raws = await pipe.execute()
        return [a for a in (decode_alert(raw) for raw in raws) if a is not None]

    async def backfill_history(self) -> int:
        """Index alerts written before the history set existed (once); returns how many."""
        if await self._client.exists(HISTORY_BACKFILLED_KEY):
            return 0
        seen = 0
        async for alert_id, where in self._client.hscan_iter(ALERT_INDEX_KEY):
            part = Partition.parse(_text(where))
            alert = await self.get_in(part, _text(alert_id))
            if alert is not None:
                await self._client.zadd(
                    history_key(part), {alert.alert_id: alert.opened_at.timestamp()}, nx=True
                )
                seen += 1
        await self._client.set(HISTORY_BACKFILLED_KEY, "1")
        return seen

    async def set_snooze(self, part: Partition, snooze: Snooze) -> None:
        body = snooze.model_dump_json()
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hset(snoozes_key(part), snooze.room, body)
            pipe.xadd(
                snooze_log_key(part), {"snooze": body}, maxlen=SNOOZE_LOG_MAXLEN, approximate=True
            )
            await pipe.execute()

    async def clear_snooze(self, part: Partition, room: str) -> bool:
        return bool(await self._client.hdel(snoozes_key(part), room))

    async def snooze(self, part: Partition, room: str) -> Snooze | None:
        raw = await self._client.hget(snoozes_key(part), room)
        return None if raw is None else Snooze.model_validate_json(raw)

    async def snoozes(self, part: Partition) -> list[Snooze]:
        """The last snooze of each room of a unit (some may have run out)."""
        raw = await self._client.hgetall(snoozes_key(part))
        return [Snooze.model_validate_json(v) for v in raw.values()]

    async def snooze_log(self, part: Partition) -> list[Snooze]:
        """Every snooze asked for in this unit (bounded), oldest first."""
        entries = cast(
            list[tuple[bytes, dict[bytes, bytes]]],
            await self._client.xrange(snooze_log_key(part)),
        )
        return [Snooze.model_validate_json(fields[b"snooze"]) for _, fields in entries]

    async def room_context(self, part: Partition, room: str) -> RoomContext:
        """Occupancy and snooze of one room, for the suppression rules."""
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.hget(part.rooms, room)
            pipe.hget(snoozes_key(part), room)
            state_raw, snooze_raw = await pipe.execute()
        occupied = None
        if state_raw is not None:
            value = json.loads(state_raw).get("occupied")
            occupied = value if isinstance(value, int) else None
        snooze = None if snooze_raw is None else Snooze.model_validate_json(snooze_raw)
        return RoomContext(occupied=occupied, snooze=snooze)

    async def agent_alert_id(self, part: Partition, agent_id: str) -> str | None:
        value = await self._client.hget(part.agent_alerts, agent_id)
        return None if value is None else _text(value)

    async def set_room(self, part: Partition, room: str, state: dict[str, Any]) -> None:
        await self._client.hset(part.rooms, room, json.dumps(state))

    async def rooms(self, part: Partition) -> dict[str, Any]:
        raw = await self._client.hgetall(part.rooms)
        return {_text(k): json.loads(v) for k, v in raw.items()}

    async def set_agent(self, site: str, agent_id: str, status_json: bytes) -> None:
        await self._client.hset(agents_key(site), agent_id, status_json)

    async def update(
        self, part: Partition, alert_id: str, transition: Transition
    ) -> list[AlertAction]:
        """Apply a pure transition to one alert atomically; returns what changed."""
        key = part.alert(alert_id)
        # Written first and outside the transaction: another slot under Redis Cluster, and
        # harmless if the transition ends up changing nothing.
        await self._client.hset(ALERT_INDEX_KEY, alert_id, part.name)
        async with self._client.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    current = decode_alert(await pipe.hgetall(key))
                    actions = await self._capped(pipe, part, current, transition(current))
                    if not actions:
                        await pipe.unwatch()  # type: ignore[no-untyped-call]  # redis stubs
                        return []
                    pipe.multi()  # type: ignore[no-untyped-call]  # redis stubs
                    for action in actions:
                        self._write(pipe, part, action)
                    await pipe.execute()
                    return actions
                except WatchError:
                    continue

    async def _capped(
        self, pipe: Any, part: Partition, current: Alert | None, actions: list[AlertAction]
    ) -> list[AlertAction]:
        """Within the WATCH: the room's cap applied to an alert about to be raised."""
        rising = [a.alert for a in actions if a.alert.open]
        if self._cap is None or not rising or (current is not None and current.open):
            return actions
        room = room_alerts_key(part, rising[0].room)
        await pipe.watch(room)
        count = int(await pipe.scard(room))
        capped = cap_room(actions, False, count, self._cap, rising[0].updated_at)
        if capped is not actions:
            seen = self._cap_log.due(room, time.monotonic())
            if seen is not None:
                logger.warning(
                    "%s: %d alert(s) of room %s in %s suppressed, %d already open (cap %d)",
                    ROOM_CAP_REASON,
                    seen,
                    rising[0].room,
                    part.name,
                    count,
                    self._cap,
                )
        return capped

    @staticmethod
    def _write(pipe: Any, part: Partition, action: AlertAction) -> None:
        alert = action.alert
        pipe.hset(part.alert(alert.alert_id), mapping=encode_alert(alert))
        pipe.zadd(history_key(part), {alert.alert_id: alert.opened_at.timestamp()})
        if alert.open:
            pipe.zadd(part.active_alerts, {alert.alert_id: alert.sort_score()})
            pipe.sadd(room_alerts_key(part, alert.room), alert.alert_id)
        else:
            pipe.zrem(part.active_alerts, alert.alert_id)
            pipe.srem(room_alerts_key(part, alert.room), alert.alert_id)
        if alert.kind is AlertKind.SENSOR_OFFLINE:
            if action.kind is ActionKind.OPEN:
                pipe.hset(part.agent_alerts, alert.agent_id, alert.alert_id)
            elif not alert.open:
                pipe.hdel(part.agent_alerts, alert.agent_id)
        if alert.status is not AlertStatus.SUPPRESSED:
            pipe.publish(feed_channel(part), feed_message(action))
