"""Ground truth of a simulated history: what really happened, per room per (UTC) day.

Reports built from the events must reproduce these numbers exactly: counts of wire events
per type are by the day of the event's ``ts``; falls and bed exits are counted on the day of
their onset; occupied time is the time the room's people count was at least one, cut at
midnight. The JSON file written by `FleetTruth.write` is the contract (``ambient.truth/1``).
"""

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

TRUTH_SCHEMA = "ambient.truth/1"


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
