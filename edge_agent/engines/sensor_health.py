"""Sensor-health engine: when the input cannot be trusted, say so instead of alerting.

Fed a few plain numbers per frame, it opens a ``sensor_health`` episode when

- ``blocked``: most of the view has no depth reading, or is closer than 0.3 m (a hand, a
  towel, a cover over the lens), for ``blocked_s``;
- ``unfamiliar``: foreground covers most of the view for ``unfamiliar_s`` (furniture moved,
  the camera knocked, a scene unlike the learned background);
- ``uncertain``: the models' mean confidence stays low for ``uncertain_s``.

Blocked outranks unfamiliar, which outranks uncertain; a change of state while open is an
`update`. The episode ends once no problem has been seen for ``recover_s``.
`healthy` is what the integrator reads to start no new fall or bed-exit episode: it is False
while an episode is open and as soon as the view looks blocked (garbage in from the first
frame), but a brief crowd or a low-confidence frame does not make it False before the
episode opens, so one odd frame cannot hide a fall.
"""

import logging
import uuid
from typing import Literal

from edge_agent.detections import Detection
from edge_agent.perception.config import SensorHealthConfig
from protocol import EventType, ModelRef, Phase, SensorHealthData, new_uuid7

logger = logging.getLogger(__name__)

SENSOR_HEALTH_MODEL = ModelRef(name="sensor-health", version="1.0.0")
Problem = Literal["blocked", "unfamiliar", "uncertain"]
_ORDER: tuple[Problem, ...] = ("blocked", "unfamiliar", "uncertain")
_CONFIDENCE = 0.9


class SensorHealthEngine:
    """One per sensor stream."""

    def __init__(self, config: SensorHealthConfig, model: ModelRef = SENSOR_HEALTH_MODEL) -> None:
        self._cfg = config
        self._model = model
        self._since: dict[Problem, float | None] = dict.fromkeys(_ORDER)
        self._episode: uuid.UUID | None = None
        self.state: Problem | None = None
        """The open episode's problem, None when healthy."""
        self._clear_since: float | None = None
        self._last_report_t = 0.0
        self._detail = ""
        self._blocked_now = False

    @property
    def healthy(self) -> bool:
        return self._episode is None and not self._blocked_now

    def step(
        self,
        t: float,
        valid_fraction: float,
        near_fraction: float,
        foreground_fraction: float,
        model_conf: float | None,
    ) -> list[Detection]:
        cfg = self._cfg
        now: dict[Problem, bool] = {
            "blocked": valid_fraction < cfg.blocked_valid_below
            or near_fraction > cfg.blocked_near_above,
            "unfamiliar": foreground_fraction > cfg.unfamiliar_fg_above,
            "uncertain": model_conf is not None and model_conf < cfg.uncertain_conf_below,
        }
        self._blocked_now = now["blocked"]
        hold: dict[Problem, float] = {
            "blocked": cfg.blocked_s,
            "unfamiliar": cfg.unfamiliar_s,
            "uncertain": cfg.uncertain_s,
        }
        for problem in _ORDER:
            since = self._since[problem]
            self._since[problem] = (since if since is not None else t) if now[problem] else None
        active = next(
            (p for p in _ORDER if (s := self._since[p]) is not None and t - s >= hold[p]),
            None,
        )
        conf = "none" if model_conf is None else f"{model_conf:.2f}"
        self._detail = (
            f"valid {valid_fraction:.0%} near {near_fraction:.0%} "
            f"foreground {foreground_fraction:.0%} model {conf}"
        )
        if self._episode is None:
            if active is None:
                return []
            self._episode, self.state = new_uuid7(int(t * 1000)), active
            self._clear_since, self._last_report_t = None, t
            logger.warning("sensor %s: %s", active, self._detail)
            return [self._detection(t, Phase.START)]
        if any(now.values()):
            self._clear_since = None
        else:
            self._clear_since = t if self._clear_since is None else self._clear_since
            if t - self._clear_since >= cfg.recover_s:
                return self.flush(t)
        if active is not None and active != self.state:
            self.state = active
        elif t - self._last_report_t < cfg.update_interval_s:
            return []
        self._last_report_t = t
        return [self._detection(t, Phase.UPDATE)]

    def flush(self, t: float) -> list[Detection]:
        """End the open episode (healthy again, or shutting down)."""
        if self._episode is None:
            return []
        logger.info("sensor healthy again after %s", self.state)
        out = [self._detection(t, Phase.END)]
        self._episode, self.state, self._clear_since = None, None, None
        return out

    def _detection(self, t: float, phase: Phase) -> Detection:
        if self._episode is None or self.state is None:
            raise RuntimeError("sensor-health detection without an episode")
        return Detection(
            type=EventType.SENSOR_HEALTH,
            phase=phase,
            episode_id=self._episode,
            ts=t,
            confidence=_CONFIDENCE,
            data=SensorHealthData(state=self.state, detail=self._detail),
            model=self._model,
        )
