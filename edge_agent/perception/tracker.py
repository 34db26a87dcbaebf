"""Blobs over time → tracks with stable ids, and each track's features over time.

A room holds a handful of people (a patient, two or three staff, a visitor), so every frame
solves the assignment of tracks to blobs exactly (the Hungarian method on a cost matrix of a
few rows, in plain Python) instead of pairing nearest neighbours greedily, which swaps ids
when two people pass close. The cost of pairing a track with a blob is the floor distance
from the track's *predicted* position (constant velocity since it was last seen; or where it
was last seen, whichever is nearer: people stop behind others too) plus a small penalty for
a different height, so the taller of two people gets the taller blob back.

What people do to a depth camera, and what the tracker does about it:

* **occlusion** (someone walks behind someone else): the hidden track coasts on its
  velocity, its gate widening with the time unseen, for up to ``max_missing_s``;
* **merging** (two people close enough to form one blob, as when a nurse helps a patient up):
  the blob goes to one track and the other, whose prediction lies on that blob, is marked
  ``merged`` and kept alive (up to ``max_merged_s``), coasting inside the blob's outline. The
  track that has the blob follows it, but neither learns velocity or height from a blob that
  is two people; when it splits, predicted positions and remembered heights give each person
  their id back as far as they can (two people who stop or turn while merged can swap);
* **a fall** moves the body's centre about a metre in a frame or two: a second pass lets a
  blob left over continue a track left over within ``handover_m``.

Features per track, all in room metres with z up from the floor (see `Track`): head (top),
centroid and lowest heights and the horizontal extent are per-frame EMAs with weight
``height_smoothing``; the velocity on the floor and the vertical speed of the top are
time-constant EMAs (``speed_tau_s``, ``vspeed_tau_s``) of finite differences, so they read
the same at 6 or 30 frames per second. Zones are looked up by the pipeline (`ZoneMap`).
A track also remembers whether it ever looked like a person (stood upright or walked, or
was found as one at start-up), which the background model uses to never absorb a person
lying still.
"""

import itertools
import math
from dataclasses import dataclass, field

from edge_agent.perception.blobs import Blob
from edge_agent.perception.config import TrackingConfig

_UPRIGHT_M = 1.0
_WALKED_M = 1.0
_HEIGHT_COST = 0.5
"""Metres of floor distance one metre of height difference costs in the assignment."""
_GATE_GROWTH_MPS = 0.6
"""A track unseen for a while may reappear this much farther per second unseen."""
_MAX_GROWTH_M = 1.0
_MERGE_MARGIN_M = 0.3
"""A track unmatched this close to another track's blob outline is taken as merged into it."""
_SIGNATURE_TAU_S = 0.5
"""Time constant of the height a track is recognised by after a merge: quick enough to
forget a blob that was two people (someone entering right behind someone else)."""
_FORBIDDEN = 1e6


@dataclass(slots=True)
class Track:
    """One object followed over frames; fields are the latest (smoothed) observation.

    Heights are above the floor plane, positions on it (room frame), in metres.
    """

    id: int
    x: float
    y: float
    """Position on the floor: this frame's blob centroid (predicted while merged into
    another track's blob)."""
    top_m: float
    """Highest body point (robust 98th percentile): the head when upright (EMA)."""
    bottom_m: float
    """Lowest body point (5th percentile): ≈ 0 standing or lying on the floor (EMA)."""
    points: int
    born_t: float
    last_t: float
    """Time of the last frame the track was seen (alone or merged)."""
    centroid_m: float = 0.0
    """Mean height of the visible points (EMA): over half the body height standing (a camera
    up high sees more of the upper body), ≈ 0.15–0.25 lying on the floor."""
    extent_m: float = 0.0
    """Largest horizontal extent of the blob (EMA): standing ≈ 0.5, lying ≈ 1.6."""
    vx_mps: float = 0.0
    vy_mps: float = 0.0
    """Velocity on the floor (EMA with time constant ``speed_tau_s``)."""
    speed_mps: float = 0.0
    """Horizontal speed, |(vx, vy)|: ≈ 1 walking, < 0.15 standing still."""
    vspeed_mps: float = 0.0
    """Vertical speed of the top (EMA, ``vspeed_tau_s``); below −1 in a fall."""
    born_x: float = 0.0
    born_y: float = 0.0
    moved_m: float = 0.0
    """Farthest distance from where the track was born (jitter does not add up)."""
    max_top_m: float = 0.0
    blob_index: int = -1
    """Index of this frame's blob, -1 when not seen alone (missing, or merged into another)."""
    streak: int = 1
    """Frames seen in a row."""
    confirmed: bool = False
    """Was seen ``confirm_frames`` in a row at least once: not a flicker of noise."""
    merged: bool = False
    """This frame the track shares one blob with another track (two people close)."""
    signature_top_m: float = 0.0
    """The height the track is recognised by after a merge: a slow average of ``top_m``
    while seen alone, frozen while merged."""
    raw_top_m: float = 0.0
    raw_top_t: float = 0.0
    """Last unsmoothed top of a blob of this track's own, and when (for the vertical speed)."""
    seen_x: float = 0.0
    seen_y: float = 0.0
    """Where the track was last seen alone (not sharing its blob)."""
    seen_t: float = 0.0
    found_at_start: bool = False
    """Judged a person when the agent started (`edge_agent.perception.startup`): someone
    lying in bed or on the floor then never stood up or walked in view."""

    @property
    def is_person(self) -> bool:
        """Confirmed, and ever stood up or walked, or was found as a person at start-up: not
        noise, not a chair pushed into view."""
        return self.confirmed and (
            self.found_at_start or self.max_top_m >= _UPRIGHT_M or self.moved_m >= _WALKED_M
        )

    def predict(self, t: float) -> tuple[float, float]:
        """Where the track should be at ``t`` at its current velocity."""
        dt = max(0.0, t - self.last_t)
        return self.x + self.vx_mps * dt, self.y + self.vy_mps * dt


