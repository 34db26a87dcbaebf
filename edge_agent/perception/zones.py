"""Which configured zones a floor position is in: even-odd point-in-polygon.

Beds and chairs are where lying or sitting is normal (the fall and bed-exit engines use
`ZoneMap.at`); doors, dispensers and bathroom doors only say where someone is, so a position
may be in several zones at once (a dispenser beside the door) and `ZoneMap.kinds_at` lists
them all.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge_agent.perception.config import ZonesConfig

ZONE_KINDS = ("bed", "chair", "door", "dispenser_in", "dispenser_out", "bathroom")
"""Every zone kind an observation may be in; `dispenser_out` is a corridor dispenser."""


@dataclass(frozen=True, slots=True)
class Zone:
    id: str
    kind: str
    """One of `ZONE_KINDS`."""
    fall_risk: bool
    polygon: npt.NDArray[np.float64]


def point_in_polygon(x: float, y: float, polygon: npt.NDArray[np.float64]) -> bool:
    px, py = polygon[:, 0], polygon[:, 1]
    qx, qy = np.roll(px, -1), np.roll(py, -1)
    crosses = (py > y) != (qy > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xs = px + (y - py) * (qx - px) / (qy - py)
    return bool(np.count_nonzero(crosses & (x < xs)) % 2)


def points_in_polygon(
    x: npt.NDArray[np.floating], y: npt.NDArray[np.floating], polygon: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """`point_in_polygon` for many points at once (one pass per edge, not per point)."""
    inside = np.zeros(x.shape, dtype=bool)
    for (x0, y0), (x1, y1) in zip(polygon, np.roll(polygon, -1, axis=0), strict=True):
        if y0 == y1:
            continue  # a horizontal edge is never crossed by a horizontal ray
        crosses = (y0 > y) != (y1 > y)
        inside ^= crosses & (x < x0 + (y - y0) * (x1 - x0) / (y1 - y0))
    return inside


def distance_to_outline(
    x: npt.NDArray[np.floating], y: npt.NDArray[np.floating], polygon: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Distance of each point to the nearest edge of the polygon (inside or out), metres."""
    best = np.full(x.shape, np.inf)
    for a, b in zip(polygon, np.roll(polygon, -1, axis=0), strict=True):
        ab = b - a
        f = np.clip(((x - a[0]) * ab[0] + (y - a[1]) * ab[1]) / max(float(ab @ ab), 1e-12), 0, 1)
        best = np.minimum(best, np.hypot(x - a[0] - f * ab[0], y - a[1] - f * ab[1]))
    return best


def distance_outside(x: float, y: float, polygon: npt.NDArray[np.float64]) -> float:
    """0 inside the polygon, else the distance to its nearest edge (metres)."""
    if point_in_polygon(x, y, polygon):
        return 0.0
    a = polygon
    b = np.roll(polygon, -1, axis=0)
    ab = b - a
    ap = np.array([x, y]) - a
    f = np.clip((ap * ab).sum(axis=1) / np.maximum((ab * ab).sum(axis=1), 1e-12), 0.0, 1.0)
    return float(np.min(np.linalg.norm(ap - f[:, None] * ab, axis=1)))


def _outline(points: list[tuple[float, float]]) -> npt.NDArray[np.float64]:
    return np.asarray(points, dtype=np.float64)


class ZoneMap:
    """The zones of one room."""

    def __init__(self, config: ZonesConfig) -> None:
        self.zones = (
            [Zone(b.id, "bed", b.fall_risk, _outline(b.polygon)) for b in config.beds]
            + [Zone(c.id, "chair", False, _outline(c.polygon)) for c in config.chairs]
            + [Zone(d.id, "door", False, _outline(d.polygon)) for d in config.doors]
            + [
                Zone(
                    d.id,
                    "dispenser_in" if d.where == "inside" else "dispenser_out",
                    False,
                    _outline(d.polygon),
                )
                for d in config.dispensers
            ]
            + [Zone(b.id, "bathroom", False, _outline(b.polygon)) for b in config.bathrooms]
        )
        self._seats = [z for z in self.zones if z.kind in ("bed", "chair")]

    def at(self, x: float, y: float) -> Zone | None:
        """The bed or chair at this position (where lying or sitting is normal), if any."""
        for zone in self._seats:
            if point_in_polygon(x, y, zone.polygon):
                return zone
        return None

    def all_at(self, x: float, y: float) -> list[Zone]:
        """Every zone at this position, in configuration order (beds, chairs, doors...)."""
        return [z for z in self.zones if point_in_polygon(x, y, z.polygon)]

    def kinds_at(self, x: float, y: float) -> tuple[str, ...]:
        """The kinds of every zone at this position (`Observation.zones`), without repeats."""
        return tuple(dict.fromkeys(z.kind for z in self.all_at(x, y)))

    def of_kind(self, kind: str) -> list[Zone]:
        return [z for z in self.zones if z.kind == kind]
