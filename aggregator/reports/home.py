"""Home daily activity: per home per day, time in bed, sitting, up and about and out of view;
night bed exits; bathroom visits; and the changes against the person's own baseline.

The baseline of a day is the same measure over the previous 28 days (at least 7 with data).
A day is flagged when it is more than 3 standard deviations and more than 30 % away from
the baseline mean: both, so a very regular person is not flagged for a few minutes' change,
and day-to-day noise in small counts (bathroom visits) rarely is.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from aggregator.analytics.query import UnitData
from aggregator.reports.common import shell
from aggregator.reports.model import Cell, Chart, Report, Table, ratio

BASELINE_DAYS = 28
MIN_BASELINE_DAYS = 7
SD_LIMIT = 3.0
CHANGE_LIMIT = 0.3
MEASURES = (
    ("in bed h", "in_bed"),
    ("sitting h", "sitting"),
    ("up and about h", "up"),
    ("out of view h", "out_of_view"),
    ("night bed exits", "night_bed_exits"),
    ("bathroom visits", "bathroom_visits"),
)
CHART_HOMES = 6


@dataclass(frozen=True, slots=True)
class Flag:
    home: str
    day: date
    measure: str
    value: float
    mean: float
    change_pct: float


def daily(data: UnitData) -> dict[tuple[str, date], dict[str, float]]:
    """Per (home, day) every measure, baseline days included; hours for times."""
    out: dict[tuple[str, date], dict[str, float]] = defaultdict(dict)
    for (room, day, category), ms in data.activity_ms().items():
        cell = out[(room, day)]
        cell[category] = cell.get(category, 0.0) + ms / 3_600_000
    for day, counters in data.family("act").items():
        for (room, _, metric), value in counters.items():
            if not metric.endswith("_ms"):
                cell = out[(room, day)]
                cell[metric] = cell.get(metric, 0.0) + value
    return dict(out)


def flags(values: dict[tuple[str, date], dict[str, float]], days: list[date]) -> list[Flag]:
    """Days of ``days`` far from the same home's previous `BASELINE_DAYS` days."""
    found: list[Flag] = []
    if not days:
        return found
    first = days[0] - timedelta(days=BASELINE_DAYS)
    span = (days[-1] - first).days + 1
    names = [name for _, name in MEASURES]
    homes = sorted({home for home, _ in values})
    for home in homes:
        grid = np.full((span, len(names)), np.nan)
        for k in range(span):
            cell = values.get((home, first + timedelta(days=k)))
            if cell is not None:
                grid[k] = [cell.get(name, 0.0) for name in names]
        for day in days:
            k = (day - first).days
            today = grid[k]
            past = grid[k - BASELINE_DAYS : k]
            past = past[~np.isnan(past[:, 0])]
            if np.isnan(today[0]) or len(past) < MIN_BASELINE_DAYS:
                continue
            mean, sd = past.mean(axis=0), past.std(axis=0)
            delta = np.abs(today - mean)
            hit = (delta > SD_LIMIT * sd) & (delta > CHANGE_LIMIT * np.maximum(mean, 1e-9))
            for m in np.flatnonzero(hit):
                change = 100.0 * (today[m] - mean[m]) / mean[m] if mean[m] else 100.0
                found.append(
                    Flag(
                        home,
                        day,
                        MEASURES[m][0],
                        float(today[m]),
                        float(mean[m]),
                        round(float(change), 1),
                    )
                )
    return found


def build(data: UnitData) -> Report:
    query = data.query
    report = shell("home", "Daily activity at home", query)
    values = daily(data)
    days = query.days
    in_range = sorted((h, d) for h, d in values if query.start <= d < query.end)
    homes = sorted({h for h, _ in in_range})
    found = flags(values, days)
    flagged = {(f.home, f.day) for f in found}
    rows: list[list[Cell]] = []
    for home, day in in_range:
        cell = values[(home, day)]
        rows.append(
            [
                home,
                str(day),
                *(_round(cell.get(name, 0.0)) for _, name in MEASURES),
                "yes" if (home, day) in flagged else "",
            ]
        )
    n = len(in_range)

    def mean_of(name: str) -> float | None:
        return ratio(sum(values[k].get(name, 0.0) for k in in_range), n)

    report.figures = {
        "homes": len(homes),
        "home-days": n,
        "mean hours in bed": mean_of("in_bed"),
        "mean hours sitting": mean_of("sitting"),
        "mean hours up and about": mean_of("up"),
        "mean hours out of view": mean_of("out_of_view"),
        "night bed exits per night": mean_of("night_bed_exits"),
        "bathroom visits per day": mean_of("bathroom_visits"),
        "flagged changes": len(found),
    }
    report.notes = [
        "Times come from the sensor's activity events: in bed, sitting, up and about "
        "(standing or walking), out of view (out of the room or the sensor's sight). A night "
        "bed exit leaves the bed between 22:00 and 07:00. Days are UTC.",
        f"Baseline: the previous {BASELINE_DAYS} days (at least {MIN_BASELINE_DAYS}); a change "
        f"is flagged beyond {SD_LIMIT:g} standard deviations and {CHANGE_LIMIT:.0%} of the "
        "baseline mean.",
    ]
    labels = [str(d) for d in days]
    report.charts = [
        Chart(
            title,
            "line",
            labels,
            {h: [_value(values, h, d, name) for d in days] for h in homes[:CHART_HOMES]},
            unit,
        )
        for title, name, unit in (
            ("Hours in bed", "in_bed", "h"),
            ("Hours up and about", "up", "h"),
            ("Night bed exits", "night_bed_exits", ""),
        )
    ]
    report.tables = [
        Table("By home and day", ["home", "day", *(m for m, _ in MEASURES), "flagged"], rows),
        Table(
            "Flagged changes",
            ["home", "day", "measure", "value", "baseline mean", "change %"],
            [
                [f.home, str(f.day), f.measure, _round(f.value), _round(f.mean), f.change_pct]
                for f in found
            ],
        ),
    ]
    return report


def _round(value: float) -> float:
    return round(value, 2)


def _value(
    values: dict[tuple[str, date], dict[str, float]], home: str, day: date, name: str
) -> float | None:
    cell = values.get((home, day))
    return None if cell is None else _round(cell.get(name, 0.0))
