"""Thermal frames in, detections out: health check → background → warm blobs → tracks →
activity model every 0.5 s → fall, occupancy and sensor-health engines.

Geometry (field of view, ceiling or wall, height, tilt) comes from each frame's meta (a
recording's, or the device's thermal source), so any array from 8×8 to 160×120 runs with no
setup. The first `learn_s` seconds learn the background and produce no detections. Per frame
the work is a few vectorised numpy passes over the array plus a short loop per warm blob;
the model runs on a (8, 12, 16) window twice a second.
"""

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from edge_agent.detections import Detection
from edge_agent.engines.engine import EngineFrame
from edge_agent.engines.occupancy import OccupancyEngine
from edge_agent.engines.sensor_health import SensorHealthEngine
from edge_agent.inference.runtime import OnnxModel, load_model, model_dir
from edge_agent.perception.config import PerceptionConfig
from edge_agent.sources.thermal import ThermalFrame
from edge_agent.thermal.config import ThermalConfig
from edge_agent.thermal.fall import Subject, ThermalFallEngine
from edge_agent.thermal.fall_input import FallSampler, FallStream
from edge_agent.thermal.geometry import SensorGeometry
from edge_agent.thermal.perception import PerceptionResult, ThermalPerception
from edge_agent.thermal.rest import RestAreas
from edge_agent.thermal.tracker import ThermalTrack
from edge_agent.thermal.window import CONTEXT_PLANES, WindowSampler, context_planes
from protocol import ModelRef

logger = logging.getLogger(__name__)

MODEL_NAME = "thermal-activity"
FALL_MODEL_NAME = "thermal-fall"
THERMAL_OCCUPANCY_MODEL = ModelRef(name="thermal-occupancy", version="1.0.0")
THERMAL_HEALTH_MODEL = ModelRef(name="thermal-health", version="1.0.0")
_WALKING_MPS = 0.4
_MIN_VALID = 0.5

F32 = npt.NDArray[np.float32]


