"""Surface temperatures of everything a thermal array can see: room, warm objects, people, bed.

The array reads surface temperature (emissivity ~0.95–0.98 for skin, fabric, paint, wood; no
reflections modelled). The room is air-conditioned to `room_c` with small gradients: warm
air rises (`vertical_gradient_c_per_m`), the floor is a little cooler and the ceiling a little
warmer, and a seeded horizontal gradient stands for a window or a door. People are skin
(32–35 °C where their clothing leaves it bare), hair on top of the head (~30 °C), clothing
(26–31 °C; a clothed forearm +1 °C for the bare hand) and feet in socks or shoes (~27 °C);
a walking aid is at room temperature. A bed warms under a body and cools
back to the room exponentially after the person leaves (`BedHeat`).
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


@dataclass(frozen=True, slots=True)
class BodyTemps:
    """Surface temperatures of one person; which parts are bare comes from their clothing."""

    skin_c: float = 33.5
    hair_c: float = 30.0
    clothing_c: float = 28.5
    feet_c: float = 27.0
    """Feet in socks or shoes (bare feet read skin − 3 °C)."""

    @classmethod
    def seeded(cls, rng: random.Random) -> "BodyTemps":
        return cls(
            skin_c=round(rng.uniform(32.5, 34.5), 2),
            hair_c=round(rng.uniform(29.0, 31.0), 2),
            clothing_c=round(rng.uniform(26.5, 30.5), 2),
            feet_c=round(rng.uniform(25.5, 28.5), 2),
        )

    def hair_c_at(self, room_c: float) -> float:
        """Surface temperature of the hair in a room at `room_c`."""
        return self.hair_c

    @classmethod
    def uniform(cls, temp_c: float) -> "BodyTemps":
        """One temperature everywhere: for physics tests of the mixing model."""
        return cls(temp_c, temp_c, temp_c, temp_c)


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


def bed_imprint_c(room_c: float) -> float:
    """Temperature of a mattress a body has warmed for long, in a room at `room_c`."""
    return 31.0
