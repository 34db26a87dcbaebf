"""The JSON sidecar beside every ONNX model: what goes in, what comes out, how it was made.

The device trusts nothing it cannot read here: the input shape and per-step feature order
tie a model to the feature code that feeds it, the labels name the softmax outputs, the
thresholds were chosen on the validation split, and the training section says which
dataset (by manifest hash) the model has seen, so a model can be traced back to its data.
"""

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from edge_agent.errors import EdgeError

SIDECAR_FORMAT = "ambient-model/1"
_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$")
_ARRAY = re.compile(r"^[1-9]\d{0,3}x[1-9]\d{0,3}$")


class SidecarError(EdgeError, ValueError):
    """A sidecar file is missing, unreadable or inconsistent."""


class Sidecar(BaseModel):
    """Everything the runtime and the evaluator need to know about one model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["ambient-model/1"] = Field(description="Sidecar format tag.")
    name: str = Field(pattern=r"^[a-z0-9_.-]{1,40}$", description="Model name (directory).")
    version: str = Field(description="Semantic version of the model.")
    task: str = Field(description="What the model decides, in a few words.")
    sensor: Literal["depth", "thermal"] = Field(description="Sensor whose data feeds it.")
    input_name: str = Field(description="Name of the ONNX graph input.")
    input_shape: list[int | str] = Field(
        min_length=2, description='Input shape, first dimension symbolic (e.g. ["batch", 10, 8]).'
    )
    features: list[str] = Field(
        description="Ordered per-step feature names ([] for image windows)."
    )
    window_frames: int = Field(ge=1, description="Steps in one input window.")
    window_fps: float = Field(gt=0, description="Rate the window is resampled to (Hz).")
    labels: list[str] = Field(min_length=2, description="Names of the softmax outputs, in order.")
    thresholds: dict[str, float] = Field(
        default_factory=dict,
        description="Decision thresholds per label, chosen on validation; `label@WxH` (e.g. "
        "`fall@8x8`): the threshold for arrays of that size, where validation had enough of "
        "them (see `threshold_for`).",
    )
    normalisation: dict[str, list[float]] = Field(
        default_factory=dict,
        description='Per-feature {"mean": [...], "std": [...]} applied before the network.',
    )
    training: dict[str, Any] = Field(
        default_factory=dict, description="Dataset hash, sample counts, seed, versions, note."
    )
    metrics: dict[str, float] = Field(
        default_factory=dict, description="Validation-split figures measured at training."
    )

    @model_validator(mode="after")
    def _consistent(self) -> "Sidecar":
        if not _SEMVER.match(self.version):
            raise ValueError(f"version {self.version!r} is not semantic (like 1.0.0)")
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"labels repeat: {self.labels}")
        if not isinstance(self.input_shape[0], str):
            raise ValueError("input_shape[0] must be the symbolic batch dimension")
        if any(not isinstance(d, int) or d < 1 for d in self.input_shape[1:]):
            raise ValueError(f"input_shape {self.input_shape}: fixed dims must be positive ints")
        if self.features:
            if len(set(self.features)) != len(self.features):
                raise ValueError(f"features repeat: {self.features}")
            if self.input_shape[1:] != [self.window_frames, len(self.features)]:
                raise ValueError(
                    f"input_shape {self.input_shape} does not match "
                    f"{self.window_frames} steps × {len(self.features)} features"
                )
        for key in self.thresholds:
            label, _, array = key.partition("@")
            if label not in self.labels:
                raise ValueError(f"thresholds: unknown label {key!r}")
            if "@" in key and not _ARRAY.match(array):
                raise ValueError(f"thresholds: {key!r} is not label@WIDTHxHEIGHT")
        for key, values in self.normalisation.items():
            if key not in ("mean", "std"):
                raise ValueError(f"normalisation key {key!r} (expected mean, std)")
            if self.features and len(values) != len(self.features):
                raise ValueError(
                    f"normalisation {key} has {len(values)} values, not one per feature"
                )
        if any(v <= 0 for v in self.normalisation.get("std", [])):
            raise ValueError("normalisation std must be positive")
        return self

    def threshold_for(self, label: str, width: int, height: int) -> float | None:
        """`label`'s threshold for a width×height array: its own where validation set one,
        else the label's, else None."""
        own = self.thresholds.get(f"{label}@{width}x{height}")
        return own if own is not None else self.thresholds.get(label)


def load_sidecar(path: Path) -> Sidecar:
    """Read and validate ``model.json``; any problem is a `SidecarError` naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise SidecarError(f"{path}: cannot read sidecar ({e.strerror or e})") from e
    try:
        return Sidecar.model_validate_json(text)
    except ValidationError as e:
        raise SidecarError(f"{path}: invalid sidecar: {e}") from e


def write_sidecar(sidecar: Sidecar, path: Path) -> None:
    """Write ``model.json`` with stable key order, so a re-export diffs cleanly."""
    data = sidecar.model_dump(mode="json")
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
