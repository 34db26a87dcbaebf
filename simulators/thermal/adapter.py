"""The one place the thermal simulator reads the scene model (rooms, scenarios, people).

Everything the thermal renderer needs from a scenario passes through here: the room's solids,
its warm objects, the people (capsules with a surface temperature each, from
`simulators.people`: which parts are bare skin, which clothed, which a walking aid) and their
per-frame labels (the depth recordings' `frame_person`). When the scene model changes, only
this module has to follow.
"""

import random
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simulators import body
from simulators.motion import Support
from simulators.people import Person
from simulators.people import PersonState as ScenePerson
from simulators.raycast import Box
from simulators.recording import frame_person
from simulators.rooms import Room
from simulators.scenarios import Scenario
from simulators.thermal.scene import BodyTemps, WarmObject

Array = npt.NDArray[np.float64]
Capsules = tuple[Array, Array, Array]

HEAD = body.CAPSULE_PARTS.index("head")
"""Index of the head capsule (its a→b axis points to the crown)."""
ELECTRONICS_C = {"monitor": 36.0, "ventilator": 32.0, "tv": 34.0}
"""Surface temperature of furniture whose name contains the key (°C)."""


@dataclass(frozen=True, slots=True)
class PersonState:
    """One person at one instant: capsules with a surface temperature each, and labels."""

    capsules: Capsules
    temps_c: Array
    hair_c: float
    bed_footprint: tuple[float, float, float, float] | None
    label: dict[str, Any]


def warm_objects(room: Room) -> list[WarmObject]:
    """A radiator on the wall at x = max, plus the room's electronics (by furniture name)."""
    sx, sy, _ = room.size
    y0 = max(sy / 2 - 0.5, 0.0)
    warm = [WarmObject("radiator", Box((sx - 0.10, y0, 0.15), (sx, y0 + 1.0, 0.75)), 45.0)]
    for name, box in room.furniture.items():
        for key, temp in ELECTRONICS_C.items():
            if key in name and name != "tv_unit":
                warm.append(WarmObject(name, box, temp))
    if "tv_unit" in room.furniture:  # the set stands on its cabinet, against the wall
        lo, hi = room.furniture["tv_unit"].lo, room.furniture["tv_unit"].hi
        screen = Box((lo[0] + 0.1, lo[1], hi[2]), (hi[0] - 0.1, lo[1] + 0.08, hi[2] + 0.6))
        warm.append(WarmObject("tv", screen, ELECTRONICS_C["tv"]))
    if "locker" in room.furniture:  # a bedside phone/monitor on the locker
        lo, hi = room.furniture["locker"].lo, room.furniture["locker"].hi
        cx, cy = (lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2
        device = Box((cx - 0.12, cy - 0.03, hi[2]), (cx + 0.12, cy + 0.03, hi[2] + 0.2))
        warm.append(WarmObject("bedside_device", device, 35.0))
    return warm


def solids(room: Room) -> dict[str, Box]:
    """Furniture at furniture temperature (warm ones are listed by `warm_objects`)."""
    warm = {w.name for w in warm_objects(room)}
    return {name: box for name, box in room.furniture.items() if name not in warm}


def bed_name(room: Room) -> str | None:
    return "bed" if "bed" in room.furniture else None


def body_temps(scenario: Scenario, seed: int) -> dict[int, BodyTemps]:
    """Seeded surface temperatures per person id."""
    rng = random.Random(f"thermal-body:{scenario.name}:{seed}")
    return {p.id: BodyTemps.seeded(rng) for p in scenario.people}


def part_temps(
    surfaces: tuple[str, ...],
    temps: BodyTemps,
    room_c: float,
    *,
    style: str | None = None,
    blanket: bool = False,
) -> Array:
    """Temperature per capsule: bare skin, clothing, or a walking aid at room temperature."""
    parts = body.CAPSULE_PARTS
    out = np.empty(len(surfaces))
    for i, surface in enumerate(surfaces):
        part = parts[i] if i < len(parts) else "aid"
        if surface == "aid":
            out[i] = room_c
        elif part == "foot":
            out[i] = temps.skin_c - 3.0 if surface == "skin" else temps.feet_c
        elif surface == "skin":
            out[i] = temps.skin_c
        else:  # a clothed forearm still ends in a bare hand
            out[i] = temps.clothing_c + (1.0 if part == "forearm" else 0.0)
    return out


def people_at(
    scenario: Scenario, t: float, temps: dict[int, BodyTemps], room_c: float
) -> list[PersonState]:
    """Everyone in the room at time t, ready to render."""
    return [_state(s, temps[s.person.id], scenario.room, room_c) for s in scenario.at(t)]


def _state(scene: ScenePerson, temps: BodyTemps, room: Room, room_c: float) -> PersonState:
    caps = scene.capsules
    footprint = None
    name = bed_name(room)
    if name is not None and scene.segment.support == Support.BED:
        footprint = bed_footprint(caps, room.furniture[name])
    return PersonState(
        caps,
        part_temps(scene.surfaces, temps, room_c),
        temps.hair_c,
        footprint,
        frame_person(scene),
    )


def persons_meta(people: list[Person], temps: dict[int, BodyTemps]) -> list[dict[str, Any]]:
    return [p.meta() | {"thermal": asdict(temps[p.id])} for p in people]


def bed_footprint(caps: Capsules, bed: Box) -> tuple[float, float, float, float]:
    """The rectangle of mattress a body lying or sitting on it covers (5 cm margin)."""
    ends = np.concatenate([caps[0], caps[1]])
    return (
        max(float(ends[:, 0].min()) - 0.05, bed.lo[0]),
        max(float(ends[:, 1].min()) - 0.05, bed.lo[1]),
        min(float(ends[:, 0].max()) + 0.05, bed.hi[0]),
        min(float(ends[:, 1].max()) + 0.05, bed.hi[1]),
    )
