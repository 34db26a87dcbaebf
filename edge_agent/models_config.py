"""Which on-device models the agent runs, and which versions run beside them in shadow.

Shadow mode is how a site trials a new model version: the shadow runs on the same frames as
the live model, its events go out marked ``shadow`` (the aggregator stores and compares them
but never raises an alert from them), and the live model keeps driving every alert.
"""

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

KNOWN_MODELS = ("posture", "fall", "dispenser")


class ModelsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        default=True,
        description="Run the trained models; false: geometric rules only (for comparison).",
    )
    directory: Path | None = Field(
        default=None,
        description="Folder holding <name>/model.onnx + model.json; default: the models "
        "shipped with the package.",
    )
    use: tuple[str, ...] = Field(
        default=KNOWN_MODELS, description="Depth models to run per person track."
    )
    rate_hz: float = Field(
        default=5.0, gt=0, le=60, description="How often each model runs per track."
    )
    shadow: dict[str, Path] = Field(
        default_factory=dict,
        description="Model name → folder of a candidate version to run in shadow beside it.",
    )

    @field_validator("use")
    @classmethod
    def _known(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(names) - set(KNOWN_MODELS))
        if unknown:
            raise ValueError(f"unknown model(s) {unknown}; known: {list(KNOWN_MODELS)}")
        return names

    @field_validator("shadow")
    @classmethod
    def _shadow_known(cls, shadow: dict[str, Path]) -> dict[str, Path]:
        unknown = sorted(set(shadow) - set(KNOWN_MODELS))
        if unknown:
            raise ValueError(f"no live model named {unknown} to shadow")
        return shadow
