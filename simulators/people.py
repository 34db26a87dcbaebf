"""The people in a scenario: who they are (role, size, clothing, walking aid) and their script.

Sensor models need more than a pose: the thermal model needs to know which capsule is bare
skin and which is clothed, the depth model needs the walking frame someone pushes. `Person`
holds that, and `Person.at(t)` gives everything about one person at one instant.

Iterate a scenario's people at a time with `people_at(scenario.people, t)` (or
`Scenario.at(t)`): one `PersonState` per person in the room, with `.person.role`,
`.person.clothing`, `.capsules` (starts, ends, radii) and `.surfaces` (one "skin" /
"clothing" / "aid" per capsule) and `.materials` (what the depth camera sees per capsule:
"matte", or "dark" for black clothing and dark hair, see `simulators.noise`).

Hair and clothing colour are not scripted: unless set on the `Person`, they are drawn from a
seed made of the person's id, role, height, build and clothing style (crc32, not Python's
salted hash), so a scenario renders the same in every process.
"""

import math
import zlib
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from simulators import body
from simulators.body import BodyPose
from simulators.motion import Posture, Script, Segment, Support
from simulators.raycast import Material

Array = npt.NDArray[np.float64]
Capsules = tuple[Array, Array, Array]
Role = Literal["patient", "staff", "visitor", "resident"]
Aid = Literal["none", "cane", "walker"]
Surface = Literal["skin", "clothing", "aid"]

# Approximate lateral area of each body part as a fraction of the body's (for skin_fraction).
_PART_AREA = {
    "head": 0.09,
    "neck": 0.02,
    "torso": 0.16,
    "thigh": 0.09,
    "shin": 0.06,
    "foot": 0.02,
    "upper_arm": 0.04,
    "forearm": 0.04,
}


@dataclass(frozen=True, slots=True)
class Clothing:
    """What a person wears, as the set of body parts left bare (the rest is clothed)."""

    style: str
    skin_parts: frozenset[str]

    def surface(self, part: str) -> Surface:
        return "skin" if part in self.skin_parts else "clothing"

    @property
    def skin_fraction(self) -> float:
        """Share of the body's surface that is bare skin (0..1)."""
        total = sum(_PART_AREA[p] for p in body.CAPSULE_PARTS)
        bare = sum(_PART_AREA[p] for p in body.CAPSULE_PARTS if p in self.skin_parts)
        return round(bare / total, 3)

    def meta(self) -> dict[str, object]:
        return {
            "style": self.style,
            "skin_parts": sorted(self.skin_parts),
            "skin_fraction": self.skin_fraction,
        }


CLOTHING: dict[str, Clothing] = {
    "gown": Clothing("gown", frozenset({"head", "neck", "forearm", "shin", "foot"})),
    "pyjamas": Clothing("pyjamas", frozenset({"head", "neck", "foot"})),
    "scrubs": Clothing("scrubs", frozenset({"head", "neck", "forearm"})),
    "long_sleeves": Clothing("long_sleeves", frozenset({"head", "neck"})),
    "t_shirt_shorts": Clothing("t_shirt_shorts", frozenset({"head", "neck", "forearm", "shin"})),
    "coat": Clothing("coat", frozenset({"head", "neck"})),
}


DARK_CLOTHING_CHANCE: dict[str, float] = {
    "gown": 0.0,
    "pyjamas": 0.15,
    "scrubs": 0.25,
    "long_sleeves": 0.3,
    "t_shirt_shorts": 0.25,
    "coat": 0.3,
}
"""Chance a style is worn in black or another IR-absorbing dye (estimates; gowns are light)."""
DARK_HAIR_CHANCE = 0.5
"""Chance of dark hair, which absorbs the projector's IR like black cloth (an estimate)."""


@dataclass(frozen=True, slots=True)
class PersonState:
    """One person at one instant: pose, labels and the solids to render."""

    person: "Person"
    pose: BodyPose
    segment: Segment
    capsules: Capsules
    surfaces: tuple[Surface, ...]
    """Surface class per capsule (same order as `capsules`)."""
    in_room: bool
    materials: tuple[Material, ...] = ()
    """Depth-camera material per capsule (same order as `capsules`; empty: all matte)."""

    @property
    def activity(self) -> str:
        return self.segment.activity


