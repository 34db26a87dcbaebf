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

Learned places outlive a reboot when `state_file` is set: the cells are written there (atomically)
every `SAVE_EVERY_S` of frame time and when the stream ends, and read back at start. A file that
cannot be read is set aside as `<name>.corrupt` with a warning and learning starts again: a
bad file never stops the agent. Cells of another `cell_m` are not reused.
"""

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

from edge_agent.perception.config import ZonesConfig
from edge_agent.perception.zones import ZoneMap
from edge_agent.thermal.config import ThermalRestConfig
from edge_agent.thermal.tracker import ThermalTrack

logger = logging.getLogger(__name__)

FORMAT = "ambient.thermal-rest/1"
SAVE_EVERY_S = 300.0


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
        self._saved_t: float | None = None
        if config.state_file is not None:
            self._cells = _read(config.state_file, config.cell_m)

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

    def keep(self, t: float, *, now: bool = False) -> None:
        """Write the cells to `state_file` if one is set and `SAVE_EVERY_S` has passed since
        the last write (or `now`); a failed write is logged and retried next time."""
        path = self._cfg.state_file
        if path is None or not self._cells:
            return
        if self._saved_t is None:
            self._saved_t = t
        if not now and t - self._saved_t < SAVE_EVERY_S:
            return
        self._saved_t = t
        body = {
            "format": FORMAT,
            "cell_m": self._cfg.cell_m,
            "cells": [[i, j, c.seconds, c.last_t] for (i, j), c in sorted(self._cells.items())],
        }
        tmp = path.with_name(path.name + ".tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(body) + "\n")
            tmp.replace(path)
        except OSError as e:
            logger.warning("cannot keep learned rest places in %s: %s", path, e)


def _read(path: Path, cell_m: float) -> dict[tuple[int, int], _Cell]:
    """The cells kept in `path` (none if it does not exist; a bad file is set aside)."""
    try:
        body = json.loads(path.read_text())
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise ValueError(f"not a rest-places file ({FORMAT})")
        if body["cell_m"] != cell_m:
            logger.warning(
                "%s: cells of %s m, not %s m: learning again", path, body["cell_m"], cell_m
            )
            return {}
        cells = {}
        for i, j, seconds, last_t in body["cells"]:
            if not (math.isfinite(seconds) and math.isfinite(last_t) and seconds >= 0):
                raise ValueError(f"cell {i},{j}: {seconds} s at {last_t}")
            cells[(int(i), int(j))] = _Cell(float(seconds), float(last_t))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as e:
        aside = path.with_name(path.name + ".corrupt")
        logger.warning("cannot read learned rest places %s (%s): set aside as %s", path, e, aside)
        try:
            path.replace(aside)
        except OSError as moved:
            logger.warning("cannot set %s aside: %s", path, moved)
        return {}
    logger.info("%d learned rest cells read from %s", len(cells), path)
    return cells
