"""Hand-hygiene compliance: opportunities with dispenser use ÷ opportunities.

Per unit, room, shift and day; entry vs exit; before patient contact (an entry on a visit
that touches the patient, WHO moment 1) vs the other opportunities; and the trend by week.
"""

from collections.abc import Callable
from datetime import date

import numpy as np

from aggregator.analytics.query import UnitData
from aggregator.reports.common import shell, week_of
from aggregator.reports.model import Cell, Chart, Report, Table, pct

HAWTHORNE_NOTE = (
    "Continuous measurement reads lower than direct-observation audits. Every doorway "
    "crossing is counted, day and night, with nobody watching; audits see a few observed "
    "opportunities, and people clean their hands more when they know they are observed "
    "(the Hawthorne effect). Audits have been found to inflate compliance about 2.5–3× "
    "(Srigley et al., BMJ Quality & Safety 2014: about three times more hand-hygiene events "
    "in a hallway while an auditor was visible). Compare these figures with earlier "
    "continuous figures, not with audit results."
)
DEFINITIONS = (
    "An opportunity is a staff member crossing the room's doorway (entry or exit); it is "
    "compliant when a dispenser was used within the window around the crossing. Before "
    "patient contact = entries on visits that went to the bed. Shifts: day 07:00–19:00, "
    "night 19:00–07:00 (unit local time); days are UTC."
)


DIRECTIONS = ("entry", "exit")
CONTACTS = ("contact", "nocontact", "unknown")
SHIFTS = ("day", "night")
SLOTS = [(d, c, s) for d in DIRECTIONS for c in CONTACTS for s in SHIFTS]
"""The 12 kinds of opportunity a room-day is counted in; used counts follow in 12 more."""
_INDEX = {
    f"{kind}.{d}.{c}.{s}": offset + i
    for offset, kind in ((0, "opp"), (len(SLOTS), "used"))
    for i, (d, c, s) in enumerate(SLOTS)
}
HEAD = ["opportunities", "dispenser used", "compliance %"]


def _mask(test: Callable[[str, str, str], bool]) -> list[bool]:
    return [test(d, c, s) for d, c, s in SLOTS]


def _slots(test: Callable[[str, str, str], bool]) -> np.ndarray:
    return np.array(_mask(test), dtype=np.int64)


COLUMNS = {
    "all": _slots(lambda _d, _c, _s: True),
    "entry": _slots(lambda d, _c, _s: d == "entry"),
    "exit": _slots(lambda d, _c, _s: d == "exit"),
    "day": _slots(lambda _d, _c, s: s == "day"),
    "night": _slots(lambda _d, _c, s: s == "night"),
    "before patient contact": _slots(lambda d, c, _s: (d, c) == ("entry", "contact")),
    "other": _slots(lambda d, c, _s: (d, c) != ("entry", "contact")),
    **{
        f"{d}/{c}": np.array([(x, y) == (d, c) for x, y, _ in SLOTS], dtype=np.int64)
        for d in DIRECTIONS
        for c in CONTACTS
    },
}
"""Which of the 12 slots each figure or column adds up."""
_MATRIX = np.stack(list(COLUMNS.values()), axis=1)
_COL = {name: i for i, name in enumerate(COLUMNS)}


def summarise(vectors: np.ndarray) -> tuple[list[list[int]], list[list[int]]]:
    """Opportunities and uses per column of `COLUMNS`, for each 24-vector (rows)."""
    n = len(SLOTS)
    flat = vectors.reshape(-1, 2 * n)
    return (flat[:, :n] @ _MATRIX).tolist(), (flat[:, n:] @ _MATRIX).tolist()


def _row(opp: list[int], used: list[int], *columns: str) -> list[Cell]:
    """[opportunities, used, compliance %] of "all", then compliance % of each column."""
    a = _COL["all"]
    return [
        opp[a],
        used[a],
        pct(used[a], opp[a]),
        *(pct(used[_COL[c]], opp[_COL[c]]) for c in columns),
    ]


SPLIT = ("entry", "exit", "day", "night")


