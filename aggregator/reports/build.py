"""Build a report by name from the roll-ups, and write it as HTML, CSV and PDF.

The one place the CLI, the web routes and the bench go through: read the few day hashes the
report needs (`analytics.query.load`), build the `Report`, render it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis

from aggregator.analytics.query import ReportQuery, UnitData, load
from aggregator.reports import falls, hand_hygiene, home, mobility, models
from aggregator.reports.csv_out import render_csv
from aggregator.reports.falls import OutcomeSource
from aggregator.reports.html import render_html
from aggregator.reports.model import Report
from aggregator.reports.pdf import render_pdf


@dataclass(frozen=True, slots=True)
class Kind:
    families: tuple[str, ...]
    build: Callable[[UnitData, OutcomeSource | None], Report]
    baseline_days: int = 0


KINDS: dict[str, Kind] = {
    "hand-hygiene": Kind(("hh",), lambda data, _: hand_hygiene.build(data)),
    "mobility": Kind(("mob", "occ"), lambda data, _: mobility.build(data)),
    "falls": Kind(
        ("falls", "occ"),
        lambda data, source: falls.build(data, source(data.query) if source else None),
    ),
    "home": Kind(("act",), lambda data, _: home.build(data), home.BASELINE_DAYS),
    "models": Kind(("models",), lambda data, _: models.build(data)),
}
"""Report names as the CLI and the URLs spell them."""


def build_report(
    client: "redis.Redis",
    kind: str,
    query: ReportQuery,
    *,
    now_ms: int,
    outcomes: OutcomeSource | None = None,
) -> Report:
    """``now_ms`` closes the intervals still open (a room occupied right now)."""
    spec = KINDS[kind]
    data = load(client, query, spec.families, now_ms=now_ms, extra_days_before=spec.baseline_days)
    return spec.build(data, outcomes)


def write_report(report: Report, out_dir: Path, *, pdf: bool = True) -> list[Path]:
    """``out_dir/<kind>.html``, ``.csv`` and ``.pdf``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{report.kind}.html", out_dir / f"{report.kind}.csv"]
    paths[0].write_text(render_html(report))
    paths[1].write_text(render_csv(report))
    if pdf:
        paths.append(out_dir / f"{report.kind}.pdf")
        paths[2].write_bytes(render_pdf(report))
    return paths
