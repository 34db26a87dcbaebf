"""Event engines: pure state machines from per-frame observations to `Detection`s."""

from edge_agent.engines.activity import ActivityEngine
from edge_agent.engines.bed_exit import BedExitEngine
from edge_agent.engines.build import Engines, build_engines
from edge_agent.engines.engine import Engine, EngineFrame
from edge_agent.engines.fall import FallEngine
from edge_agent.engines.hand_hygiene import HandHygieneEngine
from edge_agent.engines.mobility import MobilityEngine, ims_level
from edge_agent.engines.no_motion import NoMotionEngine
from edge_agent.engines.observation import Observation
from edge_agent.engines.occupancy import OccupancyEngine
from edge_agent.engines.sensor_health import SensorHealthEngine

__all__ = [
    "ActivityEngine",
    "BedExitEngine",
    "Engine",
    "EngineFrame",
    "Engines",
    "FallEngine",
    "HandHygieneEngine",
    "MobilityEngine",
    "NoMotionEngine",
    "Observation",
    "OccupancyEngine",
    "SensorHealthEngine",
    "build_engines",
    "ims_level",
]