class ThermalPipeline:
    """Per-stream thermal perception and engines; one caller feeds frames in time order."""

    def __init__(
        self,
        perception: PerceptionConfig | None = None,
        thermal: ThermalConfig | None = None,
        *,
        model: OnnxModel | None = None,
        fall_model: OnnxModel | None = None,
        models_dir: Path | None = None,
        geometry: SensorGeometry | None = None,
        shadow: bool = False,
    ) -> None:
        """`model`: the activity model (default: `thermal-activity` from `models_dir`, or the
        committed one); `fall_model`: the descent model (default: `thermal-fall` from there, if
        present);
        `geometry`: the array's optics and mount when frames carry no usable meta (a live
        device: from its config); `shadow`: every detection is marked shadow (a second model
        run beside the live one, stored and compared centrally, never alerted)."""
        self.perception_config = perception or PerceptionConfig()
        self.config = thermal or ThermalConfig()
        self.model = model if model is not None else load_model(MODEL_NAME, models_dir)
        self.labels = list(self.model.sidecar.labels)
        self.fall_model = fall_model or _optional(FALL_MODEL_NAME, models_dir)
        self._fall_index = (
            self.fall_model.sidecar.labels.index("fall") if self.fall_model is not None else -1
        )
        self._fall_stream: FallStream | None = None
        self._geometry = geometry
        self.shadow = shadow
        self._perception: ThermalPerception | None = None
        self._sampler: WindowSampler | None = None
        self._fall = self._fall_engine(geometry)
        self.rest = RestAreas(self.perception_config.zones, self.config.rest)
        self._occupancy = OccupancyEngine(self.perception_config.occupancy, THERMAL_OCCUPANCY_MODEL)
        self._health = SensorHealthEngine(
            self.perception_config.sensor_health, THERMAL_HEALTH_MODEL
        )
        self._start_t: float | None = None
        self._context: F32 | None = None
        self._last_model_t: float | None = None
        self.probs: dict[str, float] | None = None
        """The model's last output (label → probability)."""
        self.p_fall: float | None = None
        """The fall model's last `fall` probability."""
        self.decisions = 0
        """Times the fall engine has decided (0: the stream was too short to decide)."""
        self.last: PerceptionResult | None = None

    @property
    def geometry(self) -> SensorGeometry | None:
        return self._geometry

    @property
    def fall_threshold(self) -> float:
        """The fall model's threshold in use (this array's own once the first frame is in)."""
        return self._fall.threshold

    @property
    def tracks(self) -> list[ThermalTrack]:
        return [] if self.last is None else list(self.last.tracks)

    def process(self, frame: ThermalFrame) -> list[Detection]:
        """Detections caused by this frame (none while the background is being learned)."""
        out = self._process(frame)
        return [replace(d, shadow=True) for d in out] if self.shadow else out

    def _process(self, frame: ThermalFrame) -> list[Detection]:
        t = frame.t
        perception, sampler = self._setup(frame)
        if self._start_t is None:
            self._start_t = t
        temps, valid = self._screen(frame.temps_c)
        conf = None if self.probs is None else max(self.probs.values())
        if valid < _MIN_VALID:
            return self._health.step(t, valid, 0.0, 0.0, conf)
        result = self.last = perception.step(temps, t)
        fg = sum(b.pixels for b in result.blobs) / temps.size
        out = self._health.step(t, valid, 0.0, fg, conf)
        p_fall = self._fall_probability(result, t)
        ran = False
        due = self._last_model_t is None or (
            t - self._last_model_t >= self.config.model_every_s - 1e-6
        )
        if sampler.push(result.excess, t) and sampler.full and due:
            self._last_model_t = t
            p = self.model.predict(self._input(sampler.window()))[0]
            self.probs = {k: float(v) for k, v in zip(self.labels, p, strict=True)}
            ran = True
        if t - self._start_t < self.config.background.learn_s:
            return out
        self.rest.observe(result.tracks, t, learning=not self._fall.open)
        self.rest.keep(t)
        people = [tr for tr in result.tracks if tr.is_person]
        if (ran or p_fall is not None) and (self._health.healthy or self._fall.open):
            moving = any(tr.blob_index >= 0 and tr.speed_mps >= _WALKING_MPS for tr in people)
            self.decisions += 1
            probs = self.probs if ran else None
            subject = _subject(people, result.tracks, self.rest, t)
            out += self._fall.step(t, probs, moving, subject, p_fall)
        out += self._occupancy.step(t, EngineFrame(people=len(people)))
        return out

    def _fall_probability(self, result: PerceptionResult, t: float) -> float | None:
        """The fall model's `fall` when it is due now (every 0.4 s), else None."""
        stream = self._fall_stream
        if self.fall_model is None or stream is None:
            return None
        if not stream.push(result.excess, result.sigma, t):
            return None
        self.p_fall = float(
            self.fall_model.predict(stream.sampler.window()[None])[0][self._fall_index]
        )
        return self.p_fall

    def flush(self, t: float) -> list[Detection]:
        """Close open episodes (end of a recording, shutdown)."""
        out = self._fall.flush(t) + self._health.flush(t)
        self.rest.keep(t, now=True)
        return [replace(d, shadow=True) for d in out] if self.shadow else out

    def _fall_engine(self, geometry: SensorGeometry | None) -> ThermalFallEngine:
        """The fall engine at the fall model's threshold for this array: its own size's where
        validation set one (arrays differ: a 4×4 descent is one or two pixels), else the
        model's, else the config's."""
        cfg = self.config.fall
        side = self.fall_model.sidecar if self.fall_model is not None else None
        if side is not None:
            size = (geometry.width, geometry.height) if geometry is not None else (0, 0)
            threshold = side.threshold_for("fall", *size)
            if threshold is not None:
                cfg = cfg.model_copy(update={"fall_p": threshold})
        ref = self.fall_model.ref if self.fall_model is not None else self.model.ref
        return ThermalFallEngine(cfg, self.perception_config.fall, ref)

    def _input(self, window: F32) -> F32:
        """The model's input: the window, then the array's context planes if it takes them."""
        if self._context is None:
            return window[None]
        return np.concatenate([window, self._context])[None]

    def _setup(self, frame: ThermalFrame) -> tuple[ThermalPerception, WindowSampler]:
        if self._perception is None or self._sampler is None:
            if self._geometry is None:
                self._geometry = SensorGeometry.from_meta(frame.meta)
                self._fall = self._fall_engine(self._geometry)  # before its first step
            geometry = self._geometry
            self._perception = ThermalPerception(geometry, self.config)
            self._sampler = WindowSampler(
                geometry.height,
                geometry.width,
                frames=self.model.sidecar.window_frames,
                fps=self.model.sidecar.window_fps,
            )
            self._fall_stream = FallStream(
                FallSampler(geometry.height, geometry.width, geometry.mount, geometry.hfov_deg)
            )
            side = self.model.sidecar
            if side.input_shape[1] == side.window_frames + CONTEXT_PLANES:
                self._context = context_planes(geometry.mount, geometry.hfov_deg, geometry.width)
            logger.info(
                "thermal %dx%d %s mount at %.2f m, tilt %.0f°",
                geometry.width,
                geometry.height,
                geometry.mount,
                geometry.height_m,
                geometry.tilt_deg,
            )
        if frame.temps_c.shape != (self._geometry.height, self._geometry.width):  # type: ignore[union-attr]
            raise ValueError(f"thermal frame is {frame.temps_c.shape}, the stream began otherwise")
        return self._perception, self._sampler

    def _screen(self, temps: F32) -> tuple[F32, float]:
        """Frame with implausible pixels filled, and the share of valid pixels (0 when the
        frame is flat: a dead or covered array)."""
        cfg = self.config.health
        lo, hi = float(temps.min()), float(temps.max())  # NaN anywhere makes both NaN
        if cfg.min_c <= lo and hi <= cfg.max_c:  # the usual case: two reductions
            return temps, 0.0 if hi - lo < cfg.flat_range_c else 1.0
        ok = np.isfinite(temps) & (temps >= cfg.min_c) & (temps <= cfg.max_c)
        n_ok = int(ok.sum())
        if n_ok == 0:
            return temps, 0.0
        filled = np.where(ok, temps, np.float32(np.median(temps[ok]))).astype(np.float32)
        if float(np.ptp(filled[ok])) < cfg.flat_range_c:
            return filled, 0.0
        return filled, n_ok / temps.size


def _optional(name: str, models_dir: Path | None) -> OnnxModel | None:
    """A model that may be absent (logged); a present but broken one is an error."""
    if not model_dir(name, models_dir).is_dir():
        logger.warning("no %s model: thermal falls come from the activity model only", name)
        return None
    return load_model(name, models_dir)


def _subject(
    people: list[ThermalTrack], tracks: list[ThermalTrack], rest: RestAreas, t: float
) -> Subject | None:
    """The person most likely down: the largest warm footprint in view among people (tracks
    that moved), else among confirmed warm tracks (someone in view since start-up); with
    whether lying is normal where they are."""
    seen = [tr for tr in people if tr.blob_index >= 0] or [
        tr for tr in tracks if tr.blob_index >= 0 and tr.confirmed
    ]
    if not seen:
        return None
    tr = max(seen, key=lambda tr: tr.area_m2)
    height = tr.top_m if tr.top_m is not None else 0.0
    return Subject(tr.id, height, rest.at(tr.x, tr.y, t))
