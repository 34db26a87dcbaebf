"""The nurse-station page in headless Chromium: sign-in and roles, room tiles, the alarm and
its silence, acknowledge and resolve, and a page that survives an aggregator restart.

Sign-in runs the web app and the rules task in a thread of this process (real Redis, real
uvicorn, events appended to the partition stream as ingest does), with auth on. The restart
test uses the real `ambient aggregator run` process of the e2e fixtures and the broker.
"""

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import httpx
import paho.mqtt.client as mqtt
import pytest
import redis
import redis.asyncio as aioredis
import uvicorn
from paho.mqtt.enums import CallbackAPIVersion
from playwright.sync_api import Browser, Page, expect

from aggregator import samples
from aggregator.alerts.lifecycle import on_fall
from aggregator.alerts.model import AlertKind, episode_alert_id
from aggregator.alerts.store import AlertStore
from aggregator.config import AuthConfig, RulesConfig
from aggregator.metrics import Metrics
from aggregator.rules.consumer import RulesConsumer
from aggregator.store import PARTITIONS_KEY, Partition
from aggregator.web.api import create_app
from aggregator.web.auth import hash_password
from ambient.services import Service, free_port
from protocol import Phase, dump_event, event_topic
from tests.e2e.harness import Aggregator, http_json, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

PASSWORDS = {"n1": "night-shift", "q1": "audits-only", "c1": "in-charge", "n9": "locked-out"}
ROLES = {"n1": "nurse", "q1": "quality", "c1": "charge_nurse", "n9": "nurse"}


class _Connected:
    connected = True


@dataclass
class Ward:
    url: str
    redis: redis.Redis
    part: Partition


class _ServerThread(threading.Thread):
    """uvicorn serving `create_app` with auth on, beside the rules task, in one event loop."""

    def __init__(self, redis_url: str, port: int, auth: AuthConfig) -> None:
        super().__init__(daemon=True, name="feed-server")
        self.redis_url, self.port, self.auth = redis_url, port, auth
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop_event: asyncio.Event | None = None
        self.server: uvicorn.Server | None = None

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop_event = asyncio.Event()
        client = aioredis.Redis.from_url(self.redis_url)
        app = create_app(client, Metrics(), _Connected(), stopping=self.stop_event, auth=self.auth)
        rules = RulesConsumer(
            client, AlertStore(client), Metrics(), RulesConfig(), consumer="e2e-auth"
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        task = asyncio.create_task(rules.run(self.stop_event))
        await self.server.serve()
        self.stop_event.set()
        await task
        await client.aclose()

    def stop(self) -> None:
        if self.server is not None and self.loop is not None and self.stop_event is not None:
            self.server.should_exit = True
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.join(timeout=10)


@pytest.fixture(scope="module")
def ward(redis_service: Service) -> Iterator[Ward]:
    users = [
        {"id": u, "role": role, "password_hash": hash_password(PASSWORDS[u], iterations=1000)}
        for u, role in ROLES.items()
    ]
    auth = AuthConfig.model_validate(
        {
            "enabled": True,
            "session_secret": "e2e-secret-long-enough",
            "users": users,
            "cookie_secure": False,  # plain http on localhost
        }
    )
    port = free_port()
    server = _ServerThread(f"{redis_service.url}/0", port, auth)
    server.start()
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return bool(http_json(f"{url}/healthz")["ok"])
        except OSError:
            return False

    wait_for(up, 15, "the feed server")
    tag = uuid.uuid4().hex[:6]
    client = redis.Redis.from_url(f"{redis_service.url}/0")
    try:
        yield Ward(url, client, Partition(f"site{tag}", "4west"))
    finally:
        server.stop()
        client.close()


def _append(ward: Ward, payload: bytes) -> None:
    """As ingest stores an accepted event: the partition is known, the entry is streamed."""
    ward.redis.sadd(PARTITIONS_KEY, ward.part.name)
    ward.redis.xadd(ward.part.events, {"kind": "event", "payload": payload, "recv_ts": "0"})


def _fall(ward: Ward, room: str) -> str:
    st = samples.stamper(site=ward.part.site, unit=ward.part.unit, room=room, agent_id=f"a{room}")
    episode = uuid.uuid4()
    _append(ward, dump_event(samples.occupancy(st, 1, time.time() - 30)))
    _append(ward, dump_event(samples.fall(st, Phase.START, episode, time.time())))
    return episode_alert_id(AlertKind.FALL, episode)


def _sign_in(page: Page, ward: Ward, user: str) -> None:
    page.goto(f"{ward.url}/sites/{ward.part.site}/units/{ward.part.unit}")
    expect(page.get_by_test_id("login-form")).to_be_visible(timeout=10_000)
    page.get_by_test_id("login-id").fill(user)
    page.get_by_test_id("login-password").fill(PASSWORDS[user])
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("signed-in")).to_contain_text(user, timeout=10_000)
    expect(page.get_by_test_id("connection")).to_have_text("live", timeout=10_000)


