"""Mobility engine: a patient's way out of bed and back, as sessions in ICU Mobility Scale.

The patient is the person lying in the patient's bed (``patient_bed``, by default the first
bed), or the lone person in view who did not come in by the door (was there when the agent
started), or, in a room with no bed configured (a home), the lone person in view. A lost
patient track is handed to a new track appearing within ``adopt_m`` of where it was last
seen.

States (protocol `MobilityState`), from the posture model when it is sure, else geometry:
in the bed outline with the whole body on the mattress (lowest points above
``body.mattress_bottom_m``; lying or sitting up in bed): ``in_bed``; at the bed with the
legs over the side (lowest points near the floor, centre within ``edge_margin_m`` of the
outline): ``sitting_edge``; sitting in a chair zone, or seated anywhere away from the bed:
``chair``; upright (top at least ``stand_ratio`` of the patient's height, learned while
walking): ``standing``; upright and moving at ``body.walk_speed_mps``: ``walking``. A state
counts after it held ``min_dwell_s``.

A session opens (`start`) when the patient leaves bed or chair; each further transition is an
`update` with the state left, the seconds spent in it, the staff beside the patient (other
people within ``staff_radius_m`` while the new state was taking hold) and the IMS level of
the new state. It ends (`end`: highest level, most staff, seconds active, session length up
to the return) once the patient has been back in bed or in a chair for ``end_still_s``.

ICU Mobility Scale levels used (Hodgson 2014): in bed 0 (lying, passive), sitting on the
edge of the bed 3, standing 4, in a chair after leaving bed 5 (transferring bed to chair; a
hoist, level 2, cannot be told apart by depth), walking 10 alone, 8 with one helper, 7 with
two or more. Levels 1, 2, 6 and 9 are not distinguished. Active seconds are those standing or
walking. Per UTC day the engine also sends a `mobility_day` summary, when the day changes
and on `flush`.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from edge_agent.detections import Detection
from edge_agent.engines.debounce import Change, Debounced
from edge_agent.engines.engine import EngineFrame
from edge_agent.engines.observation import Observation
from edge_agent.perception.config import BedZone, BodyConfig, MobilityConfig
from edge_agent.perception.zones import distance_outside
from protocol import (
    EventType,
    MobilityData,
    MobilityDayData,
    MobilityState,
    ModelRef,
    Phase,
    new_uuid7,
)

logger = logging.getLogger(__name__)

MOBILITY_MODEL = ModelRef(name="mobility", version="1.0.0")
_CONFIDENCE = 0.8
_REST = (MobilityState.IN_BED, MobilityState.CHAIR)
_ACTIVE = (MobilityState.STANDING, MobilityState.WALKING)
_OUT_OF_BED = (MobilityState.STANDING, MobilityState.WALKING, MobilityState.CHAIR)
_MIN_UPRIGHT_M = 1.0
_MAX_GAP_S = 5.0
"""Frames further apart than this do not add active time (the feed stopped)."""
_REACQUIRE_S = 60.0
"""A patient unseen this long may be found again lying in the bed."""


def ims_level(state: MobilityState, staff: int) -> int:
    """ICU Mobility Scale level of a state (see the module docstring for the mapping)."""
    if state is MobilityState.WALKING:
        return 10 if staff == 0 else 8 if staff == 1 else 7
    return {
        MobilityState.IN_BED: 0,
        MobilityState.SITTING_EDGE: 3,
        MobilityState.STANDING: 4,
        MobilityState.CHAIR: 5,
    }[state]


def utc_day(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")


@dataclass(slots=True)
class _Session:
    episode_id: uuid.UUID
    start_t: float
    max_ims: int
    max_staff: int
    active_s: float = 0.0


@dataclass(slots=True)
class _Day:
    max_ims: int = 0
    active_s: float = 0.0
    sessions: int = 0
    out_of_bed: bool = False
    max_staff: int = 0


class MobilityEngine:
    """One per patient (bed), or per home."""

    def __init__(
        self,
        config: MobilityConfig,
        beds: list[BedZone],
        model: ModelRef = MOBILITY_MODEL,
        *,
        body: BodyConfig | None = None,
    ) -> None:
        """``body``: the shared body thresholds (`PerceptionConfig.body`; default: defaults)."""
        self._cfg = config
        self._body = config.body_thresholds(body or BodyConfig())
        self._model = model
        bed = next((b for b in beds if b.id == config.patient_bed), beds[0] if beds else None)
        if config.patient_bed is not None and (bed is None or bed.id != config.patient_bed):
            raise ValueError(f"mobility.patient_bed {config.patient_bed!r} is not a bed zone")
        self.bed_id = bed.id if bed else None
        self._outline: npt.NDArray[np.float64] | None = (
            np.asarray(bed.polygon, dtype=np.float64) if bed else None
        )
        self.patient: int | None = None
        self._last_pos = (0.0, 0.0)
        self._last_seen_t = 0.0
        self._height_m = config.default_height_m
        self._state: Debounced[MobilityState] = Debounced(config.min_dwell_s)
        self._staff_now = 0
        self._staff_in_transition = 0
        self._session: _Session | None = None
        self._last_t: float | None = None
        self._day: str | None = None
        self._days: dict[str, _Day] = {}
        self._first_zones: dict[int, tuple[str, ...]] = {}
        """Zones each track was first seen in: someone who came in by the door is a visitor."""

    @property
    def state(self) -> MobilityState | None:
        return self._state.state

    def step(self, t: float, frame: EngineFrame) -> list[Detection]:
        observations = frame.observations
        out = self._roll_day(t)
        people = [o for o in observations if o.is_person]
        if len(self._first_zones) > 256:  # forget tracks long gone
            self._first_zones = {o.track_id: o.zones for o in observations}
        for o in observations:
            self._first_zones.setdefault(o.track_id, o.zones)
        patient = self._find_patient(t, people)
        dt = 0.0 if self._last_t is None else min(max(0.0, t - self._last_t), _MAX_GAP_S)
        self._last_t = t
        if patient is None:
            return out
        self._last_pos, self._last_seen_t = (patient.x, patient.y), t
        self._staff_now = sum(
            1
            for o in people
            if o.track_id != patient.track_id
            and (o.x - patient.x) ** 2 + (o.y - patient.y) ** 2 <= self._cfg.staff_radius_m**2
        )
        raw = self.classify(patient)
        if raw is not None:  # low on the floor is not active time (the fall engine's case)
            self._active_time(dt)
        if self._state.candidate_since is None:
            self._staff_in_transition = self._staff_now
        else:
            self._staff_in_transition = max(self._staff_in_transition, self._staff_now)
        change = self._state.update(t, raw)
        if change is not None:
            out.extend(self._transition(t, change))
            self._staff_in_transition = self._staff_now
        out.extend(self._maybe_end(t))
        return out

    def flush(self, t: float) -> list[Detection]:
        """End an open session and send the current day's summary (shutdown, end of file)."""
        out: list[Detection] = []
        if self._session is not None:
            out.append(self._end(t, t))
        if self._day is not None:
            out.append(self.day_summary(self._day, t))
            self._days.pop(self._day, None)
            self._day = None
        return out

    def day_summary(self, day: str, t: float | None = None) -> Detection:
        """The `mobility_day` summary of one UTC day (``YYYY-MM-DD``) as seen so far."""
        stats = self._days.get(day, _Day())
        ts = (
            t
            if t is not None
            else datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp() + 86_399.0
        )
        return Detection(
            type=EventType.MOBILITY_DAY,
            phase=Phase.INSTANT,
            episode_id=new_uuid7(int(ts * 1000)),
            ts=ts,
            confidence=_CONFIDENCE,
            data=MobilityDayData(
                day=day,
                max_ims_level=stats.max_ims,
                active_s=stats.active_s,
                sessions=min(stats.sessions, 1000),
                out_of_bed=stats.out_of_bed,
                max_staff=min(stats.max_staff, 10),
            ),
            model=self._model,
            bed=self.bed_id,
        )

    def classify(self, obs: Observation) -> MobilityState | None:
        """This frame's state of the patient before debouncing; None when unclear."""
        cfg, body = self._cfg, self._body
        near = self._outline is not None and (
            distance_outside(obs.x, obs.y, self._outline) <= cfg.edge_margin_m
        )
        in_bed = obs.zone_id is not None and obs.zone_id == self.bed_id
        on_mattress = in_bed and obs.bottom_m > body.mattress_bottom_m  # legs not over the side
        in_chair = obs.zone_kind == "chair"
        moving = obs.speed_mps >= body.walk_speed_mps and obs.top_m >= _MIN_UPRIGHT_M
        if moving and not near:
            self._height_m = 0.9 * self._height_m + 0.1 * obs.top_m  # learn while walking
        if obs.posture is not None and obs.posture_conf >= body.posture_min_conf:
            label = obs.posture
            if label in ("lying", "sitting") and on_mattress:
                return MobilityState.IN_BED
            if label == "sitting":
                if in_chair:
                    return MobilityState.CHAIR
                if near:
                    return MobilityState.SITTING_EDGE
            if label in ("standing", "walking"):
                return MobilityState.WALKING if moving else MobilityState.STANDING
        if on_mattress:
            return MobilityState.IN_BED  # lying, or sitting up in bed (IMS 0-1)
        if in_bed:
            return MobilityState.SITTING_EDGE  # over the mattress, legs down: nobody stands there
        if moving:
            return MobilityState.WALKING
        if obs.top_m >= cfg.stand_ratio * self._height_m:
            return MobilityState.STANDING
        if in_chair:
            return MobilityState.CHAIR
        if near:
            return MobilityState.SITTING_EDGE
        if obs.top_m >= _MIN_UPRIGHT_M:
            return MobilityState.CHAIR  # seated away from the bed: a chair without a zone
        return None  # low and away from the bed: the fall engine's business

    def _find_patient(self, t: float, people: list[Observation]) -> Observation | None:
        by_id = {o.track_id: o for o in people}
        if self.patient is not None and self.patient in by_id:
            return by_id[self.patient]
        if self.patient is not None:
            lx, ly = self._last_pos
            near = [
                o
                for o in people
                if o.born_t >= self._last_seen_t - 1.0
                and (o.x - lx) ** 2 + (o.y - ly) ** 2 <= self._cfg.adopt_m**2
            ]
            if near:
                return self._adopt(near[0])
            if t - self._last_seen_t < _REACQUIRE_S:
                return None
        alone = len(people) == 1 and "door" not in self._first_zones[people[0].track_id]
        if self.bed_id is None or alone:
            return self._adopt(people[0]) if alone or len(people) == 1 else None
        lying = [
            o
            for o in people
            if o.zone_id == self.bed_id
            and o.top_m < self._body.upright_top_m
            and o.bottom_m > self._body.mattress_bottom_m
        ]
        return self._adopt(lying[0]) if lying else None

    def _adopt(self, obs: Observation) -> Observation:
        if obs.track_id != self.patient:
            logger.debug("patient is track %d", obs.track_id)
        self.patient = obs.track_id
        return obs

    def _active_time(self, dt: float) -> None:
        if self._state.state in _ACTIVE:
            day = self._today()
            day.active_s += dt
            if self._session is not None:
                self._session.active_s += dt

    def _transition(self, t: float, change: Change[MobilityState]) -> list[Detection]:
        staff = min(self._staff_in_transition, 10)
        level = ims_level(change.state, staff)
        day = self._today()
        day.max_ims = max(day.max_ims, level)
        day.max_staff = max(day.max_staff, staff)
        day.out_of_bed = day.out_of_bed or change.state in _OUT_OF_BED
        if change.previous is None and change.state in _REST:
            return []  # first sight of the patient, resting: nothing to report
        phase = Phase.UPDATE
        if self._session is None:
            if change.state in _REST and change.previous in _REST:
                return []  # bed to chair by hoist or a missed step: no active session
            self._session = _Session(new_uuid7(int(t * 1000)), change.onset, level, staff)
            day.sessions += 1
            phase = Phase.START
        session = self._session
        session.max_ims = max(session.max_ims, level)
        session.max_staff = max(session.max_staff, staff)
        logger.info(
            "patient %s → %s (IMS %d, staff %d)", change.previous, change.state, level, staff
        )
        return [
            self._detection(
                t,
                phase,
                MobilityData(
                    track_id=self.patient or 0,
                    state=change.state,
                    previous=change.previous,
                    staff_count=staff,
                    duration_s=change.previous_s,
                    ims_level=level,
                    active_s=session.active_s,
                ),
            )
        ]

    def _maybe_end(self, t: float) -> list[Detection]:
        state = self._state.state
        if self._session is None or state not in _REST:
            return []
        if t - self._state.since < self._cfg.end_still_s:
            return []
        return [self._end(t, self._state.since)]

    def _end(self, t: float, rest_t: float) -> Detection:
        session = self._session
        if session is None:
            raise RuntimeError("mobility end without a session")
        self._session = None
        return self._detection(
            t,
            Phase.END,
            MobilityData(
                track_id=self.patient or 0,
                state=self._state.state or MobilityState.IN_BED,
                previous=None,
                staff_count=min(session.max_staff, 10),
                duration_s=max(0.0, rest_t - session.start_t),
                ims_level=session.max_ims,
                active_s=session.active_s,
            ),
            session.episode_id,
        )

    def _detection(
        self, t: float, phase: Phase, data: MobilityData, episode: uuid.UUID | None = None
    ) -> Detection:
        episode_id = episode or (self._session.episode_id if self._session else None)
        if episode_id is None:
            raise RuntimeError("mobility detection without a session")
        return Detection(
            type=EventType.MOBILITY,
            phase=phase,
            episode_id=episode_id,
            ts=t,
            confidence=_CONFIDENCE,
            data=data,
            model=self._model,
            bed=self.bed_id,
        )

    def _today(self) -> _Day:
        if self._day is None:
            raise RuntimeError("mobility day not started")
        return self._days.setdefault(self._day, _Day())

    def _roll_day(self, t: float) -> list[Detection]:
        """The previous day's summary on the first frame of a new UTC day."""
        day = utc_day(t)
        if self._day == day:
            return []
        previous, self._day = self._day, day
        self._days.setdefault(day, _Day())
        if previous is None:
            return []
        out = [self.day_summary(previous, t)]
        self._days.pop(previous, None)
        if self._state.state in _OUT_OF_BED:
            self._days[day].out_of_bed = True
        return out
