"""What the event engines produce, and how it becomes a wire event.

Engines are pure and know nothing about agents, boots or sequence numbers: they return
`Detection`s. The `EventStamper` adds identity, ``boot_id``, ``seq`` and a fresh UUIDv7 to turn
each into a `protocol` event, the only thing that may leave the device.
"""

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from protocol import (
    EVENT_CLASSES,
    EVENT_SCHEMA,
    AnyEvent,
    EventData,
    EventType,
    ModelRef,
    Phase,
    new_uuid7,
)

WireEvent = AnyEvent


@dataclass(frozen=True, slots=True)
class Detection:
    """One engine output: a phase of an episode, timed on the sensor clock."""

    type: EventType
    phase: Phase
    episode_id: uuid.UUID
    ts: float
    """Seconds since the Unix epoch (sensor/recording clock)."""
    confidence: float
    data: EventData
    model: ModelRef
    bed: str | None = None
    shadow: bool = False
    """From a shadow model: stored and compared centrally, never alerted."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Where an agent is and who it is: opaque ids only."""

    site: str
    unit: str
    room: str
    agent_id: str
    sensor_id: str


class EventStamper:
    """Turns detections into wire events for one boot of one agent."""

    def __init__(self, identity: Identity, boot_id: uuid.UUID | None = None) -> None:
        self.identity = identity
        self.boot_id = boot_id or uuid.uuid4()
        self._seq = itertools.count()

    def stamp(self, detection: Detection, sent_ts: datetime | None = None) -> WireEvent:
        ts = datetime.fromtimestamp(detection.ts, UTC)
        cls = EVENT_CLASSES[detection.type]
        return cls.model_validate(
            {
                "schema": EVENT_SCHEMA,
                "event_id": new_uuid7(int(detection.ts * 1000)),
                "episode_id": detection.episode_id,
                "phase": detection.phase,
                "site": self.identity.site,
                "unit": self.identity.unit,
                "room": self.identity.room,
                "bed": detection.bed,
                "agent_id": self.identity.agent_id,
                "sensor_id": self.identity.sensor_id,
                "boot_id": self.boot_id,
                "seq": next(self._seq),
                "ts": ts,
                "sent_ts": sent_ts or ts,
                "shadow": detection.shadow,
                "confidence": detection.confidence,
                "model": detection.model,
                "type": detection.type,
                "data": detection.data,
            }
        )