def test_nurse_signs_in_silences_acknowledges_and_resolves_a_fall(
    ward: Ward, browser: Browser
) -> None:
    page = browser.new_page()
    try:
        _sign_in(page, ward, "n1")
        expect(page.get_by_test_id("staff-id")).to_be_hidden()
        expect(page.get_by_test_id("enable-sound")).to_be_visible()
        alert_id = _fall(ward, "412")
        row = page.get_by_test_id(f"alert-{alert_id}")
        expect(row).to_be_visible(timeout=15_000)
        tile = page.get_by_test_id("room-412")
        expect(tile).to_contain_text("On floor")
        expect(tile).to_have_attribute("data-state", "on_floor")
        expect(page.get_by_test_id("snooze-412")).to_have_count(0)  # charge nurses snooze

        alarm = page.get_by_test_id("alarm")
        page.get_by_test_id("enable-sound").click()
        expect(alarm).to_have_attribute("data-state", "sounding")
        page.get_by_test_id("silence").click()
        expect(alarm).to_have_attribute("data-state", "silenced")
        expect(row).to_be_visible()  # silence clears nothing

        page.get_by_test_id(f"ack-{alert_id}").click()
        expect(row).to_contain_text("acknowledged · n1", timeout=10_000)
        expect(alarm).to_have_attribute("data-state", "quiet")
        expect(row).to_be_visible()  # acknowledged is not resolved

        page.get_by_test_id(f"outcome-{alert_id}").select_option("not_found")
        page.get_by_test_id(f"resolve-{alert_id}").click()
        expect(row).to_have_count(0, timeout=10_000)
        stored = ward.redis.hget(ward.part.alert(alert_id), "resolved_by")
        assert stored == b'"n1"', "the signed-in nurse is recorded, not a typed id"
        expect(tile).to_contain_text("On floor")  # the person is still down: the tile says so
    finally:
        page.close()


def test_quality_sees_the_feed_but_cannot_acknowledge(ward: Ward, browser: Browser) -> None:
    page = browser.new_page()
    try:
        alert_id = _fall(ward, "414")
        _sign_in(page, ward, "q1")
        row = page.get_by_test_id(f"alert-{alert_id}")
        expect(row).to_be_visible(timeout=15_000)
        expect(page.get_by_test_id(f"ack-{alert_id}")).to_have_count(0)
        expect(page.get_by_test_id(f"resolve-{alert_id}")).to_have_count(0)
        status = page.evaluate(
            """async (id) => (await fetch(`/api/alerts/${id}/ack`, {method: "POST",
                 headers: {"Content-Type": "application/json"}, body: "{}"})).status""",
            alert_id,
        )
        assert status == 403
    finally:
        page.close()


def test_charge_nurse_snoozes_a_rooms_advisories_but_never_its_falls(
    ward: Ward, browser: Browser
) -> None:
    page = browser.new_page()
    try:
        _fall(ward, "416")  # the room is on the feed
        _sign_in(page, ward, "c1")
        tile = page.get_by_test_id("room-416")
        expect(tile).to_be_visible(timeout=15_000)
        page.get_by_test_id("snooze-416").click()
        expect(tile).to_contain_text("advisories snoozed until", timeout=10_000)

        st = samples.stamper(site=ward.part.site, unit=ward.part.unit, room="416", agent_id="a416")
        exit_ = samples.bed_exit(st, "exit", uuid.uuid4(), time.time())
        _append(ward, dump_event(exit_))
        fall_id = _fall(ward, "416")  # after the bed exit in the same stream
        expect(page.get_by_test_id(f"alert-{fall_id}")).to_be_visible(timeout=15_000)
        exit_id = episode_alert_id(AlertKind.BED_EXIT, exit_.episode_id)
        expect(page.get_by_test_id(f"alert-{exit_id}")).to_have_count(0)
        assert ward.redis.hget(ward.part.alert(exit_id), "status") == b'"suppressed"'
    finally:
        page.close()


