"""Report routes: the same reports as `ambient report`, as JSON, HTML, CSV and PDF.

    GET /api/reports/{kind}?unit=SITE/UNIT&from=YYYY-MM-DD&to=YYYY-MM-DD      JSON
    GET /reports/{kind}?unit=...&from=...&to=...[&format=html|csv|pdf]       a page or a file

The HTML page adds a bar above the report: a form to change unit and dates, the CSV and PDF
of the same report, and the other reports of the same unit and range.

Handlers are plain functions (FastAPI runs them in its thread pool) over a blocking redis-py
client: they read a few roll-up hashes per day, never the raw streams.
"""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from html import escape
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import redis
from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse, Response

from aggregator.analytics.query import ReportQuery
from aggregator.reports.build import KINDS, build_report
from aggregator.reports.csv_out import render_csv
from aggregator.reports.falls import OutcomeSource
from aggregator.reports.html import render_html
from aggregator.reports.model import Report
from aggregator.reports.pdf import render_pdf

MAX_DAYS = 400
UnitParam = Annotated[str, Query(description="SITE/UNIT")]
FromParam = Annotated[date, Query(alias="from", description="First day (UTC).")]
ToParam = Annotated[date, Query(alias="to", description="First day not included.")]
FormatParam = Annotated[Literal["html", "csv", "pdf"], Query(alias="format")]
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def report_router(
    client: "redis.Redis",
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    outcomes: OutcomeSource | None = None,
) -> APIRouter:
    """``outcomes`` feeds the falls report's alarm burden; None: "not recorded"."""
    router = APIRouter()

    def make(kind: str, unit: str, start: date, end: date) -> Report:
        if kind not in KINDS:
            raise HTTPException(404, f"no report {kind!r}; reports: {', '.join(KINDS)}")
        site, _, name = unit.partition("/")
        if not (_ID.match(site) and _ID.match(name)):
            raise HTTPException(422, "unit must be SITE/UNIT")
        if not 0 < (end - start).days <= MAX_DAYS:
            raise HTTPException(422, f"'to' must be after 'from', at most {MAX_DAYS} days")
        now_ms = int(clock().timestamp() * 1000)
        return build_report(
            client, kind, ReportQuery(site, name, start, end), now_ms=now_ms, outcomes=outcomes
        )

    @router.get("/api/reports/{kind}")
    def report_json(
        kind: str,
        unit: UnitParam,
        start: FromParam,
        end: ToParam,
    ) -> dict[str, Any]:
        return make(kind, unit, start, end).to_json()

    @router.get(
        "/reports/{kind}",
        response_class=HTMLResponse,
        responses={
            200: {
                "content": {"text/html": {}, "text/csv": {}, "application/pdf": {}},
                "description": "the report (fmt: html, csv or pdf)",
            }
        },
    )
    def report_page(
        kind: str,
        unit: UnitParam,
        start: FromParam,
        end: ToParam,
        fmt: FormatParam = "html",
    ) -> Response:
        report = make(kind, unit, start, end)
        if fmt == "csv":
            return _file(render_csv(report).encode(), "text/csv; charset=utf-8", report, "csv")
        if fmt == "pdf":
            return _file(render_pdf(report), "application/pdf", report, "pdf")
        return HTMLResponse(render_html(report, header=page_nav(report)))

    return router


TITLES = {"hand-hygiene": "Hand hygiene", "mobility": "Mobility", "falls": "Falls", "home": "Home"}


def page_nav(report: Report) -> str:
    """The web page's bar: unit and dates form, downloads, the other reports."""
    unit = f"{report.site}/{report.unit}"

    def href(kind: str, fmt: str | None = None) -> str:
        query = {"unit": unit, "from": report.start, "to": report.end}
        if fmt:
            query["format"] = fmt
        return escape(f"/reports/{kind}?{urlencode(query)}", quote=True)

    others = " · ".join(
        f"<a href='{href(k)}' data-testid='report-{k}'>{escape(TITLES.get(k, k))}</a>"
        for k in KINDS
        if k != report.kind
    )
    return (
        "<nav data-testid='report-nav'><a href='/'>all units</a>"
        f"<form method='get' action='/reports/{escape(report.kind, quote=True)}' "
        "data-testid='report-form'>"
        f"<label>Unit <input name='unit' value='{escape(unit, quote=True)}' size='16'></label>"
        f"<label>From <input type='date' name='from' value='{escape(report.start)}'></label>"
        f"<label>To <input type='date' name='to' value='{escape(report.end)}'></label>"
        "<button>Show</button></form>"
        f"<a href='{href(report.kind, 'csv')}' data-testid='csv-link'>CSV</a>"
        f"<a href='{href(report.kind, 'pdf')}' data-testid='pdf-link'>PDF</a>"
        f"<span>{others}</span></nav>"
    )


def _file(body: bytes, media: str, report: Report, ext: str) -> Response:
    name = f"{report.kind}-{report.site}-{report.unit}-{report.start}-{report.end}.{ext}"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
