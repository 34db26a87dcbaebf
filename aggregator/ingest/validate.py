"""Pure classification of one MQTT message: accepted (with its partition) or rejected.

No I/O here, so every rejection reason is unit-testable. An agent may speak only for itself:
the agent and site named in the payload must be the ones in the topic (the broker ACL pins
each device to its own topic prefix, this check pins the payload to the topic).
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import TypeAdapter, ValidationError

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


@dataclass(frozen=True, slots=True)
class Accepted:
    partition: Partition
    dedupe_id: str
    kind: Literal["event", "status"]
    payload: bytes


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: DeadReason
    detail: str


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


def classify(topic: str, payload: bytes, max_bytes: int) -> Accepted | Rejected:
    """Decide what to do with one message; never raises for bad input."""
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
        dedupe = f"status:{status.agent_id}:{status.boot_id}:{status.state}:{status.ts.isoformat()}"
        return Accepted(Partition(status.site, status.unit), dedupe, "status", payload)
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
    return Accepted(Partition(event.site, event.unit), str(event.event_id), "event", payload)
