"""`ambient models evaluate`: held-out clips and days through the edge pipeline, then scores.

Only the dataset's held-out split is read (by default `test`): its items were never used for
training or tuning, because splits are fixed per item by a hash. Days of normal activity are
rendered on the fly; a day may be cut to its first hours and run at a lower frame rate to
fit the time available, and the report states the hours actually run.
"""

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.errors import ModelsError
from models.evaluate import cards, metrics, report
from models.evaluate.events import read_events
from models.evaluate.items import (
    Truth,
    common_groups,
    room_frame_zones,
    start_of,
    thermal_groups,
    truth_from_labels,
)
from models.evaluate.real import card as real_card
from models.evaluate.real.evaluate import RealEvaluationError, RealOptions, evaluate_real
from models.evaluate.runner import Job, JobResult, print_progress, run_jobs

logger = logging.getLogger(__name__)


class EvaluationError(ModelsError, RuntimeError):
    """The dataset or options cannot be evaluated (message for the user)."""


@dataclass(frozen=True, slots=True)
class Options:
    dataset: Path | None
    """A simulated dataset (manifest.json); None: real recordings only."""
    out: Path
    split: str = "test"
    days: int | None = None
    """At most this many days (None: all of the split's days)."""
    day_hours: float | None = None
    """Run only the first hours of each day (None: the whole day)."""
    day_fps: int | None = None
    thermal: Path | None = None
    all_days: bool = False
    """Every day whatever its split (training reads clips only, never days)."""
    workers: int = 1
    models_dir: Path | None = None
    cards: bool = False
    """Write the evaluation section of the model cards under `models_dir`."""
    limit: int | None = None
    """At most this many clips (quick looks; per set for real recordings)."""
    progress: bool = True
    real: Path | None = None
    """A folder of labelled real thermal recordings with an index.csv."""
    real_folds: Path | None = None
    """Fold directories of a held-out protocol for the real clips (else `models_dir`)."""
    real_sets: tuple[str, ...] = ()


def _meta_line(labels: Path) -> dict[str, Any]:
    with labels.open() as f:
        first = json.loads(f.readline())
    return dict(first) if first.get("type") == "meta" else {}


def _labels_next_to(path: Path) -> Path:
    return path.with_name(path.stem + ".labels.jsonl")


def _read_lines(labels: Path) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    meta: dict[str, Any] = {}
    frames: list[dict[str, Any]] = []
    other: list[dict[str, Any]] = []
    with labels.open() as lines:
        for line in lines:
            if not line.strip():
                continue
            item = json.loads(line)
            if item.get("type") == "meta":
                meta = item
            elif "frame" in item:
                frames.append(item)
            else:
                other.append(item)
    return meta, frames, other


def load_manifest(dataset: Path) -> dict[str, Any]:
    path = dataset / "manifest.json"
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError as e:
        raise EvaluationError(f"no manifest.json in {dataset} (is the dataset built?)") from e
    except (OSError, ValueError) as e:
        raise EvaluationError(f"cannot read {path}: {e}") from e
    if manifest.get("format") != "ambient-sim-dataset/1":
        raise EvaluationError(f"{path}: not an ambient dataset manifest")
    return manifest


def plan(
    options: Options, dataset: Path, manifest: dict[str, Any]
) -> tuple[list[Job], dict[str, Any], bool]:
    """The jobs to run, the manifest entry per job id, and whether the days are held out."""
    events_dir = options.out / "events"
    items = manifest.get("items", [])
    clips = [i for i in items if i.get("kind") == "clip" and i.get("split") == options.split]
    if options.limit is not None:
        clips = clips[: options.limit]
    days = [i for i in items if i.get("kind") == "day" and i.get("split") == options.split]
    held_out = True
    if options.all_days or not days:
        # Days are normal activity only (no falls), so a model trained on clips never saw
        # them; the report says when they are not from the held-out split.
        days = [i for i in items if i.get("kind") == "day"]
        held_out = all(i.get("split") == options.split for i in days)
    if options.days is not None:
        days = days[: options.days]
    jobs: list[Job] = []
    entries: dict[str, Any] = {}
    for item in clips + days:
        labels = dataset / item["labels"]
        zones = room_frame_zones(_meta_line(labels))
        kind = str(item["kind"])
        if kind == "day":
            spec = dataset / "days" / f"{item['id']}.spec.json"
            source = spec if spec.exists() else dataset / item["path"]
            job = Job(
                item["id"],
                "day",
                source,
                events_dir / f"{item['id']}.jsonl",
                zones,
                options.day_hours,
                options.day_fps,
            )
        else:
            job = Job(
                item["id"],
                "clip",
                dataset / item["path"],
                events_dir / f"{item['id']}.jsonl",
                zones,
            )
        jobs.append(job)
        entries[item["id"]] = item
    if options.thermal is not None:
        for path in sorted(options.thermal.glob("*.npz")):
            if not _labels_next_to(path).exists():
                continue
            tid = f"thermal-{path.stem}"
            jobs.append(Job(tid, "thermal", path, events_dir / f"{tid}.jsonl", {}))
            entries[tid] = {"id": tid, "labels_path": str(_labels_next_to(path))}
    return jobs, entries, held_out


