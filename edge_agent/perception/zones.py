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
