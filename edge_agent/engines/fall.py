"""Fall engine: upright → on the floor fast → stays down → `start`; `update`s; `end` when up.

A fall is a person whose top drops from standing height (or whose body drops from a bed or
sofa) to floor height within a short time (a fall is fast; lying down on purpose is slow),
whose lowest points are at the floor (not on a bed or sofa), outside any bed or chair zone,
and who stays down for a confirmation time.
The episode then reports time on the floor every few seconds and ends when the person is up
again for a while (``recovered=True``) or has been out of sight too long (``False``).
Pure: times come from the frames.
"""

import logging
import uuid
from dataclasses import dataclass

from edge_agent.detections import Detection
from edge_agent.engines.observation import Observation
from edge_agent.perception.config import FallConfig
from protocol import EventType, FallData, ModelRef, Phase, new_uuid7

logger = logging.getLogger(__name__)

FALL_MODEL = ModelRef(name="fall-rule", version="0.1.0")
_ADOPT_M = 1.2
_FORGET_S = 60.0
_PENDING_LOST_S = 3.0


@dataclass(slots=True)
class _Person:
    last_upright_t: float | None = None
    last_seen_t: float = 0.0


@dataclass(slots=True)
class _Episode:
    track_id: int
    down_t: float
    x: float
    y: float
    top_m: float
    last_seen_t: float
    episode_id: uuid.UUID | None = None
    """Set when the episode is confirmed (`start` emitted)."""
    last_report_t: float = 0.0
    up_since: float | None = None


class FallEngine:
    """One per room; feed it every frame's observations in time order."""

    def __init__(self, config: FallConfig, model: ModelRef = FALL_MODEL) -> None:
        self._cfg = config
        self._model = model
        self._people: dict[int, _Person] = {}
        self._episodes: dict[int, _Episode] = {}

    @property
    def open_episodes(self) -> int:
        return sum(1 for ep in self._episodes.values() if ep.episode_id is not None)

    def step(self, t: float, observations: list[Observation]) -> list[Detection]:
        out: list[Detection] = []
        seen = {o.track_id for o in observations}
        for obs in observations:
            if obs.track_id not in self._episodes:
                self._adopt(obs, seen)
            person = self._people.setdefault(obs.track_id, _Person())
            person.last_seen_t = t
            if (
                obs.top_m >= self._cfg.standing_height_m
                or obs.bottom_m >= self._cfg.raised_bottom_m
            ):
                person.last_upright_t = t  # standing, or up on a bed: a drop from here is a fall
            episode = self._episodes.get(obs.track_id)
            if episode is None:
                self._maybe_begin(t, obs, person)
            else:
                out.extend(self._follow(t, obs, episode))
        for track_id, episode in list(self._episodes.items()):
            if track_id in seen:
                continue
            if episode.episode_id is None:
                if t - episode.last_seen_t > _PENDING_LOST_S:
                    del self._episodes[track_id]  # unconfirmed and gone: nothing to report
            elif t - episode.last_seen_t >= self._cfg.lost_end_s:
                out.append(self._end(t, episode, recovered=False))
        for track_id, person in list(self._people.items()):
            if t - person.last_seen_t > _FORGET_S:
                del self._people[track_id]
        return out

    def flush(self, t: float) -> list[Detection]:
        """End every open episode (end of a recording or shutdown): not seen getting up."""
        out = [
            self._end(t, ep, recovered=False)
            for ep in list(self._episodes.values())
            if ep.episode_id is not None
        ]
        self._episodes.clear()
        return out

    def _is_down(self, obs: Observation, below_m: float) -> bool:
        return (
            obs.top_m < below_m
            and obs.bottom_m <= self._cfg.max_floor_clearance_m
            and obs.zone_kind is None
        )

    def _maybe_begin(self, t: float, obs: Observation, person: _Person) -> None:
        cfg = self._cfg
        if not obs.is_person or person.last_upright_t is None:
            return
        if self._is_down(obs, cfg.fallen_height_m) and t - person.last_upright_t <= cfg.max_drop_s:
            logger.debug("track %d down %.2f m after being upright", obs.track_id, obs.top_m)
            self._episodes[obs.track_id] = _Episode(
                obs.track_id, t, obs.x, obs.y, obs.top_m, last_seen_t=t
            )

    def _adopt(self, obs: Observation, seen: set[int]) -> None:
        """A fallen person's track may break (merge, occlusion): hand the episode over."""
        for track_id, ep in list(self._episodes.items()):
            if track_id in seen or ep.episode_id is None:
                continue
            if (obs.x - ep.x) ** 2 + (obs.y - ep.y) ** 2 <= _ADOPT_M**2:
                del self._episodes[track_id]
                ep.track_id = obs.track_id
                self._episodes[obs.track_id] = ep
                return

    def _follow(self, t: float, obs: Observation, ep: _Episode) -> list[Detection]:
        cfg = self._cfg
        ep.x, ep.y, ep.top_m, ep.last_seen_t = obs.x, obs.y, obs.top_m, t
        if ep.episode_id is None:
            if not self._is_down(obs, cfg.recover_height_m):
                del self._episodes[obs.track_id]  # got up (or onto a bed) before confirmation
                return []
            if t - ep.down_t < cfg.confirm_s:
                return []
            ep.episode_id = new_uuid7(int(t * 1000))
            ep.last_report_t = t
            return [self._detection(t, ep, Phase.START)]
        if obs.top_m >= cfg.recover_height_m:
            ep.up_since = t if ep.up_since is None else ep.up_since
            if t - ep.up_since >= cfg.recover_s:
                return [self._end(t, ep, recovered=True)]
        else:
            ep.up_since = None
        if t - ep.last_report_t >= cfg.update_interval_s:
            ep.last_report_t = t
            return [self._detection(t, ep, Phase.UPDATE)]
        return []

    def _end(self, t: float, ep: _Episode, *, recovered: bool) -> Detection:
        self._episodes.pop(ep.track_id, None)
        return self._detection(t, ep, Phase.END, recovered=recovered)

    def _detection(
        self, t: float, ep: _Episode, phase: Phase, recovered: bool | None = None
    ) -> Detection:
        if ep.episode_id is None:
            raise RuntimeError("detection for an unconfirmed fall episode")
        logger.info("fall %s: track %d, %.1f s down", phase.value, ep.track_id, t - ep.down_t)
        return Detection(
            type=EventType.FALL,
            phase=phase,
            episode_id=ep.episode_id,
            ts=t,
            confidence=self._cfg.confidence,
            data=FallData(
                on_floor_s=max(0.0, t - ep.down_t),
                track_id=ep.track_id,
                height_m=min(3.0, max(0.0, ep.top_m)),
                recovered=recovered,
            ),
            model=self._model,
        )
