"""Train the thermal fall model from clip labels (multiple-instance learning) and export it.

The network is small (two 3×3 convolutions over the 32 input planes, mean- and max-pooled,
one linear layer: ~13 k parameters, ~2 M multiply-adds per decision). A bag's score is a soft
maximum of its windows' fall logits, so a fall clip only needs one window that sees the fall.
Training flips ceiling views both ways and wall views left-right (gravity stays down), turns
ceiling views a quarter, moves the person by up to a quarter of the view (ceiling) or
sideways (wall) and scales the contrast a little, so a fall in any place and direction looks
like one (one real session, whose falls lay along the other axis and towards the edge of
the view, was found in 1 of its 51 clips without the turns, shifts or not). The threshold is the
lowest that keeps the validation groups' non-fall clips under `MAX_VAL_ALERTS`, overall and
for each array size with enough of them (`fall@8x8`: the device uses its own size's); the
best epoch is chosen on the same validation groups, which therefore count as seen.
"""

import json
import logging
import random
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from edge_agent.inference.sidecar import SIDECAR_FORMAT, Sidecar, write_sidecar
from edge_agent.thermal.fall_input import CHANNELS, FPS, FRAMES, PLANES
from edge_agent.thermal.window import CONTEXT_PLANES, GRID
from models.thermal.fall_bags import Bag, Fold, validation_keys

logger = logging.getLogger(__name__)

NAME = "thermal-fall"
LABELS = ["other", "fall"]
INPUT_NAME = "windows"
MAX_VAL_ALERTS = 0.03
"""Non-fall validation clips the threshold may let alert, at most."""
MIN_ARRAY_NEGATIVES = 30
"""Non-fall validation clips of one array size before it gets its own threshold."""
MAX_BAG_WINDOWS = 48
"""A long non-fall bag is trained on a random subset of its windows each epoch."""

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class TrainOptions:
    epochs: int = 24
    batch: int = 32
    lr: float = 2e-3
    seed: int = 0
    version: str = "1.0.0"
    note: str = ""
    sim: dict[str, Any] = field(default_factory=dict)
    """What simulated data was in the bags, for the sidecar."""


def train_fold(bags: Sequence[Bag], fold: Fold, out: Path, options: TrainOptions) -> Sidecar:
    """Train on every bag the fold does not hold out; write `out/thermal-fall/`."""
    import torch

    rng = random.Random(options.seed)
    torch.manual_seed(options.seed)
    np.random.seed(options.seed)
    train_side = [b for b in bags if b.key not in fold.held_out]
    val_keys = validation_keys(train_side)
    fit = [b for b in train_side if b.key not in val_keys]
    val = [b for b in train_side if b.key in val_keys]
    if not any(b.label for b in fit) or all(b.label for b in fit):
        raise ValueError(f"fold {fold.name}: training needs fall and non-fall clips")
    net = _net()
    opt = torch.optim.Adam(net.parameters(), lr=options.lr, weight_decay=1e-4)
    n_pos = sum(b.label for b in fit)
    pos_weight = (len(fit) - n_pos) / max(1, n_pos)
    cache = {b.id: b.ticks.windows() for b in train_side}
    best: tuple[float, dict[str, Any], int] | None = None
    started = time.perf_counter()
    for epoch in range(options.epochs):
        net.train()
        order = list(range(len(fit)))
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), options.batch):
            chunk = [fit[i] for i in order[start : start + options.batch]]
            x, sizes = _batch([_augment(_subset(cache[b.id], rng), b, rng) for b in chunk])
            logits = net.logits(torch.from_numpy(x))
            scores = _bag_scores(logits[:, 1] - logits[:, 0], sizes)
            y = torch.tensor([float(b.label) for b in chunk])
            w = torch.tensor([pos_weight if b.label else 1.0 for b in chunk])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(scores, y, weight=w)
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]  # torch stubs, when installed
            opt.step()
            total += float(loss.detach()) * len(chunk)
        quality = _val_quality(net, val or fit, cache)
        logger.info(
            "%s epoch %d: loss %.3f, val AUC %.3f (%.0f s)",
            fold.name,
            epoch + 1,
            total / len(fit),
            quality,
            time.perf_counter() - started,
        )
        if best is None or quality >= best[0]:  # ties: the later, better-trained epoch
            best = (quality, {k: v.clone() for k, v in net.state_dict().items()}, epoch + 1)
    assert best is not None
    net.load_state_dict(best[1])
    net.eval()
    scores, labels = _scores(net, val or fit, cache)
    arrays = [b.array for b in val or fit]
    thresholds = _thresholds(scores, labels, arrays)
    each = np.asarray([thresholds.get(f"fall@{a}", thresholds["fall"]) for a in arrays])
    val_metrics = _val_metrics(scores, labels, each)
    seen: dict[str, set[str]] = {}
    for b in train_side:
        seen.setdefault(b.set, set()).add(b.group)
    training = {
        "dataset": "real thermal clips (clip labels) and simulated thermal clips",
        "protocol_fold": fold.name,
        "held_out": sorted(f"{s}/{g}" for s, g in fold.held_out),
        "real": {k: sorted(v) for k, v in sorted(seen.items())},
        "sim": options.sim,
        "bags": {"train": len(fit), "val": len(val), "falls_train": n_pos},
        "best_epoch": best[2],
        "epochs": options.epochs,
        "seed": options.seed,
        "torch_version": metadata.version("torch"),
        "note": options.note
        or "multiple-instance learning on clip labels; validation groups chose the best "
        "epoch and the threshold (so they count as seen)",
    }
    return _export(
        net,
        out / NAME,
        thresholds=thresholds,
        training=training,
        val_metrics=val_metrics,
        version=options.version,
    )


