"""One real clip through the thermal pipeline, as a device would run it, in a worker.

The pipeline is the on-device one (`ThermalPipeline`) with the models of the clip's assigned
directory; frames come through the same recording source an agent replays (bad time stamps
skipped and counted). Events go to a JSON-lines file per clip, like `ambient edge replay`,
so a miss can be looked into; what the score needs comes back as a `ClipOutcome`.
"""

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge_agent.detections import Detection, EventStamper, Identity
from protocol import EventType, FallData, OccupancyData, Phase, dump_event

logger = logging.getLogger(__name__)

_MODELS: dict[Path, Any] = {}


@dataclass(frozen=True, slots=True)
class ClipJob:
    clip_id: str
    path: Path
    models_dir: Path
    out: Path


@dataclass(frozen=True, slots=True)
class ClipOutcome:
    clip_id: str
    frames: int = 0
    seconds: float = 0.0
    """Recording time covered (first to last usable frame)."""
    dropped: int = 0
    """Frames skipped for an unusable time stamp."""
    decided: bool = False
    """The fall decision ran at least once (a clip shorter than the pipeline needs: False)."""
    fall_starts: list[float] = field(default_factory=list)
    """Seconds from the first frame to each fall episode's start."""
    fall_recovered: list[bool] = field(default_factory=list)
    max_people: int = 0
    events: int = 0
    wall_s: float = 0.0
    error: str | None = None


def run_clip(job: ClipJob) -> ClipOutcome:
    """Worker entry: never raises; a failure is returned as a one-line reason."""
    from edge_agent.sources.base import SourceError

    started = time.perf_counter()
    try:
        return _run(job, started)
    except SourceError as e:  # a broken or unusable recording: one line, no traceback
        logger.warning("real clip %s: %s", job.clip_id, e)
        return ClipOutcome(job.clip_id, wall_s=time.perf_counter() - started, error=str(e))
    except Exception as e:  # one broken recording must not stop an evaluation over hundreds
        logger.exception("real clip %s failed", job.clip_id)
        reason = " ".join(str(e).split()) or type(e).__name__
        return ClipOutcome(
            job.clip_id, wall_s=time.perf_counter() - started, error=f"{type(e).__name__}: {reason}"
        )


def _run(job: ClipJob, started: float) -> ClipOutcome:
    from edge_agent.inference.runtime import load_model, model_dir
    from edge_agent.sources.thermal import ThermalRecordingSource
    from edge_agent.thermal.pipeline import FALL_MODEL_NAME, MODEL_NAME, ThermalPipeline

    source = ThermalRecordingSource(job.path, real_time=False, loop=False)
    if job.models_dir not in _MODELS:  # one session per worker, not one per clip
        fall = model_dir(FALL_MODEL_NAME, job.models_dir)
        _MODELS[job.models_dir] = (
            load_model(MODEL_NAME, job.models_dir),
            load_model(FALL_MODEL_NAME, job.models_dir) if fall.is_dir() else None,
        )
    activity, fall_model = _MODELS[job.models_dir]
    pipeline = ThermalPipeline(model=activity, fall_model=fall_model, models_dir=job.models_dir)
    stamper = EventStamper(Identity("eval", "eval", job.clip_id, "eval", "thermal0"))
    frames, first, last = 0, None, None
    starts: list[float] = []
    recovered: list[bool] = []
    people = written = 0
    partial = job.out.with_name(f".{job.out.name}.partial")
    try:
        with partial.open("wb") as sink:
            for frame in source.frames():
                frames += 1
                first = frame.t if first is None else first
                last = frame.t
                for d in pipeline.process(frame):
                    _note(d, first, starts, recovered)
                    if isinstance(d.data, OccupancyData):
                        people = max(people, d.data.count)
                    sink.write(dump_event(stamper.stamp(d)) + b"\n")
                    written += 1
            if last is not None:
                for d in pipeline.flush(last):
                    _note(d, first, starts, recovered)
                    sink.write(dump_event(stamper.stamp(d)) + b"\n")
                    written += 1
        partial.replace(job.out)
    finally:
        source.close()
        partial.unlink(missing_ok=True)
    return ClipOutcome(
        job.clip_id,
        frames=frames,
        seconds=0.0 if first is None or last is None else last - first,
        dropped=source.dropped,
        decided=pipeline.decisions > 0,
        fall_starts=starts,
        fall_recovered=recovered,
        max_people=people,
        events=written,
        wall_s=time.perf_counter() - started,
    )


def _note(d: Detection, first: float | None, starts: list[float], recovered: list[bool]) -> None:
    if d.type is not EventType.FALL or first is None:
        return
    if d.phase is Phase.START:
        starts.append(round(d.ts - first, 3))
    elif d.phase is Phase.END and isinstance(d.data, FallData):
        recovered.append(bool(d.data.recovered))
