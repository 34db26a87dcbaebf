"""Scores per real set and per sensor: falls alerted, other clips alerting, postures, people.

Each clip is one case. A fall clip counts as alerted when a fall episode started anywhere in
it (the sources give no onset times; where an index gives `onset_s`, the delay from it is
reported too). Any other clip counts as alerting when a fall episode started in it. A clip the
pipeline was too short to decide on stays in the denominators (a device would have missed
that fall too) and is also counted apart, as is a recording that failed to play and a clip no
model held out: nothing is dropped silently.
"""

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from models.evaluate import stats
from models.evaluate.metrics import proportion
from models.evaluate.real.index import RealClip
from models.evaluate.real.run import ClipOutcome

TARGET_SETS = ("gridfall", "rosendo")
FALL_BAR = 0.90
"""Fall clips alerted, each set held out."""
OTHER_BAR = 0.05
"""Non-fall clips alerting, at most."""
DELAY_BAR_S = 10.0


def summarise(
    clips: Sequence[RealClip],
    outcomes: Mapping[str, ClipOutcome],
    assigned: Mapping[str, str],
    info: dict[str, Any],
) -> dict[str, Any]:
    """The `real` section of metrics.json."""
    by_set: dict[str, list[RealClip]] = defaultdict(list)
    for clip in clips:
        by_set[clip.set].append(clip)
    sets = {name: _set(members, outcomes, assigned) for name, members in sorted(by_set.items())}
    by_sensor: dict[str, list[RealClip]] = defaultdict(list)
    for clip in clips:
        by_sensor[clip.sensor].append(clip)
    sensors = {
        name: _falls_and_others(members, outcomes, assigned)
        for name, members in sorted(by_sensor.items())
    }
    return {
        "run": info,
        "sets": sets,
        "sensors": sensors,
        "targets": targets(sets),
    }


def _set(
    clips: Sequence[RealClip], outcomes: Mapping[str, ClipOutcome], assigned: Mapping[str, str]
) -> dict[str, Any]:
    failed = [
        f"{c.id}: {outcomes[c.id].error}"
        for c in clips
        if c.id in outcomes and outcomes[c.id].error is not None
    ]
    out: dict[str, Any] = {
        "sensors": sorted({c.sensor for c in clips}),
        "clips": len(clips),
        "not_held_out": sum(1 for c in clips if c.id not in assigned),
        "failed": failed,
        "evaluated_by": dict(Counter(assigned[c.id] for c in clips if c.id in assigned)),
        "frames_dropped": sum(outcomes[c.id].dropped for c in clips if c.id in outcomes),
    }
    out.update(_falls_and_others(clips, outcomes, assigned))
    postures = [c for c in clips if c.kind == "posture"]
    if postures:
        out["postures"] = _postures(postures, outcomes, assigned)
    return out


def _ran(
    clips: Sequence[RealClip], outcomes: Mapping[str, ClipOutcome], assigned: Mapping[str, str]
) -> list[tuple[RealClip, ClipOutcome]]:
    """Clips that were held out and played (failures are listed, not scored)."""
    return [
        (c, outcomes[c.id])
        for c in clips
        if c.id in assigned and c.id in outcomes and outcomes[c.id].error is None
    ]


def _falls_and_others(
    clips: Sequence[RealClip], outcomes: Mapping[str, ClipOutcome], assigned: Mapping[str, str]
) -> dict[str, Any]:
    ran = _ran(clips, outcomes, assigned)
    falls = [(c, o) for c, o in ran if c.kind == "fall"]
    others = [(c, o) for c, o in ran if c.kind == "other"]
    out: dict[str, Any] = {}
    if falls:
        delays = [
            o.fall_starts[0] - c.onset_s
            for c, o in falls
            if o.fall_starts and c.onset_s is not None
        ]
        out["fall"] = {
            "sensitivity": proportion(sum(1 for _, o in falls if o.fall_starts), len(falls)),
            "too_short": sum(1 for _, o in falls if not o.decided),
            "recovered_after": Counter(
                "recovered" if o.fall_recovered and o.fall_recovered[0] else "not seen getting up"
                for _, o in falls
                if o.fall_starts
            ),
            "delay_s": {"median": stats.median(delays), "n": len(delays)} if delays else None,
            "seconds": round(sum(o.seconds for _, o in falls), 1),
        }
    if others:
        by_label: dict[str, list[bool]] = defaultdict(list)
        for c, o in others:
            by_label[c.label].append(bool(o.fall_starts))
        out["other"] = {
            "alerting": proportion(sum(1 for _, o in others if o.fall_starts), len(others)),
            "too_short": sum(1 for _, o in others if not o.decided),
            "by_label": {k: proportion(sum(v), len(v)) for k, v in sorted(by_label.items())},
            "hours": round(sum(o.seconds for _, o in others) / 3600.0, 3),
        }
    return out


def _postures(
    clips: Sequence[RealClip], outcomes: Mapping[str, ClipOutcome], assigned: Mapping[str, str]
) -> dict[str, Any]:
    """Per posture label: clips where somebody was seen, where a fall (on-floor) episode was
    raised, and the most people counted at once."""
    rows: dict[str, dict[str, Any]] = {}
    grouped: dict[str, list[ClipOutcome]] = defaultdict(list)
    for c, o in _ran(clips, outcomes, assigned):
        grouped[c.label].append(o)
    for label, outs in sorted(grouped.items()):
        rows[label] = {
            "clips": len(outs),
            "somebody_seen": proportion(sum(1 for o in outs if o.max_people > 0), len(outs)),
            "on_floor_alert": proportion(sum(1 for o in outs if o.fall_starts), len(outs)),
            "max_people": dict(Counter(o.max_people for o in outs)),
        }
    return rows


def targets(sets: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The issue's bars for the real sets, each set held out."""
    out = []
    for name in TARGET_SETS:
        section = sets.get(name, {})
        for key, what, bar, direction in (
            ("fall", "fall clips alerted", FALL_BAR, ">="),
            ("other", "non-fall clips alerting", OTHER_BAR, "<="),
        ):
            p = section.get(key, {}).get("sensitivity" if key == "fall" else "alerting")
            out.append(_verdict(name, what, bar, direction, p))
    return out


def _verdict(
    set_name: str, what: str, bar: float, direction: str, p: Mapping[str, Any] | None
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "set": set_name,
        "what": what,
        "target": bar,
        "direction": direction,
        "value": None,
        "verdict": "not run",
        "note": "",
    }
    if not p or not p.get("n"):
        row["note"] = "no clips of this kind were evaluated"
        return row
    value, (lo, hi) = float(p["rate"]), p["ci95"]
    row["value"] = value
    ok = value >= bar if direction == ">=" else value <= bar
    row["verdict"] = "met" if ok else "missed"
    shown = lo >= bar if direction == ">=" else hi <= bar
    if ok and not shown:
        row["verdict"] = "not shown"
        row["note"] = f"{p['k']}/{p['n']}: the 95% interval reaches {lo * 100:.1f}–{hi * 100:.1f}%"
    return row
