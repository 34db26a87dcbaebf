"""Reports in the web UI of a running aggregator: from the unit list to a report page whose
numbers equal the back-filled history's truth, and its CSV and PDF downloads; with sign-in
on, quality staff see the report links and nurses do not.

A few days of one hospital room are back-filled into the aggregator's Redis (as the
`ambient sim backfill` command does); the aggregator's own analytics task rolls them up.
"""

import asyncio
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import redis
import redis.asyncio as aioredis
import uvicorn
from playwright.sync_api import Browser, Page, expect

from aggregator.config import AuthConfig
from aggregator.ingest.writer import RedisBatchWriter
from aggregator.metrics import Metrics
from aggregator.reports.outcomes import StoredOutcomes
from aggregator.store import Partition
from aggregator.web.api import create_app
from aggregator.web.auth import hash_password
from aggregator.web.reports import report_router
from ambient.services import Service, free_port
from simulators.fleet.backfill import backfill
from simulators.fleet.layout import make_rooms
from simulators.fleet.rates import RoomKind
from tests.e2e.harness import Aggregator, http_json, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SITE, UNIT, DAYS = "e2ereports", "hospital1", 4


@pytest.fixture(scope="module")
def truth(aggregator_process: Aggregator, redis_service: Service) -> Iterator[dict[str, Any]]:
    """The back-filled room's truth; returns once the aggregator has rolled it all up."""
    client = redis.Redis.from_url(f"{redis_service.url}/0", protocol=2)
    start = datetime.now(UTC).date() - timedelta(days=DAYS)  # inside the page's default range
    rooms = make_rooms(1, site=SITE, kinds=(RoomKind.HOSPITAL,), seed=3)
    history, _ = backfill(
        RedisBatchWriter(client, 3600, None), rooms, start=start, days=DAYS, seed=3
    )
    client.close()
    [room] = cast(list[dict[str, Any]], history.to_json()["rooms"])
    opportunities = sum(v[0] for d in room["days"] for v in d["hand_hygiene"].values())
    url = (
        f"{aggregator_process.url}/api/reports/hand-hygiene?unit={SITE}/{UNIT}"
        f"&from={start}&to={start + timedelta(days=DAYS)}"
    )
    wait_for(
        lambda: http_json(url)["figures"]["opportunities"] == opportunities,
        30,
        "the aggregator rolling up the back-filled days",
    )
    yield room


def test_a_unit_links_to_its_reports_and_the_page_shows_the_true_numbers(
    aggregator_process: Aggregator, browser: Browser, truth: dict[str, Any]
) -> None:
    opportunities = sum(v[0] for d in truth["days"] for v in d["hand_hygiene"].values())
    used = sum(v[1] for d in truth["days"] for v in d["hand_hygiene"].values())
    assert opportunities > 20
    page = browser.new_page()
    try:
        page.goto(f"{aggregator_process.url}/")
        links = page.get_by_test_id(f"reports-{SITE}/{UNIT}")
        expect(links).to_be_visible()
        links.locator("a[data-kind='hand-hygiene']").click()
        page.wait_for_url("**/reports/hand-hygiene?**")
        figure = page.locator("[data-figure='opportunities'] b")
        expect(figure).to_have_text(f"{opportunities:,}")
        expect(page.locator("[data-figure='dispenser used'] b")).to_have_text(f"{used:,}")
        assert page.locator("svg").count() >= 2  # the charts are drawn
        csv_href = page.get_by_test_id("csv-link").get_attribute("href")
        pdf_href = page.get_by_test_id("pdf-link").get_attribute("href")
        # The form narrows the range: the first back-filled day alone.
        first = truth["days"][0]
        form = page.get_by_test_id("report-form")
        form.locator("input[name='from']").fill(first["date"])
        day_after = datetime.fromisoformat(first["date"]).date() + timedelta(days=1)
        form.locator("input[name='to']").fill(str(day_after))
        form.locator("button").click()
        one_day = sum(v[0] for v in first["hand_hygiene"].values())
        expect(page.locator("[data-figure='opportunities'] b")).to_have_text(f"{one_day:,}")
    finally:
        page.close()
    assert csv_href and pdf_href
    with urllib.request.urlopen(f"{aggregator_process.url}{csv_href}", timeout=10) as r:
        assert r.headers["content-type"].startswith("text/csv")
        assert f"opportunities,{opportunities}" in r.read().decode().splitlines()
    with urllib.request.urlopen(f"{aggregator_process.url}{pdf_href}", timeout=10) as r:
        assert r.headers["content-type"] == "application/pdf"
        assert r.read().startswith(b"%PDF-")


