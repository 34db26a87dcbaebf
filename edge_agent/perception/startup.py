"""The first seconds after the background is learned: who was already in the room?

Whoever was in view while the background learned is either foreground at once (an
empty-room reference was adopted) or was found in the learned background by shape and is
held as foreground (`startup_search`). Either way such a person may never have stood up or
walked in view, which is what normally makes a track a person (`Track.is_person`). So for
``window_s`` after the background is ready, a new track counts as a person when

* it sits on a person found in the learned background (and becomes that seed's owner), or
* its blob is shaped like a person lying down: long, with a body-sized footprint, thin
  from bottom to top (a patient in bed, someone on a sofa or on the floor).

Pixels the person uncovers are learned by the background itself as soon as they read
farther. The rest of a seed is handed back to the background (`BackgroundModel.release`)
all at once when the person has visibly moved (a large share of the seed uncovered: they
stood up, sat up or fell, and the chair they sat in must not hide a fall beside it), and
after the window when the seed has no owner or the owner's track is gone, or pixel by
pixel as they lie farther from their owner than the owner's own size (what is left where
the person was: the chair, the bed's edge).
"""

import dataclasses
import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge_agent.engines.observation import Observation
from edge_agent.perception.background import BackgroundModel
from edge_agent.perception.blobs import Blob
from edge_agent.perception.config import BodyConfig, StartupConfig
from edge_agent.perception.deproject import Deprojector
from edge_agent.perception.startup_search import Seed
from edge_agent.perception.tracker import Track

logger = logging.getLogger(__name__)

_SEED_MATCH_M = 0.8
"""A new track this close to a seed's centroid is the person found there."""
_KEEP_MARGIN_M = 0.3
"""Held pixels within the owner's half-extent plus this stay held."""
_MOVED_SHARE = 0.4
"""Once this share of a seed's pixels read farther than learned (the room behind them is
seen), the person has moved (stood up, fell, sat up): what still reads as learned is what
they sat or lay on, or a part of them that stayed still, and is room from then on. Held
furniture must not hide a fall beside it."""
_LYING_EXTENT_M = (1.0, 2.4)
_LYING_FOOTPRINT_M2 = (0.25, 1.6)
_LYING_MAX_TOP_M = 1.3
_LYING_MAX_THICKNESS_M = 0.7
"""A body lying down is 0.2–0.4 m from its lowest to its highest point; a chair or a
wheelchair pushed into view is as tall as it is wide."""


def lying_like(blob: Blob) -> bool:
    """A foreground blob the size of a person lying down (on a bed, a sofa or the floor)."""
    extent = max(blob.extent_x_m, blob.extent_y_m)
    return (
        _LYING_EXTENT_M[0] <= extent <= _LYING_EXTENT_M[1]
        and _LYING_FOOTPRINT_M2[0] <= blob.footprint_m2 <= _LYING_FOOTPRINT_M2[1]
        and blob.top_m <= _LYING_MAX_TOP_M
        and blob.top_m - blob.bottom_m <= _LYING_MAX_THICKNESS_M
    )


def without_misread_posture(obs: Observation, body: BodyConfig) -> Observation:
    """Drop a posture model's "standing"/"walking" for someone found at start-up whose head
    is below upright height (``body.upright_top_m``: nobody stands or walks lower): the
    models read heights relative to the tallest the track was seen (at least 1 m), which
    for someone found lying is their lying height, so a patient lying still in bed reads as
    upright. Geometry then decides."""
    if (
        obs.found_at_start
        and obs.posture in ("standing", "walking")
        and obs.top_m < body.upright_top_m
    ):
        return dataclasses.replace(obs, posture=None, posture_conf=0.0)
    return obs


@dataclass(slots=True)
class _Held:
    seed: Seed
    pixels: npt.NDArray[np.intp]
    """Still held (flat indices); released ones are dropped."""
    xy: npt.NDArray[np.float32]
    """(2, n) floor position of each held pixel in the learned background."""
    total: int
    """Pixels found at start-up."""
    owner: int | None = None


