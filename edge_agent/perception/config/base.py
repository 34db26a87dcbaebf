"""The base of every perception config section."""

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """Unknown keys are errors (a typo in a device YAML must not pass silently); frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
