"""Where lying down is normal under a thermal array: configured beds and chairs, and places
learned from where people stay still for hours.

A ceiling array sees a person getting into bed much as it sees one going down on the floor: a
descent and a lying footprint. The fall engine asks `RestAreas.at` where the person is and
starts no episode there. The configured zones are the device's `perception.zones` (beds and
chairs, in the room frame the thermal geometry uses). Learned places: the floor is cut into
`cell_m` squares; every second a confirmed warm track stands still in one adds to that cell's
count, which fades with a time constant of `forget_days`; a cell holding `learn_h` hours is a
place people rest (a bed or a sofa nobody configured). Nothing is learned while a fall episode
is open, so a long lie on the floor never teaches the floor to be a bed.
"""

import math
from dataclasses import dataclass

from edge_agent.perception.config import ZonesConfig
from edge_agent.perception.zones import ZoneMap
from edge_agent.thermal.config import ThermalRestConfig
from edge_agent.thermal.tracker import ThermalTrack


@dataclass(slots=True)
class _Cell:
    seconds: float
    last_t: float


class RestAreas:
    def __init__(self, zones: ZonesConfig, config: ThermalRestConfig) -> None:
        self._zones = ZoneMap(zones)
        self._cfg = config
        self._cells: dict[tuple[int, int], _Cell] = {}
        self._last_t: float | None = None

    def at(self, x: float, y: float, t: float) -> str | None:
        """What makes lying at this floor position normal: `bed <id>`, `chair <id>`,
        `learned`, or None (the floor)."""
        zone = self._zones.at(x, y)
        if zone is not None:
            return f"{zone.kind} {zone.id}"
        if not self._cfg.learn:
            return None
        cell = self._cells.get(self._key(x, y))
        if cell is not None and self._faded(cell, t) >= self._cfg.learn_h * 3600.0:
            return "learned"
        return None

    def observe(self, tracks: list[ThermalTrack], t: float, *, learning: bool) -> None:
        """Count the time since the last frame for every still, visible, confirmed track
        (`learning` False while a fall episode is open: nothing is counted)."""
        dt = 0.0 if self._last_t is None else min(max(0.0, t - self._last_t), 5.0)
        self._last_t = t
        if not (learning and self._cfg.learn and dt > 0.0):
            return
        for tr in tracks:
            if tr.blob_index < 0 or not tr.confirmed or tr.speed_mps > self._cfg.still_mps:
                continue
            key = self._key(tr.x, tr.y)
            cell = self._cells.get(key)
            if cell is None:
                self._cells[key] = _Cell(dt, t)
            else:
                cell.seconds = self._faded(cell, t) + dt
                cell.last_t = t

    def learned_cells(self, t: float) -> int:
        """How many floor cells count as rest places now."""
        bar = self._cfg.learn_h * 3600.0
        return sum(1 for c in self._cells.values() if self._faded(c, t) >= bar)

    def _faded(self, cell: _Cell, t: float) -> float:
        return cell.seconds * math.exp(-max(0.0, t - cell.last_t) / (self._cfg.forget_days * 86400))

    def _key(self, x: float, y: float) -> tuple[int, int]:
        return math.floor(x / self._cfg.cell_m), math.floor(y / self._cfg.cell_m)
