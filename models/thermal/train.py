"""Train the `thermal-activity` model: a tiny CNN over excess-temperature frame windows.

Input: (batch, 10, 12, 16) float32: the excess over background in °C of 8 ticks at 4 Hz
(2 s), area-resampled to 16×12 whatever the array, then two constant context planes (mount,
pixel angular size) (`edge_agent.thermal.window`). Scaling and
clipping happen inside the graph, so the device feeds raw °C. Output: softmax over
empty / still / moving / on_floor. Trained on simulated clips only (models/thermal/clips.py),
split by clip seed; the test seeds are written into the sidecar and never used here.

torch is imported here only (the optional `train` extra); the device runs the ONNX export.
"""

import hashlib
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from edge_agent.inference.sidecar import Sidecar, write_sidecar
from edge_agent.thermal.window import CONTEXT_PLANES, WINDOW_FRAMES, context_planes
from models.thermal.clips import default_dir, render_all, split_of
from models.thermal.dataset import LABELS, WINDOWS_VERSION, clip_windows

logger = logging.getLogger(__name__)

NAME = "thermal-activity"
VERSION = "1.0.0"
CODE_VERSION = "thermal-train/1"
INPUT_NAME = "windows"
EPOCHS = 14
BATCH = 128
N_CLIPS = 200
RENDER_BUDGET_S = 700.0
THRESHOLDS = {"on_floor": 0.7}
"""Chosen with the fall rule on the train and validation clips (episodes found vs false
alarms), not on test."""

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


def _windows(path: Path) -> tuple[F32, I64, str, int]:
    """Windows of one clip, cached next to it (`<stem>.windows.npz`)."""
    cache = path.with_name(f"{path.stem}.windows-v{WINDOWS_VERSION}.npz")
    if cache.exists() and cache.stat().st_mtime >= path.stat().st_mtime:
        with np.load(cache, allow_pickle=False) as f:
            return f["x"], f["y"], str(f["sensor"]), int(f["seed"])
    c = clip_windows(path)
    np.savez(cache, x=c.x, y=c.y, sensor=np.array(c.sensor), seed=np.array(c.seed))
    return c.x, c.y, c.sensor, c.seed


def _with_context(path: Path, x: F32, sensor: str) -> F32:
    """Append the array's context planes (mount from the clip name, pixel size from the
    simulated part) to every window."""
    from simulators.thermal.sensors import sensor as spec_of

    spec = spec_of(sensor)
    mount: Literal["ceiling", "wall"] = "wall" if path.stem.endswith("-wall") else "ceiling"
    planes = context_planes(mount, spec.hfov_deg, spec.width)
    return np.concatenate([x, np.broadcast_to(planes, (len(x), *planes.shape))], axis=1)


def load_split(
    clips: Sequence[Path],
) -> dict[str, tuple[F32, I64, list[str], list[int]]]:
    """{split: (x, y, sensor per window, seed per window)} over every clip."""
    parts: dict[str, tuple[list[F32], list[I64], list[str], list[int]]] = {
        s: ([], [], [], []) for s in ("train", "val", "test")
    }
    for path in clips:
        x, y, sensor, seed = _windows(path)
        x = _with_context(path, x, sensor)
        xs, ys, sensors, seeds = parts[split_of(seed)]
        xs.append(x)
        ys.append(y)
        sensors.extend([sensor] * len(y))
        seeds.extend([seed] * len(y))
    out = {}
    for split, (xs, ys, sensors, seeds) in parts.items():
        x = np.concatenate(xs) if xs else np.zeros((0, 8 + CONTEXT_PLANES, 12, 16), np.float32)
        y = np.concatenate(ys) if ys else np.zeros((0,), np.int64)
        out[split] = (x, y, sensors, seeds)
    return out


def _net(frames: int, n_labels: int) -> Any:
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(frames, 24, 3, padding=1)
            self.conv2 = nn.Conv2d(24, 32, 3, padding=1)
            self.pool = nn.MaxPool2d(2)
            self.conv3 = nn.Conv2d(32, 48, 3, padding=1)
            self.drop = nn.Dropout(0.3)
            self.head = nn.Linear(96, n_labels)

        def logits(self, x: torch.Tensor) -> torch.Tensor:
            x = torch.clamp(x, -3.0, 15.0) * 0.25
            x = torch.relu(self.conv1(x))
            x = self.pool(torch.relu(self.conv2(x)))
            x = torch.relu(self.conv3(x))
            feats = torch.cat([x.amax(dim=(2, 3)), x.mean(dim=(2, 3))], dim=1)
            out: torch.Tensor = self.head(self.drop(feats))
            return out

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.softmax(self.logits(x), dim=1)

    return Net()


