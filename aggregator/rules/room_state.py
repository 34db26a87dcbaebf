"""What state each room is in, for the nurse-station room tiles: pure, no Redis, no clock.

A room's state is kept from the events of its agents, one signal at a time:

- ``occupied``: occupancy count (> 0: someone is there).
- ``in_bed``: activity ``in_bed`` says yes, any other activity says no; bed exit ``exit`` says
  no, ``return`` says yes (``predicted`` changes nothing: still in bed, on the edge).
- ``on_floor``: a fall episode from ``start`` until its ``end``.
- ``offline_agents``: agents whose status is ``offline``, until they say ``online``/``stopped``.
- ``sensor_issues``: open sensor-health episodes (blocked view, no frames...), until ``end``.

The one word a tile shows (`RoomState.summary`) is the most urgent of these: someone on the
floor first (the fall alert must stay visible even when the sensor then goes away), then a
sensor that cannot see, then out of bed, in bed, occupied, empty. ``since`` is the time the
summary last changed, so "on floor for 4 min" means what it says.

Occupancy and activity are "latest wins" readings: one older than the last applied (an
outbox replay after a network outage) is ignored. Episodes (falls, sensor health) and agent
status apply in any order, since each start has its own end.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aggregator.store import Partition
from protocol import (
    ActivityEvent,
    ActivityState,
    AgentState,
    AgentStatus,
    AnyEvent,
    BedExitEvent,
    FallEvent,
    OccupancyEvent,
    Phase,
    SensorHealthEvent,
)


class RoomSummary(StrEnum):
    ON_FLOOR = "on_floor"
    SENSOR_OFFLINE = "sensor_offline"
    OUT_OF_BED = "out_of_bed"
    IN_BED = "in_bed"
    OCCUPIED = "occupied"
    EMPTY = "empty"
    UNKNOWN = "unknown"


class RoomState(BaseModel):
    """Stored as JSON in the unit's rooms hash; ``occupied`` keeps its old meaning (a count)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    room: str
    occupied: int | None = Field(default=None, description="People in view; None: not known.")
    in_bed: bool | None = Field(default=None, description="None: no bed reading yet.")
    on_floor: list[str] = Field(default_factory=list, description="Open fall episode ids.")
    offline_agents: list[str] = Field(default_factory=list)
    sensor_issues: dict[str, str] = Field(
        default_factory=dict, description="agent/sensor -> sensor-health state (blocked...)."
    )
    reading_ts: datetime | None = Field(
        default=None, description="Sensor time of the last occupancy/activity reading applied."
    )
    summary: RoomSummary = RoomSummary.UNKNOWN
    since: datetime | None = Field(default=None, description="When `summary` last changed.")
    ts: datetime | None = Field(default=None, description="When anything last changed.")

    def with_summary(self, at: datetime) -> "RoomState":
        word = _summarise(self)
        if word is self.summary and self.since is not None:
            return self.model_copy(update={"ts": at})
        return self.model_copy(update={"summary": word, "since": at, "ts": at})


def _summarise(s: RoomState) -> RoomSummary:
    if s.on_floor:
        return RoomSummary.ON_FLOOR
    if s.offline_agents or s.sensor_issues:
        return RoomSummary.SENSOR_OFFLINE
    if s.occupied == 0:
        return RoomSummary.EMPTY
    if s.in_bed is False and s.occupied is not None:
        return RoomSummary.OUT_OF_BED
    if s.in_bed:
        return RoomSummary.IN_BED
    if s.occupied:
        return RoomSummary.OCCUPIED
    return RoomSummary.UNKNOWN


@dataclass(frozen=True, slots=True)
class RoomSignal:
    """One thing an input says about a room: ``aspect`` set to ``value`` (``key``: whose)."""

    aspect: str
    value: Any
    at: datetime
    key: str = ""

    def fields(self) -> dict[str, Any]:
        return {self.aspect: self.value, "ts": self.at.isoformat()}


def signal_of(item: AnyEvent | AgentStatus, now: datetime) -> tuple[str, RoomSignal] | None:
    """The room an event or agent status concerns and what it says; None: nothing."""
    if isinstance(item, AgentStatus):
        # A Will's ts is when the agent connected, long ago: the outage is known now.
        at = now if item.state is AgentState.OFFLINE else item.ts
        return item.room, RoomSignal("offline", item.state is AgentState.OFFLINE, at, item.agent_id)
    if item.shadow:
        return None
    ts = item.ts
    if isinstance(item, OccupancyEvent):
        return item.room, RoomSignal("occupied", item.data.count, ts)
    if isinstance(item, ActivityEvent):
        return item.room, RoomSignal("in_bed", item.data.state is ActivityState.IN_BED, ts)
    if isinstance(item, BedExitEvent):
        if item.data.stage == "predicted":
            return None
        return item.room, RoomSignal("in_bed", item.data.stage == "return", ts)
    if isinstance(item, FallEvent):
        ended = item.phase is Phase.END
        return item.room, RoomSignal("on_floor", not ended, ts, str(item.episode_id))
    if isinstance(item, SensorHealthEvent):
        issue = None if item.phase is Phase.END else item.data.state
        return item.room, RoomSignal("sensor_issue", issue, ts, f"{item.agent_id}/{item.sensor_id}")
    return None


def apply_signal(state: RoomState | None, room: str, signal: RoomSignal) -> RoomState | None:
    """The room's next state; None when the signal changes nothing (nothing to store)."""
    current = state or RoomState(room=room)
    update: dict[str, Any] = {}
    if signal.aspect in ("occupied", "in_bed"):
        if current.reading_ts is not None and signal.at < current.reading_ts:
            return None  # an older reading replayed late: the room has moved on
        update = {signal.aspect: signal.value, "reading_ts": signal.at}
    elif signal.aspect == "on_floor":
        update = {"on_floor": _toggle(current.on_floor, signal.key, bool(signal.value))}
    elif signal.aspect == "offline":
        update = {"offline_agents": _toggle(current.offline_agents, signal.key, signal.value)}
    elif signal.aspect == "sensor_issue":
        issues = dict(current.sensor_issues)
        if signal.value is None:
            issues.pop(signal.key, None)
        else:
            issues[signal.key] = signal.value
        update = {"sensor_issues": issues}
    nxt = current.model_copy(update=update)
    if state is not None and _facts(nxt) == _facts(state):
        return None
    return nxt.with_summary(signal.at)


def _toggle(members: list[str], key: str, present: bool) -> list[str]:
    rest = [m for m in members if m != key]
    return sorted([*rest, key]) if present else rest


def _facts(s: RoomState) -> tuple[Any, ...]:
    issues = tuple(sorted(s.sensor_issues.items()))
    return (s.occupied, s.in_bed, tuple(s.on_floor), tuple(s.offline_agents), issues)


def read_state(room: str, raw: dict[str, Any] | None) -> RoomState | None:
    """A stored room (older records held only ``occupied`` and ``ts``) as a `RoomState`."""
    if raw is None:
        return None
    state = RoomState.model_validate({**raw, "room": room})
    if state.since is None:
        at = state.ts or state.reading_ts
        return state.model_copy(update={"summary": _summarise(state), "since": at})
    return state


def rooms_channel(part: Partition) -> str:
    """Pub/sub channel of a unit's room changes (JSON `RoomState`), beside its alert feed.

    Apart from the alert channel so readers of alert changes never meet another shape.
    """
    return f"{part.feed}:rooms"
