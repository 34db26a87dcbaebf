"""Scoring: labels and predicted events of one clip or day in, outcomes out (pure functions).

Every time is in seconds from the start of the clip or day. The matching windows are the
ones docs/evaluation.md defines; each labelled event is matched to at most one predicted
event and the other way round, the earliest eligible one first, so a burst of duplicate
alerts cannot hide a miss and counts as false alerts instead.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from models.evaluate.events import Ev, live

# Falls: alerted if a fall `start` comes within [landing − 2 s, landing + 10 s].
FALL_BEFORE_S = 2.0
FALL_AFTER_S = 10.0
FALL_EPISODE_AFTER_S = 5.0
"""A late start while the person is still down (up to `end` + 5 s) is late, not false."""

# Bed exits: a `predicted` warning counts from 5 s before the label's onset up to the exit.
BED_WARN_BEFORE_S = 5.0
BED_EXIT_BEFORE_S = 2.0
BED_EXIT_AFTER_S = 10.0

# Mobility transitions: matched within [onset − 3 s, end + 5 s]; specificity on 10 s windows.
MOBILITY_BEFORE_S = 3.0
MOBILITY_AFTER_S = 5.0
MOBILITY_WINDOW_S = 10.0
UNLABELLED_MOVES = frozenset({frozenset({"standing", "walking"})})
"""Transitions the labels do not list (starting or stopping walking): not scored."""

# Hand hygiene: a doorway crossing matches a labelled one of the same direction within ±5 s.
HAND_MATCH_S = 5.0


@dataclass(frozen=True, slots=True)
class FallOutcome:
    person: int
    kind: str
    landing: float
    detected: bool
    delay_s: float | None
    """Alert time minus landing (negative: alerted before the body came to rest)."""
    confidence: float | None


@dataclass(frozen=True, slots=True)
class FallScore:
    falls: list[FallOutcome]
    false_alerts: list[Ev]
    late_alerts: list[Ev]
    """Starts during a labelled fall but outside its window: the fall counts as missed."""
    calibration: list[tuple[float, bool]]


def _fall_extent(label: dict[str, Any], duration_s: float) -> tuple[float, float]:
    end = label.get("end")
    if end is None:
        end = duration_s
    return float(label["onset"]) - FALL_BEFORE_S, float(end) + FALL_EPISODE_AFTER_S


def score_falls(
    labels: Sequence[dict[str, Any]], events: Sequence[Ev], duration_s: float
) -> FallScore:
    """Each labelled fall against the fall `start` events of the same clip or day."""
    falls = sorted((e for e in labels if e.get("event") == "fall"), key=lambda e: e["landing"])
    starts = [e for e in live(list(events), "fall") if e.phase == "start"]
    used: set[int] = set()
    outcomes: list[FallOutcome] = []
    for label in falls:
        landing = float(label["landing"])
        hit = next(
            (
                i
                for i, e in enumerate(starts)
                if i not in used and landing - FALL_BEFORE_S <= e.t <= landing + FALL_AFTER_S
            ),
            None,
        )
        if hit is None:
            outcomes.append(
                FallOutcome(
                    int(label.get("person", 0)),
                    str(label.get("kind", "")),
                    landing,
                    False,
                    None,
                    None,
                )
            )
            continue
        used.add(hit)
        start = starts[hit]
        outcomes.append(
            FallOutcome(
                int(label.get("person", 0)),
                str(label.get("kind", "")),
                landing,
                True,
                start.t - landing,
                start.confidence,
            )
        )
    extents = [_fall_extent(label, duration_s) for label in falls]
    false_alerts: list[Ev] = []
    late: list[Ev] = []
    for i, e in enumerate(starts):
        if i in used:
            continue
        if any(lo <= e.t <= hi for lo, hi in extents):
            late.append(e)
        else:
            false_alerts.append(e)
    calibration = [(starts[i].confidence, True) for i in sorted(used)]
    calibration += [(e.confidence, False) for e in false_alerts]
    return FallScore(outcomes, false_alerts, late, calibration)


@dataclass(frozen=True, slots=True)
class BedExitOutcome:
    exit_t: float
    warned: bool
    lead_s: float | None
    """Label exit minus the first `predicted` warning of it."""
    exit_detected: bool
    exit_delay_s: float | None
    confidence: float | None


@dataclass(frozen=True, slots=True)
class BedExitScore:
    exits: list[BedExitOutcome]
    false_warnings: list[Ev]
    calibration: list[tuple[float, bool]]


def _stage(e: Ev) -> str:
    return str(e.data.get("stage", ""))


def score_bed_exits(labels: Sequence[dict[str, Any]], events: Sequence[Ev]) -> BedExitScore:
    """Warning lead time and exit detection per labelled bed exit."""
    exits = sorted((e for e in labels if e.get("event") == "bed_exit"), key=lambda e: e["exit"])
    bed = live(list(events), "bed_exit")
    warnings = [e for e in bed if _stage(e) == "predicted"]
    outs = [e for e in bed if _stage(e) == "exit"]
    used_w: set[int] = set()
    used_x: set[int] = set()
    results: list[BedExitOutcome] = []
    for label in exits:
        onset, exit_t = float(label["onset"]), float(label["exit"])
        stand = float(label.get("stand_onset", onset))
        w = next(
            (
                i
                for i, e in enumerate(warnings)
                if i not in used_w and onset - BED_WARN_BEFORE_S <= e.t <= exit_t
            ),
            None,
        )
        x = next(
            (
                i
                for i, e in enumerate(outs)
                if i not in used_x and stand - BED_EXIT_BEFORE_S <= e.t <= exit_t + BED_EXIT_AFTER_S
            ),
            None,
        )
        if w is not None:
            used_w.add(w)
        if x is not None:
            used_x.add(x)
        results.append(
            BedExitOutcome(
                exit_t,
                w is not None,
                exit_t - warnings[w].t if w is not None else None,
                x is not None,
                outs[x].t - exit_t if x is not None else None,
                warnings[w].confidence if w is not None else None,
            )
        )
    false_warnings = [e for i, e in enumerate(warnings) if i not in used_w]
    calibration = [(warnings[i].confidence, True) for i in sorted(used_w)]
    calibration += [(e.confidence, False) for e in false_warnings]
    return BedExitScore(results, false_warnings, calibration)


@dataclass(frozen=True, slots=True)
class Transition:
    kind: str
    """sit_up (in bed → edge), stand_up, sit_down_chair, sit_down_bed_edge, transfer, ..."""
    onset: float
    end: float
    staff_count: int | None


def label_transitions(labels: Sequence[dict[str, Any]]) -> list[Transition]:
    """The posture transitions the labels list, in the mobility engine's terms."""
    out: list[Transition] = []
    for e in labels:
        kind = e.get("event")
        if kind == "bed_exit":
            out.append(Transition("sit_up", float(e["onset"]), float(e["edge"]), None))
        elif kind == "stand_up":
            out.append(Transition("stand_up", float(e["onset"]), float(e["end"]), None))
        elif kind == "sit_down":
            surface = str(e.get("surface", "chair"))
            out.append(Transition(f"sit_down_{surface}", float(e["onset"]), float(e["end"]), None))
        elif kind in ("transfer", "assisted_walk"):
            staff = e.get("staff_count")
            out.append(
                Transition(
                    str(kind),
                    float(e["onset"]),
                    float(e["end"]),
                    int(staff) if staff is not None else None,
                )
            )
    return sorted(out, key=lambda tr: tr.onset)


