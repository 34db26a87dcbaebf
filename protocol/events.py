"""Event envelope and the typed data of each event type.

An event is one observation of one episode: a fall has a ``start`` when the person is down,
``update``s with time on the floor, and an ``end`` when they are up. ``event_id`` (UUIDv7,
made at the edge) is the idempotency key; ``episode_id`` ties the phases together so the
aggregator keeps one alert per episode. ``seq`` counts per ``boot_id`` so gaps are visible.
"""

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, TypeAdapter

from protocol.common import OpaqueId, Strict, UtcTime

EVENT_SCHEMA = "ambient.event/1"


def _require_v7(value: uuid.UUID) -> uuid.UUID:
    if value.version != 7:
        raise ValueError("event_id must be a UUIDv7")
    return value


def _calendar_day(value: str) -> str:
    """A day the calendar has: the roll-ups turn it into a date, and `2026-13-45` raised."""
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("day must be a calendar date, YYYY-MM-DD") from None
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
    MOBILITY = "mobility"
    MOBILITY_DAY = "mobility_day"
    HAND_HYGIENE = "hand_hygiene"
    ACTIVITY = "activity"
    NO_MOTION = "no_motion"
    SENSOR_HEALTH = "sensor_health"


class MobilityState(StrEnum):
    """Where a patient is on the way out of bed and back (the mobility engine's states)."""

    IN_BED = "in_bed"
    SITTING_EDGE = "sitting_edge"
    STANDING = "standing"
    CHAIR = "chair"
    WALKING = "walking"


class ActivityState(StrEnum):
    """What one person is doing, as the home daily summary counts it."""

    IN_BED = "in_bed"
    LYING = "lying"
    SITTING = "sitting"
    STANDING = "standing"
    WALKING = "walking"
    ON_FLOOR = "on_floor"
    OUT_OF_VIEW = "out_of_view"


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
    escalation: int = Field(
        default=0,
        ge=0,
        le=10,
        description="Long-lie steps passed so far (e.g. 1 after 5 min, 2 after 15, 3 after 60).",
    )


class OccupancyData(Strict):
    count: int = Field(ge=0, le=50, description="People in view.")


class BedExitData(Strict):
    stage: Literal["predicted", "exit", "return"] = Field(
        description="`predicted`: sitting on the edge; `exit`: out of bed; `return`: back."
    )
    track_id: int = Field(ge=0, description="Edge tracker id of the person (per boot).")


class MobilityData(Strict):
    """A transition of a mobilization session (`start`/`update`), or its summary (`end`)."""

    track_id: int = Field(ge=0, description="Edge tracker id of the patient (per boot).")
    state: MobilityState = Field(description="State entered (on `end`: the state it ended in).")
    previous: MobilityState | None = Field(
        default=None, description="State left; None on a summary."
    )
    staff_count: int = Field(
        ge=0, le=10, description="Other people beside the patient during the transition."
    )
    duration_s: float = Field(
        ge=0, description="Transition: seconds spent in `previous`; end: session length."
    )
    ims_level: int = Field(
        ge=0, le=10, description="ICU Mobility Scale level of `state` (end: highest reached)."
    )
    active_s: float = Field(
        default=0.0, ge=0, description="Seconds out of bed and upright in this session so far."
    )


class MobilityDayData(Strict):
    """One patient-day of mobility, sent once a day (`instant`)."""

    day: Annotated[str, AfterValidator(_calendar_day)] = Field(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description="UTC date summarised."
    )
    max_ims_level: int = Field(ge=0, le=10)
    active_s: float = Field(ge=0, description="Seconds out of bed and upright.")
    sessions: int = Field(ge=0, le=1000)
    out_of_bed: bool
    max_staff: int = Field(ge=0, le=10, description="Most staff beside the patient at once.")


