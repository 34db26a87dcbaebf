"""Model cards (`models/<name>/CARD.md`) from a sidecar and this evaluation's metrics.

A card says plainly that the data is simulated, what the model is for and not for, what it
reached on held-out simulated data (with intervals), where it is weakest, and whether the
evaluated pipeline actually used it. One more card covers the rule engines that stand in for
tasks without a model.
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TASK_OF_MODEL = {
    "fall": "fall",
    "posture": "mobility",
    "dispenser": "hand_hygiene",
    "thermal-activity": "thermal_fall",
}
MORE_TASKS = {"posture": ("bed_exit",)}
"""Tasks a model feeds besides its own: posture also drives the bed-exit warning."""
EVENT_TYPES = {
    "fall": "fall",
    "mobility": "mobility",
    "hand_hygiene": "hand_hygiene",
    "thermal_fall": "fall",
    "bed_exit": "bed_exit",
}
INTENDED_USE = {
    "fall": "Tell staff or a caregiver that a person in view has fallen: a fall alert within "
    "seconds of the landing, from a depth camera mounted high in a corner or on the ceiling. "
    "It supports a response, it does not replace rounds, and it is not a medical device.",
    "mobility": "Count a patient's posture transitions (sitting up, standing, chair, walking) "
    "and how many staff helped, for mobility reports per patient-day.",
    "hand_hygiene": "Find hand-hygiene opportunities (doorway crossings) and whether a "
    "dispenser was used around them, for unit-level compliance reports. Not for judging one "
    "person: roles are not known to the sensor.",
    "thermal_fall": "Tell whether a room watched by a low-resolution thermal array is empty, "
    "someone is still or moving, or someone is on the floor; fall alerts where a depth "
    "camera is not wanted.",
    "bed_exit": "Warn before a fall-risk patient gets out of bed (sitting up on the edge).",
}
COMMON_LIMITS = [
    "Trained and evaluated on simulated data only: rendered rooms, capsule bodies and a "
    "modelled sensor noise. Real sensors, real clothing, real rooms and real falls will "
    "differ; expect lower figures until it is checked on labelled real recordings.",
    "Simulated falls follow a handful of scripted kinds; real falls are more varied.",
    "Subgroups with few cases have wide intervals; a 100% on five cases proves little.",
]


def _pct(p: Mapping[str, Any] | None) -> str:
    if not p or not p.get("n"):
        return "no cases"
    lo, hi = p.get("ci95") or (0.0, 0.0)
    return f"{p['rate'] * 100:.1f}% ({p['k']}/{p['n']}, 95% CI {lo * 100:.1f}–{hi * 100:.1f}%)"


def _num(value: Any) -> str:
    return "–" if value is None else f"{float(value):.3g}"


def _task_metrics(task: str, section: Mapping[str, Any]) -> list[str]:
    if not section or str(section.get("status", "")).startswith("not run"):
        reason = section.get("reason", "no events of this type") if section else "not evaluated"
        return [f"- Not run in this evaluation: {reason}."]
    if task in ("fall", "thermal_fall"):
        fa = section["false_alerts"]["normal_activity"]
        return [
            f"- Falls alerted within 10 s of landing: {_pct(section['sensitivity'])} "
            "(target >= 98%)",
            f"- Median time from landing to alert: {_num(section['delay_s']['median'])} s",
            f"- False fall alerts: {fa['count']} in {fa['hours']:.1f} h of normal activity "
            f"({_num(fa['per_room_month'])} per room-month; 95% upper bound "
            f"{_num(fa['upper95_per_room_month'])} per room-month; target <= 1 per room-month)",
            f"- Confidence calibration (ECE): {_num(section['calibration']['ece'])}",
        ]
    if task == "mobility":
        return [
            f"- Transition sensitivity: {_pct(section['sensitivity'])}",
            f"- Specificity (10 s windows): {_pct(section['specificity'])}",
            f"- Staff count exact: {_pct(section['staff_count'])}",
        ]
    if task == "hand_hygiene":
        return [
            f"- Room entries detected: {_pct(section['entries'])}",
            f"- Dispenser use sensitivity: {_pct(section['dispenser_sensitivity'])}",
            f"- Dispenser use specificity: {_pct(section['dispenser_specificity'])}",
        ]
    if task == "bed_exit":
        lead = section["lead_s"]
        return [
            f"- Exits warned before they happened: {_pct(section['warned'])}",
            f"- Median warning (misses as 0 s): {_num(lead['median_all'])} s; "
            f"warned exits only: {_num(lead['median_warned'])} s",
        ]
    return []


def _subgroup_lines(section: Mapping[str, Any]) -> list[str]:
    groups = section.get("subgroups") or {}
    if "falls" in groups:
        groups = groups["falls"]
    lines = []
    for dim, values in groups.items():
        parts = [f"{value}: {_pct(p)}" for value, p in values.items()]
        lines.append(f"- {dim}: " + "; ".join(parts))
    return lines or ["- No subgroup figures (no cases)."]


def _targets(summary: Mapping[str, Any], task_name: str) -> list[str]:
    wanted = {
        "fall": "fall",
        "thermal_fall": "fall",
        "mobility": "mobility",
        "hand_hygiene": "hand hygiene",
        "bed_exit": "bed exit",
    }[task_name]
    lines = []
    for t in summary.get("targets", []):
        if t["task"] == wanted and task_name != "thermal_fall":
            lines.append(
                f"- {t['what']}: target {t['direction']} {t['target']:g}, reached "
                f"{_num(t['value'])} → **{t['verdict']}** {t['note']}".rstrip()
            )
    return lines


def _used_by_pipeline(summary: Mapping[str, Any], name: str, task: str) -> str:
    """Whether any event of the run names this model, and who made the task's events."""
    seen = summary.get("models_seen", {})
    kind = EVENT_TYPES.get(task, task)
    emitters = [k.split(": ", 1)[1] for k in seen if k.startswith(f"{kind}: ")]
    if any(k.split(": ", 1)[1].split("/")[0] == name for k in seen):
        return (
            f"The evaluated pipeline used this model (`{kind}` events from {', '.join(emitters)})."
        )
    return (
        "**The evaluated pipeline did not use this model**: no event named it; its "
        f"`{kind}` events came from {', '.join(emitters) or 'nothing'}. The figures below are "
        "the pipeline's as it ran, not this model's."
    )