def _metrics(probs: F32, y: I64, sensors: Sequence[str], prefix: str = "val") -> dict[str, float]:
    pred = probs.argmax(axis=1)
    out: dict[str, float] = {}
    if len(y) == 0:
        return out
    out[f"{prefix}_accuracy"] = float((pred == y).mean())
    f1s = []
    for k, label in enumerate(LABELS):
        tp = float(((pred == k) & (y == k)).sum())
        prec = tp / max(1.0, float((pred == k).sum()))
        rec = tp / max(1.0, float((y == k).sum()))
        f1s.append(0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec))
        out[f"{prefix}_recall_{label}"] = rec
        out[f"{prefix}_precision_{label}"] = prec
    out[f"{prefix}_macro_f1"] = float(np.mean(f1s))
    sensor_arr = np.array(sensors)
    for sensor in sorted(set(sensors)):
        mine = sensor_arr == sensor
        out[f"{prefix}_accuracy_{sensor}"] = float((pred[mine] == y[mine]).mean())
    return {k: round(v, 4) for k, v in out.items()}


def main(dataset_dir: Path | None, out_dir: Path, seed: int) -> int:
    """Train, export `out_dir/model.onnx` + `model.json`; 0 on success.

    `dataset_dir`: a folder of thermal clips (`*.npz` + labels, split by their meta seed);
    None renders (or reuses) the default set under the user cache.
    """
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    if dataset_dir is None:
        dataset_dir = default_dir()
        dataset_dir.mkdir(parents=True, exist_ok=True)
        render_all(dataset_dir, N_CLIPS, RENDER_BUDGET_S)
    clips = sorted(
        p
        for p in dataset_dir.glob("*.npz")
        if not p.name.startswith(".") and ".windows" not in p.name
    )
    if not clips:
        logger.error("no thermal clips in %s", dataset_dir)
        return 2
    began = time.perf_counter()
    data = load_split(clips)
    xtr, ytr, _, _ = data["train"]
    xva, yva, sva, _ = data["val"]
    logger.info(
        "windows: train %d, val %d (%.0f s)", len(ytr), len(yva), time.perf_counter() - began
    )
    net = _net(xtr.shape[1], len(LABELS))
    counts = np.bincount(ytr, minlength=len(LABELS)).astype(np.float64)
    weights = torch.tensor(
        counts.sum() / np.maximum(counts, 1.0) / len(LABELS), dtype=torch.float32
    )
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-3)
    best: tuple[float, int, dict[str, Any]] = (-1.0, -1, {})
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, EPOCHS)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
    for epoch in range(EPOCHS):
        net.train()
        order = torch.from_numpy(rng.permutation(len(yt)))
        total = 0.0
        for i in range(0, len(order), BATCH):
            idx = order[i : i + BATCH]
            xb = xt[idx]
            if rng.random() < 0.5:
                xb = torch.flip(xb, dims=(3,))  # left/right mirror
            gain = torch.from_numpy(rng.uniform(0.6, 1.4, (len(idx), 1, 1, 1)).astype(np.float32))
            frames = xb[:, :WINDOW_FRAMES] * gain + 0.1 * torch.randn_like(xb[:, :WINDOW_FRAMES])
            xb = torch.cat([frames, xb[:, WINDOW_FRAMES:]], dim=1)
            opt.zero_grad()
            loss = loss_fn(net.logits(xb), yt[idx])
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        sched.step()
        probs = _predict(net, xva)
        m = _metrics(probs, yva, sva)
        logger.info(
            "epoch %d loss %.3f val acc %.3f f1 %.3f",
            epoch,
            total / len(yt),
            m.get("val_accuracy", 0),
            m.get("val_macro_f1", 0),
        )
        if m.get("val_macro_f1", 0.0) > best[0]:  # early stopping on the validation split
            state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            best = (m.get("val_macro_f1", 0.0), epoch, state)
    if best[2]:
        net.load_state_dict(best[2])
    metrics = _metrics(_predict(net, xva), yva, sva)
    out_dir.mkdir(parents=True, exist_ok=True)
    _export(net, xtr.shape[1:], out_dir / "model.onnx")
    manifest = hashlib.sha256("\n".join(sorted(p.name for p in clips)).encode()).hexdigest()
    test_seeds = sorted({s for s in data["test"][3]})
    sidecar = {
        "format": "ambient-model/1",
        "name": NAME,
        "version": VERSION,
        "task": "thermal_activity",
        "sensor": "thermal",
        "input_name": INPUT_NAME,
        "input_shape": ["batch", *map(int, xtr.shape[1:])],
        "features": [],
        "window_frames": WINDOW_FRAMES,
        "window_fps": 4.0,
        "labels": list(LABELS),
        "thresholds": THRESHOLDS,
        "normalisation": {},
        "training": {
            "manifest_sha256": manifest,
            "dataset": "simulated thermal clips (models/thermal/clips.py)",
            "items": len(clips),
            "samples_per_label": {label: int(c) for label, c in zip(LABELS, counts, strict=True)},
            "windows": {"train": len(ytr), "val": len(yva), "test": len(data["test"][1])},
            "split": "by clip seed: seed % 10 == 0 test, == 1 validation, else train",
            "test_seeds": test_seeds,
            "seed": seed,
            "epochs": EPOCHS,
            "best_epoch": best[1],
            "torch_version": torch.__version__,
            "code_version": CODE_VERSION,
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "input": "8 frames of excess over background in °C (edge_agent.thermal.window), "
            "raw: clipped to [-3, 15] and scaled inside the graph; then 2 constant context "
            "planes (edge_agent.thermal.window.context_planes: mount, degrees per pixel / 3)",
            "note": "trained on simulated data only",
        },
        "metrics": metrics,
    }
    side = Sidecar.model_validate(sidecar)
    write_sidecar(side, out_dir / "model.json")
    (out_dir / "CARD.md").write_text(card(side, data), encoding="utf-8")
    logger.info("wrote %s (%.0f s): %s", out_dir, time.perf_counter() - began, metrics)
    return 0


