"""Hand-hygiene engine: every room entry and exit is an opportunity; was the dispenser used?

Doorway crossings. The door zone is the floor just inside the door; a dispenser zone marked
``outside`` (a corridor dispenser the camera sees through the door) counts as outside the
room, everything else as inside. A person track first seen at the door (or outside) that
then walks into the room is an **entry**, at the first frame inside. A track that was inside
and goes to the door, then vanishes there for ``gone_s`` or walks on outside, is an **exit**,
at the last frame at the door (or the first outside). Track breaks are common, so:

- a track that appears inside the room away from the door is not an entry: if another
  track was lost inside within ``relink_s`` and ``relink_m`` it continues that visit, else it
  is a visitor whose entry was not seen (their exit still counts, in a visit of its own);
- a track that peeks in at the door and leaves without stepping inside is no opportunity;
- the patient (a track seen lying in a bed zone: top below ``body.upright_top_m``, lowest
  points above ``body.mattress_bottom_m``) makes no opportunities.

Dispenser use: a person standing in a dispenser zone for ``rub_min_s``, or the dispenser
model (``Observation.dispenser_p``) above its threshold that long; the use is dated at its
onset (``dispenser_offset_s`` is onset minus crossing). A use within ± ``window_s`` of a
crossing counts for it, each use for one crossing only: uses after the first patient contact
do not count for the entry and uses before the last contact do not count for the exit
(before/after patient contact, the WHO moments); with no contact a use between the two goes
to the nearer crossing (entry to the use's onset against the use's end to the exit).
Rubbing at the corridor dispenser is seen only when its zone is in view, else such entries
and exits read as ``dispenser_used=False``.

Patient contact: the visitor's body centre came within ``contact_m`` of a bed outline, or
within ``patient_near_m`` of the patient's track when the caller names it, during the visit
(None when there is neither a bed zone nor a known patient).

When it is reported (`instant`, dated at the crossing; entry and exit share an episode):
the entry once ``window_s`` has passed after it and the contact question is settled (contact
seen, the visitor left or was lost, or ``contact_wait_s`` passed: contact so far); the exit
once ``window_s`` has passed after it. `flush` reports whatever is pending.
"""

import logging
import uuid
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from edge_agent.detections import Detection
from edge_agent.engines.engine import EngineFrame
from edge_agent.engines.observation import Observation
from edge_agent.perception.config import BedZone, BodyConfig, HandHygieneConfig
from edge_agent.perception.zones import distance_outside
from protocol import EventType, HandHygieneData, ModelRef, Phase, new_uuid7

logger = logging.getLogger(__name__)

HAND_HYGIENE_MODEL = ModelRef(name="hand-hygiene", version="1.0.0")
_CONFIDENCE = 0.8
Side = Literal["door", "in", "out"]


@dataclass(slots=True)
class _Use:
    """One dispenser use; ``end`` grows while the rubbing goes on."""

    onset: float
    end: float


@dataclass(slots=True)
class _Visit:
    episode_id: uuid.UUID
    entry_t: float | None = None
    exit_t: float | None = None
    uses: list[_Use] = field(default_factory=list)
    first_contact: float | None = None
    last_contact: float | None = None
    entry_use: _Use | None = None
    entry_done: bool = False
    exit_done: bool = False
    lost_t: float | None = None
    """When its track was lost inside the room (may be continued by a new track)."""
    lost_at: tuple[float, float] = (0.0, 0.0)
    track_id: int = 0


@dataclass(slots=True)
class _Track:
    id: int
    outside_origin: bool
    """First seen at the door or outside: stepping inside is an entry."""
    last_seen_t: float
    x: float
    y: float
    side: Side
    visit: _Visit | None = None
    inside: bool = False
    """Has been in the room proper (so reaching the door and leaving is an exit)."""
    last_door_t: float | None = None
    rub_since: float | None = None
    rub: _Use | None = None
    """The use going on now, once it has lasted ``rub_min_s``."""
    uses: list[_Use] = field(default_factory=list)
    """Uses outside a visit (the corridor dispenser before coming in)."""
    left: _Visit | None = None
    """The visit just left: a corridor dispenser use soon after still counts for its exit."""
    patient: bool = False


