"""Reports from a back-filled fleet history equal the history's ground truth, exactly.

Three weeks of six rooms (two hospital, two ICU bays with fewer staff visits than by
default, two homes; falls made frequent so there are some) go through the aggregator's
ingest writer into a real Redis; the analytics consumer folds the streams into roll-ups;
every report is built from the roll-ups alone and compared with the truth file the
simulator wrote. A second history runs over two months and a new year (two rooms), and
alerts raised for some back-filled falls through the real alert lifecycle and store give
the falls report its alarm burden.
"""

import argparse
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import redis
import redis.asyncio as aioredis
from fastapi import FastAPI

from aggregator import samples
from aggregator.alerts.lifecycle import acknowledge, on_bed_exit, on_fall, resolve
from aggregator.alerts.model import Alert, AlertKind, Outcome, episode_alert_id
from aggregator.alerts.store import AlertStore
from aggregator.analytics import keys
from aggregator.analytics.consumer import AnalyticsConsumer
from aggregator.analytics.query import ReportQuery, load
from aggregator.analytics.rollup import Ops
from aggregator.ingest.writer import RedisBatchWriter
from aggregator.report_cli import register
from aggregator.reports.build import build_report
from aggregator.reports.model import Report
from aggregator.reports.outcomes import StoredOutcomes
from aggregator.store import PARTITIONS_KEY, Partition
from aggregator.web.reports import report_router
from ambient.services import Service
from edge_agent.detections import Detection
from protocol import (
    BedExitEvent,
    EventType,
    FallEvent,
    MobilityData,
    MobilityDayData,
    MobilityState,
    Phase,
    dump_event,
    parse_event,
)
from simulators.fleet.backfill import backfill
from simulators.fleet.layout import make_rooms
from simulators.fleet.rates import DEFAULT_RATES, RoomKind

pytestmark = pytest.mark.integration

START, DAYS = date(2026, 1, 5), 21
END = START + timedelta(days=DAYS)
NOW_MS = int(datetime(2026, 6, 1, tzinfo=UTC).timestamp() * 1000)


@dataclass
class History:
    client: "redis.Redis"
    site: str
    truth: dict[str, Any]
    url: str

    def rooms(self, unit: str) -> list[dict[str, Any]]:
        return [r for r in self.truth["rooms"] if r["unit"] == unit]

    def report(self, kind: str, unit: str) -> Report:
        return build_report(
            self.client, kind, ReportQuery(self.site, unit, START, END), now_ms=NOW_MS
        )


@pytest.fixture(scope="module")
def history(redis_service: Service) -> Iterator[History]:
    site = "reports-3w"  # fixed: which beds are fall-risk depends on the site's name
    client = redis.Redis(port=redis_service.port, protocol=2)
    kinds = (RoomKind.HOSPITAL, RoomKind.ICU, RoomKind.HOME)
    rates = {k: DEFAULT_RATES[k].model_copy(update={"falls_per_1000_days": 100.0}) for k in kinds}
    rates[RoomKind.ICU] = rates[RoomKind.ICU].model_copy(
        update={"staff_gap_day_min": (20.0, 60.0), "staff_gap_night_min": (60.0, 150.0)}
    )
    rooms = make_rooms(6, site=site, units=3, kinds=kinds, seed=11, rates=rates)
    truth, _ = backfill(
        RedisBatchWriter(client, 3600, None), rooms, start=START, days=DAYS, seed=11, rates=rates
    )
    done = AnalyticsConsumer(client, batch=2000).catch_up()
    assert done.events > 0 and done.conflicts == 0
    yield History(client, site, truth.to_json(), redis_service.url)
    client.close()


def _table(report: Report, title: str) -> dict[str, list[Any]]:
    return {str(row[0]): row for row in report.table(title).rows}