def card(side: Sidecar, data: dict[str, tuple[F32, I64, list[str], list[int]]]) -> str:
    """The model card's first version: what it is, what it saw, how it did on validation."""
    tr = side.training
    lines = [
        f"# {side.name} {side.version}",
        "",
        "Room-level activity from a thermal array (8×8 Grid-EYE to 160×120 Lepton, ceiling "
        "or wall): a window of 8 excess-temperature frames at 4 Hz (2 s), area-resampled to "
        "16×12, plus two constant planes saying ceiling or wall and the pixel's angular "
        "size, classified as " + ", ".join(side.labels) + ". The edge agent's thermal fall "
        "engine starts a fall when `on_floor` holds after someone was seen moving.",
        "",
        "**Trained on simulated data only** (`models/thermal/clips.py`: random clips, falls "
        "and hard negatives, walk-and-fall, home falls, quiet and empty rooms; every array, "
        "ceiling and wall mounts, room temperatures 19–28 °C, arrays on for 30 s to 10 min). "
        "Not yet validated on a real thermal array.",
        "",
        "## Data",
        "",
        f"- clips: {tr['items']} ({tr['split']})",
        f"- windows: {tr['windows']}",
        f"- training windows per label: {tr['samples_per_label']}",
        f"- test seeds (held out, never read in training): {tr['test_seeds']}",
        f"- seed {tr['seed']}, torch {tr['torch_version']}, trained {tr['trained_at']}",
        "",
        "## Validation (windows of the validation clips)",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v:.3f} |" for k, v in side.metrics.items()]
    per_label = np.bincount(data["val"][1], minlength=len(side.labels)).tolist()
    lines += [
        "",
        f"Validation windows per label: {dict(zip(side.labels, per_label, strict=True))}.",
        "",
        "## Limits",
        "",
        "- One decision per view, not per person: two people, one on the floor and one "
        "walking, look like `moving`.",
        "- A person already in view when the background is learned is invisible until they "
        "move; the first seconds of each clip are left out of training for that reason.",
        "- Ceiling views cannot see height: lying on the floor and lying on a low bed look "
        "alike at 8×8.",
        "",
    ]
    return "\n".join(lines)


def _predict(net: Any, x: F32) -> F32:
    import torch

    net.eval()
    with torch.no_grad():
        out = [net(torch.from_numpy(x[i : i + 1024])).numpy() for i in range(0, len(x), 1024)]
    return np.concatenate(out) if out else np.zeros((0, len(LABELS)), np.float32)


def _export(net: Any, shape: tuple[int, ...], path: Path) -> None:
    import torch

    net.eval()
    dummy = torch.zeros((1, *shape), dtype=torch.float32)
    torch.onnx.export(
        net,
        (dummy,),
        str(path),
        input_names=[INPUT_NAME],
        output_names=["probs"],
        dynamic_axes={INPUT_NAME: {0: "batch"}, "probs": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )


if __name__ == "__main__":
    import argparse

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    raise SystemExit(main(args.data, args.out, args.seed))
