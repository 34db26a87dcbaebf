"""The depth models on the device: per-track posture, fall and dispenser probabilities.

Every frame feeds the tracks' rows into `TrackBuffers`; at most ``rate_hz`` times a second
all ready tracks are batched into one call per model, and the outputs are reused until the
next tick, so the cost per frame stays small however fast the camera runs. onnxruntime only.

Shadow models (a candidate version run beside the live one) see the same windows; their
outputs are kept apart in `TrackModels.shadow_outputs` so the integrator can emit shadow
detections that are compared centrally and never alert.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from edge_agent.engines.observation import Observation
from edge_agent.inference.features import DispenserDistance, TrackBuffers, WindowSpec
from edge_agent.inference.runtime import OnnxModel, load_model
from edge_agent.perception.zones import ZoneMap, distance_outside

logger = logging.getLogger(__name__)

MODEL_NAMES: tuple[str, ...] = ("posture", "fall", "dispenser")
_TICK_SLACK_S = 1e-3
"""Frame clocks jitter: a frame this close to the tick counts as on it."""


@dataclass(frozen=True, slots=True)
class TrackOutputs:
    """The latest model outputs for one track; None where a model has no full window yet."""

    posture: str | None = None
    posture_conf: float = 0.0
    fall_p: float | None = None
    dispenser_p: float | None = None


def spec_of(model: OnnxModel) -> WindowSpec:
    """The window a model was trained on, from its sidecar."""
    side = model.sidecar
    return WindowSpec(tuple(side.features), side.window_frames, side.window_fps)


class TrackModels:
    """Runs the per-track depth models on a stream of observations."""

    def __init__(
        self,
        models_dir: Path | None = None,
        names: Sequence[str] = MODEL_NAMES,
        rate_hz: float = 5.0,
        shadow_dirs: dict[str, Path] | None = None,
    ) -> None:
        unknown = set(names) - set(MODEL_NAMES)
        if unknown:
            raise ValueError(f"unknown depth models {sorted(unknown)} (known: {MODEL_NAMES})")
        self.models: dict[str, OnnxModel] = {n: load_model(n, models_dir) for n in names}
        self.shadows: dict[str, OnnxModel] = {
            n: OnnxModel(Path(d)) for n, d in (shadow_dirs or {}).items()
        }
        for name, shadow in self.shadows.items():
            if name not in MODEL_NAMES or shadow.sidecar.name != name:
                raise ValueError(f"shadow {name}: directory holds model {shadow.sidecar.name!r}")
        self.rate_hz = rate_hz
        self._specs = {n: spec_of(m) for n, m in self.models.items()}
        self._shadow_specs = {n: spec_of(m) for n, m in self.shadows.items()}
        self._buffers = TrackBuffers()
        self._next_tick = float("-inf")
        self.outputs: dict[int, TrackOutputs] = {}
        self.shadow_outputs: dict[int, TrackOutputs] = {}

    def update(
        self,
        t: float,
        observations: list[Observation],
        dispenser_distance: DispenserDistance | None = None,
    ) -> dict[int, TrackOutputs]:
        """Outputs for the tracks in this frame (the last computed ones between ticks).

        Without ``dispenser_distance`` (no dispenser configured) the dispenser model does
        not run and ``dispenser_p`` stays None.
        """
        seen = self._buffers.update(t, observations, dispenser_distance)
        if t >= self._next_tick - _TICK_SLACK_S:
            period = 1.0 / self.rate_hz
            self._next_tick = max(self._next_tick + period, t + period / 2)
            live = list(self._buffers.tracks)  # a track missed this frame still has a window
            self.outputs = self._run(t, live, self.models, self._specs, dispenser_distance)
            if self.shadows:
                self.shadow_outputs = self._run(
                    t, live, self.shadows, self._shadow_specs, dispenser_distance
                )
        return {k: self.outputs.get(k, TrackOutputs()) for k in seen}

    def shadow_for(self, track_ids: Sequence[int]) -> dict[int, TrackOutputs]:
        """Shadow outputs for these tracks (empty outputs where a shadow has none)."""
        return {k: self.shadow_outputs.get(k, TrackOutputs()) for k in track_ids}

    def _run(
        self,
        t: float,
        track_ids: list[int],
        models: dict[str, OnnxModel],
        specs: dict[str, WindowSpec],
        dispenser_distance: DispenserDistance | None,
    ) -> dict[int, TrackOutputs]:
        out = {k: TrackOutputs() for k in track_ids}
        for name, model in models.items():
            if name == "dispenser" and dispenser_distance is None:
                continue
            ids, x = self._buffers.windows(t, specs[name], track_ids)
            if not ids:
                continue
            probs = model.predict(x)
            labels = model.sidecar.labels
            for k, p in zip(ids, probs, strict=True):
                if name == "posture":
                    i = int(np.argmax(p))
                    out[k] = replace(out[k], posture=labels[i], posture_conf=float(p[i]))
                elif name == "fall":
                    out[k] = replace(out[k], fall_p=float(p[labels.index("fall")]))
                else:
                    out[k] = replace(out[k], dispenser_p=float(p[labels.index("using")]))
        return out


def with_outputs(
    observations: list[Observation], outputs: dict[int, TrackOutputs]
) -> list[Observation]:
    """Observations carrying the model outputs, for the engines."""
    result = []
    for obs in observations:
        o = outputs.get(obs.track_id)
        if o is None:
            result.append(obs)
        else:
            result.append(
                replace(
                    obs,
                    posture=o.posture,
                    posture_conf=o.posture_conf,
                    fall_p=o.fall_p,
                    dispenser_p=o.dispenser_p,
                )
            )
    return result


def dispenser_distance(zones: ZoneMap) -> DispenserDistance | None:
    """Metres to the nearest configured dispenser zone, or None when the room has none (the
    dispenser model then does not run)."""
    polygons = [z.polygon for z in zones.zones if z.kind.startswith("dispenser")]
    if not polygons:
        return None

    def distance(x: float, y: float) -> float:
        return min(distance_outside(x, y, p) for p in polygons)

    return distance
