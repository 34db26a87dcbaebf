"""`ambient edge replay`: run the pipeline over a recording as fast as it reads, events to JSONL.

This is how detection is evaluated and tuned offline: the same perception and engines as
on a device, timed by the recording's clock, no broker. Identity comes from the device
config when one is given, else opaque placeholders (the room id is derived from the file
name but stripped to the characters an opaque id allows). The floor is always calibrated
from the recording itself, so a device's calibration file is neither used nor overwritten.

Many recordings at once (`--out-dir`) run in worker processes, one `<stem>.jsonl` each, so a
site can validate on hundreds of its own clips; a bad file is reported and skipped.

The file's suffix picks the sensor: `.db3`/`.bag` are RealSense depth recordings, `.npz` are
thermal array recordings (docs/thermal-recordings.md) of any size from 8×8 up, whose sensor
geometry comes from the recording's own meta, so they need no config either.
"""

import logging
import multiprocessing
import os
import re
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from edge_agent.calibration import CalibrationError
from edge_agent.detections import Detection, EventStamper, Identity
from edge_agent.perception.config import PerceptionConfig
from edge_agent.pipeline import Pipeline
from edge_agent.sources.base import FrameSource, SourceError
from protocol import dump_event

logger = logging.getLogger(__name__)

THERMAL_SUFFIXES = frozenset((".npz",))


class _Frames(Protocol):
    def frames(self) -> Iterator[Any]: ...

    def close(self) -> None: ...


class _Pipeline(Protocol):
    def process(self, frame: Any) -> list[Detection]: ...

    def flush(self, t: float) -> list[Detection]: ...


def is_thermal(recording: Path) -> bool:
    """A thermal array recording (.npz), not a depth one."""
    return recording.suffix.lower() in THERMAL_SUFFIXES


