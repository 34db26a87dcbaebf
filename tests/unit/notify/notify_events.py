"""Builders of wire events of one home, stamped as an edge agent stamps them."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from aggregator import samples
from edge_agent.detections import Detection, EventStamper
from protocol import (
    ActivityData,
    ActivityState,
    AnyEvent,
    EventData,
    EventType,
    FallData,
    NoMotionData,
    OccupancyData,
    Phase,
)


@dataclass
class HomeEvents:
    """Events of home ``home7/home``; times are aware datetimes."""

    stampers: dict[str, EventStamper] = field(default_factory=dict)

    def _stamp(
        self, room: str, kind: EventType, phase: Phase, ts: datetime, data: EventData, **kw: object
    ) -> AnyEvent:
        st = self.stampers.setdefault(
            room, samples.stamper(site="home7", unit="home", room=room, agent_id=f"agent-{room}")
        )
        episode = kw.pop("episode", None) or uuid.uuid4()
        assert isinstance(episode, uuid.UUID)
        shadow = bool(kw.pop("shadow", False))
        return st.stamp(
            Detection(kind, phase, episode, ts.timestamp(), 0.9, data, samples.MODEL, None, shadow)
        )

    def occupancy(self, ts: datetime, count: int, room: str = "living") -> AnyEvent:
        return self._stamp(room, EventType.OCCUPANCY, Phase.INSTANT, ts, OccupancyData(count=count))

    def activity(
        self, ts: datetime, state: ActivityState = ActivityState.WALKING, room: str = "living"
    ) -> AnyEvent:
        data = ActivityData(track_id=1, state=state, duration_s=10.0)
        return self._stamp(room, EventType.ACTIVITY, Phase.INSTANT, ts, data)

    def fall(
        self,
        ts: datetime,
        phase: Phase,
        episode: uuid.UUID,
        *,
        on_floor_s: float = 0.0,
        escalation: int = 0,
        shadow: bool = False,
        room: str = "living",
    ) -> AnyEvent:
        data = FallData(
            on_floor_s=on_floor_s,
            track_id=1,
            height_m=0.3,
            recovered=True if phase is Phase.END else None,
            escalation=escalation,
        )
        return self._stamp(room, EventType.FALL, phase, ts, data, episode=episode, shadow=shadow)

    def no_motion(
        self,
        ts: datetime,
        phase: Phase,
        episode: uuid.UUID,
        still_s: float,
        *,
        room: str = "living",
    ) -> AnyEvent:
        data = NoMotionData(still_s=still_s, people=1)
        return self._stamp(room, EventType.NO_MOTION, phase, ts, data, episode=episode)
