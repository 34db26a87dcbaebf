"""Falls and alert burden: falls per 1,000 patient-days, time on the floor, response times
and false alarms per bed-day.

Falls and time on the floor come from the roll-ups. Response times and false alarms need the
alerts' resolutions, which the alert store keeps: they come in through an `OutcomeSource`
(any callable; `aggregator.reports.outcomes.StoredOutcomes` reads the alert store), and the
report says "not recorded" when there is none.

Outcomes are judged as in `aggregator.alerts.measures`: ``true_fall`` and ``assisted`` are
true alarms, ``false_alarm`` and ``not_found`` false ones (both count as false alarms per
bed-day), ``other`` neither. PPV is true / (true + false). Percentiles interpolate linearly.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from aggregator.alerts.measures import FALSE_OUTCOMES, TRUE_OUTCOMES, quantile
from aggregator.analytics.query import ReportQuery, UnitData
from aggregator.analytics.rollup import LONG_LIE_MS
from aggregator.reports.common import median, minutes, shell, week_of
from aggregator.reports.model import Cell, Chart, Report, Table, pct, ratio

NOT_RECORDED = "not recorded"


@dataclass(frozen=True, slots=True)
class AlertOutcome:
    """One resolved (or open) alert, as the burden figures need it."""

    room: str
    kind: str
    opened_ms: int
    acknowledged_ms: int | None
    resolved_ms: int | None
    outcome: str | None
    """true_fall, false_alarm, assisted, not_found, other; None while unresolved (or when
    resolved by the system, which judges nothing)."""


OutcomeSource = Callable[[ReportQuery], Sequence[AlertOutcome] | None]
"""Alerts of a unit opened in the query's range; None when outcomes are not recorded."""


def build(data: UnitData, outcomes: Sequence[AlertOutcome] | None = None) -> Report:
    query = data.query
    report = shell("falls", "Falls and alert burden", query)
    falls: dict[str, int] = defaultdict(int)
    long_lies: dict[str, int] = defaultdict(int)
    bed_exits: dict[str, int] = defaultdict(int)
    weekly: dict[date, int] = defaultdict(int)
    floor: list[tuple[str, date, int]] = []
    for day, counters in data.family("falls").items():
        if not query.start <= day < query.end:
            continue
        for (room, _, metric), value in counters.items():
            if metric == "falls":
                falls[room] += value
                weekly[week_of(day)] += value
            elif metric == "long_lies":
                long_lies[room] += value
            elif metric == "bed_exits":
                bed_exits[room] += value
            elif metric.startswith("floor_ms."):
                floor.append((room, day, value))
    patient_days: dict[str, int] = defaultdict(int)
    for (room, day), ms in data.occupied_ms().items():
        if ms > 0 and query.start <= day < query.end:
            patient_days[room] += 1
    n_falls, n_days = sum(falls.values()), sum(patient_days.values())
    floor_ms = sorted(ms for _, _, ms in floor)
    report.figures = {
        "falls": n_falls,
        "patient-days": n_days,
        "falls per 1,000 patient-days": ratio(1000 * n_falls, n_days),
        "long lies (≥ 1 h on the floor)": sum(long_lies.values()),
        "median minutes on the floor": minutes(median(floor_ms)),
        "longest minutes on the floor": minutes(floor_ms[-1]) if floor_ms else None,
        "bed exits": sum(bed_exits.values()),
        **_burden(outcomes, n_days),
    }
    report.notes = [
        "A fall counts on the day it landed; time on the floor runs from landing to getting "
        f"up (or leaving view); a long lie is {LONG_LIE_MS // 60_000} minutes or more. "
        "Patient-days are room-days the room was occupied; bed-days for alarm burden are the "
        "same occupied room-days.",
    ]
    if outcomes is None:
        report.notes.append(
            "Alert outcomes (false alarms, response times) are not recorded for this unit."
        )
    else:
        report.notes.append(
            "Alert burden counts the patient alerts raised (falls, bed exits, no motion; not "
            "suppressed, not technical) in the range. True: true fall or assisted; false "
            "alarm: false alarm or not found; PPV = true / (true + false). Time to acknowledge "
            "runs from raised to the first answer by a person, time to resolve to a resolve "
            "by a person; p50 and p90 are the median and 90th percentile."
        )
    weeks = sorted(weekly)
    floor.sort(key=lambda f: (f[1], f[0]))
    report.charts = [
        Chart(
            "Falls by week",
            "bar",
            [str(w) for w in weeks],
            {"falls": [float(weekly[w]) for w in weeks]},
        ),
        Chart(
            "Minutes on the floor, per fall",
            "bar",
            [f"{room} {day}" for room, day, _ in floor],
            {"minutes": [minutes(ms) for _, _, ms in floor]},
            "min",
        ),
    ]
    rooms = sorted(set(patient_days) | set(falls) | set(bed_exits))
    report.tables = [
        Table(
            "By room",
            [
                "room",
                "patient-days",
                "falls",
                "falls per 1,000 patient-days",
                "long lies",
                "bed exits",
            ],
            [
                [
                    r,
                    patient_days.get(r, 0),
                    falls.get(r, 0),
                    ratio(1000 * falls.get(r, 0), patient_days.get(r, 0)),
                    long_lies.get(r, 0),
                    bed_exits.get(r, 0),
                ]
                for r in rooms
            ],
        ),
        Table(
            "Falls",
            ["room", "day landed", "minutes on the floor"],
            [[room, str(day), minutes(ms)] for room, day, ms in floor],
        ),
    ]
    if outcomes is not None:
        report.tables.append(_burden_table(outcomes))
    return report


