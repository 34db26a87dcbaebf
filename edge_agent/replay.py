"""`ambient edge replay`: run the pipeline over a recording as fast as it reads, events to JSONL.

This is how detection is evaluated and tuned offline: the same perception and engines as
on a device, timed by the recording's clock, no broker. Identity comes from the device
config when one is given, else opaque placeholders (the room id is derived from the file
name but stripped to the characters an opaque id allows). The floor is always calibrated
from the recording itself, so a device's calibration file is neither used nor overwritten.
"""

import logging
import re
import sys
import time
from pathlib import Path

from edge_agent.calibration import CalibrationError
from edge_agent.detections import EventStamper, Identity
from edge_agent.perception.config import PerceptionConfig
from edge_agent.pipeline import Pipeline
from edge_agent.sources.base import FrameSource, SourceError
from protocol import dump_event

logger = logging.getLogger(__name__)


def room_id(recording: Path) -> str:
    """An opaque id from a file name: letters, digits, '_', '-', '.', at most 64 characters."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", recording.stem).strip("-._")
    return (cleaned or "recording")[:64]


def _settings(recording: Path, config: Path | None) -> tuple[PerceptionConfig, Identity]:
    if config is None:
        identity = Identity("replay", "replay", room_id(recording), "replay", "depth0")
        return PerceptionConfig(), identity
    from edge_agent.config import load_config

    device = load_config(config, check_secrets=False)
    ident = device.identity
    # A recording is calibrated from itself: never read or overwrite the device's floor file.
    perception = device.perception.model_copy(update={"calibration_file": None})
    return perception, Identity(ident.site, ident.unit, ident.room, ident.agent_id, ident.sensor_id)


def _open(recording: Path) -> FrameSource:
    from edge_agent.sources.realsense import RealSenseSource

    return RealSenseSource(recording, real_time=False, loop=False)


def replay(source: FrameSource, pipeline: Pipeline, stamper: EventStamper, out: Path) -> int:
    """Run every frame through the pipeline; returns the number of events written."""
    written = 0
    last_t: float | None = None
    with out.open("wb") as sink:
        for frame in source.frames():
            last_t = frame.t
            for detection in pipeline.process(frame):
                sink.write(dump_event(stamper.stamp(detection)) + b"\n")
                written += 1
        if last_t is not None:
            for detection in pipeline.flush(last_t):
                sink.write(dump_event(stamper.stamp(detection)) + b"\n")
                written += 1
    return written


def main(recording: Path, out: Path, config: Path | None) -> int:
    """CLI entry: 0 on success, 2 on unusable input (message on stderr, no traceback)."""
    try:
        perception, identity = _settings(recording, config)
    except ValueError as e:  # ConfigError is a ValueError
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not recording.exists():
        print(f"error: recording not found: {recording}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        source = _open(recording)
        try:
            pipeline = Pipeline(perception)
            count = replay(source, pipeline, EventStamper(identity), out)
        finally:
            source.close()
    except (SourceError, CalibrationError) as e:
        print(f"error: {recording}: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    logger.info(
        "replayed %s in %.1f s: %d events → %s",
        recording.name,
        time.perf_counter() - started,
        count,
        out,
    )
    return 0
