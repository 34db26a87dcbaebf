"""`PerceptionConfig`: every section, as the device config embeds it."""

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from edge_agent.models_config import ModelsConfig
from edge_agent.perception.config.base import Section
from edge_agent.perception.config.body import BodyConfig
from edge_agent.perception.config.engines import (
    ActivityConfig,
    BedExitConfig,
    FallConfig,
    HandHygieneConfig,
    MobilityConfig,
    NoMotionConfig,
    OccupancyConfig,
    SensorHealthConfig,
)
from edge_agent.perception.config.sensing import (
    BackgroundConfig,
    BlobConfig,
    StartupConfig,
    TemporalConfig,
    TrackingConfig,
)
from edge_agent.perception.config.zones import ZonesConfig


class PerceptionConfig(Section):
    """Everything perception and the engines need; the device config embeds it."""

    calibration_file: Path | None = Field(
        default=None,
        description="Floor calibration JSON: loaded if present, written after auto-calibration.",
    )
    mount: Literal["auto", "wall", "ceiling"] = Field(
        default="auto",
        description="How the camera hangs, as a hint for the automatic floor calibration: "
        "'wall' (on a wall or in a corner, tilted 10–65° down), 'ceiling' (looking down, at "
        "most 35° off vertical) or 'auto' (either: the floor is told apart from walls and "
        "furniture by physical priors).",
    )
    background: BackgroundConfig = Field(
        default_factory=BackgroundConfig, description="Background model."
    )
    startup: StartupConfig = Field(
        default_factory=StartupConfig,
        description="People already in view at start-up; the empty-room reference.",
    )
    temporal: TemporalConfig = Field(
        default_factory=TemporalConfig, description="Per-pixel temporal depth filter."
    )
    blobs: BlobConfig = Field(default_factory=BlobConfig, description="People as 3-D blobs.")
    tracking: TrackingConfig = Field(default_factory=TrackingConfig, description="Tracker.")
    body: BodyConfig = Field(
        default_factory=BodyConfig,
        description="Body heights, walking speed and posture certainty shared by the engines and "
        "the start-up search; an engine section may set its own for that engine.",
    )
    fall: FallConfig = Field(default_factory=FallConfig, description="Fall engine.")
    occupancy: OccupancyConfig = Field(
        default_factory=OccupancyConfig, description="Occupancy engine."
    )
    bed_exit: BedExitConfig = Field(default_factory=BedExitConfig, description="Bed-exit engine.")
    mobility: MobilityConfig = Field(default_factory=MobilityConfig, description="Mobility engine.")
    hand_hygiene: HandHygieneConfig = Field(
        default_factory=HandHygieneConfig, description="Hand-hygiene engine."
    )
    no_motion: NoMotionConfig = Field(
        default_factory=NoMotionConfig, description="No-motion engine."
    )
    activity: ActivityConfig = Field(
        default_factory=ActivityConfig, description="Per-person activity engine."
    )
    sensor_health: SensorHealthConfig = Field(
        default_factory=SensorHealthConfig, description="Sensor-health engine."
    )
    zones: ZonesConfig = Field(
        default_factory=ZonesConfig,
        description="Beds, chairs, doors, dispensers and bathroom doors.",
    )
    models: ModelsConfig = Field(
        default_factory=ModelsConfig,
        description="On-device models per person track (posture, fall, dispenser), shadows.",
    )

    @field_validator("zones")
    @classmethod
    def _unique_zone_ids(cls, zones: ZonesConfig) -> ZonesConfig:
        ids = [z.id for z in zones.beds] + [z.id for z in zones.chairs]
        if len(ids) != len(set(ids)):
            raise ValueError("zone ids must be unique")
        return zones
