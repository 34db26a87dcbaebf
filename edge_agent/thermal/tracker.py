"""Warm blobs over time → tracks (greedy nearest neighbour on the floor, as for depth).

The depth tracker wants 3-D blobs (top and bottom heights); a thermal blob has a floor
position and a size only, so this is its small twin. A track becomes a person once it has
moved `person_moved_m` from where it appeared; a new track born where a person track was
lost a moment ago inherits that (a blob that broke up for a few frames is still the person).
"""

import itertools
import math
from dataclasses import dataclass, field

from edge_agent.thermal.blobs import WarmBlob
from edge_agent.thermal.config import ThermalTrackingConfig

_INHERIT_S = 60.0


@dataclass(slots=True)
class ThermalTrack:
    id: int
    x: float
    y: float
    born_t: float
    last_t: float
    born_x: float
    born_y: float
    area_m2: float
    peak_c: float
    top_m: float | None
    moved_m: float = 0.0
    speed_mps: float = 0.0
    blob_index: int = -1
    streak: int = 1
    confirmed: bool = False
    person: bool = False

    @property
    def is_person(self) -> bool:
        return self.confirmed and self.person


@dataclass(slots=True)
class ThermalTracker:
    config: ThermalTrackingConfig
    tracks: list[ThermalTrack] = field(default_factory=list)
    _lost: list[tuple[float, float, float]] = field(default_factory=list)
    """(t, x, y) of person tracks dropped lately."""
    _ids: "itertools.count[int]" = field(default_factory=itertools.count)

    def update(self, blobs: list[WarmBlob], t: float) -> list[ThermalTrack]:
        cfg = self.config
        for track in self.tracks:
            track.blob_index = -1
        pairs = sorted(
            (math.hypot(tr.x - b.x, tr.y - b.y), ti, bi)
            for ti, tr in enumerate(self.tracks)
            for bi, b in enumerate(blobs)
            if math.isfinite(b.x)
        )
        used_t: set[int] = set()
        used_b: set[int] = set()
        for dist, ti, bi in pairs:
            if dist > cfg.gate_m:
                break
            if ti in used_t or bi in used_b:
                continue
            used_t.add(ti)
            used_b.add(bi)
            self._observe(self.tracks[ti], blobs[bi], bi, t)
        for bi, b in enumerate(blobs):
            if bi in used_b or not math.isfinite(b.x):
                continue
            inherited = any(
                t - lt <= _INHERIT_S and math.hypot(b.x - lx, b.y - ly) <= cfg.gate_m
                for lt, lx, ly in self._lost
            )
            self.tracks.append(
                ThermalTrack(
                    id=next(self._ids),
                    x=b.x,
                    y=b.y,
                    born_t=t,
                    last_t=t,
                    born_x=b.x,
                    born_y=b.y,
                    area_m2=b.area_m2,
                    peak_c=b.peak_c,
                    top_m=b.top_m,
                    blob_index=bi,
                    person=inherited,
                )
            )
        kept = []
        for track in self.tracks:
            if track.blob_index < 0:
                track.streak = 0
            if t - track.last_t <= cfg.max_missing_s:
                kept.append(track)
            elif track.is_person:
                self._lost.append((t, track.x, track.y))
        self.tracks = kept
        self._lost = [lost for lost in self._lost if t - lost[0] <= _INHERIT_S]
        return list(self.tracks)

    def _observe(self, track: ThermalTrack, blob: WarmBlob, index: int, t: float) -> None:
        dt = t - track.last_t
        if dt > 0:
            speed = math.hypot(blob.x - track.x, blob.y - track.y) / dt
            track.speed_mps = 0.3 * speed + 0.7 * track.speed_mps
        track.x = 0.5 * blob.x + 0.5 * track.x
        track.y = 0.5 * blob.y + 0.5 * track.y
        track.moved_m = max(
            track.moved_m, math.hypot(track.x - track.born_x, track.y - track.born_y)
        )
        track.person = track.person or track.moved_m >= self.config.person_moved_m
        track.area_m2, track.peak_c, track.top_m = blob.area_m2, blob.peak_c, blob.top_m
        track.last_t = t
        track.blob_index = index
        track.streak += 1
        track.confirmed = track.confirmed or track.streak >= self.config.confirm_frames
