"""What every observation-driven engine is: fed one `EngineFrame` per frame, in time order.

`SensorHealthEngine` is not one: it reads pixel statistics before there are observations,
and its `healthy` is what makes a frame ``trusted``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from edge_agent.detections import Detection
from edge_agent.engines.observation import Observation


@dataclass(frozen=True, slots=True)
class EngineFrame:
    """What the engines read of one frame."""

    observations: Sequence[Observation] = ()
    """People and objects seen in this frame."""
    trusted: bool = True
    """The sensor is healthy: False starts no new fall or bed-exit episode."""
    people: int = 0
    """Person tracks in the room, seen or coasting (occupancy counts these)."""
    patient: int | None = None
    """The patient's track when `MobilityEngine` found it in this frame (hand hygiene)."""


class Engine(Protocol):
    def step(self, t: float, frame: EngineFrame) -> list[Detection]:
        """Detections caused by the frame at time ``t``."""
        ...

    def flush(self, t: float) -> list[Detection]:
        """Close what is open (end of a recording, shutdown)."""
        ...