MARKER = "<!-- written by `ambient models evaluate`: everything below is replaced on each run -->"


def _header(directory: Path, sidecar: Mapping[str, Any]) -> list[str]:
    """Title, training data and model facts, for a card the trainer did not write."""
    training = sidecar.get("training", {})
    samples = training.get("samples_per_label", training.get("samples", "?"))
    title = f"# Model card: {sidecar.get('name', directory.name)} {sidecar.get('version', '')}"
    return [
        title.rstrip(),
        "",
        "## Training data",
        "",
        "**Simulated data only.** No real recording was used for training.",
        f"- Dataset `{training.get('dataset', '?')}` (manifest "
        f"`{str(training.get('manifest_sha256', '?'))[:16]}`), {training.get('items', '?')} "
        f"items, samples per label {samples}, seed {training.get('seed', '?')}, trained "
        f"{training.get('trained_at', '?')}.",
        "",
        "## Model",
        "",
        f"- Sensor: {sidecar.get('sensor', '?')}; input `{sidecar.get('input_name', '?')}` "
        f"{sidecar.get('input_shape', '?')}; window {sidecar.get('window_frames', '?')} frames "
        f"at {sidecar.get('window_fps', '?')} fps",
        f"- Labels: {', '.join(map(str, sidecar.get('labels', [])))}; thresholds "
        f"{sidecar.get('thresholds', {})}",
        "- Validation split, at training time: "
        + (
            ", ".join(
                f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                for k, v in sidecar.get("metrics", {}).items()
            )
            or "none recorded"
        ),
        "",
    ]