def assign(cost: list[list[float]]) -> list[tuple[int, int]]:
    """Minimum-cost assignment of rows to columns (Hungarian method, shortest augmenting
    paths); every row gets a column when rows ≤ columns. O(n²·m): microseconds for a room.
    """
    n = len(cost)
    if n == 0:
        return []
    m = len(cost[0])
    if n > m:
        transposed = [[cost[i][j] for i in range(n)] for j in range(m)]
        return [(i, j) for j, i in assign(transposed)]
    inf = math.inf
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    p = [0] * (m + 1)  # p[j]: row (1-based) matched to column j; p[0] the row being added
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], inf, 0
            row = cost[i0 - 1]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = row[j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    return [(p[j] - 1, j - 1) for j in range(1, m + 1) if p[j]]


@dataclass(slots=True)
class Tracker:
    config: TrackingConfig
    tracks: list[Track] = field(default_factory=list)
    _ids: "itertools.count[int]" = field(default_factory=itertools.count)

    def update(self, blobs: list[Blob], t: float) -> list[Track]:
        """Associate this frame's blobs; returns the live tracks (seen, merged or missing)."""
        cfg = self.config
        for track in self.tracks:
            track.blob_index = -1
            track.merged = False
        free_tracks = list(range(len(self.tracks)))
        free_blobs = list(range(len(blobs)))
        # First pass: distance from the prediction plus a height penalty, within the gate.
        pairs = self._match(
            blobs, free_tracks, free_blobs, t, gate=cfg.gate_m, height_cost=_HEIGHT_COST
        )
        # Second pass (falls): what is left over, by distance only, within a wider gate.
        gate = max(cfg.gate_m, cfg.handover_m)
        pairs += self._match(blobs, free_tracks, free_blobs, t, gate=gate, height_cost=0.0)
        shared = self._merged(blobs, pairs, free_tracks, t)
        for ti, bi in pairs:
            self._observe(self.tracks[ti], blobs[bi], bi, t, shared=bi in shared)
        for bi in free_blobs:
            self.tracks.append(self._new(blobs[bi], bi, t))
        for track in self.tracks:
            if track.blob_index < 0 and not track.merged:
                track.streak = 0
        self.tracks = [tr for tr in self.tracks if self._alive(tr, t)]
        return list(self.tracks)

    def _alive(self, track: Track, t: float) -> bool:
        if track.blob_index >= 0:
            return True
        if track.merged:
            return t - track.seen_t <= self.config.max_merged_s
        return t - track.last_t <= self.config.max_missing_s

    def _match(
        self,
        blobs: list[Blob],
        free_tracks: list[int],
        free_blobs: list[int],
        t: float,
        *,
        gate: float,
        height_cost: float,
    ) -> list[tuple[int, int]]:
        """Optimal (track, blob) pairs among the still unmatched ones; removes them from both."""
        if not free_tracks or not free_blobs:
            return []
        cost: list[list[float]] = []
        for ti in free_tracks:
            tr = self.tracks[ti]
            px, py = tr.predict(t)
            unseen = max(0.0, t - tr.seen_t)
            limit = gate + min(_MAX_GROWTH_M, _GATE_GROWTH_MPS * unseen)
            row = []
            for bi in free_blobs:
                b = blobs[bi]
                d = min(
                    math.hypot(b.x - px, b.y - py), math.hypot(b.x - tr.seen_x, b.y - tr.seen_y)
                )
                if d > limit:
                    row.append(_FORBIDDEN)
                else:
                    row.append(d + height_cost * abs(b.top_m - tr.signature_top_m))
            cost.append(row)
        pairs = [
            (free_tracks[r], free_blobs[c]) for r, c in assign(cost) if cost[r][c] < _FORBIDDEN
        ]
        matched_t = {ti for ti, _ in pairs}
        matched_b = {bi for _, bi in pairs}
        free_tracks[:] = [ti for ti in free_tracks if ti not in matched_t]
        free_blobs[:] = [bi for bi in free_blobs if bi not in matched_b]
        return pairs

    def _merged(
        self, blobs: list[Blob], pairs: list[tuple[int, int]], free_tracks: list[int], t: float
    ) -> set[int]:
        """Blobs that are two people or more: an unmatched track is predicted on a matched
        blob. Such tracks coast inside it; returns the blob indices."""
        shared: set[int] = set()
        for ti in free_tracks:
            tr = self.tracks[ti]
            if t - tr.last_t > self.config.max_missing_s:
                continue
            px, py = tr.predict(t)
            for _, bi in pairs:
                x0, x1, y0, y1 = _outline(blobs[bi])
                m = _MERGE_MARGIN_M
                if x0 - m <= px <= x1 + m and y0 - m <= py <= y1 + m:
                    shared.add(bi)
                    tr.merged = True
                    self._coast(tr, blobs[bi], t)
                    break
        return shared

    def _coast(self, track: Track, blob: Blob, t: float) -> None:
        """Follow the prediction, kept inside the blob's outline (a stop inside it stops the
        track there); learn no velocity or signature from a blob that is two people."""
        px, py = track.predict(t)
        x0, x1, y0, y1 = _outline(blob)
        x, y = min(max(px, x0), x1), min(max(py, y0), y1)
        if x != px:
            track.vx_mps = 0.0
        if y != py:
            track.vy_mps = 0.0
        track.speed_mps = math.hypot(track.vx_mps, track.vy_mps)
        track.vspeed_mps = 0.0
        track.x, track.y = x, y
        track.last_t = t
        track.streak += 1

    def _new(self, b: Blob, index: int, t: float) -> Track:
        return Track(
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
            blob_index=index,
            signature_top_m=b.top_m,
            raw_top_m=b.top_m,
            raw_top_t=t,
            seen_x=b.x,
            seen_y=b.y,
            seen_t=t,
        )

    def _observe(self, track: Track, blob: Blob, index: int, t: float, *, shared: bool) -> None:
        """Learn from this frame's blob. The track that keeps a ``shared`` blob (two people
        or more) follows it, but its velocity and signature height stay as they were before
        the merge: they are what tells the two apart when the blob splits."""
        cfg = self.config
        track.merged = shared
        self._learn_motion(track, blob, t, alone=not shared)
        a = cfg.height_smoothing
        track.centroid_m = a * blob.z + (1 - a) * track.centroid_m
        track.extent_m = a * max(blob.extent_x_m, blob.extent_y_m) + (1 - a) * track.extent_m
        track.top_m = a * blob.top_m + (1 - a) * track.top_m
        track.bottom_m = a * blob.bottom_m + (1 - a) * track.bottom_m
        track.points = blob.points
        track.last_t = t
        track.blob_index = index
        track.streak += 1
        track.confirmed = track.confirmed or track.streak >= cfg.confirm_frames
        track.max_top_m = max(track.max_top_m, track.top_m)
        track.moved_m = max(
            track.moved_m, math.hypot(track.x - track.born_x, track.y - track.born_y)
        )

    def _learn_motion(self, track: Track, blob: Blob, t: float, *, alone: bool) -> None:
        """Position and vertical speed; seen ``alone``, also velocity and signature height.
        A track keeping a shared blob follows it (``seen_*``) without learning from it."""
        cfg = self.config
        dt_top = t - track.raw_top_t
        if dt_top > 0:
            wv = 1.0 - math.exp(-dt_top / cfg.vspeed_tau_s)
            vspeed = (blob.top_m - track.raw_top_m) / dt_top
            track.vspeed_mps += wv * (vspeed - track.vspeed_mps)
        track.raw_top_m, track.raw_top_t = blob.top_m, t
        track.x, track.y = blob.x, blob.y
        dt = t - track.seen_t
        if dt > 0 and alone and track.seen_t >= track.last_t:  # not just out of a merge
            # Over a gap of several frames, w → 1: the mean velocity over the gap.
            w = 1.0 - math.exp(-dt / cfg.speed_tau_s)
            track.vx_mps += w * ((blob.x - track.seen_x) / dt - track.vx_mps)
            track.vy_mps += w * ((blob.y - track.seen_y) / dt - track.vy_mps)
        if dt > 0 and alone:
            ws = 1.0 - math.exp(-dt / _SIGNATURE_TAU_S)
            track.signature_top_m += ws * (blob.top_m - track.signature_top_m)
        track.speed_mps = math.hypot(track.vx_mps, track.vy_mps)
        track.seen_x, track.seen_y, track.seen_t = blob.x, blob.y, t


def _outline(b: Blob) -> tuple[float, float, float, float]:
    """Approximate floor outline of a blob: its extent around its centroid."""
    hx, hy = 0.5 * b.extent_x_m, 0.5 * b.extent_y_m
    return b.x - hx, b.x + hx, b.y - hy, b.y + hy