def _burden(outcomes: Sequence[AlertOutcome] | None, bed_days: int) -> dict[str, Cell]:
    if outcomes is None:
        return {
            "false alarms per bed-day": NOT_RECORDED,
            "minutes to acknowledge p50": NOT_RECORDED,
            "minutes to resolve p50": NOT_RECORDED,
        }
    every = _kind_row("all", list(outcomes))
    falls = _kind_row("fall", [o for o in outcomes if o.kind == "fall"])
    return {
        "alerts": len(outcomes),
        "alerts per bed-day": ratio(len(outcomes), bed_days, 3),
        "false alarms": every[3],
        "false alarms per bed-day": ratio(cast(int, every[3]), bed_days, 3),
        "fall alert PPV %": falls[5],
        "alert PPV %": every[5],
        "minutes to acknowledge p50": every[6],
        "minutes to acknowledge p90": every[7],
        "minutes to resolve p50": every[8],
        "minutes to resolve p90": every[9],
    }


def _burden_table(outcomes: Sequence[AlertOutcome]) -> Table:
    kinds = sorted({o.kind for o in outcomes})
    return Table(
        "Alerts by kind",
        [
            "kind",
            "alerts",
            "true",
            "false",
            "other or open",
            "PPV %",
            "min to acknowledge p50",
            "p90",
            "min to resolve p50",
            "p90",
        ],
        [_kind_row(k, [o for o in outcomes if o.kind == k]) for k in kinds]
        + [_kind_row("all", list(outcomes))],
    )


def _kind_row(name: str, outcomes: list[AlertOutcome]) -> list[Cell]:
    true = sum(1 for o in outcomes if o.outcome in TRUE_OUTCOMES)
    false = sum(1 for o in outcomes if o.outcome in FALSE_OUTCOMES)
    ack = [
        float(o.acknowledged_ms - o.opened_ms) for o in outcomes if o.acknowledged_ms is not None
    ]
    res = [float(o.resolved_ms - o.opened_ms) for o in outcomes if o.resolved_ms is not None]
    return [
        name,
        len(outcomes),
        true,
        false,
        len(outcomes) - true - false,
        pct(true, true + false),
        minutes(quantile(ack, 0.5)) if ack else None,
        minutes(quantile(ack, 0.9)) if ack else None,
        minutes(quantile(res, 0.5)) if res else None,
        minutes(quantile(res, 0.9)) if res else None,
    ]
