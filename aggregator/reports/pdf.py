"""A report as PDF, written here: text, tables and charts on A4 pages, no dependency.

Only what a report needs from PDF 1.4: the standard Helvetica and Courier fonts (nothing
embedded, WinAnsi text), lines, rectangles and compressed page streams. Tables print in
Courier so columns line up; long tables are cut (the CSV has every row).
"""

import textwrap
import zlib

from aggregator.reports.html import fmt
from aggregator.reports.model import Chart, Report, Table
from aggregator.reports.svg import COLORS, nice_max

PAGE_W, PAGE_H = 595, 842
MARGIN = 40
MAX_ROWS = 300
CHART_H = 150
_SUBST = {"≥": ">=", "≤": "<=", "→": "->", "·": "-", "−": "-"}


def _pdf_text(text: str) -> str:
    for a, b in _SUBST.items():
        text = text.replace(a, b)
    raw = text.encode("cp1252", "replace").decode("latin-1")
    return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _rgb(hex_color: str) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return f"{r:.3f} {g:.3f} {b:.3f}"


class _Pages:
    def __init__(self) -> None:
        self.pages: list[list[str]] = []
        self.y = 0.0
        self.new_page()

    def new_page(self) -> None:
        self.pages.append([])
        self.y = PAGE_H - MARGIN

    def need(self, height: float) -> None:
        if self.y - height < MARGIN:
            self.new_page()

    def text(self, x: float, y: float, text: str, size: float = 10, font: str = "F1") -> None:
        self.pages[-1].append(f"BT /{font} {size} Tf {x:.1f} {y:.1f} Td ({_pdf_text(text)}) Tj ET")

    def line(self, text: str, size: float = 10, font: str = "F1", gap: float = 1.35) -> None:
        self.need(size * gap)
        self.y -= size * gap
        self.text(MARGIN, self.y, text, size, font)

    def draw(self, op: str) -> None:
        self.pages[-1].append(op)


def _chart(p: _Pages, chart: Chart) -> None:
    p.need(CHART_H + 40)
    p.line(chart.title, 10, "F2")
    p.y -= 10  # room for the top axis label
    bottom, left, width = p.y - CHART_H, MARGIN + 30, PAGE_W - 2 * MARGIN - 30
    values = [v for s in chart.series.values() for v in s if v is not None]
    top = nice_max(values, chart.unit)
    p.draw(f"0.6 0.6 0.6 RG 0.5 w {left} {bottom} m {left + width} {bottom} l S")
    for k in range(5):
        y = bottom + CHART_H * k / 4
        p.text(MARGIN, y - 3, f"{top * k / 4:g}", 7)
    n = max(1, len(chart.labels))
    step = width / n
    for s, (name, series) in enumerate(chart.series.items()):
        color = _rgb(COLORS[s % len(COLORS)])
        if chart.kind == "bar":
            bar_w = step * 0.8 / len(chart.series)
            for i, v in enumerate(series):
                if v is not None and v > 0:
                    h = CHART_H * min(v, top) / top
                    x = left + step * i + step * 0.1 + bar_w * s
                    p.draw(f"{color} rg {x:.1f} {bottom:.1f} {max(bar_w, 0.5):.1f} {h:.1f} re f")
        else:
            points = [
                (left + step * (i + 0.5), bottom + CHART_H * min(v, top) / top)
                for i, v in enumerate(series)
                if v is not None
            ]
            if len(points) > 1:
                path = " ".join(
                    f"{x:.1f} {y:.1f} {'m' if j == 0 else 'l'}" for j, (x, y) in enumerate(points)
                )
                p.draw(f"{color} RG 1.2 w {path} S")
        if len(chart.series) > 1:
            p.draw(f"{color} rg {left + s * 90:.1f} {bottom - 23:.1f} 6 6 re f")
            p.draw("0 g")
            p.text(left + s * 90 + 9, bottom - 22, name, 7)
    p.draw("0 g 0 G")  # text and lines black again
    if 0 < len(chart.labels) <= 12:  # few categories: name each under its bar
        for i, label in enumerate(chart.labels):
            p.text(left + step * i + 2, bottom - 10, label[: int(step / 3.6)], 7)
    elif chart.labels:  # a long axis: its two ends
        p.text(left, bottom - 10, chart.labels[0], 7)
        p.text(left + width - 3.6 * len(chart.labels[-1]), bottom - 10, chart.labels[-1], 7)
    p.y = bottom - 26


def _table(p: _Pages, table: Table) -> None:
    p.need(40)
    p.y -= 6
    p.line(table.title, 11, "F2")
    rows = [[fmt(v) for v in row] for row in table.rows[:MAX_ROWS]]
    widths = [
        min(22, max(len(c), *(len(r[i]) for r in rows)) if rows else len(c))
        for i, c in enumerate(table.columns)
    ]

    def cells(values: list[str]) -> str:
        return "  ".join(
            v[:w].rjust(w) if i else v[:w].ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )

    p.line(cells(table.columns), 7, "F3", 1.5)
    for row in rows:
        p.line(cells(row), 7, "F3", 1.3)
    if len(table.rows) > MAX_ROWS:
        p.line(f"First {MAX_ROWS} of {len(table.rows):,} rows; the CSV has all.", 8)


def render_pdf(report: Report) -> bytes:
    p = _Pages()
    p.line(report.title, 16, "F2")
    p.line(f"{report.site} / {report.unit}   {report.start} to {report.end} (end excluded)", 10)
    p.y -= 6
    for label, value in report.figures.items():
        p.line(f"{label}: {fmt(value)}", 10)
    for note in report.notes:
        p.y -= 4
        for part in textwrap.wrap(note, 110):
            p.line(part, 8.5)
    for chart in report.charts:
        p.y -= 8
        _chart(p, chart)
    for table in report.tables:
        _table(p, table)
    return _assemble(p.pages)


def _assemble(pages: list[list[str]]) -> bytes:
    fonts = ("Helvetica", "Helvetica-Bold", "Courier")
    objects: list[bytes] = [b"", b""]  # 1 catalog, 2 pages: filled below
    font_ids = []
    for name in fonts:
        objects.append(
            f"<< /Type /Font /Subtype /Type1 /BaseFont /{name} "
            "/Encoding /WinAnsiEncoding >>".encode()
        )
        font_ids.append(len(objects))
    resources = " ".join(f"/F{i + 1} {n} 0 R" for i, n in enumerate(font_ids))
    kids = []
    for ops in pages:
        stream = zlib.compress("\n".join(ops).encode("latin-1"))
        objects.append(
            f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
            + stream
            + b"\nendstream"
        )
        content = len(objects)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
            f"/Resources << /Font << {resources} >> >> /Contents {content} 0 R >>".encode()
        )
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    ).encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
