"""Who is told, and when the next person is: the escalation policy and its pure timer step.

An alert nobody acknowledges climbs a chain of roles (for example primary nurse, then charge
nurse after 60 s, then unit manager after 180 s). Acknowledging stops the climb; a long lie
raises the level of a fall on its own (see `lifecycle.on_fall`). Levels are shared by both
causes, so a fall already raised to the charge nurse by a long lie is not raised to her
again by the timer. `due_escalations` is pure: the rules consumer calls it with its own
clock about once a second and applies each result through `escalate_if_due`, which checks
again inside the store's transaction so a nurse's acknowledgement always wins a race.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from aggregator.alerts.lifecycle import ActionKind, AlertAction, audit_with
from aggregator.alerts.model import SYSTEM_ACTOR, Alert, AlertPhase, AlertStatus
from aggregator.alerts.policy import EscalationPolicy


@dataclass(frozen=True, slots=True)
class Escalation:
    alert_id: str
    level: int
    recipient: str
    after_s: float


def due_escalations(
    alerts: Iterable[Alert], now: datetime, policy: EscalationPolicy
) -> list[Escalation]:
    """Alerts still unacknowledged past a step of their chain they have not reached yet."""
    due: list[Escalation] = []
    for alert in alerts:
        if alert.status is not AlertStatus.ACTIVE:
            continue  # acknowledged, resolved or never raised: the climb is over
        chain = policy.steps.get(alert.kind, ())
        elapsed = (now - alert.opened_at).total_seconds()
        reached = [step for step in chain if step.after_s <= elapsed]
        if len(reached) > alert.escalation_level:
            level = len(reached)
            due.append(Escalation(alert.alert_id, level, reached[-1].to, reached[-1].after_s))
    return due


def escalate(alert: Alert, level: int, recipient: str, now: datetime, detail: str) -> AlertAction:
    """Raise the level and tell the next role: phase ``escalate``, a new notification."""
    update = {
        "escalation_level": level,
        "recipient": recipient,
        "phase": AlertPhase.ESCALATE,
        "updated_at": now,
        "audit": audit_with(alert, now, SYSTEM_ACTOR, "escalate", detail, recipient=recipient),
    }
    return AlertAction(ActionKind.ESCALATE, alert.model_copy(update=update), notify=True)


def escalate_if_due(
    alert: Alert | None, now: datetime, policy: EscalationPolicy
) -> list[AlertAction]:
    """The store transition of one timer escalation: re-checked on the current record."""
    if alert is None:
        return []
    due = due_escalations([alert], now, policy)
    if not due:
        return []
    step = due[0]
    detail = f"unacknowledged after {step.after_s:g} s"
    return [escalate(alert, step.level, step.recipient, now, detail)]