@dataclass
class Person:
    """Someone in the scene; `script` says what they do, the rest what they are."""

    id: int
    role: Role
    height: float
    script: Script
    build: float = 1.0
    """Girth scale of the capsules (0.85 slight … 1.3 heavy)."""
    clothing: Clothing = field(default_factory=lambda: CLOTHING["long_sleeves"])
    aid: Aid = "none"
    hair: Material | None = None
    """"dark" or "matte" hair (the head capsule); None: drawn from the person's seed."""
    clothing_material: Material | None = None
    """"dark" (black) or "matte" clothes; None: drawn from the person's seed."""

    def at(self, t: float, room_size: tuple[float, float, float] | None = None) -> PersonState:
        pose, seg = self.script.at(t)
        caps, surfaces = self.solids(pose, seg)
        inside = _inside(pose, room_size)
        return PersonState(self, pose, seg, caps, surfaces, inside, self.materials(surfaces))

    def appearance(self) -> tuple[Material, Material]:
        """(hair, clothing) material: as set, or drawn from the person's seed."""
        key = f"{self.id}|{self.role}|{self.height:.3f}|{self.build:.2f}|{self.clothing.style}"
        rng = np.random.default_rng(zlib.crc32(key.encode()))
        hair_dark, clothes_dark = rng.random(2)
        dark_chance = DARK_CLOTHING_CHANCE.get(self.clothing.style, 0.0)
        hair = self.hair or ("dark" if hair_dark < DARK_HAIR_CHANCE else "matte")
        clothes = self.clothing_material or ("dark" if clothes_dark < dark_chance else "matte")
        return hair, clothes

    def materials(self, surfaces: tuple[Surface, ...]) -> tuple[Material, ...]:
        """Material per capsule: the head is hair, clothed parts the clothes, the rest matte."""
        hair, clothes = self.appearance()
        head = body.CAPSULE_PARTS.index("head")
        out: list[Material] = []
        for k, surface in enumerate(surfaces):
            if k == head:
                out.append(hair)
            else:
                out.append(clothes if surface == "clothing" else "matte")
        return tuple(out)

    def solids(self, pose: BodyPose, seg: Segment) -> tuple[Capsules, tuple[Surface, ...]]:
        """Body capsules (resting on the floor, never through it) plus the walking aid."""
        a, b, r = body.capsules(pose, self.height, self.build)
        if self.build > 1.0:
            # Poses rest a build-1.0 body on its surface; a heavier one rises by the extra girth.
            slim = np.min(np.minimum(a[:, 2], b[:, 2]) - r / self.build)
            sink = float(np.min(np.minimum(a[:, 2], b[:, 2]) - r)) - min(float(slim), 0.0)
            if sink < 0.0:
                a[:, 2] -= sink
                b[:, 2] -= sink
        # Limbs rest on the floor instead of passing through it (key poses are approximate).
        np.maximum(a[:, 2], r, out=a[:, 2])
        np.maximum(b[:, 2], r, out=b[:, 2])
        surfaces: list[Surface] = [self.clothing.surface(p) for p in body.CAPSULE_PARTS]
        upright = seg.support == Support.FEET and seg.posture != Posture.LYING
        if self.aid != "none" and upright:
            aa, ab, ar = _aid_capsules(self.aid, pose, b[body.RIGHT_FOREARM], self.height)
            a, b, r = np.vstack([a, aa]), np.vstack([b, ab]), np.concatenate([r, ar])
            surfaces += ["aid"] * len(ar)
        return (a, b, r), tuple(surfaces)

    def meta(self) -> dict[str, object]:
        return {
            "id": self.id,
            "role": self.role,
            "height_m": self.height,
            "build": self.build,
            "clothing": self.clothing.meta(),
            "aid": self.aid,
            "materials": dict(zip(("hair", "clothing"), self.appearance(), strict=True)),
        }


def _aid_capsules(aid: Aid, pose: BodyPose, hand: Array, height: float) -> Capsules:
    """A cane from the right hand to the floor, or a walking frame in front of the hips."""
    fwd = np.array([math.cos(pose.yaw), math.sin(pose.yaw), 0.0])
    left = np.array([-math.sin(pose.yaw), math.cos(pose.yaw), 0.0])
    if aid == "cane":
        tip = hand + 0.12 * fwd
        tip[2] = 0.0
        return hand[None, :], tip[None, :], np.array([0.012])
    top = 0.48 * height
    centre = np.array([pose.x, pose.y, 0.0]) + 0.38 * fwd
    starts, ends = [], []
    corners = [centre + dx * fwd + dy * left for dx in (-0.18, 0.18) for dy in (-0.27, 0.27)]
    for c in corners:
        starts.append(c)
        ends.append(c + np.array([0.0, 0.0, top]))
    for dy in (-0.27, 0.27):
        back = centre - 0.18 * fwd + dy * left + np.array([0.0, 0.0, top])
        starts.append(back)
        ends.append(back + 0.36 * fwd)
    starts.append(centre + 0.18 * fwd - 0.27 * left + np.array([0.0, 0.0, top]))
    ends.append(centre + 0.18 * fwd + 0.27 * left + np.array([0.0, 0.0, top]))
    return np.array(starts), np.array(ends), np.full(len(starts), 0.013)


def people_at(
    people: list[Person],
    t: float,
    room_size: tuple[float, float, float] | None = None,
    *,
    include_absent: bool = False,
) -> list[PersonState]:
    """Every person at time t; those outside the room are left out unless asked for."""
    if include_absent:
        return [p.at(t, room_size) for p in people]
    states = []
    for p in people:
        pose, seg = p.script.at(t)
        if _inside(pose, room_size):
            caps, surfaces = p.solids(pose, seg)
            states.append(PersonState(p, pose, seg, caps, surfaces, True, p.materials(surfaces)))
    return states


def _inside(pose: BodyPose, room_size: tuple[float, float, float] | None) -> bool:
    """In the room: the pelvis is within the walls (people outside are hidden by them)."""
    if room_size is None:
        return True
    return 0.0 <= pose.x <= room_size[0] and 0.0 <= pose.y <= room_size[1]