class HandHygieneData(Strict):
    """One hand-hygiene opportunity: a person crossing the doorway (`instant`).

    Entry and exit of one visit share the event's ``episode_id``.
    """

    direction: Literal["entry", "exit"]
    track_id: int = Field(ge=0)
    dispenser_used: bool = Field(description="Used a dispenser within the window of the crossing.")
    dispenser_offset_s: float | None = Field(
        default=None, description="Dispenser use minus crossing time (s); None when not used."
    )
    patient_contact: bool | None = Field(
        default=None,
        description="Went near the bed zone during the visit; None when unknown (no bed zone).",
    )
    window_s: float = Field(ge=0, description="The ± window the dispenser use was matched in.")


class ActivityData(Strict):
    """A person's activity changed (`instant`); the previous one lasted ``duration_s``."""

    track_id: int = Field(ge=0)
    state: ActivityState
    previous: ActivityState | None = None
    duration_s: float = Field(ge=0)
    zone: str | None = Field(
        default=None, pattern=r"^[a-z0-9_-]{1,32}$", description="Zone kind: bed, chair, ..."
    )


class NoMotionData(Strict):
    """Someone is in the room and nothing has moved for ``still_s`` (start/update/end)."""

    still_s: float = Field(ge=0)
    people: int = Field(ge=0, le=50)


class SensorHealthData(Strict):
    """The agent cannot trust its input (start/update) or trusts it again (end).

    While such an episode is open the agent sends no confident alerts from that sensor.
    """

    state: Literal["blocked", "uncertain", "unfamiliar", "no_floor", "no_frames"]
    detail: str = Field(max_length=120, pattern=r"^[A-Za-z0-9 _.,:%/()+=<>-]*$")


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


class MobilityEvent(EventBase):
    type: Literal[EventType.MOBILITY]
    data: MobilityData


class MobilityDayEvent(EventBase):
    type: Literal[EventType.MOBILITY_DAY]
    data: MobilityDayData


class HandHygieneEvent(EventBase):
    type: Literal[EventType.HAND_HYGIENE]
    data: HandHygieneData


class ActivityEvent(EventBase):
    type: Literal[EventType.ACTIVITY]
    data: ActivityData


class NoMotionEvent(EventBase):
    type: Literal[EventType.NO_MOTION]
    data: NoMotionData


class SensorHealthEvent(EventBase):
    type: Literal[EventType.SENSOR_HEALTH]
    data: SensorHealthData


AnyEvent = (
    FallEvent
    | OccupancyEvent
    | BedExitEvent
    | MobilityEvent
    | MobilityDayEvent
    | HandHygieneEvent
    | ActivityEvent
    | NoMotionEvent
    | SensorHealthEvent
)
"""Every event type on the wire."""

EventData = (
    FallData
    | OccupancyData
    | BedExitData
    | MobilityData
    | MobilityDayData
    | HandHygieneData
    | ActivityData
    | NoMotionData
    | SensorHealthData
)

EVENT_CLASSES: dict[EventType, type[AnyEvent]] = {
    EventType.FALL: FallEvent,
    EventType.OCCUPANCY: OccupancyEvent,
    EventType.BED_EXIT: BedExitEvent,
    EventType.MOBILITY: MobilityEvent,
    EventType.MOBILITY_DAY: MobilityDayEvent,
    EventType.HAND_HYGIENE: HandHygieneEvent,
    EventType.ACTIVITY: ActivityEvent,
    EventType.NO_MOTION: NoMotionEvent,
    EventType.SENSOR_HEALTH: SensorHealthEvent,
}

Event = Annotated[AnyEvent, Field(discriminator="type")]

event_adapter: TypeAdapter[AnyEvent] = TypeAdapter(Event)


def parse_event(payload: bytes | str) -> AnyEvent:
    """Validate a JSON payload into its typed event; raises pydantic.ValidationError."""
    return event_adapter.validate_json(payload)


def dump_event(event: AnyEvent) -> bytes:
    """Serialise for the wire (schema under its wire name, no nulls dropped)."""
    return event.model_dump_json(by_alias=True).encode()
