"""Depth frames in, detections out: temporal filter → background → room points → blobs →
tracks → engines.

The first second or two of frames teach the background; the floor is calibrated from that
background once, or loaded from the calibration file when one exists. Whoever was in view
then is found at once: in front of the stored empty-room reference (`perception.reference`),
or, with none, by shape in the learned background (`perception.startup_search`); and the
reference is written again whenever the room has been empty for a while. After that each
frame costs a few milliseconds: everything per pixel is numpy on a strided image,
everything per person is a short Python loop.
"""

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from edge_agent.calibration import Calibration, CalibrationError, calibrate_floor
from edge_agent.detections import Detection
from edge_agent.engines import EngineFrame, Observation, SensorHealthEngine, build_engines
from edge_agent.engines.activity import ACTIVITY_MODEL
from edge_agent.engines.bed_exit import BED_EXIT_MODEL
from edge_agent.engines.fall import FALL_MODEL
from edge_agent.engines.hand_hygiene import HAND_HYGIENE_MODEL
from edge_agent.engines.mobility import MOBILITY_MODEL
from edge_agent.engines.no_motion import NO_MOTION_MODEL
from edge_agent.engines.occupancy import OCCUPANCY_MODEL
from edge_agent.engines.sensor_health import SENSOR_HEALTH_MODEL
from edge_agent.inference.track_models import (
    TrackModels,
    TrackOutputs,
    dispenser_distance,
    with_outputs,
)
from edge_agent.perception.background import BackgroundModel
from edge_agent.perception.blobs import find_blobs
from edge_agent.perception.config import PerceptionConfig
from edge_agent.perception.deproject import Deprojector
from edge_agent.perception.reference import (
    EmptyRoomWatch,
    load_reference,
    make_reference,
    reference_path,
)
from edge_agent.perception.startup import StartUp, without_misread_posture
from edge_agent.perception.startup_search import Seed, find_people
from edge_agent.perception.temporal import TemporalFilter
from edge_agent.perception.tracker import Track, Tracker
from edge_agent.perception.zones import ZoneMap
from edge_agent.sources.base import DepthFrame
from protocol import ModelRef

logger = logging.getLogger(__name__)

_PROTECT_MARGIN_PX = 8


