"""`ambient edge run`: the agent process, wired in one place.

camera or recording → pipeline (perception + engines) → stamper → outbox → MQTT. `App.start()`
is a linear list of steps and `stop()` undoes them in reverse; SIGINT/SIGTERM set the one stop
event, so a service manager's stop ends in a retained ``stopped`` status, not a Will.

A recording played as if live (``source.kind: recording``) is shifted onto the wall clock
(offset = now − first frame time, recomputed whenever the recording loops), so its events
carry current times; `edge replay` keeps the recording's own clock.
"""

import dataclasses
import logging
import signal
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from ambient import __version__
from edge_agent.calibration import CalibrationError
from edge_agent.config import ConfigError, DeviceConfig, config_hash, load_config
from edge_agent.detections import Detection, EventStamper, Identity, WireEvent
from edge_agent.mqtt import LinkError, MqttLink, StatusInfo
from edge_agent.outbox import Outbox, OutboxError
from edge_agent.sources.base import DepthFrame, FrameSource, SourceError
from edge_agent.sources.thermal import ThermalFrame, ThermalSource
from protocol import ModelRef

logger = logging.getLogger(__name__)


Frame = DepthFrame | ThermalFrame


class DetectionPipeline(Protocol):
    """Perception plus event engines: frames in, detections out (depth or thermal, one kind
    per agent)."""

    def process(self, frame: Any) -> list[Detection]: ...

    def flush(self, t: float) -> list[Detection]: ...


class EventLink(Protocol):
    """Where stamped events go (the MQTT link in production)."""

    def start(self) -> None: ...

    def send(self, event: WireEvent) -> None: ...

    def stop(self) -> None: ...


