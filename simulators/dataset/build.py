"""Build a dataset: plan the item specs, render what is missing on every core, write the manifest.

Resumable: an item whose files already exist for the same spec is skipped, so re-running an
interrupted (or grown) build renders only the rest. Workers are spawned processes
(`simulators.dataset.workers`), so a script that calls `build_dataset` with more than one
worker needs the usual ``if __name__ == "__main__":`` guard.
"""

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulators.dataset.manifest import build_manifest, write_manifest
from simulators.dataset.plan import scenario_source
from simulators.dataset.spec import (
    THERMAL_MOUNTS,
    ItemSpec,
    clip_spec,
    day_spec,
    thermal_clip_spec,
)
from simulators.dataset.workers import run_parallel
from simulators.dataset.writer import is_complete, write_item
from simulators.errors import SimulatorError

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"


class DatasetError(SimulatorError, RuntimeError):
    """A build that cannot run (e.g. another build holds the directory)."""


class DatasetOptions(BaseModel):
    """Everything that decides a dataset's content (workers and paths do not)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n: int = Field(ge=0, description="number of clips (falls and hard negatives, balanced)")
    seed: int = Field(description="dataset seed: every item's seed derives from it")
    split: tuple[float, float, float] = Field(
        (0.7, 0.15, 0.15), description="train/val/test fractions"
    )
    width: int = Field(320, description="depth stream width (px)")
    height: int = Field(240, description="depth stream height (px)")
    fps: tuple[int, ...] = Field((15, 30), description="clip frame rates, one drawn per clip")
    clip_seconds: float = Field(
        150.0, gt=0, description="clips are cut at this length (stories run 30-120 s)"
    )
    days: int = Field(0, ge=0, description="number of long days of normal activity (specs)")
    day_hours: float = Field(8.0, gt=0, description="length of each day (hours)")
    day_fps: int = Field(15, description="frame rate of the days")
    thermal: tuple[str, ...] = Field(
        (), description="thermal arrays to draw clips from (empty: RealSense depth clips)"
    )
    mounts: tuple[str, ...] = Field(
        THERMAL_MOUNTS, description="thermal mounts to draw from (ceiling, wall)"
    )
    rooms: tuple[str, ...] = Field((), description="room kinds of thermal clips (empty: any)")

    @model_validator(mode="after")
    def _thermal_is_clips_only(self) -> "DatasetOptions":
        if self.thermal and self.days:
            raise ValueError("thermal datasets hold clips only: --days is for depth datasets")
        from simulators.thermal.sensors import SENSORS

        unknown = [s for s in self.thermal if s not in SENSORS]
        if unknown:
            raise ValueError(f"unknown thermal sensor(s) {unknown}; known: {', '.join(SENSORS)}")
        bad = [m for m in self.mounts if m not in THERMAL_MOUNTS]
        if bad or not self.mounts:
            raise ValueError(f"thermal mounts are {', '.join(THERMAL_MOUNTS)}, not {bad}")
        from simulators.generate import CLIP_ROOMS

        if any(r not in CLIP_ROOMS for r in self.rooms):
            raise ValueError(f"rooms must be among {', '.join(CLIP_ROOMS)}: {list(self.rooms)}")
        return self

    def dump(self) -> dict[str, Any]:
        """The options as the manifest records them (a depth set's read as before)."""
        thermal = {"thermal", "mounts", "rooms"}
        skip = {"seed", "split"} | (set() if self.thermal else thermal)
        if self.thermal:
            skip |= {"width", "height", "fps", "days", "day_hours", "day_fps"}
        return self.model_dump(mode="json", exclude=skip)


@dataclass(frozen=True, slots=True)
class BuildResult:
    manifest_path: Path
    manifest: dict[str, Any]
    rendered: list[str]
    skipped: list[str]


def plan_specs(options: DatasetOptions) -> list[ItemSpec]:
    """Every item of the dataset, in id order."""
    generator = scenario_source()
    if options.thermal:
        return [
            thermal_clip_spec(
                options.seed,
                i,
                sensors=options.thermal,
                mounts=options.mounts,
                rooms=options.rooms,
                duration_s=options.clip_seconds,
                generator=generator,
            )
            for i in range(options.n)
        ]
    clips = [
        clip_spec(
            options.seed,
            i,
            width=options.width,
            height=options.height,
            fps_choices=options.fps,
            duration_s=options.clip_seconds,
            generator=generator,
        )
        for i in range(options.n)
    ]
    days = [
        day_spec(
            options.seed,
            i,
            width=options.width,
            height=options.height,
            fps=options.day_fps,
            hours=options.day_hours,
            generator=generator,
        )
        for i in range(options.days)
    ]
    return clips + days


def _work(job: tuple[Path, ItemSpec]) -> str:
    return write_item(*job)


def _done(rendered: list[str], bar: Any, item_id: str) -> None:
    rendered.append(item_id)
    bar.update()


@contextmanager
def _exclusive(out_dir: Path) -> Iterator[None]:
    """One build per directory; then temp files of a killed earlier run can go."""
    with (out_dir / ".build.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatasetError(f"another build is running in {out_dir}") from None
        for stale in (*out_dir.glob("*/.*.tmp*"), *out_dir.glob(".*.tmp")):
            stale.unlink(missing_ok=True)
        yield


def build_dataset(
    options: DatasetOptions, out_dir: Path, *, workers: int | None = None, progress: bool = True
) -> BuildResult:
    """Render the missing items of `options` into `out_dir` and (re)write its manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(out_dir):
        return _build(options, out_dir, workers, progress)


def _build(
    options: DatasetOptions, out_dir: Path, workers: int | None, progress: bool
) -> BuildResult:
    from tqdm import tqdm

    specs = plan_specs(options)
    pending = [s for s in specs if not is_complete(out_dir, s)]
    skipped = [s.id for s in specs if s not in pending]
    # Days first: they are quick (no frames), and the bar then measures clip rendering.
    pending.sort(key=lambda s: (s.kind != "day", s.id))
    workers = max(1, min(workers or os.cpu_count() or 1, len(pending) or 1))
    logger.info(
        "dataset %s: %d items, %d to render, %d already done, %d workers",
        out_dir,
        len(specs),
        len(pending),
        len(skipped),
        workers,
    )
    rendered: list[str] = []
    jobs = [(out_dir, spec) for spec in pending]
    with tqdm(total=len(jobs), unit="item", disable=not progress, desc="dataset") as bar:
        if workers == 1:
            for job in jobs:
                rendered.append(_work(job))
                bar.update()
        else:
            run_parallel(_work, jobs, workers, lambda item_id: _done(rendered, bar, item_id))
    manifest = build_manifest(
        out_dir,
        seed=options.seed,
        fractions=options.split,
        specs=specs,
        options=options.dump(),
        generator=scenario_source(),
    )
    path = out_dir / MANIFEST
    write_manifest(path, manifest)
    return BuildResult(path, manifest, sorted(rendered), skipped)
