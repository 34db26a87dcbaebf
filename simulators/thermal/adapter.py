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
from simulators.motion import Posture, Support
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
    covered: bool = False
    """Under a blanket: it hides the mattress's warm imprint as well."""


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


COVERED_BY_BLANKET = frozenset(body.CAPSULE_PARTS) - {"head", "neck"}
"""Under a blanket everything but the head and neck is blanket, not skin or clothing."""


def part_temps(
    surfaces: tuple[str, ...],
    temps: BodyTemps,
    room_c: float,
    *,
    style: str | None = None,
    blanket: bool = False,
) -> Array:
    """Temperature per capsule: bare skin, clothing of `style` (or a blanket over it), or a
    walking aid at room temperature."""
    parts = body.CAPSULE_PARTS
    out = np.empty(len(surfaces))
    for i, surface in enumerate(surfaces):
        part = parts[i] if i < len(parts) else "aid"
        skin = temps.skin_at(part)
        if surface == "aid":
            out[i] = room_c
        elif blanket and part in COVERED_BY_BLANKET:
            out[i] = temps.blanket_c(room_c)
        elif surface == "skin":
            out[i] = skin
        elif part == "foot":
            out[i] = temps.between(temps.feet_factor, room_c, skin)
        else:  # a clothed forearm ends in a bare hand: a tenth further towards the skin
            extra = 0.1 if part == "forearm" else 0.0
            out[i] = temps.between(min(1.0, temps.factor(style, part) + extra), room_c, skin)
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
    in_bed = name is not None and scene.segment.support == Support.BED
    if in_bed and name is not None:
        footprint = bed_footprint(caps, room.furniture[name])
    # The blanket is pushed aside as soon as they sit up.
    covered = in_bed and temps.blanket and scene.segment.posture == Posture.LYING
    return PersonState(
        caps,
        part_temps(
            scene.surfaces, temps, room_c, style=scene.person.clothing.style, blanket=covered
        ),
        temps.hair_c_at(room_c),
        footprint,
        frame_person(scene),
        covered,
    )


def persons_meta(people: list[Person], temps: dict[int, BodyTemps]) -> list[dict[str, Any]]:
    return [p.meta() | {"thermal": asdict(temps[p.id])} for p in people]


def bed_footprint(caps: Capsules, bed: Box) -> tuple[float, float, float, float]:
    """The rectangle of mattress a body lying or sitting on it has warmed: the box of its
    capsules' axes, 5 cm in from their ends (the gaps beside neck, arms and legs stay cool)."""
    ends = np.concatenate([caps[0], caps[1]])
    lo, hi = ends[:, :2].min(axis=0) + 0.05, ends[:, :2].max(axis=0) - 0.05
    return (
        max(float(lo[0]), bed.lo[0]),
        max(float(lo[1]), bed.lo[1]),
        min(float(max(hi[0], lo[0])), bed.hi[0]),
        min(float(max(hi[1], lo[1])), bed.hi[1]),
    )
