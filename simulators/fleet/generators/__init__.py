"""Generators of one room-day each: presence, falls, bed exits, hand hygiene, mobility and
home activity; new event types plug in here."""

from simulators.fleet.generators.activity import ActivityGenerator
from simulators.fleet.generators.base import (
    DayContext,
    Generator,
    Occurrence,
    RoomSpec,
    RoomState,
)
from simulators.fleet.generators.bed_exits import BedExitGenerator
from simulators.fleet.generators.falls import FallGenerator
from simulators.fleet.generators.hand_hygiene import HandHygieneGenerator
from simulators.fleet.generators.mobility import MobilityGenerator
from simulators.fleet.generators.presence import AwayGenerator, StaffGenerator, VisitorGenerator


def default_generators() -> list[Generator]:
    """In planning order: the patient's absences first, so episodes avoid them; the later
    generators read what the earlier ones planned (staff visits, bed exits, spells away)."""
    return [
        AwayGenerator(),
        FallGenerator(),
        BedExitGenerator(),
        StaffGenerator(),
        VisitorGenerator(),
        HandHygieneGenerator(),
        MobilityGenerator(),
        ActivityGenerator(),
    ]


__all__ = [
    "ActivityGenerator",
    "AwayGenerator",
    "BedExitGenerator",
    "DayContext",
    "FallGenerator",
    "Generator",
    "HandHygieneGenerator",
    "MobilityGenerator",
    "Occurrence",
    "RoomSpec",
    "RoomState",
    "StaffGenerator",
    "VisitorGenerator",
    "default_generators",
]
