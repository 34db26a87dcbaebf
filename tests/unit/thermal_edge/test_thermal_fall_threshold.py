"""The fall model's threshold is the array's own where training set one: the same model
scores a 4×4 descent (a pixel or two) and an 8×8 one (a clear shape) on different scales."""

import json
import shutil
from pathlib import Path

import pytest

from edge_agent.inference.runtime import MODELS_DIR, OnnxModel
from edge_agent.sources.thermal import ThermalRecordingSource
from edge_agent.thermal.pipeline import ThermalPipeline
from protocol import EventType, Phase
from simulators.thermal import record_thermal


def _model(tmp_path: Path, thresholds: dict[str, float]) -> OnnxModel:
    directory = tmp_path / "thermal-fall"
    shutil.copytree(MODELS_DIR / "thermal-fall", directory)
    side = json.loads((directory / "model.json").read_text())
    side["thresholds"] = thresholds
    (directory / "model.json").write_text(json.dumps(side))
    return OnnxModel(directory)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fall") / "fall.npz"
    record_thermal("walk_fall_forward", out, sensor="mlx90640", seed=5, max_seconds=22.0)
    return out


def _starts(clip: Path, pipeline: ThermalPipeline) -> int:
    source = ThermalRecordingSource(clip, real_time=False, loop=False)
    out = []
    try:
        for frame in source.frames():
            out += pipeline.process(frame)
    finally:
        source.close()
    return sum(1 for d in out if d.type is EventType.FALL and d.phase is Phase.START)


def test_an_array_with_its_own_threshold_uses_it(tmp_path: Path, clip: Path) -> None:
    # The clip is a 32×24 array: its own threshold decides, whatever the model's overall one.
    never = ThermalPipeline(fall_model=_model(tmp_path / "a", {"fall": 0.0, "fall@32x24": 1.1}))
    assert never.fall_threshold == 0.0  # no frame yet: the model's overall threshold
    assert _starts(clip, never) == 0
    assert never.fall_threshold == 1.1
    always = ThermalPipeline(fall_model=_model(tmp_path / "b", {"fall": 1.1, "fall@32x24": 0.0}))
    assert _starts(clip, always) >= 1
    other = ThermalPipeline(fall_model=_model(tmp_path / "c", {"fall": 1.1, "fall@8x8": 0.0}))
    assert _starts(clip, other) == 0  # an 8×8 threshold is not this array's
    assert other.fall_threshold == 1.1
