"""Predicted events and ground-truth labels, reduced to what scoring needs.

Both sides are put on one clock: seconds from the start of the clip or day. Wire events carry
UTC times (the recording clock); labels carry seconds from the recording's start, and their
meta line gives that start in Unix milliseconds.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Ev:
    """One predicted event on the clip's clock (seconds from the start)."""

    type: str
    phase: str
    t: float
    confidence: float = 1.0
    data: dict[str, Any] = field(default_factory=dict)
    model: str = ""
    shadow: bool = False


def _epoch_s(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def event_from_wire(line: dict[str, Any], start_s: float) -> Ev:
    """A `protocol` event (as parsed JSON) on the clock that starts at `start_s` (Unix s)."""
    model = line.get("model") or {}
    return Ev(
        type=str(line["type"]),
        phase=str(line["phase"]),
        t=_epoch_s(str(line["ts"])) - start_s,
        confidence=float(line.get("confidence", 1.0)),
        data=dict(line.get("data") or {}),
        model=f"{model.get('name', '')}/{model.get('version', '')}",
        shadow=bool(line.get("shadow", False)),
    )


def read_events(path: Path, start_s: float) -> list[Ev]:
    """The events of one replay output (`<id>.jsonl`, one JSON object per line)."""
    out: list[Ev] = []
    with path.open() as lines:
        for line in lines:
            if line.strip():
                out.append(event_from_wire(json.loads(line), start_s))
    return out


def live(events: list[Ev], kind: str) -> list[Ev]:
    """Events of one type that would reach a nurse: shadow-model outputs are left out."""
    return sorted((e for e in events if e.type == kind and not e.shadow), key=lambda e: e.t)


def label_events(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the event lines of a labels file (days also list activity segments)."""
    return [e for e in lines if "event" in e]
