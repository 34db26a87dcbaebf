"""Charts as inline SVG, drawn here: no chart library, no script, prints as it shows."""

from html import escape

from aggregator.reports.model import Chart

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 24, 64
COLORS = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#4a5568")


def nice_max(values: list[float], unit: str) -> float:
    top = max(values, default=0.0)
    if unit == "%":
        return 100.0
    if top <= 0:
        return 1.0
    step = 10 ** len(str(int(top))) / 10 if top >= 1 else 0.1
    return (int(top / step) + 1) * step


def chart_svg(chart: Chart) -> str:
    values = [v for series in chart.series.values() for v in series if v is not None]
    top = nice_max(values, chart.unit)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(1, len(chart.labels))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(chart.title)}">',
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(chart.title)}</text>',
    ]
    for k in range(5):  # grid and y labels
        y = TOP + plot_h - plot_h * k / 4
        label = f"{top * k / 4:g}{chart.unit if chart.unit == '%' else ''}"
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e2e8f0"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{label}</text>'
        )
    step = plot_w / n
    every = max(1, n // 24)  # at most ~24 x labels
    for i, label in enumerate(chart.labels):
        if i % every:
            continue
        x = LEFT + step * (i + 0.5)
        y = TOP + plot_h + 10
        parts.append(
            f'<text x="{x:.1f}" y="{y}" font-size="9" text-anchor="end" '
            f'transform="rotate(-40 {x:.1f} {y})">{escape(label)}</text>'
        )
    names = list(chart.series)
    for s, name in enumerate(names):
        color = COLORS[s % len(COLORS)]
        series = chart.series[name]
        if chart.kind == "bar":
            bar_w = step * 0.8 / len(names)
            for i, v in enumerate(series):
                if v is None:
                    continue
                h = plot_h * min(v, top) / top
                x = LEFT + step * i + step * 0.1 + bar_w * s
                parts.append(
                    f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{max(bar_w, 0.5):.1f}" '
                    f'height="{h:.1f}" fill="{color}"><title>{escape(chart.labels[i])}: '
                    f"{v:g}</title></rect>"
                )
        else:
            runs: list[list[str]] = [[]]
            for i, v in enumerate(series):
                if v is None:
                    runs.append([])
                    continue
                x = LEFT + step * (i + 0.5)
                y = TOP + plot_h - plot_h * min(v, top) / top
                runs[-1].append(f"{x:.1f},{y:.1f}")
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>')
            for run in runs:
                if len(run) > 1:
                    parts.append(
                        f'<polyline points="{" ".join(run)}" fill="none" stroke="{color}" '
                        'stroke-width="2"/>'
                    )
        if len(names) > 1:
            x = LEFT + 8 + s * 110
            parts.append(
                f'<rect x="{x}" y="{HEIGHT - 12}" width="10" height="10" fill="{color}"/>'
                f'<text x="{x + 14}" y="{HEIGHT - 3}" font-size="10">{escape(name)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
