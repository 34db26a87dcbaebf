"""What the aggregator keeps, for how long, and how to forget a site, a unit or a room.

A site that leaves, a ward that closes or a family that asks for their father's data to be
deleted: `forget` removes every stored trace of that place (events and statuses in the
streams, alerts and their audit, room state, snoozes, roll-up counts, dead letters, home
notifications). `expire` applies the retention periods of ``retention:`` in central.yaml:
stream entries and dead letters older than their period, and resolved alerts (with their
audit trail) older than theirs. Roll-ups hold counts per room and hour, no event, and are
kept until the place is forgotten.

Blocking redis-py (a command-line job, or a worker thread). Every key of a unit carries its
``{site:unit}`` hash tag, so a unit's keys are found with one SCAN pattern.
"""

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import redis

from aggregator.alerts.store import history_key, room_alerts_key, snooze_log_key, snoozes_key
from aggregator.store import (
    ALERT_INDEX_KEY,
    DEADLETTER_STREAM,
    PARTITIONS_KEY,
    PREFIX,
    Partition,
    agents_key,
)

logger = logging.getLogger(__name__)

NOTIFY_PREFIX = "ambient:{notify}"
PAGE = 500


@dataclass
class Forgotten:
    """What one `forget` or `expire` removed."""

    keys: int = 0
    entries: int = 0
    fields: int = 0
    alerts: int = 0
    places: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{', '.join(self.places) or 'nothing'}: {self.keys} keys, {self.entries} stream"
            f" entries, {self.fields} fields, {self.alerts} alerts removed"
        )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def partitions(client: "redis.Redis", site: str, unit: str | None = None) -> list[Partition]:
    """The stored partitions of a site (or one unit of it)."""
    names = cast(set[bytes], client.smembers(PARTITIONS_KEY))
    found = sorted(Partition.parse(_text(n)) for n in names)
    return [p for p in found if p.site == site and (unit is None or p.unit == unit)]


def forget(
    client: "redis.Redis", site: str, unit: str | None = None, room: str | None = None
) -> Forgotten:
    """Delete everything stored about a site, a unit of it, or a room of a unit."""
    if room is not None and unit is None:
        raise ValueError("a room is forgotten within its unit: give the unit too")
    done = Forgotten()
    parts = partitions(client, site, unit)
    for part in parts:
        if room is None:
            _forget_unit(client, part, done)
        else:
            _forget_room(client, part, room, done)
        done.places.append(f"{part.site}/{part.unit}" + (f"/{room}" if room else ""))
    if unit is None and room is None:
        done.keys += int(client.delete(agents_key(site)))
    done.entries += _drop_entries(
        client, DEADLETTER_STREAM, lambda f: _dead_letter_matches(f, site, unit, room)
    )
    for key in client.scan_iter(match=f"{NOTIFY_PREFIX}:home:{site}:*", count=PAGE):
        if unit is None or _text(key).endswith(f":{unit}"):
            done.keys += int(client.delete(key))
    return done


def _forget_unit(client: "redis.Redis", part: Partition, done: Forgotten) -> None:
    keys = list(client.scan_iter(match=f"{PREFIX}:{{{part.name}}}:*", count=PAGE))
    for start in range(0, len(keys), PAGE):
        done.keys += int(client.delete(*keys[start : start + PAGE]))
    client.srem(PARTITIONS_KEY, part.name)
    stale = [
        alert_id for alert_id, where in _hscan(client, ALERT_INDEX_KEY) if _text(where) == part.name
    ]
    for start in range(0, len(stale), PAGE):
        client.hdel(ALERT_INDEX_KEY, *stale[start : start + PAGE])
    done.alerts += len(stale)


def _forget_room(client: "redis.Redis", part: Partition, room: str, done: Forgotten) -> None:
    done.entries += _drop_entries(client, part.events, lambda f: _payload_room(f) == room)
    done.entries += _drop_entries(
        client, snooze_log_key(part), lambda f: _json_field(f, b"snooze").get("room") == room
    )
    done.fields += int(client.hdel(part.rooms, room))
    done.fields += int(client.hdel(snoozes_key(part), room))
    for alert_id in _room_alerts(client, part, room):
        _delete_alert(client, part, alert_id)
        done.alerts += 1
    done.keys += int(client.delete(room_alerts_key(part, room)))  # the room cap's count
    for key in client.scan_iter(match=f"{PREFIX}:{{{part.name}}}:an:*", count=PAGE):
        if _text(key).endswith(":an:cursor"):
            continue
        names = [
            name
            for name, _ in _hscan(client, key)
            if _text(name) == room or _text(name).startswith(f"{room}|")
        ]
        if names:
            done.fields += int(client.hdel(key, *names))


