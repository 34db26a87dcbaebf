"""When an alert is held back, as users expect, and why: staff in the room, a room snooze.

- Bed exits: only for beds flagged fall-risk (no record otherwise: not an alert condition),
  and not while staff are in the room. Staff presence comes from occupancy: with
  ``staff_present_count`` (2) or more people in view, someone besides the patient is there.
- A per-room snooze holds back advisories (bed exit, no motion, sensor health) for a while.
  Falls are never snoozed, and neither is a sensor going offline (the room would be blind).

Both are pure: the rules consumer reads the room's occupancy and snooze from the store and
asks `suppression_reason`; a suppressed alert is recorded with the reason, never raised.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from aggregator.alerts.model import SNOOZABLE_KINDS, AlertKind
from aggregator.errors import AggregatorError


class SnoozeError(AggregatorError, ValueError):
    """A snooze the rules refuse (a fall, a blind sensor, too long)."""


class Snooze(BaseModel):
    """One room's snooze of advisories, as stored and as the API returns it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    room: str
    kinds: list[AlertKind] = Field(description="Advisory kinds held back.")
    until: datetime
    by: str = Field(description="Staff id who asked.")
    at: datetime = Field(description="When it was asked.")

    def covers(self, kind: AlertKind, now: datetime) -> bool:
        return kind in self.kinds and now < self.until


def make_snooze(
    room: str,
    minutes: float,
    by: str,
    now: datetime,
    *,
    kinds: list[AlertKind] | None = None,
    max_minutes: float = 120,
) -> Snooze:
    """Validate a snooze request; falls (and offline sensors) are refused by name."""
    chosen = sorted(SNOOZABLE_KINDS) if kinds is None else list(dict.fromkeys(kinds))
    if AlertKind.FALL in chosen:
        raise SnoozeError(
            "falls can never be snoozed; only advisories (bed exit, no motion, sensor health) can"
        )
    refused = [k.value for k in chosen if k not in SNOOZABLE_KINDS]
    if refused:
        raise SnoozeError(f"cannot snooze {', '.join(refused)}: only advisories can be snoozed")
    if not chosen:
        raise SnoozeError("nothing to snooze")
    if not 0 < minutes <= max_minutes:
        raise SnoozeError(f"snooze minutes must be between 0 and {max_minutes:g}")
    if not by.strip():
        raise SnoozeError("snooze needs who")
    return Snooze(room=room, kinds=chosen, until=now + timedelta(minutes=minutes), by=by, at=now)


@dataclass(frozen=True, slots=True)
class RoomContext:
    """What the rules know about one room when an event arrives."""

    occupied: int | None = None
    snooze: Snooze | None = None


def suppression_reason(
    kind: AlertKind, room: RoomContext, now: datetime, staff_present_count: int = 2
) -> str | None:
    """Why an alert of ``kind`` must not be raised now in this room, or None."""
    if kind is AlertKind.FALL:
        return None
    if room.snooze is not None and room.snooze.covers(kind, now):
        return f"snoozed by {room.snooze.by} until {room.snooze.until.isoformat()}"
    if (
        kind is AlertKind.BED_EXIT
        and room.occupied is not None
        and room.occupied >= staff_present_count
    ):
        return f"staff in room ({room.occupied} people)"
    return None