def test_hand_hygiene_numerators_and_denominators_equal_the_truth(history: History) -> None:
    for unit in ("hospital1", "icu2", "home3"):
        report = history.report("hand-hygiene", unit)
        cells: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        per_room: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for room in history.rooms(unit):
            for day in room["days"]:
                for key, (opp, used) in day["hand_hygiene"].items():
                    for k in (key.split(".")[2], "all"):
                        cells[k][0] += opp
                        cells[k][1] += used
                    per_room[room["room"]][0] += opp
                    per_room[room["room"]][1] += used
        assert cells["all"][0] > 100
        assert report.figures["opportunities"] == cells["all"][0]
        assert report.figures["dispenser used"] == cells["all"][1]
        shifts = _table(report, "By shift")
        for shift in ("day", "night"):
            assert shifts[shift][1:3] == cells[shift]
        by_room = _table(report, "By room")
        assert {r: v[1:3] for r, v in by_room.items()} == per_room
    hospital = history.report("hand-hygiene", "hospital1")
    assert 30 < hospital.figures["compliance %"] < 80  # type: ignore[operator]
    assert any("2.5–3×" in note and "Hawthorne" in note for note in hospital.notes)


def test_occupied_time_and_activity_time_equal_the_truth_to_the_millisecond(
    history: History,
) -> None:
    for unit in ("hospital1", "icu2", "home3"):
        data = load(
            history.client,
            ReportQuery(history.site, unit, START, END),
            ("occ", "act"),
            now_ms=NOW_MS,
        )
        occupied = data.occupied_ms()
        activity = data.activity_ms()
        for room in history.rooms(unit):
            for day in room["days"]:
                d = date.fromisoformat(day["date"])
                assert occupied.get((room["room"], d), 0) == day["occupied_ms"]
                for category in ("in_bed", "sitting", "up", "out_of_view"):
                    want = day["activity"].get(f"{category}_ms", 0)
                    assert activity.get((room["room"], d, category), 0) == want


def test_mobility_per_patient_day_and_firsts_equal_the_truth(history: History) -> None:
    report = history.report("mobility", "icu2")
    rows = {(r[0], r[1]): r for r in report.table("By patient-day").rows}
    sessions = 0
    for room in history.rooms("icu2"):
        for day in room["days"]:
            mob = day["mobility"]
            row = rows[(room["room"], day["date"])]
            assert row[2] == mob.get("max_ims", 0)
            assert row[3] == round(mob.get("active_ms", 0) / 60_000, 1)
            assert row[4] == ("yes" if mob.get("max_ims", 0) >= 4 else "no")
            assert row[5] == mob.get("sessions", 0)
            assert row[7] == mob.get("staff_max", 0)
            sessions += mob.get("sessions", 0)
    assert report.figures["patient-days"] == len(rows) == 2 * DAYS
    assert report.figures["sessions"] == sessions > 0
    firsts = _table(report, "Admission to first out of bed and first walk")
    for room in history.rooms("icu2"):
        admit = datetime.fromisoformat(room["admission"])
        row = firsts[room["room"]]
        assert row[1] == admit.isoformat(timespec="seconds")
        for column, name in ((2, "first_out_of_bed"), (3, "first_walk")):
            want = room[name] and round(
                (datetime.fromisoformat(room[name]) - admit).total_seconds() / 3600, 2
            )
            assert row[column] == want


def test_falls_per_patient_day_and_time_on_floor_equal_the_truth(history: History) -> None:
    falls: Counter[str] = Counter()
    floor: list[float] = []
    bed_exits = days = 0
    for unit in ("hospital1", "icu2", "home3"):
        report = history.report("falls", unit)
        for room in history.rooms(unit):
            days += len(room["days"])
            bed_exits += sum(d["bed_exits"] for d in room["days"])
            for day in room["days"]:
                for fall in day["falls"]:
                    landed = datetime.fromisoformat(fall["landing"]).date()
                    if landed < END:
                        falls[unit] += 1
                        floor.append(round(fall["on_floor_s"] / 60, 1))
        assert report.figures["falls"] == falls[unit]
        assert report.figures["patient-days"] == 2 * DAYS
        assert report.figures["falls per 1,000 patient-days"] == round(
            1000 * falls[unit] / (2 * DAYS), 2
        )
        assert report.figures["false alarms per bed-day"] == "not recorded"
    assert sum(falls.values()) >= 3
    everything = [
        float(str(row[2]))
        for unit in ("hospital1", "icu2", "home3")
        for row in history.report("falls", unit).table("Falls").rows
    ]
    assert sorted(everything) == sorted(floor)


