"""Alerts in Redis (asyncio): a hash per alert, a sorted set of open alerts per partition,
and a pub/sub message per change for the live feed.

Every change goes through `update`, an optimistic transaction (WATCH the alert, compute the
pure lifecycle, MULTI the writes), so the rules task and a nurse's click cannot overwrite
each other.
"""

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from aggregator.alerts.lifecycle import ActionKind, AlertAction
from aggregator.alerts.model import Alert, AlertKind
from aggregator.store import (
    ALERT_INDEX_KEY,
    PARTITIONS_KEY,
    Partition,
    agents_key,
    feed_channel,
)

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
    def __init__(self, client: "aioredis.Redis") -> None:
        self._client = client

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
                    actions = transition(current)
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

    @staticmethod
    def _write(pipe: Any, part: Partition, action: AlertAction) -> None:
        alert = action.alert
        pipe.hset(part.alert(alert.alert_id), mapping=encode_alert(alert))
        if alert.open:
            pipe.zadd(part.active_alerts, {alert.alert_id: alert.sort_score()})
        else:
            pipe.zrem(part.active_alerts, alert.alert_id)
        if alert.kind is AlertKind.SENSOR_OFFLINE:
            if action.kind is ActionKind.OPEN:
                pipe.hset(part.agent_alerts, alert.agent_id, alert.alert_id)
            elif not alert.open:
                pipe.hdel(part.agent_alerts, alert.agent_id)
        pipe.publish(feed_channel(part), feed_message(action))