async def _open_falls(redis_url: str, part: Partition, count: int) -> None:
    """As the rules task opens them, straight through the alert store."""
    client = aioredis.Redis.from_url(redis_url)
    store, now = AlertStore(client), datetime.now(UTC)
    await client.sadd(PARTITIONS_KEY, part.name)
    for i in range(count):
        st = samples.stamper(site=part.site, unit=part.unit, room=f"{i}", agent_id=f"a{i}")
        event = samples.fall(st, Phase.START, uuid.uuid4(), now.timestamp())
        alert_id = episode_alert_id(AlertKind.FALL, event.episode_id)
        await store.update(part, alert_id, partial(on_fall, event=event, now=now))
    await client.aclose()


def test_a_flooded_unit_shows_its_most_urgent_alerts_and_says_how_many_are_open(
    ward: Ward, browser: Browser, redis_service: Service
) -> None:
    part = Partition(f"flood{uuid.uuid4().hex[:6]}", "4west")
    with ThreadPoolExecutor(1) as pool:  # this thread's event loop is Playwright's
        pool.submit(asyncio.run, _open_falls(f"{redis_service.url}/0", part, 201)).result()
    page = browser.new_page()
    try:
        _sign_in(page, Ward(ward.url, ward.redis, part), "n1")
        expect(page.get_by_test_id("more-alerts")).to_have_text(
            "Showing the 200 most urgent of 201 open alerts.", timeout=15_000
        )
        expect(page.locator("#alerts tr")).to_have_count(200)
    finally:
        page.close()


def test_signing_out_ends_the_session_for_a_copied_cookie_too(ward: Ward, browser: Browser) -> None:
    page = browser.new_page()
    try:
        _sign_in(page, ward, "n1")
        copied = {c["name"]: c["value"] for c in page.context.cookies()}
        assert httpx.get(f"{ward.url}/api/me", cookies=copied).json()["id"] == "n1"

        page.get_by_test_id("logout").click()
        expect(page.get_by_test_id("login-form")).to_be_visible(timeout=10_000)
        assert httpx.get(f"{ward.url}/api/me", cookies=copied).status_code == 401, (
            "a copy of the cookie taken before signing out still signs in"
        )
    finally:
        page.close()


def test_after_too_many_wrong_passwords_the_page_says_how_long_to_wait(
    ward: Ward, browser: Browser
) -> None:
    page = browser.new_page()
    try:
        page.goto(f"{ward.url}/login")
        for i in range(10):  # the default limit per user id
            r = page.request.post(
                f"{ward.url}/api/login", data={"id": "n9", "password": f"guess-{i}"}
            )
            assert r.status == 401
        page.get_by_test_id("login-id").fill("n9")
        page.get_by_test_id("login-password").fill(PASSWORDS["n9"])
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("login-error")).to_have_text(
            "Too many attempts: try again in 15 min.", timeout=10_000
        )
        expect(page.get_by_test_id("login-form")).to_be_visible()
    finally:
        page.close()


def test_page_reconnects_after_an_aggregator_restart_and_shows_what_came_meanwhile(
    aggregator_process: Aggregator, broker: Service, browser: Browser
) -> None:
    room = f"r{uuid.uuid4().hex[:4]}"
    page = browser.new_page()
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    publisher.connect("127.0.0.1", broker.port)
    publisher.loop_start()
    try:
        page.goto(f"{aggregator_process.url}/sites/e2e/units/4west")
        conn = page.get_by_test_id("connection")
        expect(conn).to_have_text("live", timeout=15_000)

        aggregator_process.process.stop()
        expect(conn).to_have_text("reconnecting…", timeout=15_000)
        st = samples.stamper(site="e2e", unit="4west", room=room, agent_id=f"agent-{room}")
        event = samples.fall(st, Phase.START, uuid.uuid4(), time.time())
        topic = event_topic("e2e", st.identity.agent_id, "fall")
        publisher.publish(topic, dump_event(event), qos=1).wait_for_publish(5)
        alert_id = episode_alert_id(AlertKind.FALL, event.episode_id)

        aggregator_process.process.start()
        expect(conn).to_have_text("live", timeout=30_000)
        expect(page.get_by_test_id(f"alert-{alert_id}")).to_be_visible(timeout=20_000)
        expect(page.get_by_test_id(f"room-{room}")).to_contain_text("On floor")
    finally:
        publisher.loop_stop()
        publisher.disconnect()
        page.close()
