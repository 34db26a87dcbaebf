"""No-motion engine: someone is in the room and nothing has moved for a long time.

Motion is any person track moving its body centre more than ``move_m`` or its top more than
``height_change_m`` from where it last rested, a tracker speed above ``speed_mps``, or a
person appearing or vanishing. After ``still_s`` without motion (30 min by default: a nap
in a chair is fine, a person motionless on a sofa at noon for hours is not) an episode opens
(`start`), reports every ``update_interval_s`` (`update`) and ends on the first motion, or
when nobody is in view (`end`). ``still_s`` is the time since the last motion.
"""

import logging
import uuid
from dataclasses import dataclass

from edge_agent.detections import Detection
from edge_agent.engines.engine import EngineFrame
from edge_agent.engines.observation import Observation
from edge_agent.perception.config import NoMotionConfig
from protocol import EventType, ModelRef, NoMotionData, Phase, new_uuid7

logger = logging.getLogger(__name__)

NO_MOTION_MODEL = ModelRef(name="no-motion", version="1.0.0")
_CONFIDENCE = 0.7


@dataclass(frozen=True, slots=True)
class _Rest:
    x: float
    y: float
    top_m: float


class NoMotionEngine:
    """One per room; feed it every frame's observations in time order."""

    def __init__(self, config: NoMotionConfig, model: ModelRef = NO_MOTION_MODEL) -> None:
        self._cfg = config
        self._model = model
        self._rest: dict[int, _Rest] = {}
        self._last_motion_t: float | None = None
        self._episode: uuid.UUID | None = None
        self._last_report_t = 0.0
        self._people = 0

    def step(self, t: float, frame: EngineFrame) -> list[Detection]:
        people = [o for o in frame.observations if o.is_person]
        if not people or self._last_motion_t is None or self._moved(people):
            out = self.flush(t)  # ends on motion before the new people count is taken
            self._rest = {o.track_id: _Rest(o.x, o.y, o.top_m) for o in people}
            self._last_motion_t = t if people else None
            self._people = len(people)
            return out
        self._people = len(people)
        still = t - self._last_motion_t
        if self._episode is None:
            if still < self._cfg.still_s:
                return []
            self._episode, self._last_report_t = new_uuid7(int(t * 1000)), t
            logger.warning("no motion for %.0f s with %d in view", still, self._people)
            return [self._detection(t, Phase.START)]
        if t - self._last_report_t < self._cfg.update_interval_s:
            return []
        self._last_report_t = t
        return [self._detection(t, Phase.UPDATE)]

    def flush(self, t: float) -> list[Detection]:
        """End an open episode (motion, nobody left in view, shutdown)."""
        if self._episode is None:
            return []
        out = [self._detection(t, Phase.END)]
        self._episode = None
        return out

    def _moved(self, people: list[Observation]) -> bool:
        cfg = self._cfg
        if {o.track_id for o in people} != set(self._rest):
            return True  # someone came, left, or the tracker lost them: not still
        for o in people:
            rest = self._rest[o.track_id]
            if (
                (o.x - rest.x) ** 2 + (o.y - rest.y) ** 2 > cfg.move_m**2
                or abs(o.top_m - rest.top_m) > cfg.height_change_m
                or o.speed_mps > cfg.speed_mps
                or abs(o.vspeed_mps) > cfg.speed_mps
            ):
                return True
        return False

    def _detection(self, t: float, phase: Phase) -> Detection:
        if self._episode is None:
            raise RuntimeError("no-motion detection without an episode")
        since = self._last_motion_t if self._last_motion_t is not None else t
        return Detection(
            type=EventType.NO_MOTION,
            phase=phase,
            episode_id=self._episode,
            ts=t,
            confidence=_CONFIDENCE,
            data=NoMotionData(still_s=max(0.0, t - since), people=min(self._people, 50)),
            model=self._model,
        )