class App:
    """One running agent; every dependency is passed in, so tests can use fakes."""

    def __init__(
        self,
        source: FrameSource | ThermalSource,
        pipeline: DetectionPipeline,
        stamper: EventStamper,
        outbox: Outbox,
        link: EventLink,
        *,
        wall_clock_frames: bool = False,
        bed: str | None = None,
        heartbeat_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source = source
        self.pipeline = pipeline
        self.stamper = stamper
        self.outbox = outbox
        self.link = link
        self.wall_clock_frames = wall_clock_frames
        self.bed = bed
        self.heartbeat_s = heartbeat_s
        self.clock = clock
        self.frames = 0
        self.events = 0
        self.calibration_failures = 0
        self._stop = threading.Event()
        self._heartbeat = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        self._undo: list[Callable[[], None]] = [outbox.close, source.close]

    def start(self) -> None:
        self._step(self.link.start, self.link.stop)
        self._step(self._heartbeat.start, self._stop_heartbeat)

    def stop(self) -> None:
        """Undo every step taken, newest first; safe to call twice."""
        self._stop.set()
        while self._undo:
            undo = self._undo.pop()
            try:
                undo()
            except Exception:  # keep undoing the rest
                logger.exception("error while stopping (%s)", getattr(undo, "__qualname__", undo))

    def request_stop(self) -> None:
        self._stop.set()

    def run(self) -> int:
        """Process frames until the source ends or a stop is requested; returns an exit code.

        Either way the pipeline is flushed, so open episodes end on the wire rather than
        dangling until the aggregator times them out.
        """
        offset, step = 0.0, 1 / 30
        last_raw: float | None = None
        last_t: float | None = None
        code = 0
        try:
            for raw in self.source.frames():
                if self._stop.is_set():
                    break
                if self.wall_clock_frames and (last_raw is None or raw.t < last_raw):
                    # first frame, or the recording looped: re-base on now, never backwards
                    offset = self.clock() - raw.t
                    if last_t is not None:
                        offset = max(offset, last_t + step - raw.t)
                elif last_raw is not None:
                    step = raw.t - last_raw
                last_raw = raw.t
                frame = dataclasses.replace(raw, t=raw.t + offset) if offset else raw
                self.frames += 1
                self._emit(self._process(frame))
                last_t = frame.t
            else:
                logger.info("source ended after %d frames", self.frames)
        except SourceError as e:
            logger.error("frame source failed: %s", e)
            code = 1
        if last_t is not None:
            self._emit(self.pipeline.flush(last_t))
        return code

    def _process(self, frame: Frame) -> list[Detection]:
        """One frame through the pipeline; a failed floor calibration is not fatal.

        The pipeline learns the background again by itself (someone may have stood in front
        of the camera while it learned), so the agent logs it and keeps feeding frames.
        """
        try:
            return self.pipeline.process(frame)
        except CalibrationError as e:
            self.calibration_failures += 1
            logger.warning("floor calibration failed (%s); learning the room again", e)
            return []

    def _emit(self, detections: list[Detection]) -> None:
        for found in detections:
            detection = found
            if found.bed is None and self.bed is not None:
                detection = dataclasses.replace(found, bed=self.bed)
            sent = datetime.fromtimestamp(self.clock(), UTC)
            self.link.send(self.stamper.stamp(detection, sent_ts=sent))
            self.events += 1

    def _step(self, do: Callable[[], None], undo: Callable[[], None]) -> None:
        do()
        self._undo.append(undo)

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            logger.info(
                "health: %d frames, %d events, outbox depth %d, dropped %s",
                self.frames,
                self.events,
                self.outbox.depth(),
                self.outbox.dropped() or "none",
            )

    def _stop_heartbeat(self) -> None:
        self._stop.set()
        self._heartbeat.join(timeout=5.0)


def build_app(
    config: DeviceConfig,
    boot_id: uuid.UUID | None = None,
    *,
    source: FrameSource | ThermalSource | None = None,
    pipeline: DetectionPipeline | None = None,
) -> App:
    """Wire the production parts from a validated config (``source``/``pipeline``: fakes)."""
    boot_id = boot_id or uuid.uuid4()
    ident = config.identity
    recording = config.source.kind in ("recording", "thermal_recording")
    source = source or open_source(config)
    models: tuple[ModelRef, ...] = ()
    if pipeline is None and config.source.kind == "thermal_recording":
        from edge_agent.thermal.pipeline import (
            THERMAL_HEALTH_MODEL,
            THERMAL_OCCUPANCY_MODEL,
            ThermalPipeline,
        )

        thermal = ThermalPipeline(config.perception, config.thermal)
        pipeline = thermal
        fall = (thermal.fall_model.ref,) if thermal.fall_model is not None else ()
        models = (thermal.model.ref, *fall, THERMAL_OCCUPANCY_MODEL, THERMAL_HEALTH_MODEL)
    if pipeline is None:
        from edge_agent.pipeline import Pipeline

        depth = Pipeline(config.perception, config.perception.calibration_file)
        pipeline = depth
        models = depth.model_refs
    stamper = EventStamper(
        Identity(ident.site, ident.unit, ident.room, ident.agent_id, ident.sensor_id), boot_id
    )
    outbox = Outbox(config.outbox.path, config.outbox.max_events, config.outbox.max_bytes)
    status = StatusInfo(boot_id, __version__, config_hash(config), models)
    link = MqttLink(config.mqtt, ident, outbox, status)
    return App(
        source,
        pipeline,
        stamper,
        outbox,
        link,
        wall_clock_frames=recording,
        bed=ident.bed,
        heartbeat_s=config.heartbeat_s,
    )


def open_source(config: DeviceConfig) -> FrameSource | ThermalSource:
    """The configured camera or recording (opened: a missing file fails here)."""
    src = config.source
    if src.kind == "thermal_recording" and src.path is not None:
        from edge_agent.sources.thermal import ThermalRecordingSource

        return ThermalRecordingSource(src.path, real_time=src.real_time, loop=src.loop)
    return open_depth_source(config)


def open_depth_source(config: DeviceConfig) -> FrameSource:
    """The configured depth camera, or a depth recording played through the same SDK path."""
    from edge_agent.sources.realsense import RealSenseSource

    src = config.source
    if src.kind == "recording":
        return RealSenseSource(src.path, real_time=src.real_time, loop=src.loop)
    return RealSenseSource(None, serial=src.serial)


def main(config_path: Path) -> int:
    """Run the agent until the source ends or SIGINT/SIGTERM; returns the exit code."""
    try:
        config = load_config(config_path)
    except ConfigError as e:
        logger.error("%s", e)
        return 2
    try:
        app = build_app(config)
    except (SourceError, OutboxError, LinkError) as e:
        logger.error("cannot start: %s", e)
        return 1
    logger.info(
        "agent %s in room %s starting (boot %s)",
        config.identity.agent_id,
        config.identity.room,
        app.stamper.boot_id,
    )

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("signal %d: stopping", signum)
        app.request_stop()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        app.start()
        return app.run()
    finally:
        app.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
