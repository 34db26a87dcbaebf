"""Building blocks shared by every payload: strict base model, opaque ids, UTC times."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """Base of every wire model: unknown fields are an error, instances are immutable.

    Numbers are finite: JSON has no infinity, so one parsed from ``Infinity`` or ``1e999``
    would be written back as ``null`` and the event could not be read again.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


OpaqueId = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="Opaque identifier: letters, digits, '_', '-', '.'; no names, no spaces.",
    ),
]


def _require_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must carry a timezone (UTC)")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-14:00 is past the last datetime in UTC
        raise ValueError("timestamp out of range once in UTC") from None


UtcTime = Annotated[datetime, AfterValidator(_require_utc)]