def test_home_report_counts_night_bed_exits_and_bathroom_visits_of_the_truth(
    history: History,
) -> None:
    report = history.report("home", "home3")
    rows = {(r[0], r[1]): r for r in report.table("By home and day").rows}
    for room in history.rooms("home3"):
        for day in room["days"]:
            act = day["activity"]
            row = rows[(room["room"], day["date"])]
            assert row[2] == round(act["in_bed_ms"] / 3_600_000, 2)
            assert row[6] == act["night_bed_exits"]
            assert row[7] == act["bathroom_visits"]
    assert report.figures["home-days"] == 2 * DAYS


def test_rollups_apply_each_entry_once(history: History) -> None:
    part = Partition(history.site, "hospital1")
    day_key = keys.day_key(part, "hh", START)
    before = history.client.hgetall(day_key)
    again = AnalyticsConsumer(history.client).catch_up()
    assert again.entries == 0
    # A writer that computed a batch from an old cursor loses the race and writes nothing.
    cursor = history.client.get(keys.cursor_key(part))
    ops = Ops()
    ops.incr[(day_key, "x||opp.entry.contact.day")] = 5
    assert not AnalyticsConsumer(history.client)._write(part, "0-1", "9999999999999-0", ops, set())
    assert history.client.get(keys.cursor_key(part)) == cursor
    assert history.client.hgetall(day_key) == before


def test_report_command_writes_html_csv_and_pdf(history: History, tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "report",
            "hand-hygiene",
            "--from",
            str(START),
            "--to",
            str(END),
            "--unit",
            f"{history.site}/hospital1",
            "--redis",
            history.url,
            "--out",
            str(tmp_path),
            "--catch-up",
        ]
    )
    assert args.handler(args) == 0
    html = (tmp_path / "hand-hygiene.html").read_text()
    assert "<svg" in html and "Hawthorne" in html and "Compliance by week" in html
    csv = (tmp_path / "hand-hygiene.csv").read_text().splitlines()
    opportunities = history.report("hand-hygiene", "hospital1").figures["opportunities"]
    assert f"opportunities,{opportunities}" in csv
    pdf = (tmp_path / "hand-hygiene.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_report_routes_serve_the_same_numbers(history: History) -> None:
    app = FastAPI()
    app.include_router(
        report_router(history.client, clock=lambda: datetime.fromtimestamp(NOW_MS / 1000, UTC))
    )
    transport = httpx.ASGITransport(app=app)
    params = {"unit": f"{history.site}/icu2", "from": str(START), "to": str(END)}
    async with httpx.AsyncClient(transport=transport, base_url="http://r") as http:
        got = (await http.get("/api/reports/mobility", params=params)).json()
        page = await http.get("/reports/mobility", params=params)
        pdf = await http.get("/reports/mobility", params={**params, "format": "pdf"})
        missing = await http.get("/api/reports/nope", params=params)
        backwards = await http.get("/api/reports/falls", params={**params, "to": str(START)})
    assert got["figures"] == json.loads(json.dumps(history.report("mobility", "icu2").figures))
    assert page.status_code == 200 and "<svg" in page.text
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert missing.status_code == 404 and backwards.status_code == 422


# -- alert burden from the alert store ----------------------------------------------------


def _stream_events(client: "redis.Redis", part: Partition) -> list[Any]:
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrange(part.events))
    events = [parse_event(f[b"payload"]) for _, f in entries if f.get(b"kind") != b"status"]
    return sorted(events, key=lambda e: e.ts)


