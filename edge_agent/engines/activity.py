"""Activity engine: what each person is doing, reported when it changes (`instant`).

Per person track: in bed, lying (a sofa), sitting, standing, walking, on the floor, out of
view. The posture model's label decides when it is sure enough (``body.posture_min_conf``);
otherwise heights and speed do:

- in a bed zone and not standing: ``in_bed``;
- top below ``body.floor_top_m`` with the lowest points within ``body.floor_clearance_m``
  of the floor, outside beds and chairs: ``on_floor``;
- top at least ``stand_top_m``: ``standing``, or ``walking`` at ``body.walk_speed_mps``;
- top below ``lying_top_m`` off the floor: ``lying``; anything else: ``sitting``.

A new activity is reported only after it held ``min_dwell_s`` (depth jitter near a threshold
must not flip it), with the previous one and how long that lasted. A track unseen for
``out_of_view_s`` is ``out_of_view``, with the zone it vanished in (``bathroom``, ``door``),
which is how the home daily summary counts bathroom visits. The daily summary itself is
built centrally from these events.
"""

import logging
from dataclasses import dataclass

from edge_agent.detections import Detection
from edge_agent.engines.debounce import Change, Debounced
from edge_agent.engines.engine import EngineFrame
from edge_agent.engines.observation import Observation
from edge_agent.perception.config import ActivityConfig, BodyConfig
from protocol import ActivityData, ActivityState, EventType, ModelRef, Phase, new_uuid7

logger = logging.getLogger(__name__)

ACTIVITY_MODEL = ModelRef(name="activity", version="1.0.0")
_CONFIDENCE = 0.75
_VANISH_ZONES = ("bathroom", "door")
"""Zones that explain a disappearance, in order of preference."""


@dataclass(slots=True)
class _Person:
    state: Debounced[ActivityState]
    last_seen_t: float
    zones: tuple[str, ...] = ()


class ActivityEngine:
    """One per room; feed it every frame's observations in time order."""

    def __init__(
        self,
        config: ActivityConfig,
        model: ModelRef = ACTIVITY_MODEL,
        *,
        body: BodyConfig | None = None,
    ) -> None:
        """``body``: the shared body thresholds (`PerceptionConfig.body`; default: defaults)."""
        self._cfg = config
        self._body = config.body_thresholds(body or BodyConfig())
        self._model = model
        self._people: dict[int, _Person] = {}

    def step(self, t: float, frame: EngineFrame) -> list[Detection]:
        out: list[Detection] = []
        for obs in frame.observations:
            if not obs.is_person:
                continue
            person = self._people.get(obs.track_id)
            if person is None:
                person = self._people[obs.track_id] = _Person(Debounced(self._cfg.min_dwell_s), t)
            person.last_seen_t, person.zones = t, obs.zones
            change = person.state.update(t, self.classify(obs))
            if change is not None:
                out.append(self._detection(t, obs.track_id, change, _zone(obs)))
        for track_id, person in list(self._people.items()):
            if t - person.last_seen_t >= self._cfg.out_of_view_s:
                out.extend(self._vanish(t, track_id, person))
        return out

    def flush(self, t: float) -> list[Detection]:
        """Everyone goes out of view (shutdown), so every activity's duration is closed."""
        out: list[Detection] = []
        for track_id, person in list(self._people.items()):
            person.last_seen_t = min(person.last_seen_t, t)
            out.extend(self._vanish(t, track_id, person))
        return out

    def classify(self, obs: Observation) -> ActivityState:
        """This frame's activity of one person, before debouncing."""
        cfg, body = self._cfg, self._body
        walking = obs.speed_mps >= body.walk_speed_mps
        at_floor = obs.bottom_m <= body.floor_clearance_m
        if obs.posture is not None and obs.posture_conf >= body.posture_min_conf:
            on_floor = at_floor and obs.zone_kind is None
            state = _from_posture(obs.posture, obs.zone_kind == "bed", walking, on_floor)
            if state is not None:
                return state
        upright = obs.top_m >= cfg.stand_top_m
        if obs.zone_kind == "bed" and not upright:
            return ActivityState.IN_BED
        if obs.top_m < body.floor_top_m and at_floor and obs.zone_kind is None:
            return ActivityState.ON_FLOOR
        if upright:
            return ActivityState.WALKING if walking else ActivityState.STANDING
        if obs.top_m < cfg.lying_top_m and not at_floor:
            return ActivityState.LYING
        return ActivityState.SITTING

    def _vanish(self, t: float, track_id: int, person: _Person) -> list[Detection]:
        del self._people[track_id]
        state = person.state.state
        if state is None:
            return []
        zone = next((z for z in _VANISH_ZONES if z in person.zones), None)
        change = Change(
            ActivityState.OUT_OF_VIEW,
            state,
            person.last_seen_t,
            max(0.0, person.last_seen_t - person.state.since),
        )
        return [self._detection(t, track_id, change, zone)]

    def _detection(
        self, t: float, track_id: int, change: Change[ActivityState], zone: str | None
    ) -> Detection:
        logger.debug("track %d %s → %s", track_id, change.previous, change.state)
        return Detection(
            type=EventType.ACTIVITY,
            phase=Phase.INSTANT,
            episode_id=new_uuid7(int(t * 1000)),
            ts=t,
            confidence=_CONFIDENCE,
            data=ActivityData(
                track_id=track_id,
                state=change.state,
                previous=change.previous,
                duration_s=change.previous_s,
                zone=zone,
            ),
            model=self._model,
        )


def _zone(obs: Observation) -> str | None:
    if obs.zone_kind is not None:
        return obs.zone_kind
    return obs.zones[0] if obs.zones else None


def _from_posture(
    posture: str, in_bed: bool, walking: bool, on_floor: bool
) -> ActivityState | None:
    """The posture model's label as an activity; None for labels geometry judges better."""
    if posture in ("lying", "sitting") and in_bed:
        return ActivityState.IN_BED
    if posture == "lying" and on_floor:
        return ActivityState.ON_FLOOR
    return {
        "lying": ActivityState.LYING,
        "on_floor": ActivityState.ON_FLOOR,
        "sitting": ActivityState.SITTING,
        "standing": ActivityState.WALKING if walking else ActivityState.STANDING,
        "walking": ActivityState.WALKING,
    }.get(posture)
