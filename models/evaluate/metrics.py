"""From scored clips and days to every number of the report (pure: data in, a dict out).

The dict is written as metrics.json and drawn as the HTML report. Proportions carry their
counts and a Wilson 95% interval; rates per room-day carry the exposure they were measured
over and a one-sided 95% upper bound, because a few simulated hours cannot show a rate of one
per month either way.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from models.evaluate import scoring, stats
from models.evaluate.events import Ev
from models.evaluate.items import Truth, fall_groups

ROOM_MONTH_DAYS = 30.0

TARGETS: dict[str, tuple[str, str, float, str]] = {
    # key: (task, what, bar, direction)
    "fall_sensitivity": ("fall", "falls alerted within 10 s of landing", 0.98, ">="),
    "fall_false_per_room_month": ("fall", "false fall alerts per room-month", 1.0, "<="),
    "hand_entry_sensitivity": ("hand hygiene", "room entries detected", 0.98, ">="),
    "dispenser_sensitivity": ("hand hygiene", "dispenser use: sensitivity", 0.95, ">="),
    "dispenser_specificity": ("hand hygiene", "dispenser use: specificity", 0.99, ">="),
    "mobility_sensitivity": ("mobility", "transitions: sensitivity", 0.92, ">="),
    "mobility_specificity": ("mobility", "transitions: specificity", 0.95, ">="),
    "staff_count_accuracy": ("mobility", "staff count accuracy", 0.85, ">="),
    "bed_exit_median_lead_s": ("bed exit", "median warning before exit (s)", 20.0, ">="),
}


@dataclass(frozen=True, slots=True)
class ItemRun:
    """One clip or day after the pipeline ran on it."""

    truth: Truth
    events: list[Ev]
    seconds: float
    """Recording time the pipeline saw."""
    groups: dict[str, str] = field(default_factory=dict)
    item: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def proportion(k: int, n: int) -> dict[str, Any]:
    ci = stats.wilson(k, n)
    return {"k": k, "n": n, "rate": stats.rate(k, n), "ci95": list(ci) if ci else None}


def per_room_day(count: int, seconds: float) -> dict[str, Any]:
    days = seconds / 86400.0
    upper = stats.poisson_upper(count, days)
    return {
        "count": count,
        "hours": round(seconds / 3600.0, 3),
        "per_room_day": count / days if days > 0 else None,
        "per_room_month": count / days * ROOM_MONTH_DAYS if days > 0 else None,
        "upper95_per_room_month": upper * ROOM_MONTH_DAYS if upper is not None else None,
    }


def subgroups(records: Iterable[tuple[dict[str, str], bool]]) -> dict[str, dict[str, Any]]:
    """Per dimension, per value: successes out of trials with their interval."""
    counts: dict[str, dict[str, list[int]]] = {}
    for groups, ok in records:
        for dim, value in groups.items():
            cell = counts.setdefault(dim, {}).setdefault(value, [0, 0])
            cell[0] += int(ok)
            cell[1] += 1
    return {
        dim: {value: proportion(k, n) for value, (k, n) in sorted(values.items())}
        for dim, values in sorted(counts.items())
    }


def calibration(pairs: Sequence[tuple[float, bool]]) -> dict[str, Any]:
    table = stats.reliability(pairs)
    return {
        "n": len(pairs),
        "ece": stats.expected_calibration_error(table),
        "bins": [
            {"lo": b.lo, "hi": b.hi, "n": b.n, "confidence": b.confidence, "accuracy": b.accuracy}
            for b in table
        ],
    }


def _depth(runs: Sequence[ItemRun]) -> list[ItemRun]:
    return [r for r in runs if r.truth.kind in ("clip", "day")]


def _has(runs: Sequence[ItemRun], kind: str) -> bool:
    return any(e.type == kind for r in runs for e in r.events)


def activity_at(t: float, labels: Sequence[dict[str, Any]]) -> str:
    """The labelled activity going on at `t` (hard negatives first): what a false alert hit."""
    hits = []
    for e in labels:
        onset, end = e.get("onset"), e.get("end")
        if isinstance(onset, int | float) and isinstance(end, int | float):
            if onset - 2.0 <= t <= end + 5.0:
                hits.append((not e.get("hard_negative", False), str(e.get("event"))))
        elif isinstance(e.get("t"), int | float) and abs(float(e["t"]) - t) <= 5.0:
            hits.append((True, str(e.get("event"))))
    return min(hits)[1] if hits else "no labelled event"


def falls(runs: Sequence[ItemRun]) -> dict[str, Any]:
    """Fall sensitivity, delay, false alerts per room-day, calibration and subgroups."""
    outcomes: list[dict[str, Any]] = []
    records: list[tuple[dict[str, str], bool]] = []
    negatives: list[tuple[dict[str, str], bool]] = []
    pairs: list[tuple[float, bool]] = []
    day_false = clip_false = fall_clip_false = late = 0
    day_s = clip_s = 0.0
    causes: dict[str, int] = {}
    for run in runs:
        score = scoring.score_falls(
            run.truth.events, run.events, run.seconds or run.truth.duration_s
        )
        pairs += score.calibration
        late += len(score.late_alerts)
        for alert in score.false_alerts:
            cause = activity_at(alert.t, run.truth.events)
            causes[cause] = causes.get(cause, 0) + 1
        for outcome in score.falls:
            label = next(
                e
                for e in run.truth.events
                if e.get("event") == "fall" and float(e["landing"]) == outcome.landing
            )
            groups = run.groups | (
                fall_groups(run.truth, label, run.item) if run.truth.kind != "thermal" else {}
            )
            records.append((groups, outcome.detected))
            outcomes.append(
                {
                    "item": run.truth.id,
                    "kind": outcome.kind,
                    "landing_s": outcome.landing,
                    "detected": outcome.detected,
                    "delay_s": outcome.delay_s,
                    "confidence": outcome.confidence,
                    "groups": groups,
                }
            )
        if run.truth.kind == "day":
            day_false += len(score.false_alerts)
            day_s += run.seconds
        elif run.truth.has_fall:
            fall_clip_false += len(score.false_alerts)
        else:
            clip_false += len(score.false_alerts)
            clip_s += run.seconds
            negatives.append((run.groups, not score.false_alerts))
    delays = [o["delay_s"] for o in outcomes if o["delay_s"] is not None]
    detected = sum(1 for o in outcomes if o["detected"])
    return {
        "status": "run" if runs else "not run",
        "sensitivity": proportion(detected, len(outcomes)),
        "delay_s": {
            "values": delays,
            "median": stats.median(delays),
            "max": max(delays) if delays else None,
        },
        "false_alerts": {
            "days": per_room_day(day_false, day_s),
            "negative_clips": per_room_day(clip_false, clip_s),
            "normal_activity": per_room_day(day_false + clip_false, day_s + clip_s),
            "in_fall_clips_outside_falls": fall_clip_false,
            "late_starts_during_falls": late,
            "by_activity": dict(sorted(causes.items())),
        },
        "negative_clips_without_false_alert": proportion(
            sum(1 for _, ok in negatives if ok), len(negatives)
        ),
        "calibration": calibration(pairs),
        "subgroups": {"falls": subgroups(records), "negative_clips": subgroups(negatives)},
        "per_fall": outcomes,
    }


def bed_exits(runs: Sequence[ItemRun]) -> dict[str, Any]:
    leads: list[float] = []
    all_leads: list[float] = []
    warned = exits_seen = n = 0
    false = 0
    seconds = 0.0
    pairs: list[tuple[float, bool]] = []
    records: list[tuple[dict[str, str], bool]] = []
    for run in runs:
        score = scoring.score_bed_exits(run.truth.events, run.events)
        seconds += run.seconds
        false += len(score.false_warnings)
        pairs += score.calibration
        for outcome in score.exits:
            n += 1
            warned += int(outcome.warned)
            exits_seen += int(outcome.exit_detected)
            records.append((run.groups, outcome.warned))
            if outcome.lead_s is not None:
                leads.append(outcome.lead_s)
            all_leads.append(outcome.lead_s if outcome.lead_s is not None else 0.0)
    if n == 0:
        status = "no labels"
    elif not _has(runs, "bed_exit"):
        status = "run (no bed_exit events emitted)"
    else:
        status = "run"
    return {
        "status": status,
        "exits": n,
        "warned": proportion(warned, n),
        "exit_detected": proportion(exits_seen, n),
        "lead_s": {
            "values": leads,
            "median_all": stats.median(all_leads),
            "median_warned": stats.median(leads),
            "note": "median_all counts an exit without a warning as 0 s of warning",
        },
        "false_warnings": per_room_day(false, seconds),
        "calibration": calibration(pairs),
        "subgroups": subgroups(records),
    }


def mobility(runs: Sequence[ItemRun]) -> dict[str, Any]:
    if not _has(runs, "mobility"):
        return {"status": "not run", "reason": "the pipeline emitted no mobility events"}
    matched = n = negative = false = 0
    staff: list[tuple[int, int]] = []
    pairs: list[tuple[float, bool]] = []
    confusion: dict[str, dict[str, int]] = {}
    records: list[tuple[dict[str, str], bool]] = []
    for run in runs:
        score = scoring.score_mobility(
            run.truth.events, run.events, run.seconds or run.truth.duration_s
        )
        for tr, ev in score.matched:
            n += 1
            matched += int(ev is not None)
            records.append((run.groups | {"transition": tr.kind}, ev is not None))
        negative += score.negative_windows
        false += score.false_windows
        staff += score.staff
        pairs += score.calibration
        for row, cols in score.confusion.items():
            target = confusion.setdefault(row, {})
            for col, count in cols.items():
                target[col] = target.get(col, 0) + count
    return {
        "status": "run",
        "sensitivity": proportion(matched, n),
        "specificity": proportion(negative - false, negative),
        "staff_count": proportion(sum(1 for a, b in staff if a == b), len(staff)),
        "confusion": confusion,
        "calibration": calibration(pairs),
        "subgroups": subgroups(records),
    }


def hand_hygiene(runs: Sequence[ItemRun]) -> dict[str, Any]:
    if not _has(runs, "hand_hygiene"):
        return {"status": "not run", "reason": "the pipeline emitted no hand_hygiene events"}
    found = {"entry": [0, 0], "exit": [0, 0]}
    dispenser = {"tp": 0, "fn": 0, "fp": 0, "tn": 0}
    false = 0
    seconds = 0.0
    pairs: list[tuple[float, bool]] = []
    records: list[tuple[dict[str, str], bool]] = []
    for run in runs:
        score = scoring.score_hand_hygiene(run.truth.events, run.events)
        for crossing, ev in score.matched:
            found[crossing.direction][0] += int(ev is not None)
            found[crossing.direction][1] += 1
            records.append((run.groups | {"role": crossing.role}, ev is not None))
        for key, value in score.dispenser_counts().items():
            dispenser[key] += value
        false += len(score.false_opportunities)
        seconds += run.seconds
        pairs += score.calibration
    tp, fn, fp, tn = dispenser["tp"], dispenser["fn"], dispenser["fp"], dispenser["tn"]
    return {
        "status": "run",
        "entries": proportion(*found["entry"]),
        "exits": proportion(*found["exit"]),
        "opportunities": proportion(
            found["entry"][0] + found["exit"][0], found["entry"][1] + found["exit"][1]
        ),
        "false_opportunities": per_room_day(false, seconds),
        "dispenser": dispenser,
        "dispenser_sensitivity": proportion(tp, tp + fn),
        "dispenser_specificity": proportion(tn, tn + fp),
        "calibration": calibration(pairs),
        "subgroups": subgroups(records),
    }


def _unit(key: str) -> str:
    if key.endswith("_s"):
        return "s"
    if key.endswith("per_room_month"):
        return "per room-month"
    return "share"


def _verdict(value: float | None, bar: float, direction: str) -> str:
    if value is None:
        return "not run"
    ok = value >= bar if direction == ">=" else value <= bar
    return "met" if ok else "missed"


def targets(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each bar of the architecture against what this evaluation reached."""

    def get(*path: str) -> Any:
        node: Any = summary
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    # Each target reads a rate (or a figure) from a node of the summary, shown with its node.
    nodes: dict[str, tuple[tuple[str, ...], str]] = {
        "fall_sensitivity": (("fall", "sensitivity"), "rate"),
        "fall_false_per_room_month": (
            ("fall", "false_alerts", "normal_activity"),
            "per_room_month",
        ),
        "hand_entry_sensitivity": (("hand_hygiene", "entries"), "rate"),
        "dispenser_sensitivity": (("hand_hygiene", "dispenser_sensitivity"), "rate"),
        "dispenser_specificity": (("hand_hygiene", "dispenser_specificity"), "rate"),
        "mobility_sensitivity": (("mobility", "sensitivity"), "rate"),
        "mobility_specificity": (("mobility", "specificity"), "rate"),
        "staff_count_accuracy": (("mobility", "staff_count"), "rate"),
    }
    values: dict[str, tuple[float | None, dict[str, Any] | None]] = {
        key: (get(*path, figure), get(*path)) for key, (path, figure) in nodes.items()
    }
    values["bed_exit_median_lead_s"] = (get("bed_exit", "lead_s", "median_all"), None)
    out = []
    for key, (task, what, bar, direction) in TARGETS.items():
        value, detail = values[key]
        verdict = _verdict(value, bar, direction)
        note = ""
        if key == "fall_false_per_room_month" and detail is not None:
            upper = detail.get("upper95_per_room_month")
            if verdict == "met" and upper is not None and upper > bar:
                verdict = "not shown"
                note = (
                    f"{detail['count']} in {detail['hours']:.1f} h: too little normal activity "
                    f"to show <= {bar:g}/month (95% upper bound {upper:.1f}/month)"
                )
        elif detail is not None and detail.get("n") == 0:
            note = "no labelled cases in the data run"
        elif key == "bed_exit_median_lead_s" and get("bed_exit", "exits") == 0:
            note = "no labelled bed exit in the data run"
        elif detail is not None and detail.get("ci95") and verdict == "met":
            lo = detail["ci95"][0]
            if lo < bar:
                # The point estimate meets the bar but the cases cannot show it.
                verdict = "not shown"
                note = (
                    f"{detail['k']}/{detail['n']} meets the bar, but the 95% interval reaches "
                    f"down to {lo * 100:.1f}%"
                )
        out.append(
            {
                "key": key,
                "task": task,
                "what": what,
                "target": bar,
                "direction": direction,
                "unit": _unit(key),
                "value": value,
                "verdict": verdict,
                "note": note,
            }
        )
    return out


def summarise(runs: Sequence[ItemRun], run_info: dict[str, Any]) -> dict[str, Any]:
    """Every number of the evaluation."""
    depth = _depth(runs)
    thermal = [r for r in runs if r.truth.kind == "thermal"]
    summary: dict[str, Any] = {
        "format": "ambient-evaluation/1",
        "run": run_info,
        "fall": falls(depth),
        "bed_exit": bed_exits(depth),
        "mobility": mobility(depth),
        "hand_hygiene": hand_hygiene(depth),
    }
    if thermal:
        ok = [r for r in thermal if r.error is None]
        summary["thermal_fall"] = (
            falls(ok)
            if ok
            else {
                "status": "not run",
                "reason": "; ".join(sorted({str(r.error) for r in thermal}))[:300],
            }
        )
    summary["targets"] = targets(summary)
    models: dict[str, int] = {}
    for run in runs:
        for e in run.events:
            if e.model:
                models[f"{e.type}: {e.model}"] = models.get(f"{e.type}: {e.model}", 0) + 1
    summary["models_seen"] = dict(sorted(models.items()))
    return summary