@pytest.mark.anyio
async def test_falls_report_shows_the_burden_of_alerts_resolved_through_the_lifecycle(
    history: History, redis_service: Service
) -> None:
    """Three back-filled falls and two bed exits of hospital1 raised as alerts a nurse
    answers (the times below), one suppressed; the numbers are worked out by hand."""
    part = Partition(history.site, "hospital1")
    events = _stream_events(history.client, part)
    falls = [e for e in events if isinstance(e, FallEvent) and e.phase is Phase.START][:3]
    exits = [e for e in events if isinstance(e, BedExitEvent) and e.data.stage == "exit"][:2]
    assert len(falls) == 3 and len(exits) == 2
    client = aioredis.Redis(port=redis_service.port)
    store = AlertStore(client)
    s = timedelta(seconds=1)
    # (event, seconds to acknowledge or None, seconds to resolve or None, outcome, suppressed)
    plan: list[tuple[FallEvent | BedExitEvent, int | None, int | None, Outcome | None, str | None]]
    plan = [
        (falls[0], 60, 300, Outcome.TRUE_FALL, None),
        (falls[1], None, 180, Outcome.FALSE_ALARM, None),  # resolving answers it: 180 s
        (falls[2], 120, None, None, None),  # acknowledged, still open
        (exits[0], 30, 90, Outcome.NOT_FOUND, None),
        (exits[1], None, None, None, "staff in room"),  # never raised: not counted
    ]
    try:
        for event, ack_s, res_s, outcome, suppress in plan:
            opened = event.ts + 10 * s
            [action] = await store.update(part, _alert_id(event), _opening(event, opened, suppress))
            alert_id = action.alert.alert_id
            if ack_s is not None:
                await store.update(part, alert_id, _step(acknowledge, "rn-1", opened + ack_s * s))
            if res_s is not None:
                await store.update(
                    part, alert_id, _step(resolve, "rn-2", outcome, opened + res_s * s)
                )
    finally:
        await client.aclose()
    report = build_report(
        history.client,
        "falls",
        ReportQuery(history.site, "hospital1", START, END),
        now_ms=NOW_MS,
        outcomes=StoredOutcomes(history.client),
    )
    f = report.figures
    assert f["patient-days"] == 2 * DAYS == 42
    assert (f["alerts"], f["alerts per bed-day"]) == (4, 0.095)  # 4 / 42
    assert (f["false alarms"], f["false alarms per bed-day"]) == (2, 0.048)  # false + not found
    assert (f["fall alert PPV %"], f["alert PPV %"]) == (50.0, 33.3)  # 1/2, 1/3
    # acknowledged after 30, 60, 120, 180 s; resolved by a person after 90, 180, 300 s
    assert (f["minutes to acknowledge p50"], f["minutes to acknowledge p90"]) == (1.5, 2.7)
    assert (f["minutes to resolve p50"], f["minutes to resolve p90"]) == (3.0, 4.6)
    assert report.table("Alerts by kind").rows == [
        ["bed_exit", 1, 0, 1, 0, 0.0, 0.5, 0.5, 1.5, 1.5],
        ["fall", 3, 1, 1, 1, 50.0, 2.0, 2.8, 4.0, 4.8],  # 120 + 0.8 × 60 s
        ["all", 4, 1, 2, 1, 33.3, 1.5, 2.7, 3.0, 4.6],
    ]
    # The web route with the same source shows the same numbers.
    app = FastAPI()
    clock = lambda: datetime.fromtimestamp(NOW_MS / 1000, UTC)  # noqa: E731
    app.include_router(
        report_router(history.client, clock=clock, outcomes=StoredOutcomes(history.client))
    )
    params = {"unit": f"{history.site}/hospital1", "from": str(START), "to": str(END)}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://r") as http:
        got = (await http.get("/api/reports/falls", params=params)).json()
    assert got["figures"] == json.loads(json.dumps(f))


def _alert_id(event: FallEvent | BedExitEvent) -> str:
    kind = AlertKind.FALL if isinstance(event, FallEvent) else AlertKind.BED_EXIT
    return episode_alert_id(kind, event.episode_id)


def _opening(event: FallEvent | BedExitEvent, now: datetime, suppress: str | None) -> Any:
    def transition(current: Alert | None) -> list[Any]:
        if isinstance(event, FallEvent):
            return on_fall(current, event, now)
        return on_bed_exit(current, event, now, True, suppress)

    return transition


def _step(fn: Any, *args: Any) -> Any:
    def transition(current: Alert | None) -> list[Any]:
        assert current is not None
        return [fn(current, *args)]

    return transition


# -- two months over a new year ---------------------------------------------------------

LONG_START, LONG_DAYS = date(2025, 11, 10), 63
LONG_END = LONG_START + timedelta(days=LONG_DAYS)


@pytest.fixture(scope="module")
def months(redis_service: Service) -> Iterator[History]:
    site = "reports-2m"
    client = redis.Redis(port=redis_service.port, protocol=2)
    kinds = (RoomKind.HOSPITAL, RoomKind.ICU)
    rates = {k: DEFAULT_RATES[k].model_copy(update={"falls_per_1000_days": 60.0}) for k in kinds}
    rooms = make_rooms(2, site=site, units=2, kinds=kinds, seed=23, rates=rates)
    truth, _ = backfill(
        RedisBatchWriter(client, 3600, None),
        rooms,
        start=LONG_START,
        days=LONG_DAYS,
        seed=23,
        rates=rates,
    )
    assert AnalyticsConsumer(client, batch=2000).catch_up().conflicts == 0
    yield History(client, site, truth.to_json(), redis_service.url)
    client.close()


