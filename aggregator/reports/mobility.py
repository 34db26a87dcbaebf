"""Mobility per patient-day: highest ICU Mobility Scale level, active minutes, out of bed,
staff per session; and per room the time from admission to first out of bed and first walk.

A patient-day is a room-day with the room occupied at some time; rooms hold one patient, and
admission is the first time the room was seen occupied (the roll-ups know no patients, so a
new patient in the same room is not a new admission: a stated limit).
"""

from collections import defaultdict
from datetime import UTC, date, datetime

from aggregator.analytics.query import UnitData
from aggregator.analytics.rollup import OUT_OF_BED_IMS
from aggregator.reports.common import hours, median, shell, week_of
from aggregator.reports.model import Cell, Chart, Report, Table, pct, ratio

MAX_METRICS = frozenset(
    {"max_ims", "staff_max", "day_max_ims", "day_active_ms", "day_sessions", "day_staff_max"}
)
"""Day metrics kept as the highest value (the rest are sums)."""

DEFINITIONS = (
    "Highest level on the ICU Mobility Scale (0 lying in bed … 3 sitting on the edge, "
    "4 standing, 5 transfer to a chair, 7–8 walking with assistance) reached in the day's "
    "sessions; active minutes are minutes upright (standing or walking); out of bed = "
    "level 4 or more. A patient-day is a room-day the room was occupied; admission is the "
    "first time the room was seen occupied. When the sensor sends its own day summary, "
    "the day's highest level is the higher of the summary's and the sessions'."
)


def build(data: UnitData) -> Report:
    query = data.query
    report = shell("mobility", "Mobility per patient-day", query)
    mob: dict[tuple[str, date], dict[str, int]] = defaultdict(dict)
    for day, counters in data.family("mob").items():
        for (room, _, metric), value in counters.items():
            cell = mob[(room, day)]
            if metric in MAX_METRICS:
                cell[metric] = max(cell.get(metric, 0), value)
            else:
                cell[metric] = cell.get(metric, 0) + value
    for cell in mob.values():
        _merge_day_summary(cell)
    occupied = data.occupied_ms()
    patient_days = sorted(
        (room, day)
        for (room, day), ms in occupied.items()
        if ms > 0 and query.start <= day < query.end
    )
    rows: list[list[Cell]] = []
    levels = [0] * 11
    weekly: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    sessions = staff = staffed = out_days = active = top_sum = 0
    for room, day in patient_days:
        cell = mob.get((room, day), {})
        top = cell.get("max_ims", 0)
        n = cell.get("sessions", 0)
        oob = top >= OUT_OF_BED_IMS
        levels[top] += 1
        weekly[week_of(day)][0] += 1
        weekly[week_of(day)][1] += int(oob)
        sessions += n
        staff += cell.get("staff_sum", 0)
        staffed += cell.get("staffed_sessions", 0)
        out_days += int(oob)
        active += cell.get("active_ms", 0)
        top_sum += top
        rows.append(
            [
                room,
                str(day),
                top,
                round(cell.get("active_ms", 0) / 60_000, 1),
                "yes" if oob else "no",
                n,
                ratio(cell.get("staff_sum", 0), cell.get("staffed_sessions", 0), 1),
                cell.get("staff_max", 0),
            ]
        )
    firsts = _firsts(data)
    n_days = len(patient_days)
    report.figures = {
        "patient-days": n_days,
        "sessions": sessions,
        "patient-days out of bed %": pct(out_days, n_days),
        "mean highest IMS level": ratio(top_sum, n_days),
        "mean active minutes per patient-day": ratio(active / 60_000, n_days, 1),
        "mean staff per session": ratio(staff, staffed),
        "median hours admission to first out of bed": median(
            [r[2] for r in firsts if isinstance(r[2], float)]
        ),
        "median hours admission to first walk": median(
            [r[3] for r in firsts if isinstance(r[3], float)]
        ),
    }
    report.notes = [DEFINITIONS]
    weeks = sorted(weekly)
    report.charts = [
        Chart(
            "Highest IMS level per patient-day",
            "bar",
            [str(level) for level in range(11)],
            {"patient-days": [float(n) for n in levels]},
        ),
        Chart(
            "Patient-days out of bed, by week",
            "line",
            [str(w) for w in weeks],
            {"out of bed %": [pct(weekly[w][1], weekly[w][0]) for w in weeks]},
            "%",
        ),
    ]
    report.tables = [
        Table(
            "By patient-day",
            [
                "room",
                "day",
                "highest IMS",
                "active min",
                "out of bed",
                "sessions",
                "staff per session",
                "most staff",
            ],
            rows,
        ),
        Table(
            "Admission to first out of bed and first walk",
            ["room", "admission", "hours to first out of bed", "hours to first walk"],
            firsts,
        ),
    ]
    return report


def _merge_day_summary(cell: dict[str, int]) -> None:
    """Fold an edge's `mobility_day` summary into the day's figures from sessions.

    The highest level is the higher of the two (a session's end may have been lost, or the
    summary may predate the last session). Sessions, active time and most staff come from
    the session events when any of that day arrived, else from the summary; staff per
    session needs the sessions (the summary has no sum), so it stays empty then.
    """
    cell["staffed_sessions"] = cell.get("sessions", 0)
    if "day_max_ims" not in cell:
        return
    cell["max_ims"] = max(cell.get("max_ims", 0), cell["day_max_ims"])
    if not cell.get("sessions"):
        cell["sessions"] = cell.get("day_sessions", 0)
        cell["active_ms"] = cell.get("day_active_ms", 0)
        cell["staff_max"] = cell.get("day_staff_max", 0)


def _firsts(data: UnitData) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    rooms = sorted({room for room, _ in data.firsts})
    for room in rooms:
        admit = data.firsts.get((room, "admit"))
        if admit is None:
            continue
        oob, walk = data.firsts.get((room, "oob")), data.firsts.get((room, "walk"))
        rows.append(
            [
                room,
                datetime.fromtimestamp(admit / 1000, UTC).isoformat(timespec="seconds"),
                hours(oob - admit) if oob is not None else None,
                hours(walk - admit) if walk is not None else None,
            ]
        )
    return rows
