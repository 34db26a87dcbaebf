"""Generators of one room-day each: presence, falls, bed exits; new event types plug in here."""

from simulators.fleet.generators.base import (
    DayContext,
    Generator,
    Occurrence,
    RoomSpec,
    RoomState,
)
from simulators.fleet.generators.bed_exits import BedExitGenerator
from simulators.fleet.generators.falls import FallGenerator
from simulators.fleet.generators.presence import AwayGenerator, StaffGenerator, VisitorGenerator


def default_generators() -> list[Generator]:
    """In planning order: the patient's absences first, so episodes avoid them."""
    return [
        AwayGenerator(),
        FallGenerator(),
        BedExitGenerator(),
        StaffGenerator(),
        VisitorGenerator(),
    ]


__all__ = [
    "AwayGenerator",
    "BedExitGenerator",
    "DayContext",
    "FallGenerator",
    "Generator",
    "Occurrence",
    "RoomSpec",
    "RoomState",
    "StaffGenerator",
    "VisitorGenerator",
    "default_generators",
]
