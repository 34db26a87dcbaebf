"""`ambient models train`: dataset → cached pipeline rows → windows → models → ONNX + sidecar.

Items of the ``train`` split are trained on; ``val`` picks thresholds and gives the figures
in the sidecar; ``test`` is never opened here (the evaluator's). Pipeline rows are cached
per item under ``cache_dir`` so an interrupted or repeated run only processes new items.
"""

import json
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ambient.cache import cache_root
from edge_agent.inference.sidecar import SIDECAR_FORMAT, Sidecar, write_sidecar
from models.training import metrics
from models.training.extract import (
    EXTRACT_VERSION,
    PERCEPTION_HASH,
    ItemRows,
    cached_rows,
    extract_item,
    load_manifest,
)
from models.training.windows import LABELS, SPECS, TASKS, Windows, item_windows

if TYPE_CHECKING:
    from simulators.rooms import RoomKind

logger = logging.getLogger(__name__)

NOTE = "trained on simulated data only"
TASK_TEXT = {
    "posture": "posture of a depth track over the last 2 s",
    "fall": "fall vs not-fall over a 4 s depth-track window ending just after a landing",
    "dispenser": "hand-rub dispenser use by a depth track over the last 3 s",
}
POSITIVE = {"fall": "fall", "dispenser": "using"}
EXTRA_ROOMS: tuple["RoomKind", ...] = ("hospital_single", "icu_bay")
EXTRA_VAL_EVERY = 4
"""Every 4th extra clip is held out for validation (the dataset's val clips hold few hand
rubs to choose a dispenser threshold on)."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    dataset: Path
    out: Path
    tasks: tuple[str, ...] = TASKS
    seed: int = 0
    cache_dir: Path | None = None  # default: features/ in the project's cache folder
    max_items: int | None = None
    extra_clips: int = 0
    epochs: int = 40
    version: str = "1.0.0"


def run(opts: RunOptions) -> dict[str, Sidecar]:
    """Train every asked task; returns the sidecars written."""
    import torch

    from models.training import train as torch_train  # the train extra: torch

    torch.set_num_threads(1)
    began = time.perf_counter()
    manifest = load_manifest(opts.dataset)
    sha = str(manifest["manifest_sha256"])
    # Per item, keyed by its labels hash: shared by manifests.
    cache = (opts.cache_dir or cache_root() / "features") / "rows"
    clips = [i for i in manifest["items"] if i.get("kind") == "clip"]
    train_items = [i for i in clips if i["split"] == "train"][: opts.max_items]
    val_items = [i for i in clips if i["split"] == "val"]
    train_w = _windows(train_items, opts, cache, rate_hz=None)
    val_w = _windows(val_items, opts, cache, rate_hz=5.0)
    extra = _extra_visits(opts, cache)
    for i, rows in enumerate(extra):
        held_out = i % EXTRA_VAL_EVERY == EXTRA_VAL_EVERY - 1
        rate = 5.0 if held_out else None
        for task, w in item_windows(rows, opts.tasks, rate_hz=rate).items():
            (val_w if held_out else train_w)[task].extend(w)
    logger.info("windows ready in %.0f s", time.perf_counter() - began)
    written: dict[str, Sidecar] = {}
    for task in opts.tasks:
        spec, labels = SPECS[task], LABELS[task]
        x, y = train_w[task].arrays(spec)
        vx, vy = val_w[task].arrays(spec)
        if len(np.unique(y)) < 2:
            raise SystemExit(f"{task}: the training split has {len(np.unique(y))} class(es) only")
        started = time.perf_counter()
        options = torch_train.TrainOptions(epochs=opts.epochs, seed=opts.seed)
        trained = torch_train.train(x, y, spec, len(labels), options)
        probs = torch_train.predict(trained, vx) if len(vx) else np.zeros((0, len(labels)))
        thresholds, figures = _validate(task, labels, probs.astype(np.float32), vy)
        directory = opts.out / task
        torch_train.export_onnx(trained, spec, directory / "model.onnx")
        sidecar = Sidecar(
            format=SIDECAR_FORMAT,
            name=task,
            version=opts.version,
            task=TASK_TEXT[task],
            sensor="depth",
            input_name=torch_train.INPUT_NAME,
            input_shape=["batch", spec.frames, len(spec.features)],
            features=list(spec.features),
            window_frames=spec.frames,
            window_fps=spec.fps,
            labels=list(labels),
            thresholds=thresholds,
            normalisation={"mean": _floats(trained.mean), "std": _floats(trained.std)},
            training={
                "manifest_sha256": sha,
                "dataset": opts.dataset.name,
                "dataset_seed": manifest.get("seed"),
                "items": {"train": len(train_items), "val": len(val_items)},
                "extra_items": _extra_note(extra),
                "samples_per_label": _counts(y, labels),
                "val_samples_per_label": _counts(vy, labels),
                "seed": opts.seed,
                "epochs": opts.epochs,
                "architecture": f"MLP {spec.frames}x{len(spec.features)}-{options.hidden}-"
                f"{options.hidden}-{len(labels)}, softmax",
                "parameters": sum(p.numel() for p in trained.net.parameters()),
                "train_seconds": round(time.perf_counter() - started, 1),
                **torch_train.versions(),
                "code_version": f"ambient {_package_version()}, extract v{EXTRACT_VERSION}, "
                f"perception {PERCEPTION_HASH}",
                "trained_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
                "note": NOTE,
            },
            metrics=figures,
        )
        write_sidecar(sidecar, directory / "model.json")
        (directory / "CARD.md").write_text(card(sidecar), encoding="utf-8")
        written[task] = sidecar
        logger.info("%s: %s", task, json.dumps(figures))
    return written


def _windows(
    items: list[dict[str, Any]], opts: RunOptions, cache: Path, rate_hz: float | None
) -> dict[str, Windows]:
    out = {task: Windows() for task in opts.tasks}
    for n, item in enumerate(items, 1):
        rows = cached_rows(item, opts.dataset, cache)
        for task, w in item_windows(rows, opts.tasks, rate_hz).items():
            out[task].extend(w)
        logger.info("%s %d/%d (%s)", item["split"], n, len(items), item["id"])
    return out


def _extra_visits(opts: RunOptions, cache: Path) -> list[ItemRows]:
    """Staff visits and assisted walks rendered beside the dataset: its clips are built
    around one focus event and hold few hand rubs and little walking.

    Seeded from the run's seed; cached like dataset items. Every `EXTRA_VAL_EVERY`-th is
    held out for validation; none is a test item."""
    from simulators.generate import Negative, random_scenario
    from simulators.recording import record

    out = []
    for i in range(opts.extra_clips):
        seed = 1_000_003 * (opts.seed + 1) + i
        focus: Negative = "staff_visit" if i % 3 else "assisted_walk"
        rec = cache / "extra" / f"{focus.replace('_', '-')}-{seed}.db3"
        npz = rec.with_name(f"{rec.stem}-v{EXTRACT_VERSION}-p{PERCEPTION_HASH}.npz")
        if not rec.exists():
            rng = random.Random(seed)
            scenario = random_scenario(
                rng,
                kind="clip",
                room_kind=rng.choice(EXTRA_ROOMS),
                compliance=0.8,
                focus=focus,
                duration_s=45.0,
            )
            record(scenario, rec, seed=seed, width=320, height=240, fps=15)
        if not npz.exists():
            rows = extract_item(rec)
            np.savez_compressed(npz.with_name(npz.stem + ".tmp.npz"), rows=rows.rows)
            npz.with_name(npz.stem + ".tmp.npz").replace(npz)
            out.append(rows)
            logger.info("extra %s %d/%d extracted", focus, i + 1, opts.extra_clips)
        else:
            from simulators.recording import read_labels

            with np.load(npz) as data:
                out.append(ItemRows(rec.stem, np.asarray(data["rows"]), read_labels(rec)))
    return out


def _extra_note(extra: list[ItemRows]) -> dict[str, Any]:
    if not extra:
        return {}
    held_out = len(extra) // EXTRA_VAL_EVERY
    return {
        "clips": len(extra),
        "train": len(extra) - held_out,
        "val": held_out,
        "how": "simulators.generate.random_scenario(focus='staff_visit' (2 in 3) or "
        "'assisted_walk', compliance=0.8), hospital rooms, 320x240 at 15 fps, seeds derived "
        "from the training seed; every 4th held out for validation",
    }


def _validate(
    task: str, labels: tuple[str, ...], probs: np.ndarray, y: np.ndarray
) -> tuple[dict[str, float], dict[str, float]]:
    if task == "posture":
        return {}, metrics.multiclass(probs, y, labels)
    positive = labels.index(POSITIVE[task])
    scores = probs[:, positive] if len(probs) else np.zeros(0, np.float32)
    th = metrics.best_threshold(scores, y)
    return {POSITIVE[task]: th}, metrics.binary(scores, y, th)


def _counts(y: np.ndarray, labels: tuple[str, ...]) -> dict[str, int]:
    c = Counter(int(v) for v in y)
    return {name: c.get(i, 0) for i, name in enumerate(labels)}


def _floats(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]


def _package_version() -> str:
    try:
        return metadata.version("ambient")
    except metadata.PackageNotFoundError:
        return "unknown"


def card(side: Sidecar) -> str:
    """A first model card: what the model is, what it saw, how it did on validation."""
    tr = side.training
    lines = [
        f"# {side.name} {side.version}",
        "",
        f"**Task**: {side.task}. **Sensor**: {side.sensor}. **Labels**: {', '.join(side.labels)}.",
        "",
        f"**Input**: `{side.input_name}` {side.input_shape}: {side.window_frames} steps at "
        f"{side.window_fps:g} Hz of per-track features ({', '.join(side.features)}), raw "
        "values normalised by the sidecar's mean/std at run time. No pixels.",
        "",
        f"**Architecture**: {tr.get('architecture')} ({tr.get('parameters')} parameters), "
        "ONNX opset 17, dynamic batch, softmax in the graph.",
        "",
        "## Training data",
        "",
        f"- {NOTE.capitalize()}: dataset `{tr.get('dataset')}`, manifest "
        f"`{str(tr.get('manifest_sha256'))[:16]}…`, {tr['items']['train']} train clips, "
        f"{tr['items']['val']} validation clips (the test split is never read in training).",
        f"- Windows per label (train): {tr.get('samples_per_label')}.",
        f"- Windows per label (validation): {tr.get('val_samples_per_label')}.",
    ]
    if tr.get("extra_items"):
        ex = tr["extra_items"]
        lines.append(
            f"- Plus {ex.get('clips')} clips rendered beside the dataset ({ex.get('train')} "
            f"train, {ex.get('val')} validation): {ex.get('how')}."
        )
    lines += [
        "- Rows come from the real edge pipeline (background, floor calibration, tracker) run "
        "on each recording; a track is labelled by the nearest labelled person within 0.8 m.",
        "",
        "## Validation (from training)",
        "",
        *(f"- {k}: {v:.3f}" for k, v in side.metrics.items()),
    ]
    if side.thresholds:
        lines += ["", f"Thresholds chosen on validation (best F1): {side.thresholds}."]
    lines += [
        "",
        "## Limits",
        "",
        "- Simulated people, rooms and sensor noise only; real-world accuracy is unknown.",
        "- Features depend on the tracker: a change in how tracks measure height or speed "
        "needs retraining.",
        "",
    ]
    return "\n".join(lines)
