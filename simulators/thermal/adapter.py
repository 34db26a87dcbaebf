"""The one place the thermal simulator reads the scene model (rooms, scenarios, bodies).

Everything the thermal renderer needs from a scenario passes through here: the room's
solids, its warm objects, the people (capsules with a temperature each) and their per-frame
labels. When the scene model changes (several people, roles, clothing, more rooms), only this
module has to follow.
"""

import random
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simulators import body
from simulators.motion import Support
from simulators.raycast import Box
from simulators.rooms import Room
from simulators.scenarios import Scenario
from simulators.thermal.scene import Clothing, WarmObject

Array = npt.NDArray[np.float64]
Capsules = tuple[Array, Array, Array]

HEAD = 0
"""Index of the head capsule in `body.capsules` (its a→b axis points to the crown)."""
_SKIN, _CLOTH, _FEET, _FOREARM = "skin", "cloth", "feet", "forearm"
_PARTS = (
    (_SKIN, _SKIN, _CLOTH, _CLOTH)  # head, neck, torso left, torso right
    + (_CLOTH, _CLOTH, _FEET, _CLOTH, _FOREARM) * 2  # thigh, shin, foot, upper arm, forearm
)


@dataclass(frozen=True, slots=True)
class Actor:
    """One person of a scenario as the thermal simulator needs it."""

    id: int
    role: str
    height: float
    script: Any
    """A `simulators.motion.Script` (`.at(t) -> (pose, segment)`)."""
    clothing: Clothing


@dataclass(frozen=True, slots=True)
class PersonState:
    """One person at one instant: capsules with a surface temperature each, and labels."""

    capsules: Capsules
    temps_c: Array
    hair_c: float
    bed_footprint: tuple[float, float, float, float] | None
    label: dict[str, Any]


def solids(room: Room) -> dict[str, Box]:
    return dict(room.furniture)


def bed_name(room: Room) -> str | None:
    return "bed" if "bed" in room.furniture else None


def warm_objects(room: Room) -> list[WarmObject]:
    """Radiator under the window and the room's electronics (not in the depth scene)."""
    sx = room.size[0]
    if room.kind == "hospital":
        return [
            WarmObject("radiator", Box((sx - 0.10, 0.9, 0.15), (sx, 1.9, 0.75)), 45.0),
            WarmObject("monitor", Box((3.30, 4.70, 0.85), (3.60, 4.76, 1.10)), 36.0),
        ]
    return [
        WarmObject("radiator", Box((0.0, 2.3, 0.15), (0.10, 3.3, 0.75)), 45.0),
        WarmObject("tv", Box((0.3, 0.05, 0.6), (1.3, 0.12, 1.15)), 34.0),
        WarmObject("laptop", Box((1.85, 2.05, 0.45), (2.20, 2.30, 0.47)), 33.0),
    ]


def actors(scenario: Scenario, seed: int) -> list[Actor]:
    """The people of a scenario (several if the scene model has `people`, else the one)."""
    rng = random.Random(f"thermal-clothing:{scenario.name}:{seed}")
    people = getattr(scenario, "people", None)
    if people:
        return [
            Actor(
                int(getattr(p, "id", i)),
                str(getattr(p, "role", "person")),
                float(p.height),
                p.script,
                Clothing.seeded(rng),
            )
            for i, p in enumerate(people, start=1)
        ]
    if scenario.script is None:
        return []
    role = "patient" if scenario.room.kind == "hospital" else "resident"
    return [Actor(1, role, scenario.height, scenario.script, Clothing.seeded(rng))]


def part_temps(clothing: Clothing) -> Array:
    forearm = clothing.skin_c if clothing.short_sleeves else clothing.clothing_c + 1.0
    by_part = {
        _SKIN: clothing.skin_c,
        _CLOTH: clothing.clothing_c,
        _FEET: clothing.feet_c,
        _FOREARM: forearm,
    }
    return np.array([by_part[p] for p in _PARTS])


def person_at(actor: Actor, t: float, room: Room) -> PersonState:
    pose, segment = actor.script.at(t)
    caps = body.capsules(pose, actor.height)
    footprint = None
    name = bed_name(room)
    if name is not None and segment.support == Support.BED:
        bed = room.furniture[name]
        ends = np.concatenate([caps[0], caps[1]])
        footprint = (
            max(float(ends[:, 0].min()) - 0.05, bed.lo[0]),
            max(float(ends[:, 1].min()) - 0.05, bed.lo[1]),
            min(float(ends[:, 0].max()) + 0.05, bed.hi[0]),
            min(float(ends[:, 1].max()) + 0.05, bed.hi[1]),
        )
    label = {
        "id": actor.id,
        "role": actor.role,
        "activity": segment.activity,
        "posture": str(segment.posture),
        "support": str(segment.support),
        "position": [round(pose.x, 3), round(pose.y, 3), round(pose.z, 3)],
        "yaw_deg": round(float(np.degrees(pose.yaw)) % 360.0, 1),
        "head_height_m": round(body.head_top(pose, actor.height), 3),
    }
    temps = part_temps(actor.clothing)
    return PersonState(caps, temps, actor.clothing.hair_c, footprint, label)


def persons_meta(people: list[Actor]) -> list[dict[str, Any]]:
    return [
        {
            "id": a.id,
            "role": a.role,
            "height_m": a.height,
            "skin_c": a.clothing.skin_c,
            "clothing_c": a.clothing.clothing_c,
            "short_sleeves": a.clothing.short_sleeves,
        }
        for a in people
    ]