class StartUp:
    """One per stream: `begin` once the background is ready, then `step` every frame."""

    def __init__(self, config: StartupConfig) -> None:
        self._cfg = config
        self._t0: float | None = None
        self._now = 0.0
        self._held: list[_Held] = []

    @property
    def active(self) -> bool:
        """Still in the window, or still holding someone found at start-up."""
        return self._t0 is not None and (bool(self._held) or self._in_window)

    @property
    def held(self) -> int:
        """People found in the learned background and not yet let go."""
        return len(self._held)

    @property
    def _in_window(self) -> bool:
        return self._t0 is not None and self._now - self._t0 <= self._cfg.window_s

    def begin(
        self, t: float, seeds: list[Seed], background: BackgroundModel, deproj: Deprojector
    ) -> None:
        """Start the window at ``t``, with the people found in the learned background."""
        if background.depth is None:
            raise RuntimeError("background not learned yet")
        self._t0 = self._now = t
        self._held = []
        for seed in seeds:
            d = background.depth.ravel()[seed.pixels]
            xy = deproj.room_points_at(d, seed.pixels)[:2].copy()
            self._held.append(_Held(seed, seed.pixels, xy, seed.pixels.size))
        if seeds:
            logger.info(
                "%d person(s) found in the learned background (%s): held as foreground",
                len(seeds),
                ", ".join(s.kind for s in seeds),
            )

    def step(
        self,
        t: float,
        tracks: list[Track],
        blobs: list[Blob],
        background: BackgroundModel,
    ) -> npt.NDArray[np.intp]:
        """Mark this frame's new people; returns held pixels to release (flat indices).

        Call after ``background.foreground`` for this frame: it says which held pixels
        still read as learned.
        """
        self._now = t
        if self._t0 is None:
            return np.empty(0, dtype=np.intp)
        if self._in_window:
            for track in tracks:
                if track.blob_index >= 0 and not track.found_at_start:
                    self._judge(track, blobs[track.blob_index])
        by_id = {tr.id: tr for tr in tracks}
        released: list[npt.NDArray[np.intp]] = []
        for held in self._held:
            if self._moved(held, background):
                released.append(held.pixels)  # what reads as learned now is room
                held.pixels = held.pixels[:0]
                continue
            if self._in_window:
                continue
            owner = by_id.get(held.owner) if held.owner is not None else None
            if owner is None:
                released.append(held.pixels)
                held.pixels = held.pixels[:0]
                continue
            reach = 0.5 * owner.extent_m + _KEEP_MARGIN_M
            far = np.hypot(held.xy[0] - owner.x, held.xy[1] - owner.y) > reach
            if far.any():
                released.append(held.pixels[far])
                held.pixels, held.xy = held.pixels[~far], held.xy[:, ~far]
        before = len(self._held)
        self._held = [h for h in self._held if h.pixels.size]
        if len(self._held) < before:
            logger.info("start-up person(s) moved away: their place is learned as room")
        return np.concatenate(released) if released else np.empty(0, dtype=np.intp)

    @staticmethod
    def _moved(held: _Held, background: BackgroundModel) -> bool:
        """Has the person found here visibly moved? Of the pixels of the seed that have a
        reading (dark clothing loses some), a large share no longer reads as learned:
        farther (uncovered), or closer (they lie in front of where they sat)."""
        seen, same = background.held_seen, background.held_same
        if background.held is None or seen is None or same is None:
            return True  # nothing of them is held any more: everything was uncovered
        n_seen = np.count_nonzero(seen.ravel()[held.pixels])
        n_same = np.count_nonzero(same.ravel()[held.pixels])
        uncovered = held.total - np.count_nonzero(background.held.ravel()[held.pixels])
        return bool(uncovered + (n_seen - n_same) > _MOVED_SHARE * (uncovered + n_seen))

    def _judge(self, track: Track, blob: Blob) -> None:
        for held in self._held:
            if held.owner is None and _near(track, held.seed):
                held.owner = track.id
                track.found_at_start = True
                return
        if lying_like(blob):
            track.found_at_start = True


def _near(track: Track, seed: Seed) -> bool:
    return bool(np.hypot(track.x - seed.x, track.y - seed.y) <= _SEED_MATCH_M)