def _net() -> Any:
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(CHANNELS, 24, 3, padding=1)
            self.conv2 = nn.Conv2d(24, 24, 3, padding=1)
            self.drop = nn.Dropout(0.3)
            self.head = nn.Linear(48, len(LABELS))

        def logits(self, x: torch.Tensor) -> torch.Tensor:
            x = torch.relu(self.conv1(x * 0.25))
            x = torch.relu(self.conv2(x))
            feats = torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)
            out: torch.Tensor = self.head(self.drop(feats))
            return out

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.softmax(self.logits(x), dim=1)

    return Net()


def _bag_scores(logit: Any, sizes: Sequence[int]) -> Any:
    """Soft maximum (log-sum-exp at temperature ½) of each bag's window logits."""
    import torch

    parts = torch.split(logit, list(sizes))
    return torch.stack([(torch.logsumexp(2.0 * p, 0) - np.log(len(p))) / 2.0 for p in parts])


def _subset(windows: F32, rng: random.Random) -> F32:
    if len(windows) <= MAX_BAG_WINDOWS:
        return windows
    start = rng.randrange(len(windows) - MAX_BAG_WINDOWS + 1)
    return windows[start : start + MAX_BAG_WINDOWS]


def _augment(windows: F32, bag: Bag, rng: random.Random) -> F32:
    out = windows
    ceiling = float(bag.ticks.context[0, 0, 0]) > 0
    if rng.random() < 0.5:
        out = out[:, :, :, ::-1]
    if ceiling and rng.random() < 0.5:
        out = out[:, :, ::-1, :]
    scale = np.float32(rng.uniform(0.75, 1.3))
    planes = FRAMES * PLANES
    out = out.copy()
    out[:, 1:planes:PLANES] *= scale  # the excess planes; contrast in σ is kept
    if ceiling and rng.random() < 0.5:
        out = turn_ticks(out, planes)
    rows, cols = out.shape[2:]
    down = rng.randint(-rows // 4, rows // 4) if ceiling else rng.randint(-1, 1)
    return shift_ticks(out, planes, down, rng.randint(-cols // 4, cols // 4))


def turn_ticks(windows: F32, planes: int) -> F32:
    """A ceiling view turned a quarter: the tick planes transposed and resampled back to the
    grid (linearly, pixel centres kept), the context planes kept. People lie along either
    axis of a room: one real session had every fall lie along the rows, where the others lay
    along the columns."""
    rows, cols = windows.shape[2:]
    down, across = _stretch(cols, rows), _stretch(rows, cols)
    ticks = windows[:, :planes].transpose(0, 1, 3, 2)  # (n, planes, cols, rows)
    windows[:, :planes] = np.einsum("ia,npab,jb->npij", down, ticks, across, optimize=True)
    return windows


def _stretch(n_in: int, n_out: int) -> F32:
    """(n_out, n_in) linear interpolation between pixel centres."""
    centres = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    lo = np.floor(centres).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = (centres - lo).astype(np.float32)
    out = np.zeros((n_out, n_in), np.float32)
    out[np.arange(n_out), lo] += 1 - frac
    out[np.arange(n_out), hi] += frac
    return out


def shift_ticks(windows: F32, planes: int, down: int, right: int) -> F32:
    """The person elsewhere in view: the tick planes moved by whole cells, the room (0)
    filling in behind; the context planes stay. A real session had its falls land at the
    edge of an 8×8 view where every other session's landed in the middle."""
    if down == 0 and right == 0:
        return windows
    ticks = windows[:, :planes]
    moved = np.zeros_like(ticks)
    rows, cols = ticks.shape[2:]
    src_r, dst_r = _span(rows, down)
    src_c, dst_c = _span(cols, right)
    moved[:, :, dst_r, dst_c] = ticks[:, :, src_r, src_c]
    windows[:, :planes] = moved
    return windows


def _span(n: int, by: int) -> tuple[slice, slice]:
    """Source and destination slices of a shift by `by` cells along an axis of `n`."""
    return (slice(0, n - by), slice(by, n)) if by >= 0 else (slice(-by, n), slice(0, n + by))


def _batch(parts: Sequence[F32]) -> tuple[F32, list[int]]:
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32), [len(p) for p in parts]


def _scores(net: Any, bags: Sequence[Bag], cache: dict[str, F32]) -> tuple[F32, F32]:
    import torch

    out = []
    with torch.no_grad():
        for b in bags:
            probs = net(torch.from_numpy(np.ascontiguousarray(cache[b.id]))).numpy()
            out.append(float(probs[:, 1].max()))
    return np.asarray(out, np.float32), np.asarray([b.label for b in bags], np.float32)


def _val_quality(net: Any, bags: Sequence[Bag], cache: dict[str, F32]) -> float:
    net.eval()
    scores, labels = _scores(net, bags, cache)
    return _auc(scores, labels)


def _auc(scores: F32, labels: F32) -> float:
    pos, neg = scores[labels > 0], scores[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        return 0.0
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return float(greater + 0.5 * ties)


def _thresholds(scores: F32, labels: F32, arrays: Sequence[str]) -> dict[str, float]:
    """`fall` over every validation clip, and `fall@WxH` for each array size with at least
    `MIN_ARRAY_NEGATIVES` non-fall validation clips: scores differ by array (a 4×4 descent is
    a pixel or two, an 8×8 one a clear shape), and one threshold for all would sit where the
    noisiest array needs it."""
    out = {"fall": _threshold(scores, labels)}
    sizes = np.asarray(arrays)
    for size in sorted({a for a in arrays if a}):
        mine = sizes == size
        if int((labels[mine] == 0).sum()) >= MIN_ARRAY_NEGATIVES:
            out[f"fall@{size}"] = _threshold(scores[mine], labels[mine])
    return out


def _threshold(scores: F32, labels: F32) -> float:
    neg = np.sort(scores[labels == 0])
    if len(neg) == 0:
        return 0.5
    allowed = int(np.floor(MAX_VAL_ALERTS * len(neg)))
    # The smallest threshold above all but `allowed` negatives.
    edge = float(neg[len(neg) - 1 - allowed])
    return float(min(0.99, max(0.05, np.nextafter(np.float32(edge), np.float32(1.0)))))


def _val_metrics(
    scores: F32, labels: F32, thresholds: npt.NDArray[np.floating]
) -> dict[str, float]:
    """AUC, and falls alerted and other clips alerting, each clip at its array's threshold."""
    alert = scores >= thresholds
    out = {"val_auc": round(_auc(scores, labels), 4)}
    if (labels > 0).any():
        out["val_fall_sensitivity"] = round(float(alert[labels > 0].mean()), 4)
    if (labels == 0).any():
        out["val_other_alerting"] = round(float(alert[labels == 0].mean()), 4)
    return out


def _export(
    net: Any,
    out: Path,
    *,
    thresholds: dict[str, float],
    training: dict[str, Any],
    val_metrics: dict[str, float],
    version: str,
) -> Sidecar:
    import torch

    out.mkdir(parents=True, exist_ok=True)
    shape = (CHANNELS, *GRID)
    dummy = torch.zeros((1, *shape), dtype=torch.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter announces its retirement
        torch.onnx.export(
            net,
            (dummy,),
            str(out / "model.onnx"),
            input_names=[INPUT_NAME],
            output_names=["probs"],
            dynamic_axes={INPUT_NAME: {0: "batch"}, "probs": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    sidecar = Sidecar(
        format=SIDECAR_FORMAT,
        name=NAME,
        version=version,
        task="thermal_fall",
        sensor="thermal",
        input_name=INPUT_NAME,
        input_shape=["batch", *shape],
        features=[],
        window_frames=FRAMES,
        window_fps=FPS,
        labels=LABELS,
        thresholds={k: round(v, 4) for k, v in thresholds.items()},
        normalisation={},
        training={
            **training,
            "input": f"{FRAMES} ticks at {FPS:g} Hz × {PLANES} planes (contrast in σ, excess "
            f"°C) + {CONTEXT_PLANES} context planes, {GRID[0]}×{GRID[1]} "
            "(edge_agent.thermal.fall_input)",
        },
        metrics=val_metrics,
    )
    write_sidecar(sidecar, out / "model.json")
    logger.info("wrote %s: thresholds %s, %s", out, thresholds, json.dumps(val_metrics))
    return sidecar
