"""Which configured zone (bed, chair) a floor position is in: even-odd point-in-polygon."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge_agent.perception.config import ZonesConfig


@dataclass(frozen=True, slots=True)
class Zone:
    id: str
    kind: str
    """"bed" or "chair"."""
    fall_risk: bool
    polygon: npt.NDArray[np.float64]


def point_in_polygon(x: float, y: float, polygon: npt.NDArray[np.float64]) -> bool:
    px, py = polygon[:, 0], polygon[:, 1]
    qx, qy = np.roll(px, -1), np.roll(py, -1)
    crosses = (py > y) != (qy > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xs = px + (y - py) * (qx - px) / (qy - py)
    return bool(np.count_nonzero(crosses & (x < xs)) % 2)


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


class ZoneMap:
    """The zones of one room."""

    def __init__(self, config: ZonesConfig) -> None:
        self.zones = [
            Zone(b.id, "bed", b.fall_risk, np.asarray(b.polygon, dtype=np.float64))
            for b in config.beds
        ] + [
            Zone(c.id, "chair", False, np.asarray(c.polygon, dtype=np.float64))
            for c in config.chairs
        ]

    def at(self, x: float, y: float) -> Zone | None:
        for zone in self.zones:
            if point_in_polygon(x, y, zone.polygon):
                return zone
        return None