def item_run(dataset: Path, job: Job, result: JobResult, entry: dict[str, Any]) -> metrics.ItemRun:
    """Labels and events of one finished job, ready to score."""
    labels = Path(entry["labels_path"]) if job.kind == "thermal" else dataset / entry["labels"]
    meta, frames, other = _read_lines(labels)
    hours = job.hours if job.kind == "day" else None
    if job.kind == "day" and result.error is None and result.seconds > 0:
        hours = result.seconds / 3600.0
    truth: Truth = truth_from_labels(
        job.id, kind=job.kind, meta=meta, lines=other, frames=frames, hours=hours
    )
    events = []
    if result.error is None and job.out.exists():
        events = read_events(job.out, start_of(meta))
    groups = thermal_groups(truth) if job.kind == "thermal" else common_groups(truth, entry)
    seconds = result.seconds if result.seconds > 0 else truth.duration_s
    return metrics.ItemRun(truth, events, seconds, groups, entry, result.error)


def evaluate(options: Options) -> dict[str, Any]:
    """Run everything; write metrics.json, index.html and, if asked, the cards; return metrics."""
    if options.dataset is None and options.real is None:
        raise EvaluationError("nothing to evaluate: give a simulated dataset and/or real data")
    if options.dataset is not None:
        summary = _simulated(options, options.dataset)
    else:
        summary = {"format": "ambient-evaluation/1", "run": {}, "targets": []}
    if options.real is not None:
        real = RealOptions(
            data=options.real,
            out=options.out,
            models_dir=options.models_dir,
            folds=options.real_folds,
            sets=options.real_sets,
            limit=options.limit,
            workers=options.workers,
            progress=options.progress,
        )
        try:
            summary["real"] = evaluate_real(real)
        except RealEvaluationError as e:
            raise EvaluationError(str(e)) from e
    options.out.mkdir(parents=True, exist_ok=True)
    (options.out / "metrics.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
    (options.out / "index.html").write_text(report.render(summary))
    if options.cards:
        from edge_agent.inference.runtime import MODELS_DIR

        models_dir = options.models_dir or MODELS_DIR
        written = cards.write_cards(models_dir, summary) if options.dataset is not None else []
        if "real" in summary:
            written += real_card.write_real_cards(models_dir, summary["real"], cards.MARKER)
        summary["run"]["cards"] = [str(p) for p in dict.fromkeys(written)]
    return summary


def _simulated(options: Options, dataset: Path) -> dict[str, Any]:
    """The held-out simulated clips, days and thermal clips of a dataset, scored."""
    manifest = load_manifest(dataset)
    jobs, entries, days_held_out = plan(options, dataset, manifest)
    if not any(j.kind == "clip" for j in jobs):
        raise EvaluationError(f"no clips in the {options.split!r} split of {dataset}")
    (options.out / "events").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    progress = print_progress(len(jobs)) if options.progress else None
    results = {r.id: r for r in run_jobs(jobs, options.workers, progress)}
    runs = [item_run(dataset, job, results[job.id], entries[job.id]) for job in jobs]
    failed = [f"{r.id}: {r.error}" for r in results.values() if r.error is not None]
    day_runs = [r for r in runs if r.truth.kind == "day"]
    clip_runs = [r for r in runs if r.truth.kind == "clip"]
    info = {
        "dataset": dataset.name,
        "manifest_sha256": manifest.get("manifest_sha256"),
        "simulator_version": manifest.get("simulator_version"),
        "split": options.split,
        "clips": len(clip_runs),
        "clip_hours": sum(r.seconds for r in clip_runs) / 3600.0,
        "days": len(day_runs),
        "days_held_out": days_held_out,
        "day_items": [
            f"{e['id']} ({e.get('split', '?')})" for e in entries.values() if e.get("kind") == "day"
        ],
        "day_hours": sum(r.seconds for r in day_runs) / 3600.0,
        "day_hours_cap": options.day_hours,
        "day_fps": options.day_fps or "as recorded",
        "thermal": sum(1 for r in runs if r.truth.kind == "thermal"),
        "failed": failed,
        "calibration_failures": sum(r.calibration_failures for r in results.values()),
        "wall_s": round(time.perf_counter() - started, 1),
        "workers": options.workers,
    }
    return metrics.summarise(runs, info)
