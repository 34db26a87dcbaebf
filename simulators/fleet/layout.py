"""A fleet's rooms: which agent watches which room of which unit, and what kind it is.

Ids are opaque and stable for a seed: ``{unit}-r{NNN}`` rooms, ``agent-{unit}-r{NNN}``
agents. Units cycle over the kinds given (a home "unit" is a group of homes).
"""

import random
from collections.abc import Sequence

from simulators.fleet.generators import RoomSpec
from simulators.fleet.rates import DEFAULT_RATES, RoomKind, RoomRates


def make_rooms(
    n: int,
    *,
    site: str = "sim",
    units: int = 1,
    kinds: Sequence[RoomKind] = (RoomKind.HOSPITAL,),
    seed: int = 0,
    rates: dict[RoomKind, RoomRates] | None = None,
) -> list[RoomSpec]:
    """``n`` rooms spread evenly over ``units`` units; fall-risk beds drawn by seed."""
    table = rates or DEFAULT_RATES
    rng = random.Random(f"{seed}/layout/{site}")
    rooms = []
    for i in range(n):
        unit_index = i % units
        kind = kinds[unit_index % len(kinds)]
        unit = f"{kind.value}{unit_index + 1}"
        room = f"{unit}-r{i // units + 1:03d}"
        rooms.append(
            RoomSpec(
                site=site,
                unit=unit,
                room=room,
                agent_id=f"agent-{room}",
                kind=kind,
                bed=f"{room}-A",
                fall_risk=rng.random() < table[kind].fall_risk_fraction,
            )
        )
    return rooms