def evaluation_section(sidecar: Mapping[str, Any], name: str, summary: Mapping[str, Any]) -> str:
    """What `ambient models evaluate` found, below the card's marker."""
    task = TASK_OF_MODEL.get(name, str(sidecar.get("task", name)))
    section = summary.get(task, {})
    run = summary.get("run", {})
    lines = [
        MARKER,
        "",
        "## Evaluation on held-out simulated data",
        "",
        f"**Simulated data only.** The `{run.get('split', 'test')}` split of "
        f"`{run.get('dataset', '?')}` (manifest `{str(run.get('manifest_sha256', '?'))[:16]}`): "
        f"{run.get('clips', 0)} clips ({run.get('clip_hours', 0.0):.2f} h) and "
        f"{run.get('days', 0)} days of normal activity ({run.get('day_hours', 0.0):.2f} h run). "
        "Splits are fixed per item by a hash; training reads no test item and no day.",
        "",
        "### Intended use",
        "",
        INTENDED_USE.get(task, "See the task's documentation."),
        "",
        "### Metrics",
        "",
        _used_by_pipeline(summary, name, task),
        "",
        *_task_metrics(task, section),
        *_targets(summary, task),
        "",
        *[
            line
            for extra in MORE_TASKS.get(name, ())
            for line in [
                f"It also feeds the {extra.replace('_', ' ')} engine:",
                "",
                *_task_metrics(extra, summary.get(extra, {})),
                *_targets(summary, extra),
                "",
            ]
        ],
        "### Subgroups",
        "",
        *_subgroup_lines(section),
        "",
        "### Known limits",
        "",
        *[f"- {limit}" for limit in COMMON_LIMITS],
        *[
            f"- Misses its target: {t['what']} ({_num(t['value'])} against {t['direction']} "
            f"{t['target']:g})."
            for t in summary.get("targets", [])
            if t["verdict"] == "missed"
            and t["task"].replace(" ", "_") in (task, task.split("_")[0])
        ],
        "",
    ]
    return "\n".join(lines)


def model_card(directory: Path, summary: Mapping[str, Any], existing: str | None = None) -> str:
    """The card for one model directory (with a model.json).

    A card the trainer wrote (architecture, training facts) is kept as it is; the evaluation
    goes below a marker line and replaces what an earlier evaluation put there.
    """
    sidecar = json.loads((directory / "model.json").read_text())
    name = str(sidecar.get("name", directory.name))
    if existing:
        head = existing.split(MARKER, 1)[0].rstrip() + "\n\n"
    else:
        head = "\n".join(_header(directory, sidecar)) + "\n"
    return head + evaluation_section(sidecar, name, summary)


def rules_card(summary: Mapping[str, Any], tasks: list[str]) -> str:
    """The card for the hand-written rule engines that serve tasks without a model."""
    lines = [
        "# Model card: rule engines",
        "",
        "In this evaluation the tasks below were served (wholly or partly) by the edge agent's "
        "rule-based engines: state machines over tracked 3-D blobs, named by their events' "
        "`model` field.",
        "",
        "## Data",
        "",
        "**Simulated data only.** The thresholds were set by hand on simulated scenes; the "
        "figures below are from held-out simulated clips and days.",
        "",
    ]
    for task in tasks:
        section = summary.get(task, {})
        lines += [
            f"## {task.replace('_', ' ')}",
            "",
            "Intended use: " + INTENDED_USE.get(task, ""),
            "",
            *_task_metrics(task, section),
            *_targets(summary, task),
            "",
            "Subgroups:",
            "",
            *_subgroup_lines(section),
            "",
        ]
    lines += ["## Known limits", "", *[f"- {limit}" for limit in COMMON_LIMITS], ""]
    return "\n".join(lines)


def _rule_tasks(summary: Mapping[str, Any], models: set[str]) -> list[str]:
    """Tasks whose events came (at least partly) from something other than a model here."""
    seen = summary.get("models_seen", {})
    out = []
    for task in ("fall", "bed_exit", "mobility", "hand_hygiene"):
        kind = EVENT_TYPES[task]
        emitters = {k.split(": ", 1)[1].split("/")[0] for k in seen if k.startswith(f"{kind}: ")}
        if not emitters or emitters - models:
            out.append(task)
    return out


def write_cards(models_dir: Path, summary: Mapping[str, Any]) -> list[Path]:
    """Every model directory with a model.json gets its evaluation in CARD.md; the rule
    engines that served a task get one card together (`rules/CARD.md`)."""
    written: list[Path] = []
    names: set[str] = set()
    if models_dir.is_dir():
        for sidecar in sorted(models_dir.glob("*/model.json")):
            card = sidecar.parent / "CARD.md"
            existing = card.read_text() if card.exists() else None
            card.write_text(model_card(sidecar.parent, summary, existing))
            written.append(card)
            names.add(str(json.loads(sidecar.read_text()).get("name", sidecar.parent.name)))
    rest = _rule_tasks(summary, names)
    if rest:
        card = models_dir / "rules" / "CARD.md"
        card.parent.mkdir(parents=True, exist_ok=True)
        card.write_text(rules_card(summary, rest))
        written.append(card)
    return written