def test_two_months_of_history_report_the_truth_exactly(months: History) -> None:
    def report(kind: str, unit: str) -> Report:
        query = ReportQuery(months.site, unit, LONG_START, LONG_END)
        return build_report(months.client, kind, query, now_ms=NOW_MS)

    total_falls = 0
    for unit in ("hospital1", "icu2"):
        [room] = months.rooms(unit)
        days = room["days"]
        assert len(days) == LONG_DAYS
        opp = sum(v[0] for d in days for v in d["hand_hygiene"].values())
        used = sum(v[1] for d in days for v in d["hand_hygiene"].values())
        hh = report("hand-hygiene", unit).figures
        assert (hh["opportunities"], hh["dispenser used"]) == (opp, used)
        assert opp > 100
        falls = report("falls", unit)
        want = sum(
            1
            for d in days
            for fall in d["falls"]
            if datetime.fromisoformat(fall["landing"]).date() < LONG_END
        )
        occupied_days = sum(1 for d in days if d["occupied_ms"] > 0)
        assert falls.figures["falls"] == want
        assert falls.figures["patient-days"] == occupied_days
        total_falls += want
        if unit == "icu2":
            mob = report("mobility", unit)
            rows = {r[1]: r for r in mob.table("By patient-day").rows}
            assert len(rows) == occupied_days
            for d in days:
                if d["occupied_ms"] > 0:
                    assert rows[d["date"]][2] == d["mobility"].get("max_ims", 0)
                    assert rows[d["date"]][5] == d["mobility"].get("sessions", 0)
            assert mob.figures["sessions"] == sum(d["mobility"].get("sessions", 0) for d in days)
            assert mob.figures["sessions"] > LONG_DAYS  # type: ignore[operator]
    assert total_falls >= 3


# -- an edge's day summary beside its sessions -------------------------------------------


def test_an_edge_day_summary_raises_the_days_highest_level_through_the_real_rollup(
    redis_service: Service,
) -> None:
    """A session reached level 3; the edge's summary of that day says 5 (a session whose end
    never arrived), then a restarted edge re-sends the day as 4: the report shows 5."""
    client = redis.Redis(port=redis_service.port, protocol=2)
    part = Partition("reports-mday", "icu9")
    st = samples.stamper(part.site, part.unit, "r1", "agent-r1")
    day = datetime(2026, 3, 2, tzinfo=UTC)
    ts = day.timestamp()
    session = MobilityData(
        track_id=1,
        state=MobilityState.IN_BED,
        staff_count=2,
        duration_s=600,
        ims_level=3,
        active_s=0,
    )
    events = [
        samples.occupancy(st, 1, ts + 8 * 3600),
        st.stamp(
            Detection(
                EventType.MOBILITY,
                Phase.END,
                uuid.uuid4(),
                ts + 10 * 3600,
                0.9,
                session,
                samples.MODEL,
                "r1-A",
            )
        ),
    ]
    for level, at in ((5, ts + 86_405), (4, ts + 90_000)):
        summary = MobilityDayData(
            day="2026-03-02",
            max_ims_level=level,
            active_s=120,
            sessions=2,
            out_of_bed=True,
            max_staff=2,
        )
        events.append(
            st.stamp(
                Detection(
                    EventType.MOBILITY_DAY,
                    Phase.INSTANT,
                    uuid.uuid4(),
                    at,
                    0.9,
                    summary,
                    samples.MODEL,
                    "r1-A",
                )
            )
        )
    client.sadd(PARTITIONS_KEY, part.name)
    for event in events:
        client.xadd(part.events, {"kind": "event", "payload": dump_event(event), "recv_ts": "0"})
    assert AnalyticsConsumer(client).catch_up().events == len(events)
    query = ReportQuery(part.site, part.unit, day.date(), day.date() + timedelta(days=1))
    report = build_report(client, "mobility", query, now_ms=NOW_MS)
    client.close()
    # room, day, highest IMS, active min, out of bed, sessions (from the session events)
    assert report.table("By patient-day").rows[0][:6] == ["r1", "2026-03-02", 5, 0.0, "yes", 1]
