"""Pure routing from one stored input to the alert it concerns and its transition.

Kept apart from the consumer loop so the question "which alert does this event touch, and
how" is answered without Redis. Occupancy updates room state and never alerts; shadow
events and the analytics types (mobility, hand hygiene, activity...) touch no alert here.
Advisories (bed exit, no motion, sensor health) are checked against the room's occupancy
and snooze, which the consumer reads first (see `needs_room`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aggregator.alerts.lifecycle import (
    AlertAction,
    on_agent_status,
    on_bed_exit,
    on_fall,
    on_no_motion,
    on_sensor_health,
)
from aggregator.alerts.model import Alert, AlertKind, episode_alert_id, offline_alert_id
from aggregator.alerts.policy import DEFAULT_POLICY, EscalationPolicy
from aggregator.alerts.suppression import RoomContext, suppression_reason
from aggregator.rules.room_state import RoomSignal, signal_of
from protocol import (
    AgentState,
    AgentStatus,
    AnyEvent,
    BedExitEvent,
    FallEvent,
    NoMotionEvent,
    OccupancyEvent,
    SensorHealthEvent,
)

Transition = Callable[[Alert | None], list[AlertAction]]
_NO_ROOM = RoomContext()


@dataclass(frozen=True, slots=True)
class AlertWork:
    """Apply ``transition`` to the alert ``alert_id`` (None: look up the agent's open alert)."""

    alert_id: str | None
    agent_id: str | None
    transition: Transition


@dataclass(frozen=True, slots=True)
class RoomWork:
    """Apply ``signal`` to the state of ``room`` (see `aggregator.rules.room_state`)."""

    room: str
    signal: RoomSignal

    @property
    def state(self) -> dict[str, Any]:
        """What this input says about the room, e.g. ``{"occupied": 2, "ts": ...}``."""
        return self.signal.fields()


def room_work(item: AnyEvent | AgentStatus, now: datetime) -> RoomWork | None:
    """The room-state change an event or agent status makes (occupancy, bed, floor, sensor)."""
    found = signal_of(item, now)
    return None if found is None else RoomWork(*found)


def needs_room(event: AnyEvent) -> bool:
    """Events whose alert may be suppressed by the room's occupancy or snooze."""
    return not event.shadow and isinstance(event, BedExitEvent | NoMotionEvent | SensorHealthEvent)


def route_event(
    event: AnyEvent,
    now: datetime,
    fall_risk_beds: list[str] | None,
    *,
    room: RoomContext = _NO_ROOM,
    policy: EscalationPolicy = DEFAULT_POLICY,
    staff_present_count: int = 2,
) -> AlertWork | RoomWork | None:
    if event.shadow:
        return None  # a shadow model's events are stored and compared, never alerted
    if isinstance(event, FallEvent):
        return AlertWork(
            episode_alert_id(AlertKind.FALL, event.episode_id),
            None,
            lambda alert: on_fall(alert, event, now, policy=policy),
        )
    if isinstance(event, OccupancyEvent):
        return room_work(event, now)
    if isinstance(event, BedExitEvent):
        fall_risk = fall_risk_beds is None or (
            event.bed is not None and event.bed in fall_risk_beds
        )
        why = suppression_reason(AlertKind.BED_EXIT, room, now, staff_present_count)
        return AlertWork(
            episode_alert_id(AlertKind.BED_EXIT, event.episode_id),
            None,
            lambda alert: on_bed_exit(alert, event, now, fall_risk, why, policy=policy),
        )
    if isinstance(event, NoMotionEvent):
        why = suppression_reason(AlertKind.NO_MOTION, room, now, staff_present_count)
        return AlertWork(
            episode_alert_id(AlertKind.NO_MOTION, event.episode_id),
            None,
            lambda alert: on_no_motion(alert, event, now, why, policy=policy),
        )
    if isinstance(event, SensorHealthEvent):
        why = suppression_reason(AlertKind.SENSOR_HEALTH, room, now, staff_present_count)
        return AlertWork(
            episode_alert_id(AlertKind.SENSOR_HEALTH, event.episode_id),
            None,
            lambda alert: on_sensor_health(alert, event, now, why, policy=policy),
        )
    return None


def route_status(
    status: AgentStatus, now: datetime, policy: EscalationPolicy = DEFAULT_POLICY
) -> AlertWork:
    """Offline: the alert of the boot that went away; online/stopped: the agent's open one."""
    if status.state is AgentState.OFFLINE:
        alert_id = offline_alert_id(status.site, status.agent_id, status.boot_id)
        return AlertWork(
            alert_id, None, lambda alert: on_agent_status(alert, status, now, policy=policy)
        )
    return AlertWork(
        None, status.agent_id, lambda alert: on_agent_status(alert, status, now, policy=policy)
    )
