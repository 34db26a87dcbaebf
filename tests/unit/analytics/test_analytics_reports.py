"""Report numbers and renderings from hand-made roll-ups (no Redis)."""

import re
from datetime import date, timedelta

from aggregator.analytics.query import ReportQuery, UnitData, day_ms
from aggregator.analytics.rollup import RoomCarry
from aggregator.reports import falls, hand_hygiene, home, mobility
from aggregator.reports.falls import AlertOutcome
from aggregator.reports.html import render_html
from aggregator.reports.model import Chart
from aggregator.reports.pdf import render_pdf
from aggregator.reports.svg import chart_svg

D1, D2 = date(2026, 1, 5), date(2026, 1, 6)
Q = ReportQuery("s1", "4west", D1, D1 + timedelta(days=2))
HOUR = 3_600_000


def data(**families: dict[date, dict[tuple[str, str | None, str], int]]) -> UnitData:
    return UnitData(Q, days=dict(families), open_until_ms=Q.end_ms)


def test_compliance_is_used_over_opportunities_per_room_shift_and_moment() -> None:
    report = hand_hygiene.build(
        data(
            hh={
                D1: {
                    ("r1", None, "opp.entry.contact.day"): 10,
                    ("r1", None, "used.entry.contact.day"): 4,
                    ("r1", None, "opp.exit.contact.night"): 10,
                    ("r1", None, "used.exit.contact.night"): 7,
                },
                D2: {
                    ("r2", None, "opp.entry.nocontact.day"): 5,
                    ("r2", None, "used.entry.nocontact.day"): 5,
                },
            }
        )
    )
    f = report.figures
    assert (f["opportunities"], f["dispenser used"], f["compliance %"]) == (25, 16, 64.0)
    assert f["before patient contact compliance %"] == 40.0
    assert f["other opportunities compliance %"] == 80.0  # (7 + 5) / (10 + 5)
    assert f["entry compliance %"] == 60.0 and f["exit compliance %"] == 70.0
    assert f["night shift compliance %"] == 70.0
    assert report.table("By room").rows == [  # then entry, exit, day and night shift %
        ["r1", 20, 11, 55.0, 40.0, 70.0, 40.0, 70.0],
        ["r2", 5, 5, 100.0, 100.0, None, 100.0, None],
    ]
    assert report.table("By moment").rows == [
        ["before patient contact", 10, 4, 40.0],
        ["other", 15, 12, 80.0],
    ]
    page = render_html(report)
    assert "Hawthorne" in page and "2.5–3×" in page and page.count("<svg") == 3


def test_falls_per_thousand_patient_days_and_the_burden_from_outcomes() -> None:
    unit = data(
        falls={D1: {("r1", None, "falls"): 1, ("r1", None, "floor_ms.e1"): 6 * 60_000}},
        occ={D1: {("r1", None, "occ_ms"): HOUR}, D2: {("r2", None, "occ_ms"): 5}},
    )
    unit.carry = {"r1": RoomCarry(people=1, since_ms=day_ms(D2) + 12 * HOUR)}  # still there
    outcomes = [
        AlertOutcome("r1", "fall", 0, 120_000, 600_000, "true_fall"),
        AlertOutcome("r1", "bed_exit", 0, 60_000, 60_000, "false_alarm"),
    ]
    report = falls.build(unit, outcomes)
    f = report.figures
    assert f["patient-days"] == 3  # r1 on both days (open until the end), r2 on D2
    assert f["falls per 1,000 patient-days"] == 333.33
    assert f["median minutes on the floor"] == 6.0
    assert f["false alarms per bed-day"] == 0.333
    assert f["minutes to acknowledge p50"] == 1.5  # 2 and 1 minutes
    assert f["minutes to acknowledge p90"] == 1.9  # 1 + 0.9 × (2 − 1)
    assert f["minutes to resolve p90"] == 9.1  # 1 + 0.9 × (10 − 1)
    assert (f["fall alert PPV %"], f["alert PPV %"]) == (100.0, 50.0)
    assert report.table("Alerts by kind").rows[-1][:5] == ["all", 2, 1, 1, 0]
    assert falls.build(unit).figures["false alarms per bed-day"] == "not recorded"


