"""What the notifier remembers about one home: who is there, when last seen, when last active.

`observe` folds one stream entry into a `HomeState`; it is pure and safe to re-apply (times
only move forward), so a re-delivered entry after a crash changes nothing. The state also
learns the person's usual quiet gap per local hour (an exponential average of the time
between activity changes while someone is home), which the inactivity timer uses.
"""

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from protocol import (
    ActivityEvent,
    ActivityState,
    AgentState,
    AgentStatus,
    AnyEvent,
    FallEvent,
    NoMotionEvent,
    OccupancyEvent,
    Phase,
)

GAP_ALPHA = 0.1
"""Weight of a new gap in the usual-gap average: about the last 20 gaps of that hour count."""
MAX_GAP_S = 24 * 3600.0
"""Longer gaps are outages or holidays, not habits: not learned."""


@dataclass(frozen=True, slots=True)
class Gap:
    mean_s: float
    n: int


@dataclass(frozen=True, slots=True)
class HomeState:
    present_rooms: frozenset[str] = frozenset()
    last_seen: datetime | None = None
    """Last time anyone was observed in the home (while present: the latest observation)."""
    last_active: datetime | None = None
    """Last activity change, or the moment someone came into view."""
    latest: datetime | None = None
    """Newest event time applied: older events do not change presence."""
    usual_gap: dict[int, Gap] = field(default_factory=dict)
    """Local hour -> usual seconds between activity changes starting in that hour."""

    def dump(self) -> str:
        return json.dumps(
            {
                "present_rooms": sorted(self.present_rooms),
                "last_seen": _iso(self.last_seen),
                "last_active": _iso(self.last_active),
                "latest": _iso(self.latest),
                "usual_gap": {str(h): [g.mean_s, g.n] for h, g in self.usual_gap.items()},
            }
        )

    @classmethod
    def load(cls, raw: str | bytes | None) -> "HomeState":
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(
            present_rooms=frozenset(data["present_rooms"]),
            last_seen=_time(data["last_seen"]),
            last_active=_time(data["last_active"]),
            latest=_time(data["latest"]),
            usual_gap={int(h): Gap(float(m), int(n)) for h, (m, n) in data["usual_gap"].items()},
        )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _later(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b > a else a


def _present(event: AnyEvent) -> bool | None:
    """Does this event say someone is in its room (True), nobody (False), or nothing (None)?"""
    if isinstance(event, OccupancyEvent):
        return event.data.count > 0
    if isinstance(event, ActivityEvent):
        return event.data.state is not ActivityState.OUT_OF_VIEW
    if isinstance(event, NoMotionEvent):
        return event.data.people > 0 if event.phase is not Phase.END else None
    if isinstance(event, FallEvent):
        return True
    return None


def _learn(state: HomeState, until: datetime, zone: ZoneInfo) -> dict[int, Gap]:
    if state.last_active is None or not state.present_rooms:
        return state.usual_gap
    gap = (until - state.last_active).total_seconds()
    if not 0 < gap <= MAX_GAP_S:
        return state.usual_gap
    hour = state.last_active.astimezone(zone).hour
    old = state.usual_gap.get(hour)
    mean = gap if old is None else old.mean_s + GAP_ALPHA * (gap - old.mean_s)
    return {**state.usual_gap, hour: Gap(mean, (old.n if old else 0) + 1)}


def observe(state: HomeState, event: AnyEvent, zone: ZoneInfo) -> HomeState:
    """Fold one event of the home into its state. Shadow events are ignored."""
    if event.shadow:
        return state
    ts = event.ts
    present = _present(event)
    if state.latest is not None and ts < state.latest:
        # Out of order (another room's agent replaying): keep the sighting, not the presence.
        return replace(state, last_seen=_later(state.last_seen, ts)) if present else state
    rooms = set(state.present_rooms)
    if present is True:
        rooms.add(event.room)
    elif present is False:
        rooms.discard(event.room)
    was_present = bool(state.present_rooms)
    last_seen = state.last_seen
    if present is not None and (present or event.room in state.present_rooms):
        last_seen = _later(last_seen, ts)
    last_active, usual = state.last_active, state.usual_gap
    active = isinstance(event, ActivityEvent | FallEvent) or (
        isinstance(event, NoMotionEvent) and event.phase is Phase.END
    )
    if active and present is not False:
        usual = _learn(state, ts, zone) if isinstance(event, ActivityEvent) else usual
        last_active = _later(last_active, ts)
    elif rooms and not was_present:
        last_active = _later(last_active, ts)  # came into view: the quiet clock starts now
    return HomeState(frozenset(rooms), last_seen, last_active, ts, usual)


def observe_status(state: HomeState, status: AgentStatus) -> HomeState:
    """An agent that went offline or stopped no longer vouches for its room."""
    if status.state in (AgentState.OFFLINE, AgentState.STOPPED) and status.room in (
        state.present_rooms
    ):
        # A Will carries the time of connect, not of the outage: last_seen stays the last
        # observation, which is the honest bound.
        return replace(state, present_rooms=state.present_rooms - {status.room})
    return state