@dataclass(frozen=True, slots=True)
class MobilityScore:
    matched: list[tuple[Transition, Ev | None]]
    negative_windows: int
    false_windows: int
    false_transitions: list[Ev]
    staff: list[tuple[int, int]]
    """(labelled, predicted) staff count of matched assisted transitions."""
    calibration: list[tuple[float, bool]]
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    """Label kind → state the matched event entered (or "missed") → count."""


def predicted_transitions(events: Sequence[Ev]) -> list[Ev]:
    """MOBILITY transitions (not session summaries), without standing ↔ walking."""
    out = []
    for e in live(list(events), "mobility"):
        previous, state = e.data.get("previous"), e.data.get("state")
        if e.phase not in ("start", "update") or previous is None:
            continue
        if frozenset({str(previous), str(state)}) in UNLABELLED_MOVES:
            continue
        out.append(e)
    return out


def score_mobility(
    labels: Sequence[dict[str, Any]], events: Sequence[Ev], duration_s: float
) -> MobilityScore:
    """Transition sensitivity, window specificity and staff counts for one clip or day."""
    truth = label_transitions(labels)
    moves = predicted_transitions(events)
    used: set[int] = set()
    matched: list[tuple[Transition, Ev | None]] = []
    confusion: dict[str, dict[str, int]] = {}
    for tr in truth:
        lo, hi = tr.onset - MOBILITY_BEFORE_S, tr.end + MOBILITY_AFTER_S
        hit = next((i for i, e in enumerate(moves) if i not in used and lo <= e.t <= hi), None)
        ev = moves[hit] if hit is not None else None
        if hit is not None:
            used.add(hit)
        matched.append((tr, ev))
        column = str(ev.data.get("state")) if ev is not None else "missed"
        row = confusion.setdefault(tr.kind, {})
        row[column] = row.get(column, 0) + 1
    busy = [(tr.onset - MOBILITY_BEFORE_S, tr.end + MOBILITY_AFTER_S) for tr in truth]
    unmatched = [e for i, e in enumerate(moves) if i not in used]
    negative = false = 0
    n_windows = max(1, int(duration_s // MOBILITY_WINDOW_S))
    for w in range(n_windows):
        lo, hi = w * MOBILITY_WINDOW_S, (w + 1) * MOBILITY_WINDOW_S
        if any(a < hi and lo < b for a, b in busy):
            continue
        negative += 1
        if any(lo <= e.t < hi for e in unmatched):
            false += 1
    staff = [
        (tr.staff_count, int(ev.data.get("staff_count", 0)))
        for tr, ev in matched
        if tr.staff_count is not None and ev is not None
    ]
    calibration = [(moves[i].confidence, True) for i in sorted(used)]
    calibration += [(e.confidence, False) for e in unmatched]
    return MobilityScore(matched, negative, false, unmatched, staff, calibration, confusion)


@dataclass(frozen=True, slots=True)
class Crossing:
    direction: str
    t: float
    hand_rub: bool
    role: str


@dataclass(frozen=True, slots=True)
class HandScore:
    matched: list[tuple[Crossing, Ev | None]]
    false_opportunities: list[Ev]
    calibration: list[tuple[float, bool]]

    def dispenser_counts(self) -> dict[str, int]:
        """2×2 counts of dispenser use over matched opportunities: tp, fn, fp, tn."""
        counts = {"tp": 0, "fn": 0, "fp": 0, "tn": 0}
        for crossing, ev in self.matched:
            if ev is None:
                continue
            used = bool(ev.data.get("dispenser_used"))
            key = ("tp" if used else "fn") if crossing.hand_rub else ("fp" if used else "tn")
            counts[key] += 1
        return counts


def label_crossings(labels: Sequence[dict[str, Any]]) -> list[Crossing]:
    out = []
    for e in labels:
        if e.get("event") in ("room_entry", "room_exit"):
            direction = "entry" if e["event"] == "room_entry" else "exit"
            out.append(
                Crossing(direction, float(e["t"]), bool(e.get("hand_rub")), str(e.get("role", "")))
            )
    return sorted(out, key=lambda c: c.t)


def score_hand_hygiene(labels: Sequence[dict[str, Any]], events: Sequence[Ev]) -> HandScore:
    """Doorway crossings matched to HAND_HYGIENE events, the closest pairs first."""
    truth = label_crossings(labels)
    preds = [e for e in live(list(events), "hand_hygiene")]
    pairs = sorted(
        (abs(e.t - c.t), ci, ei)
        for ci, c in enumerate(truth)
        for ei, e in enumerate(preds)
        if str(e.data.get("direction")) == c.direction and abs(e.t - c.t) <= HAND_MATCH_S
    )
    by_label: dict[int, int] = {}
    taken: set[int] = set()
    for _, ci, ei in pairs:
        if ci in by_label or ei in taken:
            continue
        by_label[ci] = ei
        taken.add(ei)
    matched = [(c, preds[by_label[i]] if i in by_label else None) for i, c in enumerate(truth)]
    false = [e for i, e in enumerate(preds) if i not in taken]
    calibration = []
    for c, ev in matched:
        if ev is not None:
            calibration.append((ev.confidence, bool(ev.data.get("dispenser_used")) == c.hand_rub))
    calibration += [(e.confidence, False) for e in false]
    return HandScore(matched, false, calibration)
