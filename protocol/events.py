"""Event envelope and the typed data of each event type.

An event is one observation of one episode: a fall has a ``start`` when the person is down,
``update``s with time on the floor, and an ``end`` when they are up. ``event_id`` (UUIDv7,
made at the edge) is the idempotency key; ``episode_id`` ties the phases together so the
aggregator keeps one alert per episode. ``seq`` counts per ``boot_id`` so gaps are visible.
"""

import uuid
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, TypeAdapter

from protocol.common import OpaqueId, Strict, UtcTime

EVENT_SCHEMA = "ambient.event/1"


def _require_v7(value: uuid.UUID) -> uuid.UUID:
    if value.version != 7:
        raise ValueError("event_id must be a UUIDv7")
    return value


class Phase(StrEnum):
    START = "start"
    UPDATE = "update"
    END = "end"
    INSTANT = "instant"


class EventType(StrEnum):
    FALL = "fall"
    OCCUPANCY = "occupancy"
    BED_EXIT = "bed_exit"


class ModelRef(Strict):
    name: str = Field(pattern=r"^[a-z0-9_.-]{1,40}$", description="Model or rule name.")
    version: str = Field(pattern=r"^[0-9A-Za-z.+-]{1,20}$", description="Semantic version.")


class FallData(Strict):
    on_floor_s: float = Field(ge=0, description="Seconds the person has been on the floor.")
    track_id: int = Field(ge=0, description="Edge tracker id of the person (per boot).")
    height_m: float = Field(
        ge=0, le=3, description="Highest point of the person above the floor now (m)."
    )
    recovered: bool | None = Field(
        default=None, description="On `end`: True when the person got up, False when lost."
    )


class OccupancyData(Strict):
    count: int = Field(ge=0, le=50, description="People in view.")


class BedExitData(Strict):
    stage: Literal["predicted", "exit", "return"] = Field(
        description="`predicted`: sitting on the edge; `exit`: out of bed; `return`: back."
    )
    track_id: int = Field(ge=0, description="Edge tracker id of the person (per boot).")


class EventBase(Strict):
    schema_: Literal["ambient.event/1"] = Field(
        alias="schema", description="Payload schema and major version."
    )
    event_id: Annotated[uuid.UUID, AfterValidator(_require_v7)] = Field(
        description="UUIDv7 made at the edge; idempotency key end to end."
    )
    episode_id: uuid.UUID = Field(description="Shared by every phase of one episode.")
    phase: Phase
    site: OpaqueId
    unit: OpaqueId
    room: OpaqueId
    bed: OpaqueId | None = None
    agent_id: OpaqueId
    sensor_id: OpaqueId
    boot_id: uuid.UUID = Field(description="New on every start of the agent.")
    seq: int = Field(ge=0, description="Per-boot sequence number, gaps are visible.")
    ts: UtcTime = Field(description="When it happened (sensor clock, UTC).")
    sent_ts: UtcTime = Field(description="When the agent first tried to send it.")
    historical: bool = Field(
        default=False, description="Replayed from the outbox after being offline."
    )
    shadow: bool = Field(default=False, description="From a shadow model: store, never alert.")
    confidence: float = Field(ge=0, le=1)
    model: ModelRef

    model_config = Strict.model_config | {"populate_by_name": True}


class FallEvent(EventBase):
    type: Literal[EventType.FALL]
    data: FallData


class OccupancyEvent(EventBase):
    type: Literal[EventType.OCCUPANCY]
    data: OccupancyData


class BedExitEvent(EventBase):
    type: Literal[EventType.BED_EXIT]
    data: BedExitData


Event = Annotated[FallEvent | OccupancyEvent | BedExitEvent, Field(discriminator="type")]

event_adapter: TypeAdapter[FallEvent | OccupancyEvent | BedExitEvent] = TypeAdapter(Event)


def parse_event(payload: bytes | str) -> FallEvent | OccupancyEvent | BedExitEvent:
    """Validate a JSON payload into its typed event; raises pydantic.ValidationError."""
    return event_adapter.validate_json(payload)


def dump_event(event: FallEvent | OccupancyEvent | BedExitEvent) -> bytes:
    """Serialise for the wire (schema under its wire name, no nulls dropped)."""
    return event.model_dump_json(by_alias=True).encode()
