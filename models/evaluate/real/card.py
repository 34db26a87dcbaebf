"""The real-recordings section of the thermal model cards.

`ambient models evaluate --real DIR --write-cards` puts it into every thermal model's
CARD.md between two marker lines, above the simulated evaluation (whose own marker keeps
everything above it), and replaces only what an earlier real run put there. The figures are
those of the run: with `--real-folds`, of fold models trained by the same recipe as the
shipped one but never on the clip they ran, which the section says.
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

BEGIN = "<!-- real recordings: written by ambient models evaluate --real --write-cards -->"
END = "<!-- real recordings: end -->"


def real_section(real: Mapping[str, Any]) -> str:
    run = real.get("run", {})
    folds = run.get("protocol") == "folds"
    who = (
        f"fold models ({', '.join(c['name'] for c in run.get('candidates', []))}), each run "
        "only on clips whose set and group (session, person or scene) it never trained or "
        "was tuned on; the shipped model is the same recipe trained on everything"
        if folds
        else "these models, on every clip whose group they never saw"
    )
    lines = [
        BEGIN,
        "",
        "## Evaluation on real recordings",
        "",
        f"**Real data**, folder `{run.get('data', '?')}`: {run.get('evaluated', 0)} of "
        f"{run.get('clips', 0)} clips evaluated by {who}. A fall clip counts as alerted when a "
        "fall episode starts anywhere in it; another clip as alerting when one does; clips too "
        "short to decide stay in the counts. Wilson 95% intervals.",
        "",
        "| set | sensors | fall clips alerted | other clips alerting | too short | failed |",
        "|---|---|---|---|---|---|",
    ]
    for name, s in real.get("sets", {}).items():
        fall, other = s.get("fall"), s.get("other")
        short = (fall or {}).get("too_short", 0) + (other or {}).get("too_short", 0)
        lines.append(
            f"| {name} | {', '.join(s.get('sensors', []))} | {_p(fall, 'sensitivity')} | "
            f"{_p(other, 'alerting')} | {short} | {len(s.get('failed', []))} |"
        )
    postures = [
        (name, label, row)
        for name, s in real.get("sets", {}).items()
        for label, row in s.get("postures", {}).items()
    ]
    if postures:
        lines += [
            "",
            "Held postures (someone in view from the first frame):",
            "",
            "| set | posture | clips | somebody seen | fall (on-floor) alert |",
            "|---|---|---|---|---|",
            *[
                f"| {name} | {label} | {row['clips']} | {_p(row, 'somebody_seen')} | "
                f"{_p(row, 'on_floor_alert')} |"
                for name, label, row in postures
            ],
        ]
    lines += ["", "Targets (each set held out):", ""]
    for t in real.get("targets", []):
        value = "—" if t["value"] is None else f"{t['value'] * 100:.1f} %"
        note = f" ({t['note']})" if t.get("note") else ""
        lines.append(
            f"- {t['set']}: {t['what']} {value}, target {t['direction']} "
            f"{t['target'] * 100:g} %: **{t['verdict']}**{note}"
        )
    return "\n".join([*lines, "", END, ""])


def with_real_section(existing: str, section: str, sim_marker: str) -> str:
    """`existing` with its real section replaced by `section` (or added above the
    simulated evaluation, or at the end)."""
    if BEGIN in existing and END in existing:
        before, rest = existing.split(BEGIN, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        return before + section + ("\n" + after if after else "")
    if sim_marker in existing:
        before, after = existing.split(sim_marker, 1)
        return before.rstrip() + "\n\n" + section + "\n" + sim_marker + after
    return existing.rstrip() + "\n\n" + section


def write_real_cards(models_dir: Path, real: Mapping[str, Any], sim_marker: str) -> list[Path]:
    """The real section into the CARD.md of every thermal model under `models_dir`."""
    written = []
    section = real_section(real)
    for sidecar in sorted(models_dir.glob("*/model.json")):
        if json.loads(sidecar.read_text()).get("sensor") != "thermal":
            continue
        card = sidecar.parent / "CARD.md"
        existing = card.read_text() if card.exists() else f"# {sidecar.parent.name}\n"
        card.write_text(with_real_section(existing, section, sim_marker))
        written.append(card)
    return written


def _p(section: Mapping[str, Any] | None, key: str) -> str:
    p = (section or {}).get(key)
    if not p or not p.get("n"):
        return "—"
    lo, hi = p["ci95"] or (0.0, 0.0)
    return f"{p['k']}/{p['n']} = {p['rate'] * 100:.1f} % ({lo * 100:.0f}–{hi * 100:.0f})"
