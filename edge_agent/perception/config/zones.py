"""Zones on the room's floor: beds, chairs, doors, dispensers and bathroom doors."""

from typing import Literal

from pydantic import Field, field_validator, model_validator

from edge_agent.perception.config.base import Section

_FRAME = (
    "(the calibrated room frame: origin on the floor straight below the camera, y along the "
    "camera's view, x to its right)."
)


_ZONE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


def _check_polygon(polygon: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A zone outline must enclose some floor: three points on a line are a typo."""
    area = 0.0
    for (x0, y0), (x1, y1) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        area += x0 * y1 - x1 * y0
    if abs(area) / 2 < 0.01:
        raise ValueError("polygon encloses less than 0.01 m² (points on a line or repeated?)")
    return polygon


class _Zone(Section):
    id: str = Field(pattern=_ZONE_ID, description="Opaque zone id, unique in the room.")
    polygon: list[tuple[float, float]] = Field(
        min_length=3, description="Outline on the floor, [[x, y], ...] in room metres " + _FRAME
    )

    @field_validator("polygon")
    @classmethod
    def _has_area(cls, polygon: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return _check_polygon(polygon)


class BedZone(_Zone):
    """A bed (wire `bed` is its id); lying there is fine."""

    fall_risk: bool = Field(default=False, description="Report bed exits for this bed.")


class ChairZone(_Zone):
    """A chair or sofa: sitting or lying there is fine."""


class DoorZone(_Zone):
    """The floor just inside a room door: people appear and vanish here when they come and go.

    Cover the threshold and about half a metre into the room; the hand-hygiene engine counts
    a person who comes from here into the room as an entry and one who leaves the room through
    here (and vanishes or goes on to the corridor) as an exit.
    """


class DispenserZone(_Zone):
    """Where a person stands to use a hand-rub dispenser (about 0.6 × 0.6 m in front of it)."""

    where: Literal["inside", "outside"] = Field(
        default="inside",
        description="'inside' the room, or 'outside' in the corridor (seen only when the "
        "camera sees through the door; its zone counts as outside the room).",
    )


class BathroomZone(_Zone):
    """The floor in front of a bathroom door: a person vanishing here is in the bathroom."""


class ZonesConfig(Section):
    beds: list[BedZone] = Field(default_factory=list, description="Beds (lying there is fine).")
    chairs: list[ChairZone] = Field(
        default_factory=list, description="Chairs and sofas (sitting or lying there is fine)."
    )
    doors: list[DoorZone] = Field(
        default_factory=list, description="Room doors (hand-hygiene entries and exits)."
    )
    dispensers: list[DispenserZone] = Field(
        default_factory=list, description="Hand-rub dispensers, inside or outside the room."
    )
    bathrooms: list[BathroomZone] = Field(
        default_factory=list, description="Bathroom doors (visits out of view)."
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> "ZonesConfig":
        seen: set[str] = set()
        for zone in [*self.beds, *self.chairs, *self.doors, *self.dispensers, *self.bathrooms]:
            if zone.id in seen:
                raise ValueError(f"zone id {zone.id!r} is used twice; zone ids must be unique")
            seen.add(zone.id)
        return self
