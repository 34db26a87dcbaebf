"""The real-recordings section of the HTML report."""

from collections.abc import Mapping
from html import escape
from typing import Any

from models.evaluate.html import fmt, prop, table


def section(real: Mapping[str, Any]) -> str:
    run = real["run"]
    parts = [
        "<h2>Real recordings</h2>",
        "<p class=banner>These clips are <b>real</b> people under real thermal arrays, from "
        "public sources (see the data folder's README). Every clip was run by models that "
        f"never trained or were tuned on its set and group (protocol: {escape(run['protocol'])})."
        " Labels are per clip: a fall clip counts as alerted when a fall episode started "
        "anywhere in it.</p>",
        table(
            ["run", ""],
            [
                ["data", escape(str(run["data"]))],
                ["clips in the index (chosen sets)", str(run["clips"])],
                ["clips evaluated", str(run["evaluated"])],
                ["clips no model held out (not evaluated)", str(len(run["not_held_out"]))],
                ["recordings that failed", str(len(run["failed"]))],
                ["at most clips per set", fmt(run.get("limit_per_set"))],
                ["models", escape(_candidates(run["candidates"]))],
            ],
        ),
    ]
    if run["failed"]:
        parts.append("<p class=note>Failed: " + escape("; ".join(run["failed"])[:3000]) + "</p>")
    parts.append("<h3>Targets (each set held out)</h3>")
    rows, classes = [], []
    for t in real["targets"]:
        rows.append(
            [
                escape(t["set"]),
                escape(t["what"]),
                f"{escape(t['direction'])} {fmt(float(t['target']), 'pct')}",
                fmt(t["value"], "pct"),
                escape(t["verdict"]),
                escape(t["note"]),
            ]
        )
        classes.append(t["verdict"].replace(" ", "-"))
    parts.append(table(["set", "measure", "target", "reached", "verdict", "note"], rows, classes))
    parts.append("<h3>Per set</h3>")
    parts.append(_rates(real["sets"], "set"))
    parts.append("<h3>Per sensor</h3>")
    parts.append(_rates(real["sensors"], "sensor"))
    for name, s in real["sets"].items():
        if "other" in s and len(s["other"]["by_label"]) > 1:
            parts.append(f"<h3>{escape(name)}: non-fall clips alerting, by label</h3>")
            parts.append(
                table(
                    ["label", "alerting"],
                    [[escape(k), prop(v)] for k, v in s["other"]["by_label"].items()],
                )
            )
        if "postures" in s:
            parts.append(f"<h3>{escape(name)}: postures (occupancy, lying on the floor)</h3>")
            parts.append(
                table(
                    ["label", "clips", "somebody seen", "fall / on-floor alert", "most people"],
                    [
                        [
                            escape(k),
                            str(v["clips"]),
                            prop(v["somebody_seen"]),
                            prop(v["on_floor_alert"]),
                            escape(", ".join(f"{n}: {c}" for n, c in v["max_people"].items())),
                        ]
                        for k, v in s["postures"].items()
                    ],
                )
            )
    return "\n".join(parts)


def _rates(groups: Mapping[str, Mapping[str, Any]], what: str) -> str:
    rows = []
    for name, g in groups.items():
        fall, other = g.get("fall"), g.get("other")
        rows.append(
            [
                escape(name),
                prop(fall["sensitivity"]) if fall else "–",
                str(fall["too_short"]) if fall else "–",
                prop(other["alerting"]) if other else "–",
                str(other["too_short"]) if other else "–",
                str(g.get("frames_dropped", "–")),
            ]
        )
    return table(
        [
            what,
            "fall clips alerted",
            "fall clips too short to decide",
            "non-fall clips alerting",
            "non-fall too short",
            "frames with bad time stamps skipped",
        ],
        rows,
    )


def _candidates(candidates: list[Mapping[str, Any]]) -> str:
    out = []
    for c in candidates:
        saw = c["saw"]
        seen = "; ".join(f"{k}: {len(v)} groups" for k, v in saw.items()) or "no real data"
        out.append(f"{c['name']} (trained on {seen})")
    return ", ".join(out)
