"""The sidecar is strict and the runtime refuses files that do not agree with it."""

from pathlib import Path

import numpy as np
import pytest

from edge_agent.inference.runtime import ModelError, OnnxModel, load_model
from edge_agent.inference.sidecar import Sidecar, SidecarError, load_sidecar, write_sidecar


def _sidecar(**over: object) -> Sidecar:
    fields: dict[str, object] = {
        "format": "ambient-model/1",
        "name": "toy",
        "version": "1.0.0",
        "task": "toy decision",
        "sensor": "depth",
        "input_name": "x",
        "input_shape": ["batch", 3, 2],
        "features": ["a", "b"],
        "window_frames": 3,
        "window_fps": 5.0,
        "labels": ["no", "yes"],
        "thresholds": {"yes": 0.6},
        "normalisation": {"mean": [1.0, 2.0], "std": [2.0, 4.0]},
        "training": {"manifest_sha256": "ab" * 32, "note": "trained on simulated data only"},
        "metrics": {"val_accuracy": 0.9},
    }
    fields.update(over)
    return Sidecar.model_validate(fields)


def _write_toy(directory: Path, sidecar: Sidecar) -> None:
    """A linear softmax model built with the onnx helpers (the train extra)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    t, f = int(sidecar.input_shape[1]), int(sidecar.input_shape[2])
    rng = np.random.default_rng(0)
    w = rng.normal(size=(t * f, len(sidecar.labels))).astype(np.float32)
    nodes = [
        helper.make_node("Flatten", ["x"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "w"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "toy",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", t, f])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", len(sidecar.labels)])],
        initializer=[numpy_helper.from_array(w, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    directory.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(directory / "model.onnx"))
    write_sidecar(sidecar, directory / "model.json")


def test_sidecar_round_trip(tmp_path: Path) -> None:
    side = _sidecar()
    write_sidecar(side, tmp_path / "model.json")
    assert load_sidecar(tmp_path / "model.json") == side


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("version", "1.0"),
        ("labels", ["a", "a"]),
        ("input_shape", ["batch", 4, 2]),
        ("thresholds", {"maybe": 0.5}),
        ("thresholds", {"yes@8x": 0.5}),
        ("thresholds", {"maybe@8x8": 0.5}),
        ("normalisation", {"mean": [0.0]}),
        ("normalisation", {"mean": [0.0, 0.0], "std": [1.0, 0.0]}),
        ("format", "ambient-model/2"),
        ("surprise", 1),
    ],
)
def test_sidecar_rejects_inconsistent_fields(tmp_path: Path, field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        _sidecar(**{field: value})
    path = tmp_path / "model.json"
    write_sidecar(_sidecar(), path)
    text = path.read_text().replace('"version": "1.0.0"', '"version": "one"')
    path.write_text(text)
    with pytest.raises(SidecarError, match=r"model\.json"):
        load_sidecar(path)


def test_a_threshold_may_be_set_per_array_size() -> None:
    side = _sidecar(thresholds={"yes": 0.6, "yes@8x8": 0.4, "yes@32x24": 0.9})
    assert side.threshold_for("yes", 8, 8) == 0.4
    assert side.threshold_for("yes", 32, 24) == 0.9
    assert side.threshold_for("yes", 24, 32) == 0.6  # width × height, not either way round
    assert side.threshold_for("yes", 4, 4) == 0.6
    assert side.threshold_for("no", 8, 8) is None


def test_runtime_normalises_and_returns_probabilities(tmp_path: Path) -> None:
    _write_toy(tmp_path / "toy", _sidecar())
    model = load_model("toy", tmp_path)
    assert model.ref.name == "toy" and model.ref.version == "1.0.0"
    x = np.random.default_rng(1).normal(size=(5, 3, 2)).astype(np.float32)
    p = model.predict(x)
    assert p.shape == (5, 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    # The sidecar's normalisation is applied: raw mean input equals normalised zeros.
    plain = tmp_path / "plain" / "toy"
    _write_toy(plain, _sidecar(normalisation={}))
    mean = np.tile(np.array([1.0, 2.0], dtype=np.float32), (1, 3, 1))
    np.testing.assert_allclose(model.predict(mean), OnnxModel(plain).predict(mean * 0), atol=1e-6)


def test_runtime_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        load_model("nothing", tmp_path)
    _write_toy(tmp_path / "toy", _sidecar())
    (tmp_path / "toy" / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="cannot load ONNX"):
        load_model("toy", tmp_path)
    (tmp_path / "toy" / "model.onnx").unlink()
    with pytest.raises(ModelError, match="model file missing"):
        load_model("toy", tmp_path)
    _write_toy(tmp_path / "toy", _sidecar())
    write_sidecar(
        _sidecar(input_shape=["batch", 4, 2], window_frames=4), tmp_path / "toy" / "model.json"
    )
    with pytest.raises(ModelError, match="input shape"):
        load_model("toy", tmp_path)
    _write_toy(tmp_path / "toy", _sidecar())
    with pytest.raises(ModelError, match=r"version 1\.0\.0, 2\.0\.0 asked"):
        load_model("toy", tmp_path, version="2.0.0")
    with pytest.raises(ModelError, match="expected"):
        load_model("toy", tmp_path).predict(np.zeros((1, 2, 2), dtype=np.float32))


def test_pinned_version_directory_is_found(tmp_path: Path) -> None:
    _write_toy(tmp_path / "toy", _sidecar())
    _write_toy(tmp_path / "toy@1.1.0", _sidecar(version="1.1.0"))
    assert load_model("toy", tmp_path, version="1.1.0").sidecar.version == "1.1.0"
    assert load_model("toy", tmp_path).sidecar.version == "1.0.0"
