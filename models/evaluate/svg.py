"""Charts as inline SVG strings: the report is one file that opens anywhere, offline.

Three shapes are enough here: a histogram, a reliability diagram and a confusion matrix.
"""

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

WIDTH, HEIGHT = 420, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 32, 40
INK, GRID, BAR, ACCENT = "#222", "#ddd", "#4a7bb7", "#c0392b"


def _frame(body: list[str], title: str, width: int = WIDTH, height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'font-family="sans-serif" font-size="11">'
        f'<text x="{width / 2:.0f}" y="14" text-anchor="middle" font-weight="bold">'
        f"{escape(title)}</text>" + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "middle", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _axes(x_label: str, y_label: str, y_max: float, ticks: int = 4) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    out = [
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        f'stroke="{INK}"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="{INK}"/>',
        _text((LEFT + WIDTH - RIGHT) / 2, HEIGHT - 6, x_label),
        _text(
            12,
            TOP + plot_h / 2,
            y_label,
            extra=f' transform="rotate(-90 12 {TOP + plot_h / 2:.0f})"',
        ),
    ]
    for i in range(ticks + 1):
        value = y_max * i / ticks
        y = HEIGHT - BOTTOM - plot_h * i / ticks
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        label = f"{value:.0f}" if y_max >= ticks else f"{value:.2f}"
        out.append(_text(LEFT - 4, y + 4, label, "end"))
    return out


def histogram(
    values: Sequence[float],
    *,
    title: str,
    x_label: str,
    bin_width: float = 1.0,
    lo: float | None = None,
    hi: float | None = None,
    marker: float | None = None,
) -> str:
    """Counts of `values` in bins of `bin_width`; `marker` draws a vertical line (a limit)."""
    if not values:
        return _frame([_text(WIDTH / 2, HEIGHT / 2, "no values")], title)
    start = math.floor((min(values) if lo is None else lo) / bin_width) * bin_width
    stop = math.ceil((max(values) if hi is None else hi) / bin_width) * bin_width
    if marker is not None:
        stop = max(stop, (math.floor(marker / bin_width) + 1) * bin_width)
    n_bins = max(1, round((stop - start) / bin_width))
    counts = [0] * n_bins
    for v in values:
        counts[min(n_bins - 1, max(0, int((v - start) // bin_width)))] += 1
    top = max(counts) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    body = _axes(x_label, "count", float(top), ticks=min(4, top))
    step = plot_w / n_bins
    for i, count in enumerate(counts):
        h = plot_h * count / top
        x = LEFT + i * step
        body.append(
            f'<rect x="{x + 1:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" width="{max(1.0, step - 2):.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{start + i * bin_width:g} to '
            f"{start + (i + 1) * bin_width:g}: {count}</title></rect>"
        )
    every = max(1, n_bins // 8)
    for i in range(0, n_bins + 1, every):
        body.append(_text(LEFT + i * step, HEIGHT - BOTTOM + 14, f"{start + i * bin_width:g}"))
    if marker is not None:
        x = LEFT + (marker - start) / (stop - start) * plot_w
        body.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" '
            f'stroke="{ACCENT}" stroke-dasharray="4 3"/>'
        )
    return _frame(body, title)


def reliability(bins: Sequence[Mapping[str, Any]], *, title: str) -> str:
    """Hit rate against mean confidence per bin; the diagonal is perfect calibration."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    body = _axes("confidence", "share correct", 1.0)
    body.append(
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{TOP}" '
        f'stroke="{GRID}" stroke-dasharray="4 3"/>'
    )
    for i in range(0, 11, 2):
        body.append(_text(LEFT + plot_w * i / 10, HEIGHT - BOTTOM + 14, f"{i / 10:.1f}"))
    total = sum(int(b["n"]) for b in bins) or 1
    for b in bins:
        if not b["n"]:
            continue
        x0 = LEFT + plot_w * float(b["lo"])
        w = plot_w * (float(b["hi"]) - float(b["lo"]))
        h = plot_h * float(b["accuracy"])
        body.append(
            f'<rect x="{x0 + 1:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" width="{w - 2:.1f}" '
            f'height="{h:.1f}" fill="{BAR}" fill-opacity="{0.35 + 0.65 * int(b["n"]) / total:.2f}">'
            f"<title>{b['lo']:.1f}-{b['hi']:.1f}: {b['n']} events, "
            f"{float(b['accuracy']):.0%} correct</title></rect>"
        )
        cx = LEFT + plot_w * float(b["confidence"])
        cy = HEIGHT - BOTTOM - plot_h * float(b["accuracy"])
        body.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{ACCENT}"/>')
        body.append(_text(x0 + w / 2, HEIGHT - BOTTOM - h - 3, str(b["n"]), extra=' font-size="9"'))
    return _frame(body, title)


def confusion(
    rows: Sequence[str], cols: Sequence[str], counts: Mapping[str, Mapping[str, int]], *, title: str
) -> str:
    """Counts as a shaded grid: rows are the truth, columns what the pipeline said."""
    cell_w, cell_h, left, top = 78, 26, 130, 46
    width = left + cell_w * len(cols) + 10
    height = top + cell_h * len(rows) + 30
    peak = max((v for r in counts.values() for v in r.values()), default=1) or 1
    body = [_text(left + cell_w * len(cols) / 2, 32, "predicted", extra=' font-style="italic"')]
    for j, col in enumerate(cols):
        body.append(_text(left + cell_w * (j + 0.5), top - 4, col, extra=' font-size="10"'))
    for i, row in enumerate(rows):
        y = top + i * cell_h
        body.append(_text(left - 6, y + cell_h / 2 + 4, row, "end"))
        for j, col in enumerate(cols):
            value = int(counts.get(row, {}).get(col, 0))
            shade = value / peak
            x = left + j * cell_w
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{BAR}" fill-opacity="{0.08 + 0.85 * shade:.2f}"/>'
            )
            color = "#fff" if shade > 0.55 else INK
            body.append(
                _text(x + cell_w / 2, y + cell_h / 2 + 4, str(value), extra=f' fill="{color}"')
            )
    mid = top + cell_h * len(rows) / 2
    turn = f' font-style="italic" transform="rotate(-90 12 {mid:.0f})"'
    body.append(_text(12, mid, "truth", extra=turn))
    return _frame(body, title, width, height)
