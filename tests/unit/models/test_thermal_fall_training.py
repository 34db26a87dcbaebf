"""The thermal fall model learns a descent from clip labels alone, exports to ONNX, and the
device pipeline loads it with its threshold and names it in its fall events."""

from pathlib import Path

import numpy as np
import pytest

from edge_agent.inference.runtime import load_model
from edge_agent.thermal.fall_input import FRAMES, PLANES
from models.thermal import fall_train
from models.thermal.fall_bags import Bag, Fold
from models.thermal.fall_data import ClipTicks

pytest.importorskip("torch", reason="training needs the train extra (torch)")


def _bag(i: int, fall: bool, rng: np.random.Generator) -> Bag:
    """20 ticks of an empty grid; in a fall bag a warm spot drops down the rows and spreads
    out on a random tick; elsewhere it walks across."""
    ticks = rng.normal(0.0, 0.3, (20, PLANES, 12, 16)).astype(np.float32)
    at = int(rng.integers(0, 12))
    col = int(rng.integers(2, 12))
    for k in range(20):
        if fall and k >= at:
            row = min(9, 2 + 2 * (k - at))
            ticks[k, :, row : row + 2, col : col + (4 if k - at > 3 else 2)] += 6.0
        elif not fall:
            c = (col + k) % 14
            ticks[k, :, 3:5, c : c + 2] += 6.0
    context = np.zeros((2, 12, 16), np.float32)
    context[0] = -1.0
    decisions = np.arange(6, 21, 2, dtype=np.int32)
    cl = ClipTicks(ticks.astype(np.float16), context, decisions, decisions * 0.2)
    return Bag(f"b{i}", "synthetic", f"g{(i // 2) % 10}", int(fall), cl)


def test_clip_labels_teach_the_descent_and_the_pipeline_loads_the_model(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    bags = [_bag(i, i % 2 == 0, rng) for i in range(120)]
    held = frozenset({("synthetic", "g0"), ("synthetic", "g1")})
    side = fall_train.train_fold(
        bags, Fold("f0", held), tmp_path, fall_train.TrainOptions(epochs=6, seed=1)
    )
    assert side.training["real"] == {"synthetic": [f"g{i}" for i in range(2, 10)]}
    assert side.metrics["val_auc"] >= 0.9
    model = load_model("thermal-fall", tmp_path)
    test = [b for b in bags if b.key in held]
    scores = [float(model.predict(b.ticks.windows())[:, 1].max()) for b in test]
    threshold = model.sidecar.thresholds["fall"]
    hits = [s >= threshold for s, b in zip(scores, test, strict=True) if b.label]
    alarms = [s >= threshold for s, b in zip(scores, test, strict=True) if not b.label]
    assert sum(hits) >= 0.8 * len(hits) and sum(alarms) <= 0.2 * len(alarms)
    assert model.sidecar.input_shape == ["batch", FRAMES * PLANES + 2, 12, 16]
