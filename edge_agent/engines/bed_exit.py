"""Bed-exit engine for fall-risk beds: sitting up (`predicted`), out of bed (`exit`), back.

The occupant is a person lying in the bed zone (top below sitting height, body above the
floor), or one who appeared from the bed (their lying body was part of the background).
Sitting up in the zone opens an episode (`start`, stage ``predicted``): the earliest useful
warning. Leaving the zone for a while reports ``exit``; lying in the zone again for a while
ends the episode (stage ``return``). Only beds marked ``fall_risk`` are watched.
"""

import logging
import uuid
from dataclasses import dataclass
from typing import Literal

import numpy as np

from edge_agent.detections import Detection
from edge_agent.engines.observation import Observation
from edge_agent.perception.config import BedExitConfig, BedZone
from edge_agent.perception.zones import distance_outside
from protocol import BedExitData, EventType, ModelRef, Phase, new_uuid7

logger = logging.getLogger(__name__)

BED_EXIT_MODEL = ModelRef(name="bed-exit-rule", version="0.1.0")
Stage = Literal["predicted", "exit", "return"]
_SIT_M = 1.1
"""Top height in the bed zone above which the occupant is sitting up, not lying."""
_ON_BED_M = 0.3
"""Lowest points above this: the body rests on the mattress, not on the floor."""


@dataclass(slots=True)
class _Bed:
    occupant: int | None = None
    episode: uuid.UUID | None = None
    exited: bool = False
    out_since: float | None = None
    lying_since: float | None = None


class BedExitEngine:
    """Watches the beds marked ``fall_risk``."""

    def __init__(
        self, config: BedExitConfig, beds: list[BedZone], model: ModelRef = BED_EXIT_MODEL
    ) -> None:
        self._cfg = config
        self._model = model
        self._beds = {bed.id: _Bed() for bed in beds if bed.fall_risk}
        self._outlines = {bed.id: np.asarray(bed.polygon, dtype=np.float64) for bed in beds}

    def step(self, t: float, observations: list[Observation]) -> list[Detection]:
        out: list[Detection] = []
        by_track = {o.track_id: o for o in observations}
        for bed_id, bed in self._beds.items():
            in_zone = [o for o in observations if o.zone_id == bed_id and o.is_person]
            lying = [o for o in in_zone if o.top_m < _SIT_M and o.bottom_m > _ON_BED_M]
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
                sitting_up = occupant is not None and occupant.top_m >= _SIT_M
                if sitting_up and occupant is not None and occupant.zone_id == bed_id:
                    bed.episode = new_uuid7(int(t * 1000))
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
            confidence=0.8,
            data=BedExitData(stage=stage, track_id=bed.occupant or 0),
            model=self._model,
            bed=bed_id,
        )
