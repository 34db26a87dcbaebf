"""The HTML report: one self-contained file (inline CSS and SVG, no scripts) from metrics.json."""

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from models.evaluate import svg
from models.evaluate.html import STYLE, fmt, prop, table
from models.evaluate.real import html as real_html


def _targets(items: Sequence[Mapping[str, Any]]) -> str:
    rows, classes = [], []
    for t in items:
        kind = "pct" if t["unit"] == "share" else ""
        unit = "" if kind else f" {t['unit']}"
        rows.append(
            [
                escape(t["task"]),
                escape(t["what"]),
                f"{escape(t['direction'])} {fmt(float(t['target']), kind)}{unit}",
                fmt(t["value"], kind) + (unit if t["value"] is not None else ""),
                escape(t["verdict"]),
                escape(t["note"]),
            ]
        )
        classes.append(t["verdict"].replace(" ", "-"))
    return table(["task", "measure", "target", "reached", "verdict", "note"], rows, classes)


def _rate_rows(section: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    rows = []
    for key, name in labels.items():
        r = section.get(key)
        if not r:
            continue
        rows.append(
            [
                escape(name),
                str(r["count"]),
                f"{r['hours']:.2f}",
                fmt(r["per_room_day"]),
                fmt(r["per_room_month"]),
                fmt(r["upper95_per_room_month"]),
            ]
        )
    return table(
        [
            "exposure",
            "false alerts",
            "hours",
            "per room-day",
            "per room-month",
            "95% upper bound per room-month",
        ],
        rows,
    )


def _subgroups(groups: Mapping[str, Mapping[str, Any]], what: str) -> str:
    if not groups:
        return "<p class=note>no cases</p>"
    rows = []
    for dim, values in groups.items():
        for value, p in values.items():
            rows.append([escape(dim), escape(value), str(p["n"]), prop(p)])
    return table(["subgroup", "value", "n", what], rows)


def _not_run(section: Mapping[str, Any]) -> str | None:
    if str(section.get("status", "")).startswith("not run"):
        return f"<p class=banner>Not run: {escape(str(section.get('reason', 'no events')))}</p>"
    return None


def _calibration(name: str, section: Mapping[str, Any]) -> str:
    cal = section.get("calibration")
    if not cal or not cal.get("n"):
        return ""
    ece = cal.get("ece")
    title = f"{name}: reliability (ECE {ece:.3f}, n={cal['n']})" if ece is not None else name
    return svg.reliability(cal["bins"], title=title)


def _causes(fa: Mapping[str, Any]) -> str:
    causes = fa.get("by_activity") or {}
    if not causes:
        return ""
    text = ", ".join(f"{k}: {v}" for k, v in causes.items())
    return f"<p>False alerts by what the labels say was going on: {escape(text)}</p>"


def _fall(f: Mapping[str, Any], heading: str) -> str:
    if (banner := _not_run(f)) is not None:
        return f"<h2>{heading}</h2>{banner}"
    delays = f["delay_s"]
    fa = f["false_alerts"]
    per_fall = f.get("per_fall", [])
    detected = sum(1 for o in per_fall if o["detected"])
    neg = f["negative_clips_without_false_alert"]
    matrix = {
        "fall": {"alerted": detected, "no alert": len(per_fall) - detected},
        "no fall (clip)": {"alerted": neg["n"] - neg["k"], "no alert": neg["k"]},
    }
    missed = [o for o in per_fall if not o["detected"]]
    missed_rows = [
        [
            escape(o["item"]),
            escape(o["kind"]),
            f"{o['landing_s']:.1f}",
            escape(", ".join(f"{k}={v}" for k, v in o["groups"].items())),
        ]
        for o in missed
    ]
    return (
        f"<h2>{heading}</h2>"
        + table(
            ["measure", "value"],
            [
                ["falls alerted within [landing − 2 s, landing + 10 s]", prop(f["sensitivity"])],
                ["median time from landing to alert (s)", fmt(delays["median"])],
                ["longest time from landing to alert (s)", fmt(delays["max"])],
                ["negative clips without a false alert", prop(neg)],
                [
                    "false alerts in fall clips, away from the fall",
                    str(fa["in_fall_clips_outside_falls"]),
                ],
                [
                    "late starts during a fall (after its window)",
                    str(fa["late_starts_during_falls"]),
                ],
            ],
        )
        + "<h3>False fall alerts per room-day of normal activity</h3>"
        + _rate_rows(
            fa,
            {
                "days": "simulated days",
                "negative_clips": "clips without a fall",
                "normal_activity": "both together",
            },
        )
        + _causes(fa)
        + "<div class=charts>"
        + svg.histogram(
            delays["values"],
            title="time from landing to alert",
            x_label="seconds after landing",
            bin_width=1.0,
            lo=-2.0,
            hi=10.0,
            marker=10.0,
        )
        + svg.confusion(
            ["fall", "no fall (clip)"],
            ["alerted", "no alert"],
            matrix,
            title="falls per labelled fall / per negative clip",
        )
        + _calibration("fall starts", f)
        + "</div>"
        + (
            "<h3>Missed falls</h3>"
            + table(["item", "kind", "landing (s)", "subgroups"], missed_rows)
            if missed_rows
            else ""
        )
        + "<h3>Subgroups: falls alerted</h3>"
        + _subgroups(f["subgroups"]["falls"], "alerted")
        + "<h3>Subgroups: negative clips without a false alert</h3>"
        + _subgroups(f["subgroups"]["negative_clips"], "no false alert")
    )


def _bed(b: Mapping[str, Any]) -> str:
    if b["status"] == "no labels":
        return "<h2>Bed exit</h2><p class=banner>No labelled bed exits in the data run.</p>"
    lead = b["lead_s"]
    return (
        "<h2>Bed exit</h2>"
        + f"<p class=note>status: {escape(b['status'])}</p>"
        + table(
            ["measure", "value"],
            [
                ["labelled bed exits", str(b["exits"])],
                ["warned (predicted) before the exit", prop(b["warned"])],
                ["median warning before exit, misses as 0 s", fmt(lead["median_all"])],
                ["median warning before exit, warned exits only", fmt(lead["median_warned"])],
                [
                    "exit reported within [stand onset − 2 s, exit + 10 s]",
                    prop(b["exit_detected"]),
                ],
                ["warnings without a bed exit", str(b["false_warnings"]["count"])],
                ["… per room-day", fmt(b["false_warnings"]["per_room_day"])],
            ],
        )
        + "<div class=charts>"
        + svg.histogram(
            lead["values"],
            title="warning lead time",
            x_label="seconds before exit",
            bin_width=5.0,
            lo=0.0,
            marker=20.0,
        )
        + _calibration("bed-exit warnings", b)
        + "</div><h3>Subgroups: exits warned</h3>"
        + _subgroups(b["subgroups"], "warned")
    )


def _mobility(m: Mapping[str, Any]) -> str:
    if (banner := _not_run(m)) is not None:
        return f"<h2>Mobility</h2>{banner}"
    conf = m["confusion"]
    cols = [*sorted({c for row in conf.values() for c in row if c != "missed"}), "missed"]
    return (
        "<h2>Mobility</h2>"
        + table(
            ["measure", "value"],
            [
                ["transitions found (sensitivity)", prop(m["sensitivity"])],
                ["10 s windows without a false transition (specificity)", prop(m["specificity"])],
                ["staff count exact on assisted transitions", prop(m["staff_count"])],
            ],
        )
        + "<div class=charts>"
        + svg.confusion(sorted(conf), cols, conf, title="labelled transition → state entered")
        + _calibration("mobility transitions", m)
        + "</div><h3>Subgroups: transitions found</h3>"
        + _subgroups(m["subgroups"], "found")
    )


def _hand(h: Mapping[str, Any]) -> str:
    if (banner := _not_run(h)) is not None:
        return f"<h2>Hand hygiene</h2>{banner}"
    d = h["dispenser"]
    matrix = {
        "rubbed": {"used": d["tp"], "not used": d["fn"]},
        "did not rub": {"used": d["fp"], "not used": d["tn"]},
    }
    return (
        "<h2>Hand hygiene</h2>"
        + table(
            ["measure", "value"],
            [
                ["room entries detected (±5 s)", prop(h["entries"])],
                ["room exits detected (±5 s)", prop(h["exits"])],
                [
                    "crossings reported with no labelled crossing",
                    str(h["false_opportunities"]["count"]),
                ],
                ["dispenser use: sensitivity", prop(h["dispenser_sensitivity"])],
                ["dispenser use: specificity", prop(h["dispenser_specificity"])],
            ],
        )
        + "<div class=charts>"
        + svg.confusion(
            ["rubbed", "did not rub"],
            ["used", "not used"],
            matrix,
            title="dispenser use per matched opportunity",
        )
        + _calibration("hand-hygiene opportunities", h)
        + "</div><h3>Subgroups: crossings detected</h3>"
        + _subgroups(h["subgroups"], "detected")
    )


def render(summary: Mapping[str, Any]) -> str:
    real = summary.get("real")
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<title>ambient: evaluation</title>",
        f"<style>{STYLE}</style></head><body>",
    ]
    if "fall" in summary:
        parts += _simulated(summary)
    else:
        parts.append("<h1>ambient: evaluation on real recordings</h1>")
    if real is not None:
        parts.append(real_html.section(real))
    parts.append(
        "<h2>Method</h2><p class=note>Matching windows, exposures, subgroup bins and the "
        "held-out protocols are defined in docs/evaluation.md. Every number here is also in "
        "metrics.json.</p></body></html>"
    )
    return "\n".join(parts)


