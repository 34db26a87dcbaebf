"""Blobs over time → tracks with stable ids (nearest neighbour with a distance gate).

People in one room are few and move little between frames, so greedy nearest-neighbour
association on the floor plane is enough. A track survives short gaps (occlusion, a frame
with a broken blob) and remembers whether it ever looked like a person (stood upright or
walked), which the background model uses to never absorb a person lying still.
"""

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from edge_agent.perception.blobs import Blob
from edge_agent.perception.config import TrackingConfig

_UPRIGHT_M = 1.0
_WALKED_M = 1.0


@dataclass(slots=True)
class Track:
    """One object followed over frames; fields are the latest (smoothed) observation."""

    id: int
    x: float
    y: float
    top_m: float
    bottom_m: float
    points: int
    born_t: float
    last_t: float
    centroid_m: float = 0.0
    """Mean height of the visible points above the floor (smoothed)."""
    extent_m: float = 0.0
    """Largest horizontal extent of the blob (standing ≈ 0.5, lying ≈ 1.6)."""
    speed_mps: float = 0.0
    """Horizontal speed of the centroid (smoothed)."""
    vspeed_mps: float = 0.0
    """Vertical speed of the top (smoothed; negative when going down)."""
    born_x: float = 0.0
    born_y: float = 0.0
    moved_m: float = 0.0
    """Farthest distance from where the track was born (jitter does not add up)."""
    max_top_m: float = 0.0
    blob_index: int = -1
    """Index of this frame's blob, -1 when not seen in this frame."""
    streak: int = 1
    """Frames seen in a row."""
    confirmed: bool = False
    """Was seen ``confirm_frames`` in a row at least once: not a flicker of noise."""

    @property
    def is_person(self) -> bool:
        """Confirmed, and ever stood up or walked: not noise, not a chair pushed into view."""
        return self.confirmed and (self.max_top_m >= _UPRIGHT_M or self.moved_m >= _WALKED_M)


@dataclass(slots=True)
class Tracker:
    config: TrackingConfig
    tracks: list[Track] = field(default_factory=list)
    _ids: "itertools.count[int]" = field(default_factory=itertools.count)

    def update(self, blobs: list[Blob], t: float) -> list[Track]:
        """Associate this frame's blobs; returns the live tracks (seen or briefly missing)."""
        cfg = self.config
        for track in self.tracks:
            track.blob_index = -1
        free_blobs = set(range(len(blobs)))
        free_tracks = set(range(len(self.tracks)))
        for gate in (cfg.gate_m, max(cfg.gate_m, cfg.handover_m)):
            self._associate(blobs, free_tracks, free_blobs, gate, t)
        for bi in sorted(free_blobs):
            b = blobs[bi]
            self.tracks.append(
                Track(
                    id=next(self._ids),
                    x=b.x,
                    y=b.y,
                    top_m=b.top_m,
                    bottom_m=b.bottom_m,
                    centroid_m=b.z,
                    extent_m=max(b.extent_x_m, b.extent_y_m),
                    points=b.points,
                    born_t=t,
                    last_t=t,
                    born_x=b.x,
                    born_y=b.y,
                    max_top_m=b.top_m,
                    blob_index=bi,
                )
            )
        for track in self.tracks:
            if track.blob_index < 0:
                track.streak = 0
        self.tracks = [tr for tr in self.tracks if t - tr.last_t <= cfg.max_missing_s]
        return list(self.tracks)

    def _associate(
        self, blobs: list[Blob], free_tracks: set[int], free_blobs: set[int], gate: float, t: float
    ) -> None:
        """Greedy nearest pairs within ``gate`` among the still unmatched tracks and blobs."""
        if not free_tracks or not free_blobs:
            return
        tis, bis = sorted(free_tracks), sorted(free_blobs)
        tx = np.array([[self.tracks[i].x, self.tracks[i].y] for i in tis])
        bx = np.array([[blobs[i].x, blobs[i].y] for i in bis])
        dist = np.linalg.norm(tx[:, None, :] - bx[None, :, :], axis=2)
        for flat in np.argsort(dist, axis=None):
            r, c = divmod(int(flat), len(bis))
            if dist[r, c] > gate:
                break
            ti, bi = tis[r], bis[c]
            if ti in free_tracks and bi in free_blobs:
                free_tracks.discard(ti)
                free_blobs.discard(bi)
                self._observe(self.tracks[ti], blobs[bi], bi, t)

    def _observe(self, track: Track, blob: Blob, index: int, t: float) -> None:
        a = self.config.height_smoothing
        track.moved_m = max(track.moved_m, math.hypot(blob.x - track.born_x, blob.y - track.born_y))
        dt = t - track.last_t
        if dt > 0:
            speed = math.hypot(blob.x - track.x, blob.y - track.y) / dt
            vspeed = (a * blob.top_m + (1 - a) * track.top_m - track.top_m) / dt
            track.speed_mps = 0.5 * speed + 0.5 * track.speed_mps
            track.vspeed_mps = 0.5 * vspeed + 0.5 * track.vspeed_mps
        track.x, track.y = blob.x, blob.y
        track.centroid_m = a * blob.z + (1 - a) * track.centroid_m
        track.extent_m = a * max(blob.extent_x_m, blob.extent_y_m) + (1 - a) * track.extent_m
        track.top_m = a * blob.top_m + (1 - a) * track.top_m
        track.bottom_m = a * blob.bottom_m + (1 - a) * track.bottom_m
        track.points = blob.points
        track.last_t = t
        track.blob_index = index
        track.streak += 1
        track.confirmed = track.confirmed or track.streak >= self.config.confirm_frames
        track.max_top_m = max(track.max_top_m, track.top_m)
