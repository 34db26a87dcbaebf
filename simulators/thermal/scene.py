"""Surface temperatures of everything a thermal array can see: room, warm objects, people, bed.

The array reads surface temperature (emissivity ~0.95–0.98 for skin, fabric, paint, wood; no
reflections modelled). The room is air-conditioned to `room_c` with small gradients: warm
air rises (`vertical_gradient_c_per_m`), the floor is a little cooler and the ceiling a little
warmer, and a seeded horizontal gradient stands for a window or a door. People are skin
(32.5–34.5 °C where their clothing leaves it bare); everything that insulates the skin
(hair, clothing, a winter coat, a blanket, socks and shoes) settles between skin and room by
a factor of its insulation (`BodyTemps`, `CLOTHING_FACTOR`); a walking aid is at room
temperature. A bed warms under a body and cools back to the room exponentially after the
person leaves (`BedHeat`).
"""

import math
import random
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulators.raycast import Box

Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ThermalEnvironment:
    """Air and wall temperatures of one room."""

    room_c: float = 22.0
    vertical_gradient_c_per_m: float = 0.4
    floor_offset_c: float = -0.4
    ceiling_offset_c: float = 0.4
    horizontal_gradient_c_per_m: tuple[float, float] = (0.0, 0.0)
    furniture_offset_c: float = -0.2
    """Furniture sits slightly below air temperature (evaporation, contact with the floor)."""

    @classmethod
    def seeded(cls, room_c: float, rng: random.Random) -> "ThermalEnvironment":
        return cls(
            room_c=room_c,
            vertical_gradient_c_per_m=rng.uniform(0.2, 0.6),
            horizontal_gradient_c_per_m=(rng.uniform(-0.15, 0.15), rng.uniform(-0.15, 0.15)),
        )

    def air_c(self, points: Array, size: tuple[float, float, float]) -> Array:
        """Temperature of a room surface at world points (..., 3) (walls, floor, ceiling)."""
        gx, gy = self.horizontal_gradient_c_per_m
        temp = (
            self.room_c
            + self.vertical_gradient_c_per_m * (points[..., 2] - 1.2)
            + gx * (points[..., 0] - size[0] / 2)
            + gy * (points[..., 1] - size[1] / 2)
        )
        temp = np.where(points[..., 2] < 1e-3, temp + self.floor_offset_c, temp)
        ceiling = points[..., 2] > size[2] - 1e-3
        result: Array = np.where(ceiling, temp + self.ceiling_offset_c, temp)
        return result


@dataclass(frozen=True, slots=True)
class WarmObject:
    """A heat source in the room: radiator, monitor, TV, laptop."""

    name: str
    box: Box
    temp_c: float


CLOTHING_FACTOR: dict[str, float] = {
    "gown": 0.45,
    "pyjamas": 0.4,
    "scrubs": 0.45,
    "long_sleeves": 0.36,
    "t_shirt_shorts": 0.45,
    "coat": 0.1,
}
"""Where a style's outer surface settles between room (0) and skin (1): calibrated against
real arrays (an AMG8833 over walkers in indoor clothes and in a winter coat, an Omron 4×4
over people in winter clothes; see docs/thermal-recordings.md)."""
SKIN_OFFSET_C = {"upper_arm": -1.0, "forearm": -1.0, "thigh": -1.5, "shin": -2.5, "foot": -3.0}
"""Skin below the head and trunk's (`BodyTemps.skin_c`) on the limbs of a person at rest in
a comfortable room (typical regional mean skin temperatures)."""
OUTER_LAYER_ENDS = {("coat", "shin"): "long_sleeves", ("coat", "foot"): "long_sleeves"}
"""A coat ends above the knee: below it are the indoor clothes."""
BLANKET_FACTOR = 0.2
"""The top of a blanket or duvet over a body (real 4×4: +2.4 °C under one, +4.2 without)."""
BLANKET_CHANCE = 0.6
"""Share of people who lie in bed under a blanket (an estimate: patients and sleepers)."""
BED_IMPRINT_FACTOR = 0.75
"""A mattress a body has lain on for long, where the body was (before it cools)."""


