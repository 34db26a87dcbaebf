"""Training on synthetic windows: the exported ONNX model gives the torch model's numbers."""

from pathlib import Path

import numpy as np
import pytest

from edge_agent.inference.features import WindowSpec
from edge_agent.inference.runtime import OnnxModel
from edge_agent.inference.sidecar import SIDECAR_FORMAT, Sidecar, write_sidecar
from models.training import metrics

torch_train = pytest.importorskip("models.training.train", exc_type=ImportError)

SPEC = WindowSpec(("top_m", "vspeed_mps"), frames=6, fps=5.0)


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Class 1: the top drops from 1.7 m to 0.3 m inside the window; class 0: it stays up."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    top = np.full((n, SPEC.frames), 1.7) + rng.normal(0, 0.05, (n, SPEC.frames))
    top[y == 1, 3:] = 0.3
    v = np.gradient(top, axis=1) * SPEC.fps
    return np.stack([top, v], axis=2).astype(np.float32), y.astype(np.int64)


def test_tiny_training_learns_and_onnx_matches_torch(tmp_path: Path) -> None:
    x, y = _data(400, 0)
    options = torch_train.TrainOptions(epochs=8, batch=64, hidden=8, seed=1)
    trained = torch_train.train(x, y, SPEC, 2, options)
    vx, vy = _data(100, 1)
    probs = torch_train.predict(trained, vx)
    assert metrics.binary(probs[:, 1], vy, 0.5)["val_f1"] > 0.9
    torch_train.export_onnx(trained, SPEC, tmp_path / "toy" / "model.onnx")
    side = Sidecar(
        format=SIDECAR_FORMAT,
        name="toy",
        version="0.1.0",
        task="toy",
        sensor="depth",
        input_name=torch_train.INPUT_NAME,
        input_shape=["batch", SPEC.frames, 2],
        features=list(SPEC.features),
        window_frames=SPEC.frames,
        window_fps=SPEC.fps,
        labels=["no", "yes"],
        normalisation={"mean": trained.mean.tolist(), "std": trained.std.tolist()},
    )
    write_sidecar(side, tmp_path / "toy" / "model.json")
    model = OnnxModel(tmp_path / "toy")
    np.testing.assert_allclose(model.predict(vx), probs, atol=1e-4)
    assert model.predict(vx[:1]).shape == (1, 2)  # dynamic batch


def test_thresholds_and_figures() -> None:
    scores = np.array([0.1, 0.2, 0.8, 0.9, 0.6], dtype=np.float32)
    y = np.array([0, 0, 1, 1, 0])
    th = metrics.best_threshold(scores, y)
    assert 0.6 < th <= 0.8
    fig = metrics.binary(scores, y, th)
    assert fig["val_precision"] == 1.0 and fig["val_recall"] == 1.0 and fig["val_auc"] == 1.0
    assert metrics.best_threshold(scores, np.zeros(5, dtype=np.int64)) == 0.5
    multi = metrics.multiclass(
        np.eye(3, dtype=np.float32)[[0, 1, 1]], np.array([0, 1, 2]), ("a", "b", "c")
    )
    assert multi["val_accuracy"] == pytest.approx(2 / 3) and multi["val_recall_c"] == 0.0