def test_mobility_counts_a_patient_day_without_a_session_as_not_out_of_bed() -> None:
    unit = data(
        mob={
            D1: {
                ("r1", "A", "sessions"): 2,
                ("r1", "A", "max_ims"): 7,
                ("r1", "A", "active_ms"): 90_000,
                ("r1", "A", "staff_sum"): 3,
            }
        },
        occ={D1: {("r1", None, "occ_ms"): 10}, D2: {("r1", None, "occ_ms"): 10}},
    )
    unit.firsts = {("r1", "admit"): day_ms(D1), ("r1", "oob"): day_ms(D1) + 3 * HOUR}
    report = mobility.build(unit)
    rows = report.table("By patient-day").rows
    assert rows == [
        ["r1", "2026-01-05", 7, 1.5, "yes", 2, 1.5, 0],
        ["r1", "2026-01-06", 0, 0.0, "no", 0, None, 0],
    ]
    assert report.figures["patient-days out of bed %"] == 50.0
    firsts = report.table("Admission to first out of bed and first walk").rows
    assert firsts == [["r1", "2026-01-05T00:00:00+00:00", 3.0, None]]


def test_an_edge_day_summary_raises_the_days_level_and_fills_a_day_without_sessions() -> None:
    unit = data(
        mob={
            D1: {
                ("r1", "A", "sessions"): 1,
                ("r1", "A", "max_ims"): 3,
                ("r1", "A", "active_ms"): 60_000,
                ("r1", "A", "staff_sum"): 2,
                ("r1", "A", "staff_max"): 2,
                ("r1", "A", "day_max_ims"): 5,
                ("r1", "A", "day_sessions"): 2,
                ("r1", "A", "day_active_ms"): 120_000,
                ("r1", "A", "day_staff_max"): 1,
            },
            D2: {
                ("r1", "A", "day_max_ims"): 4,
                ("r1", "A", "day_sessions"): 1,
                ("r1", "A", "day_active_ms"): 30_000,
                ("r1", "A", "day_staff_max"): 3,
            },
        },
        occ={D1: {("r1", None, "occ_ms"): 10}, D2: {("r1", None, "occ_ms"): 10}},
    )
    report = mobility.build(unit)
    assert report.table("By patient-day").rows == [
        ["r1", "2026-01-05", 5, 1.0, "yes", 1, 2.0, 2],  # level from the summary only
        ["r1", "2026-01-06", 4, 0.5, "yes", 1, None, 3],  # no session arrived: the summary
    ]
    assert report.figures["mean staff per session"] == 2.0  # only sessions with staff counts


def test_a_day_far_from_the_persons_own_baseline_is_flagged() -> None:
    days = [D1 - timedelta(days=k) for k in range(1, 15)]
    values = {
        (("h1", d)): {"in_bed": 8.0 + 0.1 * (k % 3), "bathroom_visits": 5.0}
        for k, d in enumerate(days)
    }
    values[("h1", D1)] = {"in_bed": 8.1, "bathroom_visits": 5.0}
    values[("h1", D2)] = {"in_bed": 13.0, "bathroom_visits": 5.0}
    found = home.flags(values, [D1, D2])
    assert [(f.day, f.measure) for f in found] == [(D2, "in bed h")]
    assert found[0].change_pct > 25


def test_pdf_cross_reference_points_at_every_object() -> None:
    report = hand_hygiene.build(data(hh={D1: {("r(1)", None, "opp.entry.contact.day"): 3}}))
    pdf = render_pdf(report)
    start = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    table = pdf[start:].split(b"trailer")[0].split(b"\n")[2:-1]
    offsets = [int(line[:10]) for line in table[1:]]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(f"{number} 0 obj".encode())
    assert re.search(rb"/Count \d+", pdf)


def test_a_bar_chart_draws_one_bar_per_value_and_skips_gaps() -> None:
    svg = chart_svg(Chart("c", "bar", ["a", "b", "c"], {"x": [1.0, None, 3.0]}))
    assert svg.count("<rect") == 2 and svg.startswith("<svg")
