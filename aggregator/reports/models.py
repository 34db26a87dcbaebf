"""Live and shadow model versions side by side: how many events of each kind each version
produced over the same rooms and days. A candidate model runs in shadow on the devices (its
events are stored, never alerted); this report is where a site compares it with the live
one before switching."""

from collections import defaultdict

from aggregator.analytics.query import UnitData
from aggregator.reports.model import Cell, Report, Table


def build(data: UnitData) -> Report:
    q = data.query
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"live": 0, "shadow": 0})
    rooms: dict[str, set[str]] = defaultdict(set)
    for counters in data.family("models").values():
        for (room, _, metric), value in counters.items():
            kind, model, run = metric.rsplit(":", 2)
            counts[(kind, model)][run] += value
            rooms[model].add(room)
    rows: list[list[Cell]] = [
        [kind, model, c["live"], c["shadow"], len(rooms[model])]
        for (kind, model), c in sorted(counts.items())
    ]
    shadow_models = sorted({m for (_, m), c in counts.items() if c["shadow"]})
    report = Report(
        kind="models",
        title="Model versions: live and shadow",
        site=q.site,
        unit=q.unit,
        start=q.start.isoformat(),
        end=q.end.isoformat(),
    )
    report.figures["model versions seen"] = len({m for _, m in counts})
    report.figures["versions in shadow"] = len(shadow_models)
    report.figures["events from live models"] = sum(c["live"] for c in counts.values())
    report.figures["events from shadow models"] = sum(c["shadow"] for c in counts.values())
    report.tables.append(
        Table(
            "Events per kind and phase, by model version",
            ["event", "model", "live", "shadow", "rooms"],
            rows,
        )
    )
    report.notes.append(
        "Shadow events come from a candidate version running beside the live one on the same "
        "frames; they are stored and compared here and never raise an alert. Compare the "
        "counts of `fall.start` (and the alerts' recorded outcomes) before promoting one."
    )
    return report
