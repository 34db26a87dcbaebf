"""Settings of the perception pipeline and its event engines, one typed object per device.

Every threshold lives here (not as a constant in an engine) so an installer can tune a room
without touching code, and an empty config is a working config for a typical wall-mounted
depth camera. Distances are metres, times seconds, heights are above the floor.

By stage: `sensing` (background, start-up, temporal filter, blobs, tracking), `body` (body
thresholds the engines share), `engines` (one section per event engine), `zones` (the room's
floor plan) and `perception` (the whole, `PerceptionConfig`). Every section is importable
from here.
"""

from edge_agent.models_config import ModelsConfig
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
from edge_agent.perception.config.perception import PerceptionConfig
from edge_agent.perception.config.sensing import (
    BackgroundConfig,
    BlobConfig,
    StartupConfig,
    TemporalConfig,
    TrackingConfig,
)
from edge_agent.perception.config.zones import (
    BathroomZone,
    BedZone,
    ChairZone,
    DispenserZone,
    DoorZone,
    ZonesConfig,
)

__all__ = [
    "ActivityConfig",
    "BackgroundConfig",
    "BathroomZone",
    "BedExitConfig",
    "BedZone",
    "BlobConfig",
    "BodyConfig",
    "ChairZone",
    "DispenserZone",
    "DoorZone",
    "FallConfig",
    "HandHygieneConfig",
    "MobilityConfig",
    "ModelsConfig",
    "NoMotionConfig",
    "OccupancyConfig",
    "PerceptionConfig",
    "SensorHealthConfig",
    "StartupConfig",
    "TemporalConfig",
    "TrackingConfig",
    "ZonesConfig",
]
