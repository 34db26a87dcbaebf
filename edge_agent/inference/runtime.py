"""Run a committed model on the device: onnxruntime on the CPU, one thread, nothing else.

Nothing reachable from here imports torch: the device installs onnxruntime only. A model is
a directory holding ``model.onnx`` and its sidecar ``model.json``; loading checks that the
two agree (input name, shape, number of labels) so a mismatched pair fails at start-up with
a clear message instead of producing wrong numbers later.

Normalisation: when the sidecar lists ``normalisation`` ``mean``/``std``, `OnnxModel.predict`
applies ``(x - mean) / std`` over the last input axis before the network, so callers always
pass raw features (metres, m/s) and the same numbers reach the network in training and on
the device. One value (or none) applies to every element, as for image windows.
"""

import logging
from pathlib import Path

import numpy as np
import onnxruntime as ort

from edge_agent.errors import EdgeError
from edge_agent.inference.sidecar import Sidecar, SidecarError, load_sidecar
from protocol import ModelRef

logger = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
"""Where the committed models live (``models/<name>/model.onnx`` + ``model.json``): the
`models` folder beside this package, in a checkout and when installed, found by path so
that no code of that package is imported here."""


class ModelError(EdgeError):
    """A model cannot be loaded or run: missing, corrupt or inconsistent files, bad input."""


class OnnxModel:
    """One loaded model: its sidecar and an onnxruntime session."""

    def __init__(self, directory: Path) -> None:
        directory = Path(directory)
        self.directory = directory
        onnx_path = directory / "model.onnx"
        if not directory.is_dir():
            raise ModelError(f"model directory {directory} does not exist")
        try:
            self.sidecar: Sidecar = load_sidecar(directory / "model.json")
        except SidecarError as e:
            raise ModelError(str(e)) from e
        if not onnx_path.is_file():
            raise ModelError(f"{onnx_path}: model file missing")
        self.ref = ModelRef(name=self.sidecar.name, version=self.sidecar.version)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as e:  # onnxruntime raises its own untyped errors on bad files
            raise ModelError(f"{onnx_path}: cannot load ONNX model ({e})") from e
        self._check_graph(onnx_path)
        self._mean, self._std = self._normalisation()
        self._output_name = self._session.get_outputs()[0].name

    @property
    def labels(self) -> list[str]:
        return self.sidecar.labels

    def _check_graph(self, onnx_path: Path) -> None:
        inputs = self._session.get_inputs()
        outputs = self._session.get_outputs()
        side = self.sidecar
        if len(inputs) != 1 or inputs[0].name != side.input_name:
            names = [i.name for i in inputs]
            raise ModelError(f"{onnx_path}: graph inputs {names}, sidecar says {side.input_name!r}")
        if inputs[0].type != "tensor(float)":
            raise ModelError(f"{onnx_path}: input type {inputs[0].type}, expected float32")
        shape = list(inputs[0].shape)
        if len(shape) != len(side.input_shape) or any(
            isinstance(g, int) and g != s
            for g, s in zip(shape[1:], side.input_shape[1:], strict=True)
        ):
            raise ModelError(f"{onnx_path}: input shape {shape}, sidecar says {side.input_shape}")
        out = list(outputs[0].shape)
        if len(out) != 2 or (isinstance(out[1], int) and out[1] != len(side.labels)):
            raise ModelError(
                f"{onnx_path}: output shape {out}, sidecar has {len(side.labels)} labels"
            )

    def _normalisation(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        norm = self.sidecar.normalisation
        if not norm:
            return None, None
        last = int(self.sidecar.input_shape[-1])
        mean = np.asarray(norm.get("mean", [0.0]), dtype=np.float32)
        std = np.asarray(norm.get("std", [1.0]), dtype=np.float32)
        for key, arr in (("mean", mean), ("std", std)):
            if arr.size not in (1, last):
                raise ModelError(
                    f"{self.directory}: normalisation {key} has {arr.size} values, "
                    f"expected 1 or {last}"
                )
        return mean, std

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probabilities ``[batch, len(labels)]`` for raw inputs ``[batch, *input_shape[1:]]``."""
        fixed = tuple(int(d) for d in self.sidecar.input_shape[1:])
        if x.ndim != len(fixed) + 1 or tuple(x.shape[1:]) != fixed:
            raise ModelError(
                f"model {self.sidecar.name}: input shape {tuple(x.shape)}, expected (batch, "
                f"{', '.join(map(str, fixed))})"
            )
        x = np.asarray(x, dtype=np.float32)
        if self._mean is not None and self._std is not None:
            x = (x - self._mean) / self._std
        out = self._session.run([self._output_name], {self.sidecar.input_name: x})[0]
        return np.asarray(out, dtype=np.float32)


def model_dir(name: str, models_dir: Path | None = None, version: str | None = None) -> Path:
    """The directory of a model: ``<dir>/<name>``, or ``<dir>/<name>@<version>`` when pinned."""
    base = Path(models_dir) if models_dir is not None else MODELS_DIR
    if version is not None:
        pinned = base / f"{name}@{version}"
        if pinned.is_dir():
            return pinned
    return base / name


def load_model(name: str, models_dir: Path | None = None, version: str | None = None) -> OnnxModel:
    """Load a model by name; a pinned ``version`` must be what the sidecar says."""
    model = OnnxModel(model_dir(name, models_dir, version))
    if model.sidecar.name != name:
        raise ModelError(
            f"{model.directory}: sidecar names model {model.sidecar.name!r}, not {name!r}"
        )
    if version is not None and model.sidecar.version != version:
        raise ModelError(
            f"{model.directory}: model {name} is version {model.sidecar.version}, {version} asked"
        )
    logger.info("model %s %s loaded from %s", name, model.sidecar.version, model.directory)
    return model
