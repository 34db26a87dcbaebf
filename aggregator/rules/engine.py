"""Pure routing from one stored input to the alert it concerns and its transition.

Kept apart from the consumer loop so the question "which alert does this event touch, and
how" is answered without Redis. Occupancy updates room state and never alerts; shadow
events and the analytics types (mobility, hand hygiene, activity...) touch no alert here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aggregator.alerts.lifecycle import AlertAction, on_agent_status, on_bed_exit, on_fall
from aggregator.alerts.model import Alert, AlertKind, episode_alert_id, offline_alert_id
from protocol import AgentState, AgentStatus, AnyEvent, BedExitEvent, FallEvent, OccupancyEvent

Transition = Callable[[Alert | None], list[AlertAction]]


@dataclass(frozen=True, slots=True)
class AlertWork:
    """Apply ``transition`` to the alert ``alert_id`` (None: look up the agent's open alert)."""

    alert_id: str | None
    agent_id: str | None
    transition: Transition


@dataclass(frozen=True, slots=True)
class RoomWork:
    room: str
    state: dict[str, Any]


def route_event(
    event: AnyEvent,
    now: datetime,
    fall_risk_beds: list[str] | None,
) -> AlertWork | RoomWork | None:
    if event.shadow:
        return None  # a shadow model's events are stored and compared, never alerted
    if isinstance(event, FallEvent):
        return AlertWork(
            episode_alert_id(AlertKind.FALL, event.episode_id),
            None,
            lambda alert: on_fall(alert, event, now),
        )
    if isinstance(event, BedExitEvent):
        fall_risk = fall_risk_beds is None or (
            event.bed is not None and event.bed in fall_risk_beds
        )
        return AlertWork(
            episode_alert_id(AlertKind.BED_EXIT, event.episode_id),
            None,
            lambda alert: on_bed_exit(alert, event, now, fall_risk),
        )
    if isinstance(event, OccupancyEvent):
        return RoomWork(event.room, {"occupied": event.data.count, "ts": event.ts.isoformat()})
    return None


def route_status(status: AgentStatus, now: datetime) -> AlertWork:
    """Offline: the alert of the boot that went away; online/stopped: the agent's open one."""
    if status.state is AgentState.OFFLINE:
        alert_id = offline_alert_id(status.site, status.agent_id, status.boot_id)
        return AlertWork(alert_id, None, lambda alert: on_agent_status(alert, status, now))
    return AlertWork(None, status.agent_id, lambda alert: on_agent_status(alert, status, now))
