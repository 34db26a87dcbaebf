"""One room's engines, live or shadow, built from the perception config by `build_engines`."""

from collections.abc import Mapping, Sequence
from dataclasses import replace

from edge_agent.detections import Detection
from edge_agent.engines.activity import ACTIVITY_MODEL, ActivityEngine
from edge_agent.engines.bed_exit import BED_EXIT_MODEL, BedExitEngine
from edge_agent.engines.engine import Engine, EngineFrame
from edge_agent.engines.fall import FALL_MODEL, FallEngine
from edge_agent.engines.hand_hygiene import HAND_HYGIENE_MODEL, HandHygieneEngine
from edge_agent.engines.mobility import MOBILITY_MODEL, MobilityEngine
from edge_agent.engines.no_motion import NO_MOTION_MODEL, NoMotionEngine
from edge_agent.engines.occupancy import OCCUPANCY_MODEL, OccupancyEngine
from edge_agent.perception.config import PerceptionConfig
from protocol import ModelRef

_RULES = {
    "fall": FALL_MODEL,
    "occupancy": OCCUPANCY_MODEL,
    "bed_exit": BED_EXIT_MODEL,
    "mobility": MOBILITY_MODEL,
    "hand_hygiene": HAND_HYGIENE_MODEL,
    "no_motion": NO_MOTION_MODEL,
    "activity": ACTIVITY_MODEL,
}
"""The version each engine reports when it runs live."""
_READS = {"fall": "fall", "bed_exit": "posture", "hand_hygiene": "dispenser"}
"""The model each engine reads (by engine): a shadow version of it runs a shadow engine."""


class Engines:
    """Engines fed the same frames, in order; a shadow set marks its detections ``shadow``
    (stored and compared centrally, never alerted)."""

    def __init__(self, engines: Sequence[Engine], *, shadow: bool = False) -> None:
        self.engines = tuple(engines)
        self.shadow = shadow

    @property
    def active(self) -> bool:
        return bool(self.engines)

    def step(self, t: float, frame: EngineFrame) -> list[Detection]:
        out: list[Detection] = []
        for engine in self.engines:
            out += engine.step(t, frame)
            if isinstance(engine, MobilityEngine):  # engines after it get the patient it found
                frame = replace(frame, patient=engine.patient)
        return self._mark(out)

    def flush(self, t: float) -> list[Detection]:
        out: list[Detection] = []
        for engine in self.engines:
            out += engine.flush(t)
        return self._mark(out)

    def _mark(self, out: list[Detection]) -> list[Detection]:
        return [replace(d, shadow=True) for d in out] if self.shadow else out


def build_engines(
    config: PerceptionConfig, models: Mapping[str, ModelRef], *, shadow: bool = False
) -> Engines:
    """The enabled engines in the order they see a frame (mobility before hand hygiene).

    Live: ``models`` are the live models' versions by model name; the fall engine reports
    the fall model's when one runs, every other engine its rule's. Shadow: ``models`` are the
    shadowed models' versions; only the engines that read a shadowed model run (fall model →
    fall, posture → bed exit, dispenser → hand hygiene), reporting its version.
    """
    if shadow:
        refs = {engine: models[model] for engine, model in _READS.items() if model in models}
    else:
        refs = {**_RULES, "fall": models.get("fall", FALL_MODEL)}
    zones, body = config.zones, config.body
    risky = [bed for bed in zones.beds if bed.fall_risk]
    engines: list[Engine] = []
    if "fall" in refs:
        engines.append(FallEngine(config.fall, refs["fall"], body=body))
    if "occupancy" in refs:
        engines.append(OccupancyEngine(config.occupancy, refs["occupancy"]))
    if "bed_exit" in refs and config.bed_exit.enabled and risky:
        engines.append(BedExitEngine(config.bed_exit, risky, refs["bed_exit"], body=body))
    if "mobility" in refs and config.mobility.enabled:
        engines.append(MobilityEngine(config.mobility, zones.beds, refs["mobility"], body=body))
    if "hand_hygiene" in refs and config.hand_hygiene.enabled and zones.doors:
        hygiene = config.hand_hygiene
        engines.append(HandHygieneEngine(hygiene, zones.beds, refs["hand_hygiene"], body=body))
    if "no_motion" in refs and config.no_motion.enabled:
        engines.append(NoMotionEngine(config.no_motion, refs["no_motion"]))
    if "activity" in refs and config.activity.enabled:
        engines.append(ActivityEngine(config.activity, refs["activity"], body=body))
    return Engines(engines, shadow=shadow)
