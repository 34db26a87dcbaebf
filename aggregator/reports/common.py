"""Small helpers the report builders share: weeks, medians, hours, the report's shell."""

import statistics
from collections.abc import Sequence
from datetime import date, timedelta

from aggregator.analytics.query import ReportQuery
from aggregator.reports.model import Report


def week_of(day: date) -> date:
    """The Monday starting ``day``'s week: weeks are labelled by their first day."""
    return day - timedelta(days=day.weekday())


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def minutes(ms: float | None) -> float | None:
    return None if ms is None else round(ms / 60_000, 1)


def hours(ms: float | None) -> float | None:
    return None if ms is None else round(ms / 3_600_000, 2)


def shell(kind: str, title: str, query: ReportQuery) -> Report:
    return Report(
        kind=kind,
        title=title,
        site=query.site,
        unit=query.unit,
        start=query.start.isoformat(),
        end=query.end.isoformat(),
    )
