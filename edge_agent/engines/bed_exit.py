"""Bed-exit engine for fall-risk beds: sitting up (`predicted`), out of bed (`exit`), back.

The occupant is a person lying in the bed zone (top below sitting height, body above the
floor), or one who appeared from the bed (their lying body was part of the background).
Sitting up in the zone, or at its edge with the legs over the side (lowest points near the
floor), opens an episode (`start`, stage ``predicted``): the earliest useful warning, given
while the patient is still on the mattress. A posture model saying ``sitting`` counts as
sitting up. Leaving the zone for a while reports ``exit``; lying in the zone again for a while
ends the episode (stage ``return``). Only beds marked ``fall_risk`` are watched.
Staff in the room do not silence anything here: suppression is the aggregator's rule.
While the input is not trusted (``trusted=False``) no new episode begins.
"""

import logging
import uuid
from dataclasses import dataclass
from typing import Literal

import numpy as np

from edge_agent.detections import Detection
from edge_agent.engines.engine import EngineFrame
from edge_agent.engines.observation import Observation
from edge_agent.perception.config import BedExitConfig, BedZone, BodyConfig
from edge_agent.perception.zones import distance_outside
from protocol import BedExitData, EventType, ModelRef, Phase, new_uuid7

logger = logging.getLogger(__name__)

BED_EXIT_MODEL = ModelRef(name="bed-exit-rule", version="0.2.0")
Stage = Literal["predicted", "exit", "return"]
_CONFIDENCE = 0.8
_AGREED = 0.9
"""Geometry and the posture model both say sitting."""
_DOUBTED = 0.6
"""Geometry says sitting up, the posture model is sure the patient lies."""


@dataclass(slots=True)
class _Bed:
    occupant: int | None = None
    episode: uuid.UUID | None = None
    exited: bool = False
    out_since: float | None = None
    lying_since: float | None = None
    confidence: float = _CONFIDENCE


class BedExitEngine:
    """Watches the beds marked ``fall_risk``."""

    def __init__(
        self,
        config: BedExitConfig,
        beds: list[BedZone],
        model: ModelRef = BED_EXIT_MODEL,
        *,
        body: BodyConfig | None = None,
    ) -> None:
        """``body``: the shared body thresholds (`PerceptionConfig.body`; default: defaults)."""
        self._cfg = config
        self._body = config.body_thresholds(body or BodyConfig())
        self._model = model
        self._beds = {bed.id: _Bed() for bed in beds if bed.fall_risk}
        self._outlines = {bed.id: np.asarray(bed.polygon, dtype=np.float64) for bed in beds}

    def step(self, t: float, frame: EngineFrame) -> list[Detection]:
        """Detections at ``t``; an untrusted frame (sensor unhealthy) starts no new episode."""
        observations, trusted = frame.observations, frame.trusted
        out: list[Detection] = []
        by_track = {o.track_id: o for o in observations}
        for bed_id, bed in self._beds.items():
            in_zone = [o for o in observations if o.zone_id == bed_id and o.is_person]
            lying = [o for o in in_zone if self._lying(o)]
            occupant = by_track.get(bed.occupant) if bed.occupant is not None else None
            if bed.episode is None:
                if lying:
                    bed.occupant = lying[0].track_id
                elif occupant is None:
                    bed.occupant = None
                    born_here = [o for o in in_zone if t - o.born_t < 1.0]
                    if born_here:
                        bed.occupant = born_here[0].track_id
                        occupant = born_here[0]
                if trusted and occupant is not None and self._getting_up(occupant, bed_id):
                    bed.episode = new_uuid7(int(t * 1000))
                    bed.confidence = self._confidence(occupant)
                    out.append(self._detection(t, bed_id, bed, Phase.START, "predicted"))
                continue
            if occupant is None or self._is_out(occupant, bed_id):  # out of bed, or of view
                bed.out_since = t if bed.out_since is None else bed.out_since
                if not bed.exited and t - bed.out_since >= self._cfg.exit_s:
                    bed.exited = True
                    out.append(self._detection(t, bed_id, bed, Phase.UPDATE, "exit"))
            elif occupant is not None:
                bed.out_since = None
            if lying:
                bed.lying_since = t if bed.lying_since is None else bed.lying_since
                if t - bed.lying_since >= self._cfg.return_s:
                    bed.occupant = lying[0].track_id
                    out.append(self._detection(t, bed_id, bed, Phase.END, "return"))
                    bed.episode, bed.exited, bed.out_since, bed.lying_since = (
                        None,
                        False,
                        None,
                        None,
                    )
            else:
                bed.lying_since = None
        return out

    def flush(self, t: float) -> list[Detection]:
        """End open episodes (shutdown): the last stage reached, since no return was seen."""
        out = []
        for bed_id, bed in self._beds.items():
            if bed.episode is not None:
                stage: Stage = "exit" if bed.exited else "predicted"
                out.append(self._detection(t, bed_id, bed, Phase.END, stage))
                self._beds[bed_id] = _Bed(occupant=bed.occupant)
        return out

    def _posture(self, obs: Observation) -> str | None:
        if obs.posture is not None and obs.posture_conf >= self._body.posture_min_conf:
            return obs.posture
        return None

    def _lying(self, obs: Observation) -> bool:
        posture, body = self._posture(obs), self._body
        if posture is not None:
            return posture == "lying" and obs.bottom_m > body.mattress_bottom_m
        return obs.top_m < body.upright_top_m and obs.bottom_m > body.mattress_bottom_m

    def _getting_up(self, obs: Observation, bed_id: str) -> bool:
        """Sitting up in bed, or at the edge with the legs over the side."""
        cfg = self._cfg
        at_bed = obs.zone_id == bed_id or (
            distance_outside(obs.x, obs.y, self._outlines[bed_id]) <= cfg.exit_margin_m
        )
        if not at_bed:
            return False
        sitting = obs.top_m >= self._body.upright_top_m or self._posture(obs) == "sitting"
        legs_over = obs.bottom_m <= self._body.floor_clearance_m and obs.zone_id != bed_id
        return sitting or legs_over

    def _confidence(self, obs: Observation) -> float:
        posture = self._posture(obs)
        if posture == "sitting":
            return _AGREED
        if posture == "lying":
            return _DOUBTED
        return _CONFIDENCE

    def _is_out(self, obs: Observation, bed_id: str) -> bool:
        away = distance_outside(obs.x, obs.y, self._outlines[bed_id])
        return away > self._cfg.exit_margin_m

    def _detection(self, t: float, bed_id: str, bed: _Bed, phase: Phase, stage: Stage) -> Detection:
        if bed.episode is None:
            raise RuntimeError("bed-exit detection without an episode")
        logger.info("bed exit %s (%s)", stage, phase.value)
        return Detection(
            type=EventType.BED_EXIT,
            phase=phase,
            episode_id=bed.episode,
            ts=t,
            confidence=bed.confidence,
            data=BedExitData(stage=stage, track_id=bed.occupant or 0),
            model=self._model,
            bed=bed_id,
        )
