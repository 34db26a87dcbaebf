"""What an alert is: one per episode, updated in place, latched until a person resolves it.

Modelled on IHE Alert Communication Management and FHIR DeviceAlert, with three axes a nurse
can tell apart on the feed:

- ``phase`` of the last transition: ``start`` (raised), ``update`` (refreshed in place, no new
  notification), ``escalate`` (priority or recipient raised: notifies again), ``end`` (the
  condition ended, or the alert was resolved).
- ``presence``: ``on`` while the condition lasts, ``latched`` once it ended but nobody has
  resolved the alert yet, ``off`` once resolved (or never raised: suppressed).
- ``status``: ``active`` (nobody has answered), ``acknowledged`` (silenced and claimed: the
  alert stays), ``resolved`` (cleared, with who and an outcome), ``suppressed`` (a rule kept it
  from being raised: staff in the room, a snooze; kept for the audit and the metrics only).

Every transition lands in the audit list with actor and time, so time to help and PPV can be
measured from production and exported as FHIR ``Communication`` resources.

Priorities per kind (a choice, documented here once):

- ``fall``: high; a long lie keeps it high and raises its escalation level instead.
- ``bed_exit``: low while ``predicted`` (sitting on the edge: a heads-up without sound),
  medium once the patient is out of bed. High is kept for a person on the floor, so the
  feed's sound keeps meaning "someone may be hurt".
- ``no_motion``: medium (the home's "nothing moved for a long time").
- ``sensor_offline``: medium and technical: while it lasts the room has no fall detection.
- ``sensor_health``: low and technical (blocked or untrusted view; the agent says so).

Records written before these fields existed read back with their defaults: escalation level
0, the primary recipient, presence derived from condition and status.
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator


class AlertKind(StrEnum):
    FALL = "fall"
    BED_EXIT = "bed_exit"
    NO_MOTION = "no_motion"
    SENSOR_OFFLINE = "sensor_offline"
    SENSOR_HEALTH = "sensor_health"


TECHNICAL_KINDS = frozenset({AlertKind.SENSOR_OFFLINE, AlertKind.SENSOR_HEALTH})
"""Alerts about the system itself, not the patient: never counted in PPV."""

SNOOZABLE_KINDS = frozenset({AlertKind.BED_EXIT, AlertKind.NO_MOTION, AlertKind.SENSOR_HEALTH})
"""Advisories a room snooze may hold back. Never falls, never a blind sensor (offline)."""


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


PRIORITY_RANK = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2, Priority.INFO: 3}


class AlertPhase(StrEnum):
    START = "start"
    UPDATE = "update"
    ESCALATE = "escalate"
    END = "end"


class Presence(StrEnum):
    ON = "on"
    LATCHED = "latched"
    OFF = "off"


class AlertStatus(StrEnum):
    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    SUPPRESSED = "suppressed"


class Condition(StrEnum):
    PRESENT = "present"
    ENDED = "ended"


class Outcome(StrEnum):
    TRUE_FALL = "true_fall"
    FALSE_ALARM = "false_alarm"
    ASSISTED = "assisted"
    NOT_FOUND = "not_found"
    OTHER = "other"


SYSTEM_ACTOR = "system"
PRIMARY_RECIPIENT = "primary_nurse"


class AuditEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime = Field(description="When the transition happened (UTC).")
    actor: str = Field(description="Staff id or 'system'.")
    action: str = Field(
        description="open, update, escalate, condition_end, ack, resolve, suppress."
    )
    detail: str = Field(default="", description="Short, never patient-identifying.")
    recipient: str | None = Field(
        default=None, description="Role told by this transition (open, escalate)."
    )


_DERIVED = ("presence",)
"""Serialised for readers, recomputed on load: stored copies are ignored."""


class Alert(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    alert_id: str = Field(description="Deterministic per episode, so replays hit the same alert.")
    kind: AlertKind
    priority: Priority
    status: AlertStatus = AlertStatus.ACTIVE
    condition: Condition = Condition.PRESENT
    phase: AlertPhase = Field(description="Phase of the last transition.")
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
    still_s: float | None = Field(default=None, description="No motion: still for so long.")
    reason: str | None = Field(
        default=None, description="Sensor health state, or why an alert was suppressed."
    )
    historical: bool = False
    escalation_level: int = Field(
        default=0, ge=0, description="0: primary recipient; n: the n-th escalation step."
    )
    recipient: str = Field(default=PRIMARY_RECIPIENT, description="Role told most recently.")
    long_lie_step: int = Field(default=0, ge=0, description="Fall: long-lie steps passed.")
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    outcome: Outcome | None = None
    audit: list[AuditEntry] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(k in data for k in _DERIVED):
            data = {k: v for k, v in data.items() if k not in _DERIVED}
        if isinstance(data, dict) and data.get("phase") == "instant":
            data = {**data, "phase": AlertPhase.START.value}  # never stored, but harmless
        return data

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented pattern
    @property
    def presence(self) -> Presence:
        if self.status in (AlertStatus.RESOLVED, AlertStatus.SUPPRESSED):
            return Presence.OFF
        return Presence.ON if self.condition is Condition.PRESENT else Presence.LATCHED

    @property
    def open(self) -> bool:
        """On the feed: raised and not yet resolved."""
        return self.status in (AlertStatus.ACTIVE, AlertStatus.ACKNOWLEDGED)

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
