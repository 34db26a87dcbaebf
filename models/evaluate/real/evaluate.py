"""Run the thermal pipeline over a folder of labelled real recordings and score it.

`ambient models evaluate --real DIR` lands here. Every clip of the index is played through the
on-device pipeline by a models directory that never trained or was tuned on it (see `folds`),
in worker processes; the outcomes are scored per set and per sensor (see `score`).
"""

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.errors import ModelsError
from models.evaluate.real import folds as folds_
from models.evaluate.real.index import RealClip, RealIndexError, read_index
from models.evaluate.real.run import ClipJob, ClipOutcome, run_clip
from models.evaluate.real.score import summarise
from models.evaluate.runner import run_parallel

logger = logging.getLogger(__name__)


class RealEvaluationError(ModelsError, RuntimeError):
    """The real folder, its index or the models cannot be evaluated (message for the user)."""


@dataclass(frozen=True, slots=True)
class RealOptions:
    data: Path
    """Folder with index.csv and the recordings."""
    out: Path
    """Report folder: events go to `out/real-events/<clip>.jsonl`."""
    models_dir: Path | None = None
    """Models that evaluate every clip they never saw (default: the shipped ones)."""
    folds: Path | None = None
    """A folder of fold directories: each clip is evaluated by the one fold that held it out."""
    sets: tuple[str, ...] = ()
    """Only these sets (default: every set of the index)."""
    limit: int | None = None
    """At most this many clips per set (quick looks)."""
    workers: int = 1
    progress: bool = True


def evaluate_real(options: RealOptions) -> dict[str, Any]:
    """The `real` section of the evaluation (also written by the caller into metrics.json)."""
    try:
        clips = read_index(options.data)
    except RealIndexError as e:
        raise RealEvaluationError(str(e)) from e
    clips = _select(clips, options)
    if not clips:
        raise RealEvaluationError(f"no clips of the sets {', '.join(options.sets)} in the index")
    try:
        if options.folds is not None:
            candidates = folds_.folds(options.folds)
        else:
            from edge_agent.inference.runtime import MODELS_DIR

            candidates = [folds_.candidate(options.models_dir or MODELS_DIR, "models")]
        assigned, orphans = folds_.assign(clips, candidates, one_fold=options.folds is not None)
    except (folds_.ProtocolError, OSError) as e:
        raise RealEvaluationError(str(e)) from e
    events = options.out / "real-events"
    events.mkdir(parents=True, exist_ok=True)
    jobs = [
        ClipJob(c.id, c.path, assigned[c.id].models_dir, events / f"{c.id}.jsonl")
        for c in clips
        if c.id in assigned
    ]
    started = time.perf_counter()
    progress = _progress(len(jobs)) if options.progress else None
    outcomes = {o.clip_id: o for o in run_parallel(run_clip, jobs, options.workers, progress)}
    info = {
        "data": options.data.name,
        "protocol": "folds" if options.folds is not None else "one models directory",
        "candidates": [
            {"name": c.name, "saw": {k: sorted(v) for k, v in c.seen.items()}} for c in candidates
        ],
        "clips": len(clips),
        "evaluated": len(jobs),
        "not_held_out": [f"{c.id} ({c.set}/{c.group})" for c in orphans],
        "failed": sorted(f"{i}: {o.error}" for i, o in outcomes.items() if o.error is not None),
        "limit_per_set": options.limit,
        "wall_s": round(time.perf_counter() - started, 1),
        "workers": options.workers,
    }
    return summarise(clips, outcomes, {k: v.name for k, v in assigned.items()}, info)


def _select(clips: list[RealClip], options: RealOptions) -> list[RealClip]:
    known = {c.set for c in clips}
    unknown = [s for s in options.sets if s not in known]
    if unknown:
        raise RealEvaluationError(
            f"sets not in the index: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    chosen = [c for c in clips if not options.sets or c.set in options.sets]
    if options.limit is None:
        return chosen
    count: dict[str, int] = {}
    out = []
    for clip in chosen:
        count[clip.set] = count.get(clip.set, 0) + 1
        if count[clip.set] <= options.limit:
            out.append(clip)
    return out


def _progress(total: int) -> Callable[[ClipOutcome], None]:
    done = 0
    step = max(1, total // 20)

    def show(outcome: ClipOutcome) -> None:
        nonlocal done
        done += 1
        if outcome.error is not None:
            print(f"[{done}/{total}] {outcome.clip_id} FAILED: {outcome.error}", file=sys.stderr)
        elif done % step == 0 or done == total:
            print(f"[{done}/{total}] real clips", file=sys.stderr, flush=True)

    return show
