"""Ground truth of a simulated history: what really happened, per room per (UTC) day.

Reports built from the events must reproduce these numbers exactly: counts of wire events
per type are by the day of the event's ``ts``; falls and bed exits are counted on the day of
their onset; occupied time is the time the room's people count was at least one, cut at
midnight. The JSON file written by `FleetTruth.write` is the contract (``ambient.truth/1``).

Hand-hygiene opportunities count by the day of their ``ts``, keyed
``direction.contact.shift`` (contact: ``contact``/``nocontact``/``unknown``; shift: ``day``
07–19 UTC, ``night`` 19–07) as [opportunities, dispenser used]. Mobility counts sessions by
the day they end (they never cross midnight). Home activity times are cut at midnight; a
night bed exit is leaving the bed between 22:00 and 07:00.
"""

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

TRUTH_SCHEMA = "ambient.truth/1"
SHIFT_DAY_H = (7, 19)
"""Nursing shifts as the reports count them: day from 07:00 to 19:00, night the rest."""
HOME_NIGHT_H = (22, 7)
"""Night at home: from 22:00 to 07:00."""


def shift_of(ms: int) -> str:
    hour = (ms // 3_600_000) % 24
    return "day" if SHIFT_DAY_H[0] <= hour < SHIFT_DAY_H[1] else "night"


def home_night(ms: int) -> bool:
    hour = (ms // 3_600_000) % 24
    return hour >= HOME_NIGHT_H[0] or hour < HOME_NIGHT_H[1]


def iso_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


@dataclass(slots=True)
class FallTruth:
    episode_id: str
    onset: str
    landing: str
    start: str
    end: str
    on_floor_s: float
    long_lie: bool
    recovered: bool


@dataclass(slots=True)
class DayTruth:
    date: str
    falls: list[FallTruth] = field(default_factory=list)
    bed_exits: int = 0
    staff_visits: int = 0
    visits: int = 0
    away_spells: int = 0
    occupied_ms: int = 0
    events: dict[str, int] = field(default_factory=dict)
    """Wire events per type whose ``ts`` falls on this day."""
    hand_hygiene: dict[str, list[int]] = field(default_factory=dict)
    """``direction.contact.shift`` -> [opportunities, dispenser used]."""
    mobility: dict[str, int] = field(default_factory=dict)
    """sessions, max_ims, active_ms, staff_sum, staff_max of the sessions ending today."""
    activity: dict[str, int] = field(default_factory=dict)
    """Home: in_bed_ms, sitting_ms, up_ms, out_of_view_ms, other_ms, night_bed_exits,
    bathroom_visits."""

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        out["occupied_h"] = round(self.occupied_ms / 3_600_000, 6)
        out["long_lies"] = sum(1 for f in self.falls if f.long_lie)
        return out


@dataclass(slots=True)
class RoomTruth:
    site: str
    unit: str
    room: str
    agent_id: str
    kind: str
    bed: str
    fall_risk: bool
    days: list[DayTruth] = field(default_factory=list)
    admission: str | None = None
    """First time the room was occupied (the simulated patient's admission)."""
    first_out_of_bed: str | None = None
    """First time the patient stood up (ICU Mobility Scale ≥ 4) in a mobilization session."""
    first_walk: str | None = None
    """First time the patient walked (ICU Mobility Scale ≥ 7)."""

    def totals(self) -> dict[str, int | float]:
        events: Counter[str] = Counter()
        for day in self.days:
            events.update(day.events)
        return {
            "days": len(self.days),
            "falls": sum(len(d.falls) for d in self.days),
            "long_lies": sum(1 for d in self.days for f in d.falls if f.long_lie),
            "bed_exits": sum(d.bed_exits for d in self.days),
            "staff_visits": sum(d.staff_visits for d in self.days),
            "visits": sum(d.visits for d in self.days),
            "hh_opportunities": sum(v[0] for d in self.days for v in d.hand_hygiene.values()),
            "hh_used": sum(v[1] for d in self.days for v in d.hand_hygiene.values()),
            "mobility_sessions": sum(d.mobility.get("sessions", 0) for d in self.days),
            "occupied_h": round(sum(d.occupied_ms for d in self.days) / 3_600_000, 6),
            **{f"events.{name}": n for name, n in sorted(events.items())},
        }

    def to_json(self) -> dict[str, object]:
        return {
            "site": self.site,
            "unit": self.unit,
            "room": self.room,
            "agent_id": self.agent_id,
            "kind": self.kind,
            "bed": self.bed,
            "fall_risk": self.fall_risk,
            "admission": self.admission,
            "first_out_of_bed": self.first_out_of_bed,
            "first_walk": self.first_walk,
            "totals": self.totals(),
            "days": [d.to_json() for d in self.days],
        }


@dataclass(slots=True)
class FleetTruth:
    seed: int
    start: str
    end: str
    rooms: list[RoomTruth] = field(default_factory=list)

    def totals(self) -> dict[str, int | float]:
        out: Counter[str] = Counter()
        for room in self.rooms:
            out.update(room.totals())
        return {k: round(v, 6) if isinstance(v, float) else v for k, v in sorted(out.items())}

    def to_json(self) -> dict[str, object]:
        return {
            "schema": TRUTH_SCHEMA,
            "seed": self.seed,
            "start": self.start,
            "end": self.end,
            "totals": self.totals(),
            "rooms": [r.to_json() for r in self.rooms],
        }

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n")