class HandHygieneEngine:
    """One per room with a door zone; feed it every frame's observations in time order."""

    def __init__(
        self,
        config: HandHygieneConfig,
        beds: list[BedZone],
        model: ModelRef = HAND_HYGIENE_MODEL,
        *,
        body: BodyConfig | None = None,
    ) -> None:
        """``body``: the shared body thresholds (`PerceptionConfig.body`; default: defaults):
        who lies in a bed zone is the patient."""
        self._cfg = config
        self._body = body or BodyConfig()
        self._model = model
        self._beds = [np.asarray(b.polygon, dtype=np.float64) for b in beds]
        self._tracks: dict[int, _Track] = {}
        self._visits: list[_Visit] = []
        self._knows_patient = False

    def step(self, t: float, frame: EngineFrame) -> list[Detection]:
        """Detections at ``t``; ``frame.patient`` is the patient's track when another engine
        knows it (`MobilityEngine.patient`): their moves are no opportunities, and coming near
        them is patient contact even away from the bed (an assisted walk)."""
        observations, patient = frame.observations, frame.patient
        patient_obs = next((o for o in observations if o.track_id == patient), None)
        self._knows_patient = self._knows_patient or patient is not None
        for obs in observations:
            self._see(t, obs, patient_obs)
        seen = {o.track_id for o in observations}
        for track_id, track in list(self._tracks.items()):
            if track_id not in seen and t - track.last_seen_t >= self._cfg.gone_s:
                self._lose(track)
                del self._tracks[track_id]
        return self._report(t, final=False)

    def flush(self, t: float) -> list[Detection]:
        """Report every pending opportunity with what is known now (shutdown, end of a
        recording): everyone in view counts as gone, so a visitor at the door has left."""
        for track in self._tracks.values():
            self._lose(track)
        self._tracks.clear()
        return self._report(t, final=True)

    def _see(self, t: float, obs: Observation, patient: Observation | None) -> None:
        side: Side = (
            "out" if "dispenser_out" in obs.zones else "door" if "door" in obs.zones else "in"
        )
        track = self._tracks.get(obs.track_id)
        if track is None:
            visit = self._relink(t, obs) if side != "out" else None
            track = self._tracks[obs.track_id] = _Track(
                obs.track_id, side != "in" and visit is None, t, obs.x, obs.y, side, visit
            )
            track.inside = visit is not None or side == "in"
            if visit is None and side == "in":  # here before us, or a break we cannot mend
                track.visit = _Visit(
                    new_uuid7(int(t * 1000)), entry_done=True, track_id=obs.track_id
                )
                self._visits.append(track.visit)
        track.last_seen_t, track.x, track.y, track.side = t, obs.x, obs.y, side
        if obs.zone_kind == "bed" and obs.top_m < self._body.upright_top_m:
            track.patient = track.patient or obs.bottom_m > self._body.mattress_bottom_m
        if patient is not None and patient.track_id == obs.track_id:
            track.patient = True
        if track.patient and track.visit is not None:
            self._visits.remove(track.visit)
            track.visit = None
        if not obs.is_person or track.patient:
            return
        visit = track.visit
        if side == "door":
            track.last_door_t = t
        elif side == "in" and not track.inside:
            track.inside = True
            if track.outside_origin and visit is None:
                visit = track.visit = _Visit(
                    new_uuid7(int(t * 1000)), entry_t=t, track_id=obs.track_id
                )
                visit.uses.extend(track.uses)
                self._visits.append(visit)
                logger.debug("track %d entered", obs.track_id)
        elif side == "out" and track.inside:
            self._exit(track, t)
            visit = None
        self._rub(t, obs, track)
        if visit is not None and visit.exit_t is None and self._touches(obs, patient):
            if visit.first_contact is None:
                visit.first_contact = t
            visit.last_contact = t

    def _touches(self, obs: Observation, patient: Observation | None) -> bool:
        cfg = self._cfg
        if patient is not None:
            reach = cfg.patient_near_m**2
            if (obs.x - patient.x) ** 2 + (obs.y - patient.y) ** 2 <= reach:
                return True
        return any(distance_outside(obs.x, obs.y, bed) <= cfg.contact_m for bed in self._beds)

    def _rub(self, t: float, obs: Observation, track: _Track) -> None:
        cfg = self._cfg
        using = "dispenser_in" in obs.zones or "dispenser_out" in obs.zones
        if obs.dispenser_p is not None:
            using = using or obs.dispenser_p >= cfg.dispenser_p_threshold
        if not using:
            track.rub_since, track.rub = None, None
            return
        track.rub_since = t if track.rub_since is None else track.rub_since
        if track.rub is not None:
            track.rub.end = t
            return
        if t - track.rub_since < cfg.rub_min_s:
            return
        use = track.rub = _Use(track.rub_since, t)
        if track.visit is not None:
            track.visit.uses.append(use)
        else:
            track.uses.append(use)
            if track.left is not None and not track.left.exit_done:
                track.left.uses.append(use)
        logger.debug("track %d used a dispenser", obs.track_id)

    def _relink(self, t: float, obs: Observation) -> _Visit | None:
        """A new track continues a visit whose track was just lost nearby in the room."""
        cfg = self._cfg
        for old in self._tracks.values():  # unseen, not yet given up
            stale = old.last_seen_t < t and old.visit is not None and old.side == "in"
            if stale and (obs.x - old.x) ** 2 + (obs.y - old.y) ** 2 <= cfg.relink_m**2:
                visit, old.visit, old.inside = old.visit, None, False
                if visit is not None:
                    visit.track_id = obs.track_id
                return visit
        for visit in self._visits:
            if visit.lost_t is None or t - visit.lost_t > cfg.relink_s:
                continue
            lx, ly = visit.lost_at
            if (obs.x - lx) ** 2 + (obs.y - ly) ** 2 <= cfg.relink_m**2:
                visit.lost_t = None
                visit.track_id = obs.track_id
                return visit
        return None

    def _exit(self, track: _Track, t: float) -> None:
        visit = track.visit
        if visit is None:  # entry not seen: an exit of its own
            visit = _Visit(new_uuid7(int(t * 1000)), entry_done=True, track_id=track.id)
            visit.uses.extend(track.uses)
            self._visits.append(visit)
        visit.exit_t = track.last_door_t if track.last_door_t is not None else t
        track.visit, track.inside, track.uses, track.left = None, False, [], visit
        logger.debug("track %d left", visit.track_id)

    def _lose(self, track: _Track) -> None:
        if track.patient or not track.inside:
            return
        if track.side == "door":
            self._exit(track, track.last_seen_t)
        elif track.visit is not None:
            track.visit.lost_t, track.visit.lost_at = track.last_seen_t, (track.x, track.y)

    def _report(self, t: float, *, final: bool) -> list[Detection]:
        cfg = self._cfg
        out: list[Detection] = []
        for visit in list(self._visits):
            if not visit.entry_done and visit.entry_t is not None:
                settled = (
                    visit.exit_t is not None
                    or visit.first_contact is not None
                    or visit.lost_t is not None
                    or t - visit.entry_t >= cfg.contact_wait_s
                )
                if final or (t - visit.entry_t >= cfg.window_s and settled):
                    out.append(self._entry(visit))
            exit_due = visit.exit_t is not None and (final or t - visit.exit_t >= cfg.window_s)
            if exit_due and visit.entry_done and not visit.exit_done:
                out.append(self._exit_detection(visit))
            lost_for_good = visit.lost_t is not None and t - visit.lost_t > cfg.relink_s
            if visit.entry_done and (visit.exit_done or lost_for_good or final):
                self._visits.remove(visit)
        return out

    def _entry(self, visit: _Visit) -> Detection:
        entry = visit.entry_t
        if entry is None:
            raise RuntimeError("entry report without an entry")
        w, exit_t, contact = self._cfg.window_s, visit.exit_t, visit.first_contact
        uses = [
            u
            for u in visit.uses
            if u.onset <= entry + w
            and u.end >= entry - w
            and (contact is None or u.onset <= contact)
            # no contact: a use between the crossings goes to the nearer one
            and (exit_t is None or contact is not None or u.onset - entry <= exit_t - u.end)
        ]
        use = min(uses, key=lambda u: abs(u.onset - entry)) if uses else None
        visit.entry_use, visit.entry_done = use, True
        return self._detection(visit, "entry", entry, use)

    def _exit_detection(self, visit: _Visit) -> Detection:
        exit_t = visit.exit_t
        if exit_t is None:
            raise RuntimeError("exit report without an exit")
        w, contact = self._cfg.window_s, visit.last_contact
        uses = [
            u
            for u in visit.uses
            if u.onset <= exit_t + w
            and u.end >= exit_t - w
            and u is not visit.entry_use
            and (contact is None or u.onset >= contact)
        ]
        visit.exit_done = True
        use = min(uses, key=lambda u: abs(u.end - exit_t)) if uses else None
        return self._detection(visit, "exit", exit_t, use)

    def _detection(
        self, visit: _Visit, direction: Literal["entry", "exit"], at: float, use: _Use | None
    ) -> Detection:
        logger.info("hand hygiene %s: dispenser %s", direction, "used" if use else "not used")
        return Detection(
            type=EventType.HAND_HYGIENE,
            phase=Phase.INSTANT,
            episode_id=visit.episode_id,
            ts=at,
            confidence=_CONFIDENCE,
            data=HandHygieneData(
                direction=direction,
                track_id=visit.track_id,
                dispenser_used=use is not None,
                dispenser_offset_s=None if use is None else use.onset - at,
                patient_contact=(
                    visit.first_contact is not None if self._beds or self._knows_patient else None
                ),
                window_s=self._cfg.window_s,
            ),
            model=self._model,
        )