def expire(
    client: "redis.Redis",
    now: datetime,
    *,
    events_days: int,
    dead_letters_days: int,
    resolved_alerts_days: int,
) -> Forgotten:
    """Apply the retention periods; returns what went."""
    done = Forgotten()
    for part in sorted(
        Partition.parse(_text(n)) for n in cast(set[bytes], client.smembers(PARTITIONS_KEY))
    ):
        done.entries += _trim(client, part.events, now - timedelta(days=events_days))
        done.entries += _trim(client, snooze_log_key(part), now - timedelta(days=events_days))
        cutoff = (now - timedelta(days=resolved_alerts_days)).timestamp()
        old = cast(list[bytes], client.zrangebyscore(history_key(part), "-inf", cutoff))
        for alert_id in (_text(a) for a in old):
            raw = cast(dict[bytes, bytes], client.hgetall(part.alert(alert_id)))
            resolved = json.loads(raw.get(b"resolved_at", b"null"))
            if raw and resolved is None:
                continue  # still open (or never resolved): kept whatever its age
            _delete_alert(client, part, alert_id)
            done.alerts += 1
        done.places.append(f"{part.site}/{part.unit}")
    done.entries += _trim(client, DEADLETTER_STREAM, now - timedelta(days=dead_letters_days))
    return done


def _trim(client: "redis.Redis", key: str, before: datetime) -> int:
    """Entries older than ``before`` (stream ids are milliseconds of arrival)."""
    cutoff = f"{int(before.timestamp() * 1000)}-0"
    return int(client.xtrim(key, minid=cutoff, approximate=False))


def _delete_alert(client: "redis.Redis", part: Partition, alert_id: str) -> None:
    pipe = client.pipeline(transaction=True)
    pipe.delete(part.alert(alert_id))
    pipe.zrem(history_key(part), alert_id)
    pipe.zrem(part.active_alerts, alert_id)
    pipe.hdel(ALERT_INDEX_KEY, alert_id)
    pipe.execute()
    for agent, points_to in _hscan(client, part.agent_alerts):
        if _text(points_to) == alert_id:
            client.hdel(part.agent_alerts, agent)


def _room_alerts(client: "redis.Redis", part: Partition, room: str) -> list[str]:
    ids = [_text(a) for a in cast(list[bytes], client.zrange(history_key(part), 0, -1))]
    ids += [_text(a) for a in cast(list[bytes], client.zrange(part.active_alerts, 0, -1))]
    mine = []
    for alert_id in dict.fromkeys(ids):
        raw = cast(bytes | None, client.hget(part.alert(alert_id), "room"))
        if raw is not None and json.loads(raw) == room:
            mine.append(alert_id)
    return mine


def _hscan(client: "redis.Redis", key: Any) -> Iterator[tuple[bytes, bytes]]:
    yield from cast(Iterator[tuple[bytes, bytes]], client.hscan_iter(key, count=PAGE))


def _drop_entries(client: "redis.Redis", key: str, matches: Any) -> int:
    """XDEL every entry of a stream for which ``matches(fields)`` holds, page by page."""
    dropped, after = 0, "-"
    while True:
        page = cast(
            list[tuple[bytes, dict[bytes, bytes]]],
            client.xrange(key, min=after, max="+", count=PAGE),
        )
        if not page:
            return dropped
        doomed = [entry_id for entry_id, fields in page if matches(fields)]
        if doomed:
            dropped += int(client.xdel(key, *doomed))
        after = f"({_text(page[-1][0])}"


def _json_field(fields: dict[bytes, bytes], name: bytes) -> dict[str, Any]:
    try:
        value = json.loads(fields.get(name, b"{}"))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _payload_room(fields: dict[bytes, bytes]) -> str | None:
    room = _json_field(fields, b"payload").get("room")
    return room if isinstance(room, str) else None


def _dead_letter_matches(
    fields: dict[bytes, bytes], site: str, unit: str | None, room: str | None
) -> bool:
    """A dead letter may not even be JSON: it belongs to the place named by its topic or,
    when it parses, by its payload."""
    topic = _text(fields.get(b"topic", b""))
    if room is None and unit is None and topic.split("/")[2:3] == [site]:
        return True
    stream = _text(fields.get(b"stream", b""))  # an entry a reader set aside (poison)
    if room is None and stream:
        if unit is None and stream.startswith(f"{PREFIX}:{{{site}:"):
            return True
        if unit is not None and stream == Partition(site, unit).events:
            return True
    payload = _json_field(fields, b"payload")
    if not payload:  # not JSON, or cut at the dead letter's size limit: look for the names
        raw = fields.get(b"payload", b"")
        wanted = [("site", site), ("unit", unit), ("room", room)]
        return all(
            value is None or json.dumps({key: value})[1:-1].encode() in raw.replace(b" ", b"")
            for key, value in wanted
        )
    wanted_values = {"site": site, "unit": unit, "room": room}
    return all(v is None or payload.get(k) == v for k, v in wanted_values.items())
