"""Event engines: pure state machines from per-frame observations to `Detection`s."""

from edge_agent.engines.bed_exit import BedExitEngine
from edge_agent.engines.fall import FallEngine
from edge_agent.engines.observation import Observation
from edge_agent.engines.occupancy import OccupancyEngine

__all__ = ["BedExitEngine", "FallEngine", "Observation", "OccupancyEngine"]
