"""Thermal fall engine: a descent seen by the fall model, or `on_floor` after activity → fall.

A thermal array sees no heights, so the decisions are the models'. An episode starts
- at once when the fall model (`thermal-fall`: the last 3 s of contrast images; a descent and
  a lying footprint) says `fall` at or above its threshold: a fall with a short lie, the
  person up again after 2–3 s, is still a fall;
- or when the activity model's `on_floor` has held (model runs every 0.5 s, short dropouts
  forgiven) for `confirm_s` and somebody was seen moving at most `moving_before_s` before
  going down (a fall follows activity; lying on the floor since the recording began does not
  start one).
Neither starts one while the person is where lying down is normal (`Subject.rest`: a
configured bed or chair, or a learned rest place; `edge_agent/thermal/rest.py`): getting into
bed is a descent too. After an episode, the fall model may not start another for
`refractory_s`. The episode reports time on the floor every `update_interval_s`, sends an
`update` at once with the next `escalation` number as each long-lie step of
`FallConfig.escalation_s` passes, and ends when the model has not said `on_floor` for
`recover_s` since it saw movement (recovered: got up, maybe walked out of view) or has seen
nobody for `lost_end_s` (not recovered).
Pure: times come from the frames. One episode per room: the model sees the whole view.
"""

import logging
import uuid
from dataclasses import dataclass

from edge_agent.detections import Detection
from edge_agent.perception.config import FallConfig
from edge_agent.thermal.config import ThermalFallConfig
from protocol import EventType, FallData, ModelRef, Phase, new_uuid7

logger = logging.getLogger(__name__)

LABELS = ("empty", "still", "moving", "on_floor")


@dataclass(slots=True)
class _Episode:
    id: uuid.UUID
    down_t: float
    last_report_t: float
    escalation: int = 0
    moving_since: float | None = None
    empty_since: float | None = None
    p_sum: float = 0.0
    p_n: int = 0


@dataclass(frozen=True, slots=True)
class Subject:
    """Who is down, as far as tracking knows (for the event's track id and height)."""

    track_id: int
    height_m: float
    rest: str | None = None
    """Where they are, if lying there is normal (`bed <id>`, `chair <id>`, `learned`)."""


class ThermalFallEngine:
    def __init__(self, config: ThermalFallConfig, shared: FallConfig, model: ModelRef) -> None:
        self._cfg = config
        self._shared = shared
        self._model = model
        self._last_active_t: float | None = None
        self._down_since: float | None = None
        self._down_last: float | None = None
        self._down_p: list[float] = []
        self._episode: _Episode | None = None
        self._ended_t: float | None = None
        self._subject = Subject(0, 0.0)
        self._rest_t: float | None = None
        self.resting_descents = 0
        """Descents the fall model saw where lying down is normal (no episode started)."""

    @property
    def open(self) -> bool:
        return self._episode is not None

    @property
    def threshold(self) -> float:
        """The fall model's `fall` at or above which a descent starts an episode."""
        return self._cfg.fall_p

    def step(
        self,
        t: float,
        probs: dict[str, float] | None,
        people_moving: bool,
        subject: Subject | None,
        p_fall: float | None = None,
    ) -> list[Detection]:
        """A model run: the activity model's probabilities (None if it did not run now),
        whether a person track is walking now, and the fall model's `fall` (if it ran)."""
        cfg = self._cfg
        if subject is not None:
            self._subject = subject
        rested = self._ended_t is None or t - self._ended_t >= cfg.refractory_s
        rest = subject.rest if subject is not None else None
        if p_fall is not None and p_fall >= cfg.fall_p and self._episode is None and rest:
            if self._rest_t is None or t - self._rest_t > cfg.refractory_s:
                self.resting_descents += 1  # one per lie-down, not one per model run
                logger.info("thermal descent in %s: not a fall (p %.2f)", rest, p_fall)
            self._rest_t = t
        elif p_fall is not None and p_fall >= cfg.fall_p and self._episode is None and rested:
            self._episode = _Episode(new_uuid7(int(t * 1000)), t, t, p_sum=p_fall, p_n=1)
            logger.info("thermal fall start: descent, p %.2f", p_fall)
            return [self._detection(t, Phase.START)]
        if probs is None:
            return []
        label = max(probs, key=lambda k: probs[k])
        p_floor = probs.get("on_floor", 0.0)
        down = p_floor >= cfg.on_floor_p
        if self._episode is None and (people_moving or (label == "moving" and not down)):
            self._last_active_t = t
        if down:
            if self._down_since is None:
                self._down_since, self._down_p = t, []
            self._down_last = t
            self._down_p.append(p_floor)
        elif self._down_last is not None and t - self._down_last > cfg.gap_s:
            self._down_since = self._down_last = None
        if self._episode is not None:
            return self._follow(t, label, down, p_floor)
        since = self._down_since
        if not cfg.activity_start or since is None or t - since < cfg.confirm_s or rest:
            return []
        active = self._last_active_t
        if active is None or since - active > cfg.moving_before_s:
            return []
        p = sum(self._down_p) / len(self._down_p)
        self._episode = _Episode(new_uuid7(int(t * 1000)), since, t, p_sum=p, p_n=1)
        logger.info("thermal fall start: down since %.1f s, p %.2f", t - since, p)
        return [self._detection(t, Phase.START)]

    def _follow(self, t: float, label: str, down: bool, p_floor: float) -> list[Detection]:
        ep = self._episode
        assert ep is not None
        cfg, shared = self._cfg, self._shared
        if down:
            ep.p_sum += p_floor
            ep.p_n += 1
        # Up again: moving, then anything but down (walking out of view included).
        if down:
            ep.moving_since = None
        elif ep.moving_since is None and label == "moving":
            ep.moving_since = t
        ep.empty_since = (ep.empty_since or t) if label == "empty" else None
        if ep.moving_since is not None and t - ep.moving_since >= cfg.recover_s:
            return [self._end(t, recovered=True)]
        if ep.empty_since is not None and t - ep.empty_since >= shared.lost_end_s:
            return [self._end(t, recovered=False)]
        on_floor = t - ep.down_t
        steps = sum(1 for s in shared.escalation_s if on_floor >= s)
        if steps > ep.escalation or t - ep.last_report_t >= shared.update_interval_s:
            ep.escalation = steps
            ep.last_report_t = t
            return [self._detection(t, Phase.UPDATE)]
        return []

    def flush(self, t: float) -> list[Detection]:
        """End the open episode (end of a recording, shutdown): not seen getting up."""
        return [self._end(t, recovered=False)] if self._episode is not None else []

    def _end(self, t: float, *, recovered: bool) -> Detection:
        out = self._detection(t, Phase.END, recovered)
        self._episode = None
        self._ended_t = t
        self._down_since = self._down_last = None
        self._last_active_t = t if recovered else None
        return out

    def _detection(self, t: float, phase: Phase, recovered: bool | None = None) -> Detection:
        ep = self._episode
        assert ep is not None
        confidence = min(self._cfg.confidence, ep.p_sum / max(1, ep.p_n))
        return Detection(
            type=EventType.FALL,
            phase=phase,
            episode_id=ep.id,
            ts=t,
            confidence=round(confidence, 3),
            data=FallData(
                on_floor_s=max(0.0, t - ep.down_t),
                track_id=self._subject.track_id,
                height_m=min(3.0, max(0.0, self._subject.height_m)),
                recovered=recovered,
                escalation=ep.escalation,
            ),
            model=self._model,
        )
