"""Fleet simulation: event-level rooms over days, virtual edge agents, back-filled history.

No rendering here: a `RoomModel` plans what happens in a room (people coming and going, bed
exits, falls) from seeded generators and yields the protocol events an edge agent would send,
with the ground truth beside them. `Fleet` runs hundreds of such agents over MQTT; `backfill`
writes months of history through the aggregator's own ingest writer.
"""

from simulators.fleet.generators import Generator, Occurrence, RoomSpec, default_generators
from simulators.fleet.layout import make_rooms
from simulators.fleet.rates import DEFAULT_RATES, RoomKind, RoomRates
from simulators.fleet.room import DayResult, RoomModel
from simulators.fleet.stamp import SimStamper
from simulators.fleet.truth import TRUTH_SCHEMA, DayTruth, FallTruth, FleetTruth, RoomTruth

__all__ = [
    "DEFAULT_RATES",
    "TRUTH_SCHEMA",
    "DayResult",
    "DayTruth",
    "FallTruth",
    "FleetTruth",
    "Generator",
    "Occurrence",
    "RoomKind",
    "RoomModel",
    "RoomRates",
    "RoomSpec",
    "RoomTruth",
    "SimStamper",
    "default_generators",
    "make_rooms",
]
