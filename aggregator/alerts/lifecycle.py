"""Pure alert lifecycle: (alert state, input, now) -> actions. No Redis, no clock.

Rules for a nurse's night: one alert per episode (a replayed or duplicated ``start`` changes
nothing), ``update`` refreshes the alert in place without a new notification, ``end`` marks
the condition ended but keeps the alert latched, acknowledge silences without clearing, and
only resolve (who + outcome) clears it. Only what changes what a person must do notifies:
raising an alert, and escalating it (a higher priority, a long-lie step, the next role).

A suppressed alert (``suppress`` names why: staff in the room, a snooze) is recorded, never
shown; if a later event of the same episode comes when nothing suppresses it any more (the
staff left, the snooze ran out) it is raised then.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from aggregator.alerts.model import (
    PRIORITY_RANK,
    SYSTEM_ACTOR,
    Alert,
    AlertKind,
    AlertPhase,
    AlertStatus,
    AuditEntry,
    Condition,
    Outcome,
    Priority,
    episode_alert_id,
    offline_alert_id,
)
from aggregator.alerts.policy import DEFAULT_POLICY, EscalationPolicy
from aggregator.errors import AggregatorError
from protocol import (
    AgentState,
    AgentStatus,
    BedExitEvent,
    FallEvent,
    NoMotionEvent,
    Phase,
    SensorHealthEvent,
)

ClinicalEvent = FallEvent | BedExitEvent | NoMotionEvent | SensorHealthEvent


class AlertError(AggregatorError, ValueError):
    """A transition a person asked for that the lifecycle does not allow."""


class ActionKind(StrEnum):
    OPEN = "open"
    UPDATE = "update"
    ESCALATE = "escalate"
    CONDITION_END = "condition_end"
    ACK = "ack"
    RESOLVE = "resolve"
    SUPPRESS = "suppress"


@dataclass(frozen=True, slots=True)
class AlertAction:
    kind: ActionKind
    alert: Alert
    notify: bool
    """True only when people should be told anew (open, escalate): updates never re-notify."""


def audit_with(
    alert: Alert,
    now: datetime,
    actor: str,
    action: str,
    detail: str = "",
    *,
    recipient: str | None = None,
) -> list[AuditEntry]:
    entry = AuditEntry(at=now, actor=actor, action=action, detail=detail, recipient=recipient)
    return [*alert.audit, entry]


def _open_from_event(
    event: ClinicalEvent,
    kind: AlertKind,
    priority: Priority,
    now: datetime,
    policy: EscalationPolicy,
) -> Alert:
    recipient = policy.recipient(kind, 0)
    return Alert(
        alert_id=episode_alert_id(kind, event.episode_id),
        kind=kind,
        priority=priority,
        phase=AlertPhase.START,
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
        recipient=recipient,
        audit=[
            AuditEntry(
                at=now,
                actor=SYSTEM_ACTOR,
                action="open",
                detail=event.phase.value,
                recipient=recipient,
            )
        ],
    )


def _suppressed(alert: Alert, now: datetime, why: str) -> AlertAction:
    """Recorded for the audit and the metrics; never on the feed, never a notification."""
    suppressed = alert.model_copy(
        update={
            "status": AlertStatus.SUPPRESSED,
            "reason": why,
            "audit": [AuditEntry(at=now, actor=SYSTEM_ACTOR, action="suppress", detail=why)],
        }
    )
    return AlertAction(ActionKind.SUPPRESS, suppressed, notify=False)


def _raise_suppressed(
    alert: Alert, event: ClinicalEvent, priority: Priority, now: datetime, policy: EscalationPolicy
) -> AlertAction:
    """What was held back is raised now: the clock of time-to-acknowledge starts here."""
    recipient = policy.recipient(alert.kind, 0)
    raised = alert.model_copy(
        update={
            "status": AlertStatus.ACTIVE,
            "priority": priority,
            "phase": AlertPhase.START,
            "reason": None,
            "opened_at": now,
            "updated_at": now,
            "event_ts": event.ts,
            "recipient": recipient,
            "audit": audit_with(
                alert,
                now,
                SYSTEM_ACTOR,
                "open",
                f"no longer suppressed ({alert.reason})",
                recipient=recipient,
            ),
        }
    )
    return AlertAction(ActionKind.OPEN, raised, notify=True)


def _is_stale(alert: Alert, event: ClinicalEvent) -> bool:
    """An older event never overwrites a newer one (out of order after a replay)."""
    return alert.event_ts is not None and event.ts < alert.event_ts


def _condition_end(alert: Alert, event: ClinicalEvent, now: datetime, detail: str) -> AlertAction:
    update = {
        "condition": Condition.ENDED,
        "phase": AlertPhase.END,
        "updated_at": now,
        "event_ts": event.ts,
        "audit": audit_with(alert, now, SYSTEM_ACTOR, "condition_end", detail),
    }
    return AlertAction(ActionKind.CONDITION_END, alert.model_copy(update=update), notify=False)


def on_fall(
    alert: Alert | None,
    event: FallEvent,
    now: datetime,
    *,
    policy: EscalationPolicy = DEFAULT_POLICY,
) -> list[AlertAction]:
    """Fall phases of one episode; an ``update``/``end`` without a seen ``start`` still opens.

    Falls are never suppressed. A long-lie step (``data.escalation`` rising) keeps the alert
    high and raises its escalation level by the steps passed, notifying again even when the
    alert was acknowledged: someone on the floor for that long needs more help.
    """
    if event.shadow:
        return []
    ended = event.phase is Phase.END
    step = event.data.escalation
    if alert is None:
        opened = _open_from_event(event, AlertKind.FALL, Priority.HIGH, now, policy)
        recipient = policy.recipient(AlertKind.FALL, step)
        opened = opened.model_copy(
            update={
                "on_floor_s": event.data.on_floor_s,
                "condition": Condition.ENDED if ended else Condition.PRESENT,
                "long_lie_step": step,
                "escalation_level": step,
                "recipient": recipient,
            }
        )
        return [AlertAction(ActionKind.OPEN, opened, notify=True)]
    if event.phase is Phase.START or alert.condition is Condition.ENDED or not alert.open:
        return []  # duplicate start, a late update after the end, or already resolved
    if _is_stale(alert, event):
        return []
    if ended:
        detail = "recovered" if event.data.recovered else "ended"
        action = _condition_end(alert, event, now, detail)
        floor = action.alert.model_copy(update={"on_floor_s": event.data.on_floor_s})
        return [AlertAction(action.kind, floor, notify=False)]
    update: dict[str, object] = {
        "on_floor_s": event.data.on_floor_s,
        "phase": AlertPhase.UPDATE,
        "updated_at": now,
        "event_ts": event.ts,
    }
    if step > alert.long_lie_step:
        level = alert.escalation_level + (step - alert.long_lie_step)
        recipient = policy.recipient(AlertKind.FALL, level)
        detail = f"long lie step {step} ({event.data.on_floor_s:.0f} s on the floor)"
        update |= {
            "phase": AlertPhase.ESCALATE,
            "long_lie_step": step,
            "escalation_level": level,
            "recipient": recipient,
            "audit": audit_with(alert, now, SYSTEM_ACTOR, "escalate", detail, recipient=recipient),
        }
        return [AlertAction(ActionKind.ESCALATE, alert.model_copy(update=update), notify=True)]
    return [AlertAction(ActionKind.UPDATE, alert.model_copy(update=update), notify=False)]


def on_bed_exit(
    alert: Alert | None,
    event: BedExitEvent,
    now: datetime,
    fall_risk: bool,
    suppress: str | None = None,
    *,
    policy: EscalationPolicy = DEFAULT_POLICY,
) -> list[AlertAction]:
    """A fall-risk patient getting out of bed.

    ``predicted`` (sitting on the edge) raises a low heads-up; ``exit`` raises the alert to
    medium (a new notification); ``return`` ends the condition and latches it, except that a
    heads-up that never became an exit clears itself: nobody has to resolve a patient who
    sat up and lay down again. Beds not flagged fall-risk never alert at all.
    """
    if event.shadow or not fall_risk:
        return []
    stage = event.data.stage
    priority = Priority.LOW if stage == "predicted" else Priority.MEDIUM
    if alert is None:
        if stage == "return":
            return []
        opened = _open_from_event(event, AlertKind.BED_EXIT, priority, now, policy)
        if suppress is not None:
            return [_suppressed(opened, now, suppress)]
        return [AlertAction(ActionKind.OPEN, opened, notify=True)]
    if alert.status is AlertStatus.SUPPRESSED:
        if stage == "return" or suppress is not None or _is_stale(alert, event):
            return []
        return [_raise_suppressed(alert, event, priority, now, policy)]
    if not alert.open or alert.condition is Condition.ENDED or _is_stale(alert, event):
        return []
    if stage == "return":
        if alert.priority is Priority.LOW:
            ended = _condition_end(alert, event, now, "back in bed").alert
            return [resolve(ended, SYSTEM_ACTOR, Outcome.OTHER, now, "back in bed before leaving")]
        return [_condition_end(alert, event, now, "returned to bed")]
    if PRIORITY_RANK[priority] < PRIORITY_RANK[alert.priority]:
        update = {
            "priority": priority,
            "phase": AlertPhase.ESCALATE,
            "updated_at": now,
            "event_ts": event.ts,
            "audit": audit_with(alert, now, SYSTEM_ACTOR, "escalate", "out of bed"),
        }
        # With staff in the room the change is recorded but nobody is called.
        notify = suppress is None
        return [AlertAction(ActionKind.ESCALATE, alert.model_copy(update=update), notify)]
    return []


def _condition_begins(
    alert: Alert | None,
    event: NoMotionEvent | SensorHealthEvent,
    now: datetime,
    *,
    kind: AlertKind,
    priority: Priority,
    detail: dict[str, Any],
    suppress: str | None,
    policy: EscalationPolicy,
) -> list[AlertAction] | None:
    """The start of a condition alert (no motion, sensor health): opened, held back, or a
    held-back one raised, with its ``detail`` fields. None: the alert is already raised and
    the caller follows its episode."""
    ended = event.phase is Phase.END
    if event.shadow:
        return []
    if alert is None:
        if ended:
            return []
        opened = _open_from_event(event, kind, priority, now, policy).model_copy(update=detail)
        if suppress is not None:
            return [_suppressed(opened, now, suppress)]
        return [AlertAction(ActionKind.OPEN, opened, notify=True)]
    if alert.status is AlertStatus.SUPPRESSED:
        if ended or suppress is not None or _is_stale(alert, event):
            return []
        raised = _raise_suppressed(alert, event, priority, now, policy)
        return [AlertAction(raised.kind, raised.alert.model_copy(update=detail), notify=True)]
    return None


def on_no_motion(
    alert: Alert | None,
    event: NoMotionEvent,
    now: datetime,
    suppress: str | None = None,
    *,
    policy: EscalationPolicy = DEFAULT_POLICY,
) -> list[AlertAction]:
    """Someone in the room and nothing moved for long (the home's inactivity alert): medium."""
    ended = event.phase is Phase.END
    begun = _condition_begins(
        alert,
        event,
        now,
        kind=AlertKind.NO_MOTION,
        priority=Priority.MEDIUM,
        detail={"still_s": event.data.still_s},
        suppress=suppress,
        policy=policy,
    )
    if begun is not None or alert is None:
        return begun or []
    if not alert.open or alert.condition is Condition.ENDED or _is_stale(alert, event):
        return []
    if ended:
        return [_condition_end(alert, event, now, "movement seen")]
    update = {
        "still_s": event.data.still_s,
        "phase": AlertPhase.UPDATE,
        "updated_at": now,
        "event_ts": event.ts,
    }
    return [AlertAction(ActionKind.UPDATE, alert.model_copy(update=update), notify=False)]


def on_sensor_health(
    alert: Alert | None,
    event: SensorHealthEvent,
    now: datetime,
    suppress: str | None = None,
    *,
    policy: EscalationPolicy = DEFAULT_POLICY,
) -> list[AlertAction]:
    """A sensor that cannot trust its view: a low technical alert, cleared when it can again."""
    ended = event.phase is Phase.END
    begun = _condition_begins(
        alert,
        event,
        now,
        kind=AlertKind.SENSOR_HEALTH,
        priority=Priority.LOW,
        detail={"reason": event.data.state},
        suppress=suppress,
        policy=policy,
    )
    if begun is not None or alert is None:
        return begun or []
    if not alert.open or _is_stale(alert, event):
        return []
    if ended:
        ended_alert = _condition_end(alert, event, now, "sensor trusts its input again").alert
        return [resolve(ended_alert, SYSTEM_ACTOR, Outcome.OTHER, now, "sensor healthy again")]
    if event.data.state == alert.reason:
        return []  # nothing a person would see changed
    update = {
        "reason": event.data.state,
        "phase": AlertPhase.UPDATE,
        "updated_at": now,
        "event_ts": event.ts,
    }
    return [AlertAction(ActionKind.UPDATE, alert.model_copy(update=update), notify=False)]


def on_agent_status(
    alert: Alert | None,
    status: AgentStatus,
    now: datetime,
    *,
    policy: EscalationPolicy = DEFAULT_POLICY,
) -> list[AlertAction]:
    """Sensor offline (Last Will) opens a technical alert; ``online``/``stopped`` end it.

    ``alert`` is, for ``offline``, the alert of that boot (by its deterministic id); for
    ``online``/``stopped``, the agent's open offline alert if any.
    """
    if status.state is AgentState.OFFLINE:
        if alert is not None:
            return []  # already raised for this boot (or resolved by a person: stay quiet)
        recipient = policy.recipient(AlertKind.SENSOR_OFFLINE, 0)
        opened = Alert(
            alert_id=offline_alert_id(status.site, status.agent_id, status.boot_id),
            kind=AlertKind.SENSOR_OFFLINE,
            priority=Priority.MEDIUM,
            phase=AlertPhase.START,
            site=status.site,
            unit=status.unit,
            room=status.room,
            agent_id=status.agent_id,
            opened_at=now,
            updated_at=now,
            event_ts=status.ts,
            recipient=recipient,
            audit=[
                AuditEntry(
                    at=now, actor=SYSTEM_ACTOR, action="open", detail="offline", recipient=recipient
                )
            ],
        )
        return [AlertAction(ActionKind.OPEN, opened, notify=True)]
    if alert is None or not alert.open:
        return []
    detail = "sensor back online" if status.state is AgentState.ONLINE else "stopped (maintenance)"
    return [resolve(alert, SYSTEM_ACTOR, Outcome.OTHER, now, detail)]


def acknowledge(alert: Alert, by: str, now: datetime) -> AlertAction:
    """Silence and claim: the alert stays on the feed until resolved, and stops escalating."""
    if not by.strip():
        raise AlertError("acknowledge needs who")
    if alert.status is AlertStatus.RESOLVED:
        raise AlertError("alert is already resolved")
    if alert.status is AlertStatus.SUPPRESSED:
        raise AlertError("alert was suppressed, never raised")
    update = {
        "status": AlertStatus.ACKNOWLEDGED,
        "acknowledged_by": by,
        "acknowledged_at": now,
        "updated_at": now,
        "audit": audit_with(alert, now, by, "ack"),
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
    if alert.status is AlertStatus.SUPPRESSED:
        raise AlertError("alert was suppressed, never raised")
    update = {
        "status": AlertStatus.RESOLVED,
        "phase": AlertPhase.END,
        "resolved_by": by,
        "resolved_at": now,
        "outcome": outcome,
        "updated_at": now,
        "audit": audit_with(alert, now, by, "resolve", detail or outcome.value),
    }
    return AlertAction(ActionKind.RESOLVE, alert.model_copy(update=update), notify=False)
