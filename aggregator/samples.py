"""Sample wire events for tests, demos and benchmarks, stamped exactly as an edge agent does.

Uses the edge `EventStamper` so samples carry real UUIDv7 ids, boot ids and sequence numbers.
"""

import uuid
from datetime import UTC, datetime

from edge_agent.detections import Detection, EventStamper, Identity
from protocol import (
    STATUS_SCHEMA,
    AgentState,
    AgentStatus,
    BedExitData,
    BedExitEvent,
    EventType,
    FallData,
    FallEvent,
    ModelRef,
    OccupancyData,
    OccupancyEvent,
    Phase,
)

MODEL = ModelRef(name="fall", version="1.0.0")


def stamper(
    site: str = "demo", unit: str = "4north", room: str = "412", agent_id: str = "agent-412"
) -> EventStamper:
    return EventStamper(Identity(site, unit, room, agent_id, f"{agent_id}-depth"))


def fall(
    st: EventStamper, phase: Phase, episode_id: uuid.UUID, ts: float, on_floor_s: float = 0.0
) -> FallEvent:
    data = FallData(
        on_floor_s=on_floor_s,
        track_id=1,
        height_m=0.3,
        recovered=True if phase is Phase.END else None,
    )
    event = st.stamp(Detection(EventType.FALL, phase, episode_id, ts, 0.93, data, MODEL))
    assert isinstance(event, FallEvent)
    return event


def occupancy(st: EventStamper, count: int, ts: float) -> OccupancyEvent:
    detection = Detection(
        EventType.OCCUPANCY, Phase.INSTANT, uuid.uuid4(), ts, 0.9, OccupancyData(count=count), MODEL
    )
    event = st.stamp(detection)
    assert isinstance(event, OccupancyEvent)
    return event


def bed_exit(
    st: EventStamper, stage: str, episode_id: uuid.UUID, ts: float, bed: str = "412-A"
) -> BedExitEvent:
    phase = {"predicted": Phase.START, "exit": Phase.UPDATE, "return": Phase.END}[stage]
    data = BedExitData.model_validate({"stage": stage, "track_id": 1})
    event = st.stamp(Detection(EventType.BED_EXIT, phase, episode_id, ts, 0.9, data, MODEL, bed))
    assert isinstance(event, BedExitEvent)
    return event


def agent_status(
    st: EventStamper, state: AgentState, ts: float, boot_id: uuid.UUID | None = None
) -> AgentStatus:
    ident = st.identity
    return AgentStatus.model_validate(
        {
            "schema": STATUS_SCHEMA,
            "state": state,
            "site": ident.site,
            "unit": ident.unit,
            "room": ident.room,
            "agent_id": ident.agent_id,
            "boot_id": boot_id or st.boot_id,
            "ts": datetime.fromtimestamp(ts, UTC),
            "software_version": "0.1.0",
            "config_hash": "0123abcd",
        }
    )