class Pipeline:
    """Per-stream perception and engines. Not thread-safe: one caller feeds frames in order."""

    def __init__(self, config: PerceptionConfig, calibration_path: Path | None = None) -> None:
        self.config = config
        self._calibration_path = calibration_path or config.calibration_file
        self.calibration: Calibration | None = None
        if self._calibration_path is not None and self._calibration_path.exists():
            self.calibration = Calibration.load(self._calibration_path)
            logger.info("floor calibration loaded from %s", self._calibration_path)
        self._background = BackgroundModel(config.background)
        self._reference_path = (
            reference_path(self._calibration_path)
            if self._calibration_path is not None and config.startup.reference
            else None
        )
        self._startup = StartUp(config.startup)
        self._empty_room = (
            EmptyRoomWatch(config.startup.empty_s, config.startup.rewrite_s)
            if self._reference_path is not None
            else None
        )
        self._temporal = TemporalFilter(config.temporal)
        self._deprojector: Deprojector | None = None
        self._tracker = Tracker(config.tracking)
        self._zones = ZoneMap(config.zones)
        self._models = _load_models(config)
        models = self._models
        live = {name: m.ref for name, m in models.models.items()} if models is not None else {}
        shadows = {name: m.ref for name, m in models.shadows.items()} if models is not None else {}
        self._sensor = SensorHealthEngine(config.sensor_health)
        self._engines = build_engines(config, live)
        self._shadow = build_engines(config, shadows, shadow=True)
        """Engines fed by a shadow model version: only those that use a shadowed model."""
        self._dispenser_distance = dispenser_distance(self._zones)
        self.observations: list[Observation] = []
        """What the engines saw in the last frame (debugging, setup views)."""

    @property
    def model_refs(self) -> tuple[ModelRef, ...]:
        """Every model and rule version this pipeline runs (the agent's status lists them)."""
        refs = [
            FALL_MODEL,
            BED_EXIT_MODEL,
            OCCUPANCY_MODEL,
            MOBILITY_MODEL,
            HAND_HYGIENE_MODEL,
            NO_MOTION_MODEL,
            ACTIVITY_MODEL,
            SENSOR_HEALTH_MODEL,
        ]
        if self._models is not None:
            refs += [m.ref for m in self._models.models.values()]
            refs += [m.ref for m in self._models.shadows.values() if m.ref not in refs]
        return tuple(dict.fromkeys(refs))

    @property
    def ready(self) -> bool:
        """Background learned and floor known: frames now produce detections."""
        return self._background.ready and self.calibration is not None

    @property
    def found_at_start(self) -> int:
        """People found by shape in the learned background (no usable reference), and still
        held as foreground."""
        return self._startup.held

    @property
    def tracks(self) -> list[Track]:
        return list(self._tracker.tracks)

    def process(self, frame: DepthFrame) -> list[Detection]:
        """Detections caused by this frame (none while learning the background).

        Raises `CalibrationError` when the learned background shows no floor; the next
        frames then learn it again, so a caller may log and keep feeding frames.
        """
        deproj = self._deprojector
        if deproj is None or deproj.intrinsics != frame.intrinsics:
            if deproj is not None:
                raise ValueError("stream intrinsics changed mid-stream")
            stride = self.config.blobs.stride or max(1, round(frame.intrinsics.width / 320))
            deproj = self._deprojector = Deprojector(frame.intrinsics, stride)
        depth = np.ascontiguousarray(deproj.strided(frame.depth_m), dtype=np.float32)
        t = frame.t
        valid = depth > 0
        valid_fraction = np.count_nonzero(valid) / depth.size
        near_fraction = np.count_nonzero(valid & (depth < 0.3)) / depth.size
        if not self._background.ready:
            health = self._sensor.step(t, valid_fraction, near_fraction, 0.0, None)
            if self._background.learn(depth, t):
                try:
                    self._calibrate(deproj)
                except CalibrationError:
                    # Learn again from the next frames (someone may have blocked the view).
                    self._background = BackgroundModel(self.config.background)
                    self._temporal.reset()
                    raise
                self._begin(t, deproj)
            return health
        # Holes (dark clothing, shiny rails) are filled from the last readings and still
        # surfaces averaged, so a body lying on the floor far away keeps its pixels.
        raw = depth
        depth, samples = self._temporal.step(raw, t, self._background.threshold)
        fg = self._background.foreground(depth, samples)
        idx = np.flatnonzero(fg)
        # Points from this frame's reading where there is one (no lag behind a moving body),
        # from the held value where the camera lost it.
        d = raw.ravel()[idx]
        d = np.where(d > 0, d, depth.ravel()[idx])
        points = deproj.room_points_at(d, idx)
        blobs, point_blob = find_blobs(points, d * d * deproj.pixel_area, self.config.blobs)
        tracks = self._tracker.update(blobs, t)
        if self._startup.active:
            self._background.release(self._startup.step(t, tracks, blobs, self._background))

        protected = self._around_people(tracks, idx, point_blob, depth)
        self._background.update(depth, fg, protected, t, samples)

        # Seen this frame, alone or sharing a blob with someone close (a nurse beside a
        # patient): both are in the room, the second at its coasted position and last heights.
        self.observations = obs = [
            self._observe(tr) for tr in tracks if tr.blob_index >= 0 or tr.merged
        ]
        live_obs, outputs = obs, {}
        if self._models is not None:
            outputs = self._models.update(t, obs, self._dispenser_distance)
            obs = [without_misread_posture(o, self.config.body) for o in with_outputs(obs, outputs)]
            self.observations = obs
        confs = [o.posture_conf for o in obs if o.posture is not None]
        model_conf = sum(confs) / len(confs) if confs else None
        out = self._sensor.step(t, valid_fraction, near_fraction, idx.size / depth.size, model_conf)
        trusted = self._sensor.healthy
        if self._empty_room is not None and self._empty_room.step(
            t, trusted and self._background.held is None and not any(tr.confirmed for tr in tracks)
        ):
            self.store_reference()
        people = sum(1 for tr in tracks if tr.is_person)
        seen = EngineFrame(obs, trusted=trusted, people=people)
        out += self._engines.step(t, seen)
        if self._models is not None and self._shadow.active:
            shadow = self._models.shadow_for([o.track_id for o in live_obs])
            shadow_obs = with_outputs(live_obs, _merge(outputs, shadow))
            out += self._shadow.step(t, replace(seen, observations=shadow_obs))
        return out

    def flush(self, t: float) -> list[Detection]:
        """Close open episodes (end of a recording, shutdown)."""
        return self._engines.flush(t) + self._shadow.flush(t) + self._sensor.flush(t)

    def _around_people(
        self,
        tracks: list[Track],
        idx: npt.NDArray[np.intp],
        point_blob: npt.NDArray[np.int64],
        depth: npt.NDArray[np.float32],
    ) -> npt.NDArray[np.bool_]:
        """Image boxes around each person's pixels (with a margin): the background must not
        learn a person lying still, not even the parts of them just under the threshold."""
        protected = np.zeros(depth.shape, dtype=bool)
        h, w = depth.shape
        m = _PROTECT_MARGIN_PX
        for track in tracks:
            if track.blob_index < 0 or not track.is_person:
                continue
            pix = idx[point_blob == track.blob_index]
            rows, cols = pix // w, pix % w
            r0, r1 = max(0, int(rows.min()) - m), min(h, int(rows.max()) + m + 1)
            c0, c1 = max(0, int(cols.min()) - m), min(w, int(cols.max()) + m + 1)
            protected[r0:r1, c0:c1] = True
        return protected

    def _observe(self, track: Track) -> Observation:
        zone = self._zones.at(track.x, track.y)
        return Observation(
            track_id=track.id,
            x=track.x,
            y=track.y,
            top_m=track.top_m,
            bottom_m=track.bottom_m,
            is_person=track.is_person,
            born_t=track.born_t,
            zone_id=zone.id if zone else None,
            zone_kind=zone.kind if zone else None,
            fall_risk=zone.fall_risk if zone else False,
            centroid_m=track.centroid_m,
            extent_m=track.extent_m,
            speed_mps=track.speed_mps,
            vspeed_mps=track.vspeed_mps,
            zones=self._zones.kinds_at(track.x, track.y),
            merged=track.merged,
            found_at_start=track.found_at_start,
        )

    def _calibrate(self, deproj: Deprojector) -> None:
        bg = self._background.depth
        if bg is None:
            raise RuntimeError("background not learned")
        if self.calibration is None:
            points = deproj.camera_points(bg, np.flatnonzero(bg > 0))
            self.calibration = calibrate_floor(points, mount=self.config.mount)
            if self._calibration_path is not None:
                self.calibration.save(self._calibration_path)
                logger.info("floor calibration saved to %s", self._calibration_path)
        deproj.set_room_transform(self.calibration.rotation, self.calibration.translation)

    def _begin(self, t: float, deproj: Deprojector) -> None:
        """Right after learning: adopt the empty-room reference if it fits, else look for
        people in the learned background; either way, watch for people found at start-up."""
        path, calibration = self._reference_path, self.calibration
        reference = None
        if path is not None and calibration is not None:
            reference = load_reference(path, deproj.intrinsics, deproj.stride, calibration)
        background, cfg = self._background, self.config.startup
        adopted = reference is not None and background.adopt(
            reference.depth, reference.sigma, cfg.min_agree
        )
        seeds: list[Seed] = []
        if not adopted and cfg.search and background.depth is not None:
            logger.info("no usable empty-room reference: looking for people by shape")
            seeds = find_people(
                background.depth, deproj, self._zones, self.config.blobs, self.config.body
            )
            background.hold_pixels([seed.pixels for seed in seeds])
        self._startup.begin(t, seeds, background, deproj)

    def store_reference(self) -> Path | None:
        """Store the current background as the empty-room reference (at installation, or
        when the room has been empty for a while); returns where, or None without a place
        or before the background is learned."""
        path, background, deproj = self._reference_path, self._background, self._deprojector
        if path is None or deproj is None or self.calibration is None or background.depth is None:
            return None
        reference = make_reference(
            background.depth, background.sigma, deproj.stride, deproj.intrinsics, self.calibration
        )
        reference.save(path)
        logger.info("empty-room reference saved to %s", path)
        return path


def _load_models(config: PerceptionConfig) -> TrackModels | None:
    """The per-track models the config asks for (None: geometric rules only)."""
    cfg = config.models
    if not cfg.enabled or not cfg.use:
        return None
    return TrackModels(cfg.directory, cfg.use, cfg.rate_hz, dict(cfg.shadow) or None)


def _merge(
    live: dict[int, TrackOutputs], shadow: dict[int, TrackOutputs]
) -> dict[int, TrackOutputs]:
    """Live outputs with the shadowed models' fields replaced by the shadow's."""
    out = {}
    for k, s in shadow.items():
        base = live.get(k, TrackOutputs())
        out[k] = TrackOutputs(
            posture=s.posture if s.posture is not None else base.posture,
            posture_conf=s.posture_conf if s.posture is not None else base.posture_conf,
            fall_p=s.fall_p if s.fall_p is not None else base.fall_p,
            dispenser_p=s.dispenser_p if s.dispenser_p is not None else base.dispenser_p,
        )
    return out