def build(data: UnitData) -> Report:
    query = data.query
    report = shell("hand-hygiene", "Hand-hygiene compliance", query)
    days = query.days
    day_index = {d: i for i, d in enumerate(days)}
    rooms: dict[str, int] = {}
    cells: list[tuple[int, int, int, int]] = []
    for day, counters in data.family("hh").items():
        di = day_index.get(day)
        if di is None:
            continue
        for (room, _, metric), value in counters.items():
            ri = rooms.setdefault(room, len(rooms))
            cells.append((ri, di, _INDEX[metric], value))
    grid = np.zeros((len(rooms), len(days), 2 * len(SLOTS)), dtype=np.int64)
    if cells:
        idx = np.array(cells, dtype=np.int64)
        np.add.at(grid, (idx[:, 0], idx[:, 1], idx[:, 2]), idx[:, 3])
    by_room, by_day, total = grid.sum(axis=1), grid.sum(axis=0), grid.sum(axis=(0, 1))
    weeks: dict[date, np.ndarray] = {}
    for d, vec in zip(days, by_day, strict=True):
        w = week_of(d)
        weeks[w] = weeks[w] + vec if w in weeks else vec.copy()
    week_list = sorted(weeks)
    room_names = sorted(rooms)
    (t_opp,), (t_used,) = summarise(total[None, :])

    def figure(column: str) -> float | None:
        return pct(t_used[_COL[column]], t_opp[_COL[column]])

    report.figures = {
        "opportunities": t_opp[_COL["all"]],
        "dispenser used": t_used[_COL["all"]],
        "compliance %": figure("all"),
        "entry compliance %": figure("entry"),
        "exit compliance %": figure("exit"),
        "before patient contact compliance %": figure("before patient contact"),
        "other opportunities compliance %": figure("other"),
        "day shift compliance %": figure("day"),
        "night shift compliance %": figure("night"),
    }
    report.notes = [HAWTHORNE_NOTE, DEFINITIONS]
    r_opp, r_used = summarise(by_room[[rooms[r] for r in room_names]] if rooms else by_room)
    d_opp, d_used = summarise(by_day)
    w_opp, w_used = summarise(np.stack([weeks[w] for w in week_list]) if weeks else by_day[:0])
    report.charts = [
        Chart(
            "Compliance by week",
            "line",
            [str(w) for w in week_list],
            {"compliance %": [pct(u[0], o[0]) for o, u in zip(w_opp, w_used, strict=True)]},
            "%",
        ),
        Chart(
            "Compliance by room",
            "bar",
            room_names,
            {"compliance %": [pct(u[0], o[0]) for o, u in zip(r_opp, r_used, strict=True)]},
            "%",
        ),
        Chart(
            "Entry and exit, by shift",
            "bar",
            ["entry", "exit", "day shift", "night shift"],
            {"compliance %": [figure(c) for c in SPLIT]},
            "%",
        ),
    ]
    split = ["entry %", "exit %", "day shift %", "night shift %"]
    g_opp, g_used = summarise(grid[[rooms[r] for r in room_names]] if rooms else grid)
    per_room_day = []
    for i, room in enumerate(room_names):
        for j, day in enumerate(days):
            k = i * len(days) + j
            if g_opp[k][0]:
                per_room_day.append([room, str(day), *_row(g_opp[k], g_used[k], *SPLIT)])

    def one(column: str) -> list[Cell]:
        c = _COL[column]
        return [t_opp[c], t_used[c], pct(t_used[c], t_opp[c])]

    report.tables = [
        Table(
            "By room",
            ["room", *HEAD, *split],
            [[r, *_row(o, u, *SPLIT)] for r, o, u in zip(room_names, r_opp, r_used, strict=True)],
        ),
        Table("By shift", ["shift", *HEAD], [[s, *one(s)] for s in SHIFTS]),
        Table(
            "By moment",
            ["moment", *HEAD],
            [[m, *one(m)] for m in ("before patient contact", "other")],
        ),
        Table(
            "By direction and contact",
            ["direction", "patient contact", *HEAD],
            [[d, c, *one(f"{d}/{c}")] for d in DIRECTIONS for c in CONTACTS],
        ),
        Table(
            "By day",
            ["day", *HEAD, *split],
            [
                [str(d), *_row(o, u, *SPLIT)]
                for d, o, u in zip(days, d_opp, d_used, strict=True)
                if o[0]
            ],
        ),
        Table(
            "By week",
            ["week starting", *HEAD],
            [[str(w), *_row(o, u)] for w, o, u in zip(week_list, w_opp, w_used, strict=True)],
        ),
        Table("By room and day", ["room", "day", *HEAD, *split], per_room_day),
    ]
    return report