def test_the_unit_feed_links_to_its_reports(
    aggregator_process: Aggregator, browser: Browser
) -> None:
    page = browser.new_page()
    try:
        page.goto(f"{aggregator_process.url}/sites/e2e/units/4west")
        link = page.get_by_test_id("reports-link")
        expect(link).to_be_visible()
        assert "/reports/hand-hygiene?unit=e2e%2F4west" in str(link.get_attribute("href"))
    finally:
        page.close()


PASSWORDS = {"q1": "audits-only", "n1": "night-shift"}
ROLES = {"q1": "quality", "n1": "nurse"}


class _Connected:
    connected = True


class _SignedInServer(threading.Thread):
    """The web app with sign-in on and the report routes, as `aggregator.app` wires them."""

    def __init__(self, redis_url: str, port: int, auth: AuthConfig) -> None:
        super().__init__(daemon=True, name="reports-server")
        self.redis_url, self.port, self.auth = redis_url, port, auth
        self.server: uvicorn.Server | None = None

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        client = aioredis.Redis.from_url(self.redis_url)
        sync = redis.Redis.from_url(self.redis_url, protocol=2)
        app = create_app(
            client,
            Metrics(),
            _Connected(),
            auth=self.auth,
            units=[Partition(SITE, UNIT)],
            routers=[report_router(sync, outcomes=StoredOutcomes(sync))],
        )
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        await self.server.serve()
        await client.aclose()
        sync.close()

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self.join(timeout=10)


@pytest.fixture(scope="module")
def signed_in_url(redis_service: Service, truth: dict[str, Any]) -> Iterator[str]:
    users = [
        {"id": u, "role": role, "password_hash": hash_password(PASSWORDS[u], iterations=1000)}
        for u, role in ROLES.items()
    ]
    auth = AuthConfig.model_validate(
        {
            "enabled": True,
            "session_secret": "e2e-reports-secret-long",
            "users": users,
            "cookie_secure": False,  # plain http on localhost
        }
    )
    port = free_port()
    server = _SignedInServer(f"{redis_service.url}/0", port, auth)
    server.start()
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    wait_for(up, 15, "the signed-in web app")
    try:
        yield url
    finally:
        server.stop()


def _sign_in(page: Page, url: str, user: str) -> None:
    page.goto(f"{url}/")
    expect(page.get_by_test_id("login-form")).to_be_visible(timeout=10_000)
    page.get_by_test_id("login-id").fill(user)
    page.get_by_test_id("login-password").fill(PASSWORDS[user])
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("units")).to_be_visible(timeout=10_000)


def test_with_sign_in_quality_sees_report_links_and_a_nurse_does_not(
    signed_in_url: str, browser: Browser, truth: dict[str, Any]
) -> None:
    falls = sum(len(d["falls"]) for d in truth["days"])
    quality = browser.new_page()
    nurse = browser.new_page()
    try:
        _sign_in(quality, signed_in_url, "q1")
        expect(quality.get_by_test_id("reports")).to_be_visible()
        quality.get_by_test_id(f"reports-{SITE}/{UNIT}").locator("a[data-kind='falls']").click()
        expect(quality.locator("[data-figure='falls'] b")).to_have_text(str(falls))
        expect(quality.locator("[data-figure='alerts'] b")).to_be_visible()  # outcomes wired
        _sign_in(nurse, signed_in_url, "n1")
        expect(nurse.get_by_test_id(f"reports-{SITE}/{UNIT}")).to_have_count(0)
        expect(nurse.get_by_test_id("reports")).to_be_hidden()
        status = nurse.evaluate("async (u) => (await fetch(u)).status", "/api/reports/falls")
        assert status == 403
    finally:
        quality.close()
        nurse.close()
