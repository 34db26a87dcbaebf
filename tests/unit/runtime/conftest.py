"""Fixtures of the edge runtime tests: wire events made the way the agent makes them."""

import uuid
from collections.abc import Callable

import pytest

from edge_agent.detections import Detection, EventStamper, Identity, WireEvent
from protocol import (
    BedExitData,
    EventData,
    EventType,
    FallData,
    ModelRef,
    OccupancyData,
    Phase,
)

MakeEvent = Callable[..., WireEvent]

_DATA: dict[EventType, EventData] = {
    EventType.FALL: FallData(on_floor_s=0.0, track_id=1, height_m=0.3),
    EventType.OCCUPANCY: OccupancyData(count=1),
    EventType.BED_EXIT: BedExitData(stage="exit", track_id=1),
}


def detection(kind: EventType = EventType.FALL, ts: float = 1_780_000_000.0) -> Detection:
    return Detection(
        type=kind,
        phase=Phase.START if kind is EventType.FALL else Phase.INSTANT,
        episode_id=uuid.uuid4(),
        ts=ts,
        confidence=0.9,
        data=_DATA[kind],
        model=ModelRef(name="rules", version="1.0.0"),
    )


@pytest.fixture
def make_event() -> MakeEvent:
    """Events of one agent boot, one second apart, as the stamper makes them."""
    stamper = EventStamper(Identity("site-1", "unit-1", "room-1", "agent-1", "cam-1"))
    clock = iter(range(10**6))

    def make(kind: EventType = EventType.FALL) -> WireEvent:
        return stamper.stamp(detection(kind, 1_780_000_000.0 + next(clock)))

    return make