def _simulated(summary: Mapping[str, Any]) -> list[str]:
    run = summary["run"]
    failed = run.get("failed", [])
    models = summary.get("models_seen", {})
    facts = [
        ["dataset", escape(str(run.get("dataset", "")))],
        ["manifest sha256", escape(str(run.get("manifest_sha256", ""))[:16])],
        ["split", escape(str(run.get("split", "")))],
        ["clips evaluated", str(run.get("clips", 0))],
        ["clip hours", f"{run.get('clip_hours', 0.0):.2f}"],
        ["days evaluated", escape(", ".join(run.get("day_items", [])) or str(run.get("days", 0)))],
        ["days all from the held-out split", escape(str(run.get("days_held_out", "")))],
        ["day hours actually run", f"{run.get('day_hours', 0.0):.2f}"],
        ["day frame rate", escape(str(run.get("day_fps", "")))],
        ["thermal clips", str(run.get("thermal", 0))],
        ["failed items", str(len(failed))],
        [
            "engines / models that emitted events",
            escape(", ".join(f"{k} ({v})" for k, v in models.items()) or "none"),
        ],
    ]
    parts = [
        "<h1>ambient: evaluation on held-out simulated data</h1>",
        "<p class=banner>All data here is <b>simulated</b> (rendered rooms, people and sensor "
        "noise). These figures say how the pipeline does on the simulator's held-out items, not "
        "how it does in a real ward or home.</p>",
        table(["run", ""], facts),
        ("<p class=note>Failed: " + escape("; ".join(failed)[:2000]) + "</p>") if failed else "",
        "<h2>Targets</h2>",
        _targets(summary["targets"]),
        _fall(summary["fall"], "Falls"),
        _bed(summary["bed_exit"]),
        _mobility(summary["mobility"]),
        _hand(summary["hand_hygiene"]),
    ]
    if "thermal_fall" in summary:
        parts.append(_fall(summary["thermal_fall"], "Falls on thermal arrays"))
    return parts
