"""HTML pieces shared by the simulated and the real report: style, numbers, tables."""

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

STYLE = """
body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0 1.2em}td,th{border:1px solid #ccc;padding:.25em .6em;
text-align:left;font-size:.92em}th{background:#f3f3f3}
.met{background:#e3f4e1}.missed{background:#fbe1de}.not-run,.not-shown{background:#f4f0dc}
.note{color:#555;font-size:.9em}.charts{display:flex;flex-wrap:wrap;gap:1em}
.banner{background:#fff6d6;border:1px solid #e0c060;padding:.6em 1em}
"""


def fmt(value: Any, kind: str = "") -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return escape(str(value))


def prop(p: Mapping[str, Any] | None) -> str:
    """'97.0% (32/33, 95% CI 84.7–99.5%)'."""
    if not p or not p.get("n"):
        return "– (0 cases)"
    ci = p.get("ci95") or [None, None]
    return (
        f"{fmt(p['rate'], 'pct')} ({p['k']}/{p['n']}; 95% CI "
        f"{fmt(ci[0], 'pct')}–{fmt(ci[1], 'pct')})"
    )


def table(head: Sequence[str], rows: Sequence[Sequence[str]], classes: Sequence[str] = ()) -> str:
    out = ["<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if i < len(classes) and classes[i] else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    return "".join(out) + "</table>"
