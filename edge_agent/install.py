"""`ambient edge learn-room`: at installation, learn the floor and the empty room once.

What a real product does: the installer mounts the camera, clears the room and lets the
agent learn it. The floor calibration and the empty-room reference (see
`edge_agent.perception.reference`) are then stored beside each other, and every later start
finds whoever is in view at once, a patient in bed included. Learning again replaces both
only when it succeeds, and is refused when something person-shaped is in view.
"""

import logging
from pathlib import Path

from edge_agent.calibration import CalibrationError
from edge_agent.config import ConfigError, load_config
from edge_agent.errors import EdgeError
from edge_agent.perception.config import PerceptionConfig
from edge_agent.perception.reference import reference_path
from edge_agent.sources.base import FrameSource, SourceError

logger = logging.getLogger(__name__)

_MAX_FRAMES = 600
"""Frames to try before giving up (a blocked view never yields a floor)."""


class InstallError(EdgeError, RuntimeError):
    """The room could not be learned; nothing stored was changed."""


def learn_empty_room(source: FrameSource, config: PerceptionConfig) -> tuple[Path, Path]:
    """Learn the floor and the empty room from ``source``; returns (calibration, reference).

    The source is closed. Files are written next to each other under temporary names and
    moved into place together, so a failed attempt leaves the previous ones as they were.
    """
    from edge_agent.pipeline import Pipeline

    final = config.calibration_file
    if final is None:
        raise InstallError("perception.calibration_file is not set: nowhere to store the room")
    temp = final.with_name(final.stem + ".learning" + final.suffix)
    _discard(temp)  # left by an attempt that was killed: learn from scratch
    pipeline = Pipeline(config.model_copy(update={"calibration_file": temp}))
    try:
        for count, frame in enumerate(source.frames()):
            try:
                pipeline.process(frame)
            except CalibrationError as e:
                logger.warning("no floor yet (%s); trying the next frames", e)
            if pipeline.ready or count >= _MAX_FRAMES:
                break
    finally:
        source.close()
    if not pipeline.ready:
        _discard(temp)
        raise InstallError("the room could not be learned: is the camera covered?")
    if pipeline.found_at_start:
        _discard(temp)
        raise InstallError(
            f"{pipeline.found_at_start} person-shaped object(s) in view: clear the room first"
        )
    stored = pipeline.store_reference()
    if stored is None:  # pragma: no cover - ready with a calibration file always stores
        _discard(temp)
        raise InstallError("the empty-room reference could not be stored")
    stored.replace(reference_path(final))
    temp.replace(final)
    logger.info("floor calibration and empty-room reference stored beside %s", final)
    return final, reference_path(final)


def _discard(temp: Path) -> None:
    temp.unlink(missing_ok=True)
    reference_path(temp).unlink(missing_ok=True)


def main(config_path: Path) -> int:
    """Learn the room through the device config's own source; returns the exit code."""
    from edge_agent.app import open_depth_source

    try:
        config = load_config(config_path)
        if config.source.kind == "thermal_recording":
            raise InstallError("learn-room is for depth cameras: a thermal array has no floor")
        source = open_depth_source(config)
        calibration, reference = learn_empty_room(source, config.perception)
    except (ConfigError, SourceError, InstallError) as e:
        logger.error("%s", e)
        return 1
    print(f"floor calibration: {calibration}\nempty-room reference: {reference}")
    return 0
