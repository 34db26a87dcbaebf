"""What a caregiver is told: one `Notification` per transition, with a deterministic id.

The id is a function of what happened (episode and step, or the moment a home was last
seen), so a re-read stream entry, a restart or a second aggregator produce the same id, and
the outbox sends it once. It is also the receiver's idempotency key. Opaque ids only: no
names, no patient identifiers.
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

NOTIFICATION_SCHEMA = "ambient.notification/1"
_NAMESPACE = uuid.UUID("0d7f3a52-8b0e-4c1a-9f7e-3e2a61c5b8d4")


class NotificationKind(StrEnum):
    FALL_DETECTED = "fall_detected"
    LONG_LIE = "long_lie"
    FALL_RESOLVED = "fall_resolved"
    NOT_SEEN = "not_seen"
    INACTIVITY = "inactivity"


class Notification(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: Literal["ambient.notification/1"] = Field(
        default="ambient.notification/1", alias="schema", description="Payload schema and version."
    )
    notification_id: str = Field(description="Deterministic per transition: idempotency key.")
    kind: NotificationKind
    site: str
    unit: str
    room: str | None = Field(default=None, description="Room it happened in, when known.")
    ts: datetime = Field(description="When the condition happened or was found (UTC).")
    episode_id: str | None = Field(default=None, description="Edge episode, for falls.")
    escalation: int | None = Field(default=None, description="Long-lie step (1, 2, 3, ...).")
    on_floor_s: float | None = Field(default=None, description="Seconds on the floor so far.")
    recovered: bool | None = Field(default=None, description="Fall end: got up (True) or lost.")
    quiet_s: float | None = Field(
        default=None, description="Not seen / inactivity: seconds counted so far."
    )
    since: datetime | None = Field(
        default=None, description="Not seen / inactivity: last sighting or activity (UTC)."
    )
    historical: bool = Field(default=False, description="From events replayed after an outage.")

    def dump(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()

    @classmethod
    def load(cls, raw: bytes | str) -> "Notification":
        return cls.model_validate_json(raw)


def notification_id(kind: NotificationKind, site: str, unit: str, anchor: str) -> str:
    """Same transition, same id: ``anchor`` is the episode (+ step) or the last-seen time."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind.value}:{site}:{unit}:{anchor}"))
