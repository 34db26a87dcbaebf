"""Running the edge pipeline over held-out clips and simulated days, in worker processes.

The job mirrors `edge_agent.replay` (same source, pipeline, stamper and one JSON event per
line) with one difference: each clip gets the zones an installer would draw for its room, so
the bed-exit engine has a bed to watch. A floor the pipeline cannot find is handled as on a
device: it learns again from the next frames, and the clip goes on. Days are rendered on the
fly (`SimulatedSource`), optionally cut to their first hours and at a lower frame rate.
"""

import logging
import multiprocessing
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

J = TypeVar("J")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    kind: str
    """clip (RealSense recording), day (spec rendered on the fly) or thermal (.npz)."""
    source: Path
    out: Path
    zones: dict[str, Any]
    hours: float | None = None
    fps: int | None = None


@dataclass(frozen=True, slots=True)
class JobResult:
    id: str
    kind: str
    frames: int
    seconds: float
    """Recording time covered (last frame − first frame + one frame)."""
    wall_s: float
    events: int
    calibration_failures: int
    error: str | None


def _depth_source(job: Job) -> Any:
    if job.kind == "day":
        from simulators.source import SimulatedSource

        return SimulatedSource(job.source, fps=job.fps)
    from edge_agent.sources.realsense import RealSenseSource

    return RealSenseSource(job.source, real_time=False, loop=False)


def _run_depth(job: Job) -> JobResult:
    from edge_agent.calibration import CalibrationError
    from edge_agent.detections import EventStamper, Identity
    from edge_agent.perception.config import PerceptionConfig, ZonesConfig
    from edge_agent.pipeline import Pipeline
    from edge_agent.replay import room_id
    from protocol import dump_event

    started = time.perf_counter()
    # Only the zone kinds this agent version knows (older ones have beds and chairs only).
    known = {k: v for k, v in job.zones.items() if k in ZonesConfig.model_fields}
    config = PerceptionConfig(zones=ZonesConfig.model_validate(known))
    pipeline = Pipeline(config)
    stamper = EventStamper(Identity("eval", "eval", room_id(job.source), "eval", "depth0"))
    source = _depth_source(job)
    limit = None if job.hours is None else job.hours * 3600.0
    frames = written = failures = 0
    first = last = None
    period = 0.0
    partial = job.out.with_name(f".{job.out.name}.partial")
    try:
        with partial.open("wb") as sink:
            for frame in source.frames():
                if first is None:
                    first = frame.t
                elif last is not None and period == 0.0:
                    period = frame.t - last
                if limit is not None and frame.t - first >= limit:
                    break
                last = frame.t
                frames += 1
                try:
                    detections = pipeline.process(frame)
                except CalibrationError:
                    failures += 1
                    continue
                for detection in detections:
                    sink.write(dump_event(stamper.stamp(detection)) + b"\n")
                    written += 1
            if last is not None:
                for detection in pipeline.flush(last):
                    sink.write(dump_event(stamper.stamp(detection)) + b"\n")
                    written += 1
        partial.replace(job.out)
    finally:
        source.close()
        partial.unlink(missing_ok=True)
    seconds = 0.0 if first is None or last is None else last - first + period
    return JobResult(
        job.id, job.kind, frames, seconds, time.perf_counter() - started, written, failures, None
    )


def _run_thermal(job: Job) -> JobResult:
    """Thermal clips go through `edge_agent.replay` as they are, whatever it supports."""
    from edge_agent import replay

    started = time.perf_counter()
    _, count, error = replay._job((job.source, job.out, None))  # its own worker, reused
    return JobResult(job.id, job.kind, 0, 0.0, time.perf_counter() - started, count, 0, error)


def run_job(job: Job) -> JobResult:
    """Worker entry: never raises; a failure is returned as a one-line reason."""
    try:
        if job.kind == "thermal":
            return _run_thermal(job)
        return _run_depth(job)
    except Exception as e:  # one broken item must not stop an evaluation over hundreds
        logger.exception("evaluation job %s failed", job.id)
        reason = " ".join(str(e).split()) or type(e).__name__
        return JobResult(job.id, job.kind, 0, 0.0, 0.0, 0, 0, f"{type(e).__name__}: {reason}")


def _quiet_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")


def run_jobs(
    jobs: Sequence[Job], workers: int, progress: Callable[[JobResult], None] | None = None
) -> list[JobResult]:
    """Every job once, in `workers` spawned processes (1: in this process)."""
    return run_parallel(run_job, jobs, workers, progress)


def run_parallel(
    work: Callable[[J], R],
    items: Sequence[J],
    workers: int,
    progress: Callable[[R], None] | None = None,
) -> list[R]:
    """`work` on every item once, in `workers` spawned processes (1: in this process), in
    the order they finish. `work` must be a module-level function that never raises."""
    results: list[R] = []

    def done(result: R) -> None:
        results.append(result)
        if progress is not None:
            progress(result)

    if workers <= 1 or len(items) <= 1:
        for item in items:
            done(work(item))
        return results
    pool = multiprocessing.get_context("spawn").Pool(
        min(workers, len(items)), initializer=_quiet_worker
    )
    try:
        outcome: Iterable[R] = pool.imap_unordered(work, items)
        for result in outcome:
            done(result)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
    return results


def print_progress(total: int) -> Callable[[JobResult], None]:
    count = 0

    def show(result: JobResult) -> None:
        nonlocal count
        count += 1
        status = "ok" if result.error is None else f"FAILED: {result.error}"
        print(
            f"[{count}/{total}] {result.id}: {result.frames} frames, {result.events} events, "
            f"{result.wall_s:.0f} s {status}",
            file=sys.stderr,
            flush=True,
        )

    return show
