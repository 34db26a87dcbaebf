"""Pure alert lifecycle: (alert state, input, now) -> actions. No Redis, no clock.

Rules for a nurse's night: one alert per episode (a replayed or duplicated ``start`` changes
nothing), ``update`` refreshes the alert in place without a new notification, ``end`` marks
the condition ended but keeps the alert latched, acknowledge silences without clearing, and
only resolve (who + outcome) clears it.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from aggregator.alerts.model import (
    SYSTEM_ACTOR,
    Alert,
    AlertKind,
    AlertStatus,
    AuditEntry,
    Condition,
    Outcome,
    Priority,
    episode_alert_id,
    offline_alert_id,
)
from protocol import AgentState, AgentStatus, BedExitEvent, FallEvent, Phase


class AlertError(ValueError):
    """A transition a person asked for that the lifecycle does not allow."""


class ActionKind(StrEnum):
    OPEN = "open"
    UPDATE = "update"
    CONDITION_END = "condition_end"
    ACK = "ack"
    RESOLVE = "resolve"


@dataclass(frozen=True, slots=True)
class AlertAction:
    kind: ActionKind
    alert: Alert
    notify: bool
    """True only when people should be told anew (open): updates never re-notify."""


def _audit(
    alert: Alert, now: datetime, actor: str, action: str, detail: str = ""
) -> list[AuditEntry]:
    return [*alert.audit, AuditEntry(at=now, actor=actor, action=action, detail=detail)]


def _open_from_event(
    event: FallEvent | BedExitEvent, kind: AlertKind, priority: Priority, now: datetime
) -> Alert:
    return Alert(
        alert_id=episode_alert_id(kind, event.episode_id),
        kind=kind,
        priority=priority,
        phase=event.phase.value,
        site=event.site,
        unit=event.unit,
        room=event.room,
        bed=event.bed,
        agent_id=event.agent_id,
        episode_id=str(event.episode_id),
        opened_at=now,
        updated_at=now,
        event_ts=event.ts,
        historical=event.historical,
        audit=[AuditEntry(at=now, actor=SYSTEM_ACTOR, action="open", detail=event.phase.value)],
    )


def on_fall(alert: Alert | None, event: FallEvent, now: datetime) -> list[AlertAction]:
    """Fall phases of one episode; an ``update``/``end`` without a seen ``start`` still opens."""
    if event.shadow:
        return []
    ended = event.phase is Phase.END
    if alert is None:
        opened = _open_from_event(event, AlertKind.FALL, Priority.HIGH, now).model_copy(
            update={
                "on_floor_s": event.data.on_floor_s,
                "condition": Condition.ENDED if ended else Condition.PRESENT,
            }
        )
        return [AlertAction(ActionKind.OPEN, opened, notify=True)]
    if event.phase is Phase.START or alert.condition is Condition.ENDED:
        return []  # duplicate start, or a late update after the end: nothing new
    if alert.event_ts is not None and event.ts < alert.event_ts:
        return []  # out of order: an older update never overwrites a newer one
    update: dict[str, object] = {
        "on_floor_s": event.data.on_floor_s,
        "phase": event.phase.value,
        "updated_at": now,
        "event_ts": event.ts,
    }
    if ended:
        detail = "recovered" if event.data.recovered else "ended"
        update["condition"] = Condition.ENDED
        update["audit"] = _audit(alert, now, SYSTEM_ACTOR, "condition_end", detail)
        return [AlertAction(ActionKind.CONDITION_END, alert.model_copy(update=update), False)]
    return [AlertAction(ActionKind.UPDATE, alert.model_copy(update=update), notify=False)]


def on_bed_exit(
    alert: Alert | None, event: BedExitEvent, now: datetime, fall_risk: bool
) -> list[AlertAction]:
    """A fall-risk patient out of bed: medium alert on ``exit``, condition ends on ``return``."""
    if event.shadow or not fall_risk:
        return []
    stage = event.data.stage
    if alert is None:
        if stage != "exit":
            return []
        opened = _open_from_event(event, AlertKind.BED_EXIT, Priority.MEDIUM, now)
        return [AlertAction(ActionKind.OPEN, opened, notify=True)]
    if stage == "return" and alert.condition is Condition.PRESENT:
        update = {
            "condition": Condition.ENDED,
            "phase": event.phase.value,
            "updated_at": now,
            "event_ts": event.ts,
            "audit": _audit(alert, now, SYSTEM_ACTOR, "condition_end", "returned to bed"),
        }
        return [AlertAction(ActionKind.CONDITION_END, alert.model_copy(update=update), False)]
    return []


def on_agent_status(alert: Alert | None, status: AgentStatus, now: datetime) -> list[AlertAction]:
    """Sensor offline (Last Will) opens a technical alert; ``online``/``stopped`` end it.

    ``alert`` is, for ``offline``, the alert of that boot (by its deterministic id); for
    ``online``/``stopped``, the agent's open offline alert if any.
    """
    if status.state is AgentState.OFFLINE:
        if alert is not None:
            return []  # already raised for this boot (or resolved by a person: stay quiet)
        opened = Alert(
            alert_id=offline_alert_id(status.site, status.agent_id, status.boot_id),
            kind=AlertKind.SENSOR_OFFLINE,
            priority=Priority.MEDIUM,
            phase="start",
            site=status.site,
            unit=status.unit,
            room=status.room,
            agent_id=status.agent_id,
            opened_at=now,
            updated_at=now,
            event_ts=status.ts,
            audit=[AuditEntry(at=now, actor=SYSTEM_ACTOR, action="open", detail="offline")],
        )
        return [AlertAction(ActionKind.OPEN, opened, notify=True)]
    if alert is None or not alert.open:
        return []
    detail = "sensor back online" if status.state is AgentState.ONLINE else "stopped (maintenance)"
    return [resolve(alert, SYSTEM_ACTOR, Outcome.OTHER, now, detail)]


def acknowledge(alert: Alert, by: str, now: datetime) -> AlertAction:
    """Silence and claim: the alert stays on the feed until resolved."""
    if not by.strip():
        raise AlertError("acknowledge needs who")
    if alert.status is AlertStatus.RESOLVED:
        raise AlertError("alert is already resolved")
    update = {
        "status": AlertStatus.ACKNOWLEDGED,
        "acknowledged_by": by,
        "acknowledged_at": now,
        "updated_at": now,
        "audit": _audit(alert, now, by, "ack"),
    }
    return AlertAction(ActionKind.ACK, alert.model_copy(update=update), notify=False)


def resolve(
    alert: Alert, by: str, outcome: Outcome | None, now: datetime, detail: str = ""
) -> AlertAction:
    """Clear a latched alert; who and what happened are required."""
    if outcome is None:
        raise AlertError("resolve needs an outcome")
    if not by.strip():
        raise AlertError("resolve needs who")
    if alert.status is AlertStatus.RESOLVED:
        raise AlertError("alert is already resolved")
    update = {
        "status": AlertStatus.RESOLVED,
        "resolved_by": by,
        "resolved_at": now,
        "outcome": outcome,
        "updated_at": now,
        "audit": _audit(alert, now, by, "resolve", detail or outcome.value),
    }
    return AlertAction(ActionKind.RESOLVE, alert.model_copy(update=update), notify=False)
