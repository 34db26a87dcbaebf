"""Occupancy engine: how many people are in view, reported when a new count holds a while.

Debouncing keeps a blob that flickers for a frame (two people merging, a brief occlusion)
from producing a pair of events. The room is assumed empty when the background is learned.
"""

import logging

from edge_agent.detections import Detection
from edge_agent.engines.engine import EngineFrame
from edge_agent.perception.config import OccupancyConfig
from protocol import EventType, ModelRef, OccupancyData, Phase, new_uuid7

logger = logging.getLogger(__name__)

OCCUPANCY_MODEL = ModelRef(name="occupancy-rule", version="0.1.0")


class OccupancyEngine:
    def __init__(self, config: OccupancyConfig, model: ModelRef = OCCUPANCY_MODEL) -> None:
        self._cfg = config
        self._model = model
        self.count = 0
        """The last reported count."""
        self._candidate: int | None = None
        self._since = 0.0

    def step(self, t: float, frame: EngineFrame) -> list[Detection]:
        """Detections at ``t`` from the frame's person count (``frame.people``)."""
        count = frame.people
        if count == self.count:
            self._candidate = None
            return []
        if count != self._candidate:
            self._candidate, self._since = count, t
        if t - self._since < self._cfg.debounce_s:
            return []
        self.count, self._candidate = count, None
        logger.info("occupancy now %d", count)
        return [
            Detection(
                type=EventType.OCCUPANCY,
                phase=Phase.INSTANT,
                episode_id=new_uuid7(int(t * 1000)),
                ts=t,
                confidence=0.9,
                data=OccupancyData(count=min(count, 50)),
                model=self._model,
            )
        ]

    def flush(self, t: float) -> list[Detection]:
        """Nothing to close: each count is an instant."""
        return []
