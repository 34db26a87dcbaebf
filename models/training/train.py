"""Tiny window classifiers in torch, exported to ONNX with the softmax inside the graph.

The network is a two-layer MLP over the whole window (a few thousand weights): the windows
are short (10–20 steps of a handful of numbers), the features are already physical, and a
small dense net is fast on any CPU and leaves little room to memorise one simulated room.
Training adds per-window height scaling (people 1.45–2.0 m tall, calibration off by a few
centimetres) and a little noise. torch is imported here only; this module is the ``train``
extra's.
"""

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from edge_agent.inference.features import WindowSpec

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
INPUT_NAME = "window"
OUTPUT_NAME = "probs"
OPSET = 17
_HEIGHT_FEATURES = ("top_m", "centroid_m", "bottom_m", "top_ref_m")


class WindowNet(nn.Module):
    """Normalised window → class probabilities."""

    def __init__(self, frames: int, features: int, n_labels: int, hidden: int = 32) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Flatten(),
            nn.Linear(frames * features, hidden),
            nn.ReLU(),
            nn.Dropout(0.1),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, n_labels),
        )

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.body(x)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x), dim=-1)


@dataclass(frozen=True, slots=True)
class TrainOptions:
    epochs: int = 40
    batch: int = 256
    lr: float = 3e-3
    weight_decay: float = 1e-4
    hidden: int = 32
    seed: int = 0
    augment: bool = True


@dataclass
class Trained:
    net: WindowNet
    mean: F32
    std: F32


def normalisation(x: F32) -> tuple[F32, F32]:
    """Per-feature mean and std over every step of every training window."""
    flat = x.reshape(-1, x.shape[-1]).astype(np.float64)
    mean = flat.mean(axis=0)
    std = np.maximum(flat.std(axis=0), 1e-3)
    return mean.astype(np.float32), std.astype(np.float32)


def class_weights(y: I64, n_labels: int) -> F32:
    """Inverse square root of each class's frequency (rare falls count more, not absurdly)."""
    counts = np.bincount(y, minlength=n_labels).astype(np.float64)
    w = np.where(counts > 0, 1.0 / np.sqrt(np.maximum(counts, 1.0)), 0.0)
    w = w / (w[counts > 0].mean() if (counts > 0).any() else 1.0)
    return w.astype(np.float32)


def train(
    x: F32, y: I64, spec: WindowSpec, n_labels: int, options: TrainOptions | None = None
) -> Trained:
    """Fit a `WindowNet` on raw windows ``x`` [n, frames, features] and labels ``y``."""
    opt = options or TrainOptions()
    torch.set_num_threads(1)  # the machine is shared; the nets are tiny
    torch.manual_seed(opt.seed)
    rng = np.random.default_rng(opt.seed)
    mean, std = normalisation(x)
    net = WindowNet(spec.frames, len(spec.features), n_labels, opt.hidden)
    loss_fn = nn.CrossEntropyLoss(weight=torch.from_numpy(class_weights(y, n_labels)))
    optimiser = torch.optim.AdamW(net.parameters(), lr=opt.lr, weight_decay=opt.weight_decay)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=max(1, opt.epochs))
    heights = [i for i, f in enumerate(spec.features) if f in _HEIGHT_FEATURES]
    t_mean, t_std = torch.from_numpy(mean), torch.from_numpy(std)
    net.train()
    for _ in range(opt.epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(order), opt.batch):
            idx = order[start : start + opt.batch]
            xb = x[idx].copy()
            if opt.augment:
                xb = _augment(xb, heights, rng)
            xt = (torch.from_numpy(xb) - t_mean) / t_std
            loss = loss_fn(net.logits(xt), torch.from_numpy(y[idx]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        schedule.step()
    net.eval()
    return Trained(net, mean, std)


def _augment(xb: F32, heights: list[int], rng: np.random.Generator) -> F32:
    scale = rng.uniform(0.92, 1.08, size=(len(xb), 1, 1)).astype(np.float32)
    if heights:
        xb[:, :, heights] *= scale
    xb += rng.normal(0.0, 0.02, size=xb.shape).astype(np.float32)
    return xb


def predict(trained: Trained, x: F32) -> F32:
    """Probabilities from the torch model (raw windows in), for validation."""
    with torch.no_grad():
        xt = (torch.from_numpy(np.ascontiguousarray(x)) - torch.from_numpy(trained.mean)) / (
            torch.from_numpy(trained.std)
        )
        out: F32 = trained.net(xt).numpy()
    return out


def export_onnx(trained: Trained, spec: WindowSpec, path: Path) -> None:
    """Write the network (normalised input → probabilities) as ONNX, dynamic batch."""
    dummy = torch.zeros(1, spec.frames, len(spec.features))
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter announces its retirement
        torch.onnx.export(
            trained.net,
            (dummy,),
            str(path),
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )


def versions() -> dict[str, Any]:
    return {"torch": torch.__version__.split("+")[0], "numpy": np.__version__}
