"""A report as one self-contained HTML page: inline CSS and SVG, nothing fetched."""

from html import escape

from aggregator.reports.model import Cell, Report
from aggregator.reports.svg import chart_svg

MAX_ROWS = 500
"""Longer tables are cut in the page (the CSV has every row)."""

_CSS = (
    "body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;"
    "color:#1a202c;padding:0 1rem}"
    "h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem}"
    ".sub{color:#4a5568}.figs{display:grid;gap:.5rem;"
    "grid-template-columns:repeat(auto-fill,minmax(13rem,1fr))}"
    ".fig{border:1px solid #e2e8f0;border-radius:6px;padding:.5rem .7rem}"
    ".fig b{display:block;font-size:1.3rem}"
    ".note{background:#fffaf0;border-left:4px solid #dd6b20;padding:.5rem .8rem;margin:.8rem 0}"
    "table{border-collapse:collapse;margin:.5rem 0;font-size:13px}"
    "td,th{border:1px solid #e2e8f0;padding:.2rem .5rem;text-align:right}"
    "th{background:#f7fafc}td:first-child,th:first-child{text-align:left}"
    "svg{max-width:100%;height:auto;display:block;margin:1rem 0}"
    "nav{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;padding:.5rem 0;"
    "border-bottom:1px solid #e2e8f0}nav form{display:flex;gap:.5rem;align-items:center}"
    "@media print{.fig{break-inside:avoid}svg{break-inside:avoid}nav{display:none}}"
)


def fmt(value: Cell) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def render_html(report: Report, *, header: str = "") -> str:
    """``header``: HTML put first in the body (the web page's form and links; trusted)."""
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(report.title)} – {escape(report.site)}/{escape(report.unit)}</title>",
        f"<style>{_CSS}</style></head><body>",
        header,
        f"<h1>{escape(report.title)}</h1>",
        f"<p class='sub'>{escape(report.site)} / {escape(report.unit)} · {escape(report.start)} "
        f"to {escape(report.end)} (end excluded)</p>",
        "<div class='figs'>",
    ]
    for label, value in report.figures.items():
        out.append(
            f"<div class='fig' data-figure='{escape(label, quote=True)}'>{escape(label)}"
            f"<b>{escape(fmt(value))}</b></div>"
        )
    out.append("</div>")
    for note in report.notes:
        out.append(f"<p class='note'>{escape(note)}</p>")
    for chart in report.charts:
        out.append(chart_svg(chart))
    for table in report.tables:
        out.append(f"<h2>{escape(table.title)}</h2><table><thead><tr>")
        out.extend(f"<th>{escape(c)}</th>" for c in table.columns)
        out.append("</tr></thead><tbody>")
        for row in table.rows[:MAX_ROWS]:
            out.append("<tr>" + "".join(f"<td>{escape(fmt(v))}</td>" for v in row) + "</tr>")
        out.append("</tbody></table>")
        if len(table.rows) > MAX_ROWS:
            out.append(
                f"<p class='sub'>First {MAX_ROWS} of {len(table.rows):,} rows; the CSV has all.</p>"
            )
    out.append("</body></html>")
    return "\n".join(out)
