"""Pure classification of one MQTT message: accepted (with its partition) or rejected.

No I/O here, so every rejection reason is unit-testable. An agent may speak only for itself:
the agent and site named in the payload must be the ones in the topic (the broker ACL pins
each device to its own topic prefix, this check pins the payload to the topic).

Time is checked too, against a window around the aggregator's clock passed in by the caller
(`TimeWindow`): a fall dated 1900 or 2300 is implausible, and one dated in the future would
make every later real update of its alert look stale. Statuses are checked for the future
only: a Last Will carries the time its connection was made, so a crash after eight days of
connection sends an eight-day-old ``offline`` that must still raise the sensor-offline alert.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import TypeAdapter, ValidationError

from aggregator.registry import Place, Registry
from aggregator.store import Partition
from protocol import AgentStatus, TopicError, parse_agent_topic, parse_event

_status_adapter: TypeAdapter[AgentStatus] = TypeAdapter(AgentStatus)


class DeadReason(StrEnum):
    TOO_LARGE = "too_large"
    BAD_TOPIC = "bad_topic"
    INVALID_JSON = "invalid_json"
    SCHEMA_VERSION = "schema_version"
    UNKNOWN_FIELD = "unknown_field"
    UNKNOWN_TYPE = "unknown_type"
    INVALID = "invalid"
    AGENT_MISMATCH = "agent_mismatch"
    SITE_MISMATCH = "site_mismatch"
    TYPE_MISMATCH = "type_mismatch"
    FUTURE = "future"
    TOO_OLD = "too_old"
    RATE_LIMITED = "rate_limited"
    CONFLICTING_DUPLICATE = "conflicting_duplicate"
    NOT_REGISTERED = "not_registered"
    PLACE_MISMATCH = "place_mismatch"


POLICY_REASONS = frozenset(
    {
        DeadReason.FUTURE,
        DeadReason.TOO_OLD,
        DeadReason.RATE_LIMITED,
        DeadReason.CONFLICTING_DUPLICATE,
    }
)
"""Reasons given to payloads that are valid but refused: their dead letter keeps them whole."""


@dataclass(frozen=True, slots=True)
class Accepted:
    partition: Partition
    dedupe_id: str
    kind: Literal["event", "status"]
    payload: bytes
    agent_id: str = ""
    """Who sent it (bound to the topic), for per-agent limits."""
    topic: str = ""
    """Where it came from, for a dead letter found later (a conflicting duplicate)."""
    clock_skew_s: float | None = None
    """A status's report of the agent's clock minus ours (for the metric)."""


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: DeadReason
    detail: str


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The event times the aggregator believes: ``max_age_s`` before ``now`` up to
    ``max_future_s`` after it (edge clocks drift; an outbox replays events held offline)."""

    now: datetime
    max_future_s: float
    max_age_s: float

    def check(self, name: str, ts: datetime) -> Rejected | None:
        ahead = (ts - self.now).total_seconds()
        if ahead > self.max_future_s:
            return Rejected(
                DeadReason.FUTURE,
                f"{name} {ts.isoformat()} is {ahead:.0f} s ahead of the aggregator's clock "
                f"(at most {self.max_future_s:.0f} s)",
            )
        if -ahead > self.max_age_s:
            return Rejected(
                DeadReason.TOO_OLD,
                f"{name} {ts.isoformat()} is {-ahead:.0f} s old (at most {self.max_age_s:.0f} s)",
            )
        return None


def _reason(error: ValidationError) -> DeadReason:
    for err in error.errors():
        if err["type"] == "json_invalid":
            return DeadReason.INVALID_JSON
        if err["loc"] and err["loc"][-1] == "schema":
            return DeadReason.SCHEMA_VERSION
        if err["type"] == "extra_forbidden":
            return DeadReason.UNKNOWN_FIELD
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            return DeadReason.UNKNOWN_TYPE
    return DeadReason.INVALID


def _summary(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    return f"{loc}: {first['msg']}"[:200] if loc else first["msg"][:200]


def _unplaced(registry: Registry | None, place: Place) -> Rejected | None:
    mismatch = registry.check(place) if registry is not None else None
    return Rejected(DeadReason(mismatch.reason), mismatch.detail) if mismatch else None


def classify(
    topic: str,
    payload: bytes,
    max_bytes: int,
    window: TimeWindow | None = None,
    registry: Registry | None = None,
) -> Accepted | Rejected:
    """Decide what to do with one message; never raises for bad input.

    ``window`` None checks no times: only for writing known history on purpose (back-fill).
    With a ``registry``, the agent must be registered for the site, unit, room (and sensor)
    the payload names.
    """
    if len(payload) > max_bytes:
        return Rejected(DeadReason.TOO_LARGE, f"{len(payload)} bytes > {max_bytes}")
    try:
        where = parse_agent_topic(topic)
    except TopicError as e:
        return Rejected(DeadReason.BAD_TOPIC, str(e)[:200])
    if where.kind == "status":
        try:
            status = _status_adapter.validate_json(payload)
        except ValidationError as e:
            return Rejected(_reason(e), _summary(e))
        if status.agent_id != where.agent_id:
            return Rejected(DeadReason.AGENT_MISMATCH, "payload agent_id differs from topic")
        if status.site != where.site:
            return Rejected(DeadReason.SITE_MISMATCH, "payload site differs from topic")
        place = Place(status.agent_id, status.site, status.unit, status.room)
        if unplaced := _unplaced(registry, place):
            return unplaced
        # No time window for a status: it says whether a sensor is alive, its time is only
        # shown, and a Last Will is stamped at connect (days old, or as far off as the box's
        # clock was then): refusing one would hide a sensor that went offline.
        dedupe = f"status:{status.agent_id}:{status.boot_id}:{status.state}:{status.ts.isoformat()}"
        return Accepted(
            Partition(status.site, status.unit),
            dedupe,
            "status",
            payload,
            status.agent_id,
            topic,
            status.clock_skew_s,
        )
    if where.kind != "events":
        return Rejected(DeadReason.BAD_TOPIC, f"not an event or status topic: {where.kind}")
    try:
        event = parse_event(payload)
    except ValidationError as e:
        return Rejected(_reason(e), _summary(e))
    if event.agent_id != where.agent_id:
        return Rejected(DeadReason.AGENT_MISMATCH, "payload agent_id differs from topic")
    if event.site != where.site:
        return Rejected(DeadReason.SITE_MISMATCH, "payload site differs from topic")
    if event.type != where.name:
        return Rejected(DeadReason.TYPE_MISMATCH, "payload type differs from topic")
    place = Place(event.agent_id, event.site, event.unit, event.room, event.sensor_id)
    if unplaced := _unplaced(registry, place):
        return unplaced
    if window is not None:
        for name, ts in (("ts", event.ts), ("sent_ts", event.sent_ts)):
            wrong = window.check(name, ts)
            if wrong is not None:
                return wrong
    part = Partition(event.site, event.unit)
    return Accepted(part, str(event.event_id), "event", payload, event.agent_id, topic)
