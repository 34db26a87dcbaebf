"""What an alert is: one per episode, updated in place, latched until a person resolves it.

Acknowledged is not resolved: acknowledging silences the sound and tells colleagues someone
is going; only a resolve (with an outcome and who) clears it. The condition (person on the
floor, sensor offline) can end while the alert stays latched. Every transition lands in the
audit list with actor and time, so time-to-help and PPV can be measured from production.
"""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class AlertKind(StrEnum):
    FALL = "fall"
    BED_EXIT = "bed_exit"
    SENSOR_OFFLINE = "sensor_offline"


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


PRIORITY_RANK = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2, Priority.INFO: 3}


class AlertStatus(StrEnum):
    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Condition(StrEnum):
    PRESENT = "present"
    ENDED = "ended"


class Outcome(StrEnum):
    TRUE_FALL = "true_fall"
    FALSE_ALARM = "false_alarm"
    ASSISTED = "assisted"
    OTHER = "other"


SYSTEM_ACTOR = "system"


class AuditEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime = Field(description="When the transition happened (UTC).")
    actor: str = Field(description="Staff id or 'system'.")
    action: str = Field(description="open, update, condition_end, ack, resolve, ...")
    detail: str = Field(default="", description="Short, never patient-identifying.")


class Alert(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    alert_id: str = Field(description="Deterministic per episode, so replays hit the same alert.")
    kind: AlertKind
    priority: Priority
    status: AlertStatus = AlertStatus.ACTIVE
    condition: Condition = Condition.PRESENT
    phase: str = Field(description="Phase of the last event: start, update, end.")
    site: str
    unit: str
    room: str
    bed: str | None = None
    agent_id: str
    episode_id: str | None = None
    opened_at: datetime
    updated_at: datetime
    event_ts: datetime | None = Field(default=None, description="Sensor time of last event.")
    on_floor_s: float | None = Field(default=None, description="Fall: time on floor so far.")
    historical: bool = False
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    outcome: Outcome | None = None
    audit: list[AuditEntry] = Field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.status is not AlertStatus.RESOLVED

    def sort_score(self) -> float:
        """Sorted-set score: priority first, then oldest first."""
        return PRIORITY_RANK[self.priority] * 1e11 + self.opened_at.timestamp()


_NAMESPACE = uuid.UUID("5b3f0c8e-2d0b-4f63-9a55-6a1f7e3c2b10")


def episode_alert_id(kind: AlertKind, episode_id: uuid.UUID) -> str:
    """One alert per episode: the id is a function of the episode, so replays are no-ops."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{episode_id}"))


def offline_alert_id(site: str, agent_id: str, boot_id: uuid.UUID) -> str:
    """One offline alert per agent boot (the Will carries the boot that went away)."""
    return str(uuid.uuid5(_NAMESPACE, f"offline:{site}:{agent_id}:{boot_id}"))