def room_id(recording: Path) -> str:
    """An opaque id from a file name: letters, digits, '_', '-', '.', at most 64 characters."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", recording.stem).strip("-._")
    return (cleaned or "recording")[:64]


def _settings(recording: Path, config: Path | None) -> tuple[PerceptionConfig, Identity]:
    if config is None:
        sensor = "thermal0" if is_thermal(recording) else "depth0"
        identity = Identity("replay", "replay", room_id(recording), "replay", sensor)
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


def replay(
    source: FrameSource | _Frames, pipeline: Pipeline | _Pipeline, stamper: EventStamper, out: Path
) -> int:
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


def _run_file(recording: Path, out: Path, config: Path | None) -> int:
    """Replay one recording into `out`; raises SourceError, CalibrationError or OSError."""
    perception, identity = _settings(recording, config)
    if not recording.exists():
        raise SourceError(f"recording not found: {recording}")
    if is_thermal(recording):
        return _run_thermal(recording, out, perception, identity)
    source = _open(recording)
    try:
        return replay(source, Pipeline(perception), EventStamper(identity), out)
    finally:
        source.close()


def _run_thermal(
    recording: Path, out: Path, perception: PerceptionConfig, identity: Identity
) -> int:
    """A thermal recording: geometry from its meta, the activity model from models/."""
    from edge_agent.inference.runtime import ModelError
    from edge_agent.sources.thermal import ThermalRecordingSource
    from edge_agent.thermal.pipeline import ThermalPipeline

    source = ThermalRecordingSource(recording, real_time=False, loop=False)
    try:
        try:
            pipeline = ThermalPipeline(perception)
        except ModelError as e:
            raise SourceError(f"thermal activity model unavailable: {e}") from e
        return replay(source, pipeline, EventStamper(identity), out)
    finally:
        source.close()


def main(recording: Path, out: Path, config: Path | None) -> int:
    """CLI entry: 0 on success, 2 on unusable input (message on stderr, no traceback)."""
    try:
        _settings(recording, config)
    except ValueError as e:  # ConfigError is a ValueError
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not recording.exists():
        print(f"error: recording not found: {recording}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        count = _run_file(recording, out, config)
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


def out_path(out_dir: Path, recording: Path) -> Path:
    return out_dir / f"{recording.stem}.jsonl"


def duplicate_stems(recordings: Sequence[Path]) -> list[str]:
    """Stems shared by several recordings (their outputs would overwrite each other).

    Compared case-insensitively: on some file systems `A.jsonl` and `a.jsonl` are one file.
    """
    seen: dict[str, int] = {}
    for recording in recordings:
        key = recording.stem.casefold()
        seen[key] = seen.get(key, 0) + 1
    return sorted({r.stem for r in recordings if seen[r.stem.casefold()] > 1})


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def _job(job: tuple[Path, Path, Path | None]) -> tuple[Path, int, str | None]:
    """Worker: (recording, events written, None) or (recording, 0, one-line reason).

    Writes to a hidden temporary file renamed on success, so a failed or interrupted file
    never leaves a truncated `.jsonl` that looks complete.
    """
    recording, out, config = job
    partial = out.with_name(f".{out.name}.partial")
    try:
        count = _run_file(recording, partial, config)
        partial.replace(out)
    except (SourceError, CalibrationError, OSError, ValueError) as e:
        partial.unlink(missing_ok=True)
        return recording, 0, _one_line(e)
    except Exception as e:  # one broken file must not stop a run over hundreds
        logger.exception("unexpected failure replaying %s", recording)
        partial.unlink(missing_ok=True)
        return recording, 0, f"{type(e).__name__}: {_one_line(e)}"
    return recording, count, None


def _ignore_sigint() -> None:
    # Workers leave Ctrl-C to the parent, which terminates them all at once.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def main_many(
    recordings: Sequence[Path], out_dir: Path, config: Path | None, workers: int | None = None
) -> int:
    """CLI entry for many recordings: 0 all ok, 1 some failed, 2 usage/config error, 130 ^C."""
    from tqdm import tqdm

    if not recordings:
        print("error: no recordings given", file=sys.stderr)
        return 2
    if workers is not None and workers < 1:
        print(f"error: --workers must be at least 1, got {workers}", file=sys.stderr)
        return 2
    duplicates = duplicate_stems(recordings)
    if duplicates:
        print(
            "error: several recordings share a name, their outputs would overwrite each other: "
            + ", ".join(duplicates),
            file=sys.stderr,
        )
        return 2
    try:
        _settings(recordings[0], config)
        out_dir.mkdir(parents=True, exist_ok=True)
    except (ValueError, OSError) as e:  # ConfigError is a ValueError
        print(f"error: {e}", file=sys.stderr)
        return 2
    jobs = [(r, out_path(out_dir, r), config) for r in recordings]
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    ok = failed = events = 0
    started = time.perf_counter()
    with tqdm(total=len(jobs), unit="file", desc="replay", file=sys.stderr, disable=None) as bar:

        def done(result: tuple[Path, int, str | None]) -> None:
            nonlocal ok, failed, events
            recording, count, error = result
            if error is None:
                ok += 1
                events += count
            else:
                failed += 1
                tqdm.write(f"error: {recording}: {error}", file=sys.stderr)
            bar.update()

        if workers == 1:
            try:
                for job in jobs:
                    done(_job(job))
            except KeyboardInterrupt:
                print("interrupted", file=sys.stderr)
                return 130
        else:
            # spawn, not fork: the parent may hold camera SDK or thread state a fork would copy.
            pool = multiprocessing.get_context("spawn").Pool(workers, initializer=_ignore_sigint)
            try:
                for result in pool.imap_unordered(_job, jobs):
                    done(result)
                pool.close()
            except KeyboardInterrupt:
                pool.terminate()
                pool.join()
                for _, out, _ in jobs:
                    out.with_name(f".{out.name}.partial").unlink(missing_ok=True)
                print("interrupted", file=sys.stderr)
                return 130
            finally:
                pool.terminate()
                pool.join()
    print(
        f"replayed {len(jobs)} recordings in {time.perf_counter() - started:.1f} s: "
        f"{ok} ok, {failed} failed, {events} events written to {out_dir}"
    )
    return 0 if failed == 0 else 1
