"""The committed depth models load, answer sensibly, and run cheaply beside the pipeline."""

from pathlib import Path

import numpy as np
import pytest

from edge_agent.engines.observation import Observation
from edge_agent.inference.runtime import MODELS_DIR, load_model
from edge_agent.inference.track_models import MODEL_NAMES, TrackModels, TrackOutputs, with_outputs

FPS = 15.0


def _walk(track_id: int, t: float) -> Observation:
    return Observation(
        track_id=track_id,
        x=1.0 + 1.0 * (t % 3.0),
        y=2.0,
        top_m=1.72,
        bottom_m=0.05,
        is_person=True,
        born_t=0.0,
        centroid_m=1.0,
        extent_m=0.55,
        speed_mps=1.0,
    )


def _fall(track_id: int, t: float, at: float = 4.0) -> Observation:
    """Stands until ``at``, goes down in 0.8 s, then lies still on the floor."""
    f = min(max((t - at) / 0.8, 0.0), 1.0)
    top = 1.72 - 1.40 * f * f
    return Observation(
        track_id=track_id,
        x=2.0 + 0.6 * f,
        y=2.0,
        top_m=top,
        bottom_m=0.05 * (1 - f),
        is_person=True,
        born_t=0.0,
        centroid_m=1.0 - 0.85 * f,
        extent_m=0.55 + 1.1 * f,
        speed_mps=0.7 if 0 < f < 1 else 0.0,
        vspeed_mps=-3.5 * f if f < 1 else 0.0,
    )


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_committed_model_gives_probabilities(name: str) -> None:
    model = load_model(name)
    assert model.sidecar.training["note"] == "trained on simulated data only"
    assert (MODELS_DIR / name / "model.onnx").stat().st_size < 200_000
    shape = (3, *(int(d) for d in model.sidecar.input_shape[1:]))
    p = model.predict(np.random.default_rng(0).uniform(0, 2, shape).astype(np.float32))
    assert p.shape == (3, len(model.sidecar.labels))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)


def test_falling_track_scores_higher_than_walking_one() -> None:
    models = TrackModels(names=("posture", "fall"))
    peak = {1: 0.0, 2: 0.0}
    out: dict[int, TrackOutputs] = {}
    for i in range(int(8 * FPS)):
        t = i / FPS
        out = models.update(t, [_walk(1, t), _fall(2, t)])
        for k, best in list(peak.items()):
            peak[k] = max(best, out[k].fall_p or 0.0)
    assert peak[2] > 0.5 > peak[1]
    assert out[2].posture == "on_floor"
    assert out[1].posture in ("walking", "standing")


def test_outputs_wait_for_a_window_and_reach_the_observations() -> None:
    models = TrackModels()
    first = models.update(0.0, [_walk(5, 0.0)])
    assert first[5] == TrackOutputs()
    obs: list[Observation] = []
    for i in range(1, int(3 * FPS)):
        obs = [_walk(5, i / FPS)]
        out = models.update(i / FPS, obs, lambda x, y: 2.0)
    assert out[5].posture is not None and out[5].fall_p is not None
    assert out[5].dispenser_p is not None and out[5].dispenser_p < 0.5  # walking past
    seen = with_outputs(obs, out)[0]
    assert seen.posture == out[5].posture and seen.fall_p == out[5].fall_p


def test_shadow_model_runs_beside_the_live_one() -> None:
    models = TrackModels(names=("fall",), shadow_dirs={"fall": MODELS_DIR / "fall"})
    for i in range(int(6 * FPS)):
        out = models.update(i / FPS, [_fall(3, i / FPS)])
    assert models.shadow_for([3])[3].fall_p == pytest.approx(out[3].fall_p)
    with pytest.raises(ValueError, match="holds model"):
        TrackModels(names=("fall",), shadow_dirs={"fall": MODELS_DIR / "posture"})


def test_missing_models_dir_fails_clearly(tmp_path: Path) -> None:
    from edge_agent.inference.runtime import ModelError

    with pytest.raises(ModelError, match="does not exist"):
        TrackModels(tmp_path)


def test_device_path_and_train_cli_do_not_import_torch() -> None:
    import subprocess
    import sys

    code = (
        "import argparse, sys\n"
        "import edge_agent.inference.track_models, edge_agent.inference.runtime\n"
        "from models import train_cli\n"
        "p = argparse.ArgumentParser(); train_cli.register(p.add_subparsers())\n"
        "print('torch' in sys.modules, 'sklearn' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == ["False", "False"]
