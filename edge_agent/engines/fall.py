"""Fall engine: upright → on the floor fast → stays down → `start`; `update`s; `end` when up.

A fall is a person whose top drops from standing height (or whose body drops from a bed or
sofa) to floor height within a short time (a fall is fast; lying down on purpose is slow),
whose lowest points are at the floor (not on a bed or sofa), outside any bed or chair zone,
and who stays down for a confirmation time.
The episode then reports time on the floor every few seconds and ends when the person is up
again for a while (``recovered=True``) or has been out of sight too long (``False``).
A long lie escalates: when the time on the floor passes each of ``escalation_s`` (e.g. 5, 15
and 60 min) an `update` with the next ``escalation`` number goes out on that very frame.

A fall model, when one runs (``Observation.fall_p``), is a second witness: a probability of
at least ``fall_p_threshold`` for someone down on the floor opens an episode even when the
drop itself was not seen (the track was born on the floor, the drop was occluded). The
reported confidence is the evidence: geometry alone gives ``confidence``; geometry and the
model average their belief, so a model that doubts the fall makes the alert less confident;
the model alone gives its probability, scaled down because the drop was not seen.
A person found on the floor when the agent starts (``Observation.found_at_start``) and
never seen up since opens an episode too: nobody saw them fall, but someone lying on the
floor outside any bed or chair is what a nurse must check, and waiting for a drop that was
never going to be seen would leave them there. Its confidence is ``found_down_confidence``
(lower than a seen fall), and the time on the floor counts from when they were found.
While the input is not trusted (``trusted=False``: a blocked or unfamiliar view) no new
episode begins; open ones go on, since a person on the floor is still on the floor.
Pure: times come from the frames.
"""

import logging
import uuid
from dataclasses import dataclass

from edge_agent.detections import Detection
from edge_agent.engines.engine import EngineFrame
from edge_agent.engines.observation import Observation
from edge_agent.perception.config import BodyConfig, FallConfig
from protocol import EventType, FallData, ModelRef, Phase, new_uuid7

logger = logging.getLogger(__name__)

FALL_MODEL = ModelRef(name="fall-rule", version="0.2.0")
_ADOPT_M = 1.2
_FORGET_S = 60.0
_PENDING_LOST_S = 3.0
_UNSEEN_DROP_WEIGHT = 0.85
"""The model alone, without a seen drop, is believed this much of its probability."""


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
    dropped: bool = True
    """Geometry saw a fast drop (else the fall model alone opened it)."""
    fall_p: float | None = None
    """Highest fall model probability while confirming."""
    confidence: float = 0.0
    escalation: int = 0
    found: bool = False
    """Found down at start-up, no fall seen (neither by geometry nor by the model)."""


class FallEngine:
    """One per room; feed it every frame's observations in time order."""

    def __init__(
        self, config: FallConfig, model: ModelRef = FALL_MODEL, *, body: BodyConfig | None = None
    ) -> None:
        """``body``: the shared body thresholds (`PerceptionConfig.body`; default: defaults)."""
        self._cfg = config
        self._body = config.body_thresholds(body or BodyConfig())
        self._model = model
        self._people: dict[int, _Person] = {}
        self._episodes: dict[int, _Episode] = {}

    @property
    def open_episodes(self) -> int:
        return sum(1 for ep in self._episodes.values() if ep.episode_id is not None)

    def step(self, t: float, frame: EngineFrame) -> list[Detection]:
        """Detections at time ``t``; an untrusted frame (sensor unhealthy) starts nothing new."""
        observations, trusted = frame.observations, frame.trusted
        out: list[Detection] = []
        seen = {o.track_id for o in observations}
        for obs in observations:
            if obs.track_id not in self._episodes:
                self._adopt(obs, seen)
            person = self._people.setdefault(obs.track_id, _Person())
            person.last_seen_t = t
            if obs.top_m >= self._body.upright_top_m or obs.bottom_m >= self._cfg.raised_bottom_m:
                person.last_upright_t = t  # standing, or up on a bed: a drop from here is a fall
            episode = self._episodes.get(obs.track_id)
            if episode is None:
                if trusted:
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
            else:
                out.extend(self._escalate(t, episode))  # unseen but presumably still down
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
            and obs.bottom_m <= self._body.floor_clearance_m
            and obs.zone_kind is None
        )

    def _maybe_begin(self, t: float, obs: Observation, person: _Person) -> None:
        cfg = self._cfg
        if not obs.is_person or not self._is_down(obs, self._body.floor_top_m):
            return
        dropped = person.last_upright_t is not None and t - person.last_upright_t <= cfg.max_drop_s
        modelled = obs.fall_p is not None and obs.fall_p >= cfg.fall_p_threshold
        found = obs.found_at_start and person.last_upright_t is None
        if dropped or modelled or found:
            logger.debug("track %d down %.2f m (drop seen: %s)", obs.track_id, obs.top_m, dropped)
            self._episodes[obs.track_id] = _Episode(
                obs.track_id,
                t,
                obs.x,
                obs.y,
                obs.top_m,
                last_seen_t=t,
                dropped=dropped,
                fall_p=obs.fall_p,
                found=found and not (dropped or modelled),
            )

    def _evidence(self, ep: _Episode) -> float:
        """Confidence from what was seen: geometry, the fall model, or both."""
        if ep.found:
            return self._cfg.found_down_confidence
        if ep.fall_p is None:
            return self._cfg.confidence
        if ep.dropped:
            return (self._cfg.confidence + ep.fall_p) / 2
        return ep.fall_p * _UNSEEN_DROP_WEIGHT

    def _escalate(self, t: float, ep: _Episode) -> list[Detection]:
        """An `update` on the frame the time on the floor passes the next long-lie step."""
        if ep.episode_id is None:
            return []
        passed = sum(1 for step in self._cfg.escalation_s if t - ep.down_t >= step)
        if passed <= ep.escalation:
            return []
        ep.escalation = passed
        ep.last_report_t = t
        logger.warning("long lie: track %d on the floor %.0f s", ep.track_id, t - ep.down_t)
        return [self._detection(t, ep, Phase.UPDATE)]

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
            if obs.fall_p is not None:
                ep.fall_p = max(ep.fall_p or 0.0, obs.fall_p)
            if t - ep.down_t < cfg.confirm_s:
                return []
            ep.episode_id = new_uuid7(int(t * 1000))
            ep.last_report_t = t
            ep.confidence = self._evidence(ep)
            return [self._detection(t, ep, Phase.START)]
        if obs.top_m >= cfg.recover_height_m:
            ep.up_since = t if ep.up_since is None else ep.up_since
            if t - ep.up_since >= cfg.recover_s:
                return [self._end(t, ep, recovered=True)]
        else:
            ep.up_since = None
        escalated = self._escalate(t, ep)
        if escalated:
            return escalated
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
            confidence=ep.confidence,
            data=FallData(
                on_floor_s=max(0.0, t - ep.down_t),
                track_id=ep.track_id,
                height_m=min(3.0, max(0.0, ep.top_m)),
                recovered=recovered,
                escalation=ep.escalation,
            ),
            model=self._model,
        )
