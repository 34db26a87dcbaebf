"""Hand-hygiene compliance: opportunities with dispenser use ÷ opportunities.

Per unit, room, shift and day; entry vs exit; before patient contact (an entry on a visit
that touches the patient, WHO moment 1) vs the other opportunities; and the trend by week.
"""

from collections import defaultdict
from datetime import date

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


class _Tally:
    __slots__ = ("opp", "used")

    def __init__(self) -> None:
        self.opp = 0
        self.used = 0

    def row(self) -> list[Cell]:
        return [self.opp, self.used, pct(self.used, self.opp)]


def build(data: UnitData) -> Report:
    report = shell("hand-hygiene", "Hand-hygiene compliance", data.query)
    total = _Tally()
    by: dict[str, dict[object, _Tally]] = defaultdict(lambda: defaultdict(_Tally))
    detail: dict[tuple[str, date, str, str, str], _Tally] = defaultdict(_Tally)
    pairs: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    for day, counters in data.family("hh").items():
        if not data.query.start <= day < data.query.end:
            continue
        for (room, _, metric), value in counters.items():
            kind, direction, contact, shift = metric.split(".")
            moment = (
                "before patient contact"
                if (direction, contact) == ("entry", "contact")
                else "other"
            )
            tallies = [
                total,
                by["room"][room],
                by["day"][day],
                by["week"][week_of(day)],
                by["shift"][shift],
                by["direction"][direction],
                by["moment"][moment],
                pairs[(direction, contact)],
                detail[(room, day, shift, direction, contact)],
            ]
            for tally in tallies:
                if kind == "opp":
                    tally.opp += value
                else:
                    tally.used += value
    head = ["opportunities", "dispenser used", "compliance %"]
    report.figures = {
        "opportunities": total.opp,
        "dispenser used": total.used,
        "compliance %": pct(total.used, total.opp),
        "entry compliance %": _pct(by["direction"], "entry"),
        "exit compliance %": _pct(by["direction"], "exit"),
        "before patient contact compliance %": _pct(by["moment"], "before patient contact"),
        "other opportunities compliance %": _pct(by["moment"], "other"),
        "day shift compliance %": _pct(by["shift"], "day"),
        "night shift compliance %": _pct(by["shift"], "night"),
    }
    report.notes = [HAWTHORNE_NOTE, DEFINITIONS]
    weeks = sorted(by["week"], key=str)
    rooms = sorted(by["room"], key=str)
    report.charts = [
        Chart(
            "Compliance by week",
            "line",
            [str(w) for w in weeks],
            {"compliance %": [pct(by["week"][w].used, by["week"][w].opp) for w in weeks]},
            "%",
        ),
        Chart(
            "Compliance by room",
            "bar",
            [str(r) for r in rooms],
            {"compliance %": [pct(by["room"][r].used, by["room"][r].opp) for r in rooms]},
            "%",
        ),
        Chart(
            "Entry and exit, by shift",
            "bar",
            ["entry", "exit", "day shift", "night shift"],
            {
                "compliance %": [
                    _pct(by["direction"], "entry"),
                    _pct(by["direction"], "exit"),
                    _pct(by["shift"], "day"),
                    _pct(by["shift"], "night"),
                ]
            },
            "%",
        ),
    ]
    report.tables = [
        _table("By room", "room", by["room"], head),
        _table("By shift", "shift", by["shift"], head),
        _table("By moment", "moment", by["moment"], head),
        Table(
            "By direction and contact",
            ["direction", "patient contact", *head],
            [[d, c, *t.row()] for (d, c), t in sorted(pairs.items())],
        ),
        _table("By day", "day", by["day"], head),
        _table("By week", "week starting", by["week"], head),
        Table(
            "By room, day, shift, direction and contact",
            ["room", "day", "shift", "direction", "patient contact", *head],
            [[r, str(d), s, di, c, *t.row()] for (r, d, s, di, c), t in sorted(detail.items())],
        ),
    ]
    return report


def _pct(tallies: dict[object, _Tally], key: str) -> float | None:
    tally = tallies.get(key)
    return pct(tally.used, tally.opp) if tally else None


def _table(title: str, label: str, tallies: dict[object, _Tally], head: list[str]) -> Table:
    return Table(
        title,
        [label, *head],
        [[str(k), *t.row()] for k, t in sorted(tallies.items(), key=lambda kv: str(kv[0]))],
    )