@dataclass(frozen=True, slots=True)
class BodyTemps:
    """How warm one person's surfaces are.

    Bare skin has its own temperature; anything that insulates it settles between skin and
    room, T = room + f · (skin − room), with f set by the insulation (the surface's own air
    film against the clothing's thermal resistance). So a clothed person in a warm room
    stands out less than in a cold one, as on real arrays; absolute clothing temperatures
    would not do that.
    """

    skin_c: float = 33.5
    hair_factor: float = 0.55
    insulation: float = 1.0
    """This person's clothing factor relative to their style's (thicker or thinner fabric)."""
    feet_factor: float = 0.45
    """Feet in socks or shoes (bare feet read skin − 3 °C)."""
    clothing_factor: float | None = None
    """A fixed clothing factor for every style (None: the style's, times `insulation`)."""
    blanket: bool = False
    """Sleeps under a blanket (covers them while they lie in bed)."""
    cool_extremities: bool = True
    """Limbs' skin below the trunk's (`SKIN_OFFSET_C`); off for uniform test bodies."""

    @classmethod
    def seeded(cls, rng: random.Random) -> "BodyTemps":
        return cls(
            skin_c=round(rng.uniform(32.5, 34.5), 2),
            hair_factor=round(rng.uniform(0.4, 0.6), 3),
            insulation=round(rng.uniform(0.85, 1.15), 3),
            feet_factor=round(rng.uniform(0.35, 0.55), 3),
            blanket=rng.random() < BLANKET_CHANCE,
        )

    def factor(self, style: str | None, part: str = "torso") -> float:
        """Clothing factor of `style` over `part` for this person (long sleeves if unknown)."""
        if self.clothing_factor is not None:
            return self.clothing_factor
        key = (style or "", part)
        if key in OUTER_LAYER_ENDS:
            style = OUTER_LAYER_ENDS[key]
        base = CLOTHING_FACTOR.get(style or "", CLOTHING_FACTOR["long_sleeves"])
        return min(1.0, base * self.insulation)

    def skin_at(self, part: str) -> float:
        """Bare skin of a body part: warmest on head and trunk, cooler towards hands and feet."""
        return self.skin_c + (SKIN_OFFSET_C.get(part, 0.0) if self.cool_extremities else 0.0)

    def between(self, factor: float, room_c: float, skin_c: float | None = None) -> float:
        """A surface a share `factor` of the way from the room to the skin beneath it."""
        skin = self.skin_c if skin_c is None else skin_c
        return room_c + factor * (skin - room_c)

    def clothing_c(self, style: str | None, room_c: float) -> float:
        return self.between(self.factor(style), room_c)

    def hair_c_at(self, room_c: float) -> float:
        """Surface temperature of the hair in a room at `room_c`."""
        return self.between(self.hair_factor, room_c)

    def feet_c(self, room_c: float) -> float:
        return self.between(self.feet_factor, room_c)

    def blanket_c(self, room_c: float) -> float:
        return self.between(min(1.0, BLANKET_FACTOR * self.insulation), room_c)

    @classmethod
    def uniform(cls, temp_c: float) -> "BodyTemps":
        """One temperature everywhere: for physics tests of the mixing model."""
        return cls(
            temp_c,
            hair_factor=1.0,
            feet_factor=1.0,
            clothing_factor=1.0,
            cool_extremities=False,
        )


@dataclass(slots=True)
class BedHeat:
    """The warm imprint a body leaves on a mattress: warms while occupied, then cools.

    `level` is 0 (room temperature) to 1 (imprint at `peak_c`). Both directions are first-order:
    level → target with its time constant, so after an exit the imprint's excess over the room
    falls as e^(−t/tau_cool_s).
    """

    tau_warm_s: float = 600.0
    tau_cool_s: float = 300.0
    peak_c: float = 31.0
    level: float = 0.0
    region: tuple[float, float, float, float] | None = None
    """Floor-plane rectangle (x0, y0, x1, y1) of the imprint."""

    def step(self, occupied: tuple[float, float, float, float] | None, dt: float) -> None:
        """Advance `dt` seconds; `occupied` is the body's footprint on the bed, or None."""
        if occupied is not None:
            self.region = occupied
            target, tau = 1.0, self.tau_warm_s
        else:
            target, tau = 0.0, self.tau_cool_s
        self.level = target + (self.level - target) * math.exp(-max(dt, 0.0) / tau)

    def surface_c(self, points: Array, room_c: float) -> Array:
        """Temperature of the mattress top at points (..., 3): imprint with soft 5 cm edges."""
        if self.region is None or self.level <= 0.0:
            return np.full(points.shape[:-1], room_c)
        x0, y0, x1, y1 = self.region
        inside_x = np.minimum(points[..., 0] - x0, x1 - points[..., 0])
        inside_y = np.minimum(points[..., 1] - y0, y1 - points[..., 1])
        weight = np.clip(np.minimum(inside_x, inside_y) / 0.05 + 0.5, 0.0, 1.0)
        result: Array = room_c + weight * self.level * (self.peak_c - room_c)
        return result


def bed_imprint_c(room_c: float, skin_c: float = 33.5) -> float:
    """Temperature of a mattress a body has warmed for long, in a room at `room_c`."""
    return room_c + BED_IMPRINT_FACTOR * (skin_c - room_c)
