"""Sign-in and roles: who may see the feed, act on alerts, snooze rooms and read the audit.

The app runs in-process over httpx against the real Redis with auth on; passwords are
hashed with few PBKDF2 iterations here only so the tests stay fast.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import APIRouter

from aggregator import samples
from aggregator.alerts.lifecycle import on_fall
from aggregator.alerts.model import Alert, AlertKind, episode_alert_id
from aggregator.alerts.store import AlertStore
from aggregator.config import AuthConfig, ConfigError, parse_config
from aggregator.metrics import Metrics
from aggregator.store import PARTITIONS_KEY, Partition, feed_channel
from aggregator.web.api import create_app
from aggregator.web.auth import (
    COOKIE,
    SessionSigner,
    hash_password,
    hash_token,
    required_permission,
    verify_password,
)
from ambient.services import Service
from protocol import Phase

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

NOW = datetime(2026, 11, 29, 3, 12, 7, tzinfo=UTC)
SECRET = "a-test-secret-of-enough-length"
PASSWORDS = {"n1": "night-shift", "c1": "in-charge", "q1": "audits", "a1": "root-ish"}
ROLES = {"n1": "nurse", "c1": "charge_nurse", "q1": "quality", "a1": "admin"}
QUALITY_TOKEN = "tok-" + "x" * 40
SCRAPER_TOKEN = "tok-" + "p" * 40


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _auth(users: dict[str, str] = ROLES) -> AuthConfig:
    return AuthConfig.model_validate(
        {
            "enabled": True,
            "session_secret": SECRET,
            "users": [
                {"id": u, "role": r, "password_hash": hash_password(PASSWORDS[u], iterations=1000)}
                for u, r in users.items()
            ],
            "api_tokens": [
                {"id": "ehr", "role": "quality", "token_hash": hash_token(QUALITY_TOKEN)},
                {"id": "prom", "role": "monitor", "token_hash": hash_token(SCRAPER_TOKEN)},
            ],
        }
    )


class _Connected:
    connected = True


def _extra() -> APIRouter:
    router = APIRouter()

    @router.get("/api/extra")
    async def extra() -> dict[str, bool]:
        return {"ok": True}

    return router


Feed = tuple[httpx.AsyncClient, AlertStore, aioredis.Redis]


@pytest.fixture
async def feed(redis_service: Service) -> AsyncIterator[Feed]:
    redis = aioredis.Redis.from_url(f"{redis_service.url}/0")
    app = create_app(
        redis, Metrics(), _Connected(), clock=lambda: NOW, auth=_auth(), routers=[_extra()]
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://feed") as http:
        yield http, AlertStore(redis), redis
    await redis.aclose()


async def _fall(store: AlertStore, redis: aioredis.Redis) -> Alert:
    tag = uuid.uuid4().hex[:8]
    site, unit = f"s{tag}", f"u{tag}"
    event = samples.fall(samples.stamper(site=site, unit=unit), Phase.START, uuid.uuid4(), 0.0)
    part = Partition(site, unit)
    await redis.sadd(PARTITIONS_KEY, part.name)
    alert_id = episode_alert_id(AlertKind.FALL, event.episode_id)
    return (await store.update(part, alert_id, lambda a: on_fall(a, event, NOW)))[0].alert


def _cookie(value: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE}={value}"}


async def _login(http: httpx.AsyncClient, user: str) -> dict[str, str]:
    """The session as a header; the client's own jar is emptied so requests carry only it."""
    r = await http.post("/api/login", json={"id": user, "password": PASSWORDS[user]})
    assert r.status_code == 200, r.text
    assert r.json()["role"] == ROLES[user]
    http.cookies.clear()
    return _cookie(r.cookies[COOKIE])


async def test_without_credentials_api_is_401_pages_redirect_health_stays_open(
    feed: Feed,
) -> None:
    http, store, redis = feed
    alert = await _fall(store, redis)
    units = f"/api/sites/{alert.site}/units/{alert.unit}"
    for path in [f"{units}/alerts", f"{units}/rooms", f"{units}/stream", "/api/me"]:
        r = await http.get(path)
        assert r.status_code == 401 and r.json()["detail"] == "sign in first", path
    r = await http.post(f"/api/alerts/{alert.alert_id}/ack", json={"by": "rn-07"})
    assert r.status_code == 401
    page = await http.get(f"/sites/{alert.site}/units/{alert.unit}")
    assert page.status_code == 303
    assert page.headers["location"] == f"/login?next=/sites/{alert.site}/units/{alert.unit}"
    assert (await http.get("/login")).status_code == 200
    assert (await http.get("/healthz")).status_code == 200
    wrong = await http.post("/api/login", json={"id": "n1", "password": "guess"})
    assert wrong.status_code == 401 and COOKIE not in wrong.cookies
    nobody = await http.post("/api/login", json={"id": "zz", "password": "guess"})
    assert nobody.status_code == 401
    forged = _cookie("eyJ1IjoiYTEiLCJyIjoiYWRtaW4iLCJleHAiOjk5OTk5OTk5OTl9.bad")
    assert (await http.get(f"{units}/alerts", headers=forged)).status_code == 401


async def test_session_cookie_is_secure_httponly_strict_and_the_actor_comes_from_it(
    feed: Feed,
) -> None:
    http, store, redis = feed
    alert = await _fall(store, redis)
    r = await http.post("/api/login", json={"id": "n1", "password": PASSWORDS["n1"]})
    header = r.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header
    assert "; secure" in header, "by default the session cookie never travels over plain http"
    cookies = _cookie(r.cookies[COOKIE])
    http.cookies.clear()
    me = (await http.get("/api/me", headers=cookies)).json()
    assert me == {"auth": True, "id": "n1", "role": "nurse", "permissions": ["act", "view"]}

    r = await http.post(
        f"/api/alerts/{alert.alert_id}/ack", json={"by": "someone-else"}, headers=cookies
    )
    assert r.status_code == 200 and r.json()["acknowledged_by"] == "n1"
    r = await http.post(
        f"/api/alerts/{alert.alert_id}/resolve", json={"outcome": "not_found"}, headers=cookies
    )
    assert r.status_code == 200 and r.json()["resolved_by"] == "n1"
    stored = await store.get(alert.alert_id)
    assert stored is not None and stored.outcome == "not_found"
    assert [(e.action, e.actor) for e in stored.audit] == [
        ("open", "system"),
        ("ack", "n1"),
        ("resolve", "n1"),
    ]


async def test_each_role_may_do_what_it_is_for_and_gets_403_otherwise(feed: Feed) -> None:
    http, store, redis = feed
    alert = await _fall(store, redis)
    units = f"/api/sites/{alert.site}/units/{alert.unit}"
    cookies = {user: await _login(http, user) for user in ROLES}

    async def status(user: str, method: str, path: str, body: object = None) -> int:
        r = await http.request(method, path, json=body, headers=cookies[user])
        return r.status_code

    cases: dict[str, tuple[str, str, object]] = {
        "snooze": ("POST", f"{units}/rooms/412/snooze", {"minutes": 10, "by": "x"}),
        "audit": ("GET", f"{units}/audit", None),
        "metrics": ("GET", f"{units}/alert-metrics", None),
        "ack": ("POST", f"/api/alerts/{alert.alert_id}/ack", {}),
        "extra": ("GET", "/api/extra", None),
    }
    expected = {
        "n1": {"snooze": 403, "audit": 403, "metrics": 403, "extra": 403},
        "c1": {"snooze": 200, "audit": 403, "metrics": 403, "extra": 403},
        "q1": {"snooze": 403, "audit": 200, "metrics": 200, "ack": 403, "extra": 403},
        "a1": {"snooze": 200, "audit": 200, "metrics": 200, "extra": 200},
    }
    for user, codes in expected.items():
        assert await status(user, "GET", f"{units}/alerts") == 200, user
        assert await status(user, "GET", f"/sites/{alert.site}/units/{alert.unit}") == 200
        for name, code in codes.items():
            assert await status(user, *cases[name]) == code, (user, name)
    r = await http.post(f"/api/alerts/{alert.alert_id}/ack", json={}, headers=cookies["q1"])
    assert r.status_code == 403
    assert r.json()["detail"] == "role quality may not do this (needs act)"
    assert await status("n1", *cases["ack"]) == 200


async def test_bearer_tokens_for_api_clients(feed: Feed) -> None:
    http, store, redis = feed
    alert = await _fall(store, redis)
    units = f"/api/sites/{alert.site}/units/{alert.unit}"
    good = {"Authorization": f"Bearer {QUALITY_TOKEN}"}
    assert (await http.get(f"{units}/alert-metrics", headers=good)).status_code == 200
    r = await http.post(f"/api/alerts/{alert.alert_id}/ack", json={}, headers=good)
    assert r.status_code == 403
    bad = {"Authorization": "Bearer tok-guessed"}
    assert (await http.get(f"{units}/alerts", headers=bad)).status_code == 401


async def test_metrics_and_the_api_schema_need_sign_in(feed: Feed) -> None:
    http, store, redis = feed
    alert = await _fall(store, redis)
    for path in ["/metrics", "/api/docs", "/openapi.json"]:
        r = await http.get(path)
        assert r.status_code in (303, 401), f"{path} answered {r.status_code} to anyone"
        assert "ambient_" not in r.text and "/api/alerts/" not in r.text, path
    nurse, admin = await _login(http, "n1"), await _login(http, "a1")
    assert (await http.get("/metrics", headers=nurse)).status_code == 403
    assert "ambient_" in (await http.get("/metrics", headers=admin)).text
    schema = await http.get("/openapi.json", headers=nurse)
    assert schema.status_code == 200 and "/api/alerts/{alert_id}/ack" in schema.json()["paths"]
    assert "swagger" in (await http.get("/api/docs", headers=nurse)).text.lower()

    scraper = {"Authorization": f"Bearer {SCRAPER_TOKEN}"}
    assert "ambient_" in (await http.get("/metrics", headers=scraper)).text
    units = f"/api/sites/{alert.site}/units/{alert.unit}"
    assert (await http.get(f"{units}/alerts", headers=scraper)).status_code == 403, (
        "the scraper's token reads metrics and nothing else"
    )


async def test_a_user_removed_from_the_config_is_signed_out(redis_service: Service) -> None:
    redis = aioredis.Redis.from_url(f"{redis_service.url}/0")
    before = create_app(redis, Metrics(), _Connected(), auth=_auth())
    after = create_app(redis, Metrics(), _Connected(), auth=_auth({"a1": "admin"}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=before), base_url="http://feed"
    ) as http:
        cookies = await _login(http, "n1")
        assert (await http.get("/api/me", headers=cookies)).status_code == 200
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=after), base_url="http://feed"
    ) as http:
        assert (await http.get("/api/me", headers=cookies)).status_code == 401
    await redis.aclose()


async def test_with_auth_off_everything_stays_open_and_the_staff_id_is_typed(
    redis_service: Service,
) -> None:
    redis = aioredis.Redis.from_url(f"{redis_service.url}/0")
    app = create_app(redis, Metrics(), _Connected(), clock=lambda: NOW, routers=[_extra()])
    store = AlertStore(redis)
    alert = await _fall(store, redis)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://feed"
    ) as http:
        assert (await http.get("/api/me")).json()["auth"] is False
        assert (await http.get("/api/extra")).status_code == 200
        r = await http.post(f"/api/alerts/{alert.alert_id}/ack", json={})
        assert r.status_code == 422, "with sign-in off, who acted must be typed"
        r = await http.post(f"/api/alerts/{alert.alert_id}/ack", json={"by": "rn-07"})
        assert r.status_code == 200 and r.json()["acknowledged_by"] == "rn-07"
    await redis.aclose()


def test_passwords_are_salted_pbkdf2_and_only_the_right_one_verifies() -> None:
    a = hash_password("night-shift", iterations=1000)
    b = hash_password("night-shift", iterations=1000)
    assert a != b, "a fresh salt per hash"
    assert a.startswith("pbkdf2_sha256$1000$") and "night-shift" not in a
    assert verify_password("night-shift", a) and verify_password("night-shift", b)
    assert not verify_password("Night-shift", a)
    assert not verify_password("night-shift", "md5$1$x$y")
    assert not verify_password("night-shift", "garbage")


def test_sessions_are_signed_and_expire() -> None:
    signer = SessionSigner(SECRET.encode(), ttl_s=3600)
    cookie = signer.sign("n1", "nurse", "sid-1", now_s=1000)
    claims = signer.verify(cookie, now_s=1000 + 3599)
    assert claims is not None and (claims.user, claims.role, claims.sid) == ("n1", "nurse", "sid-1")
    assert signer.verify(cookie, now_s=1000 + 3600) is None, "expired"
    mac = cookie.split(".")[1]
    other = SessionSigner(SECRET.encode(), ttl_s=3600).sign("a1", "admin", "sid-2", now_s=1000)
    assert signer.verify(f"{other.split('.')[0]}.{mac}", now_s=1001) is None, "swapped body"
    assert SessionSigner(b"another-secret-entirely", 3600).verify(cookie, 1001) is None
    assert signer.verify("", 1001) is None and signer.verify("x.y", 1001) is None


async def test_a_role_the_config_does_not_give_is_refused(feed: Feed) -> None:
    http, _, _ = feed
    cookie = (await _login(http, "n1"))["Cookie"].partition("=")[2]
    claims = SessionSigner(SECRET.encode(), 3600).verify(cookie, time.time())
    assert claims is not None
    promoted = SessionSigner(SECRET.encode(), 3600).sign("n1", "admin", claims.sid, time.time())
    assert (await http.get("/api/me", headers=_cookie(promoted))).status_code == 401


async def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(feed: Feed) -> None:
    http, _, _ = feed
    stolen = await _login(http, "n1")
    assert (await http.get("/api/me", headers=stolen)).status_code == 200
    assert (await http.post("/api/logout", headers=stolen)).status_code == 200
    r = await http.get("/api/me", headers=stolen)
    assert r.status_code == 401, "a copy of the cookie taken before sign-out still works"
    other = await _login(http, "n1")
    assert (await http.get("/api/me", headers=other)).status_code == 200, (
        "signing out ends that session only"
    )


async def test_an_open_feed_ends_when_its_session_is_signed_out(feed: Feed) -> None:
    http, store, redis = feed
    first = await _fall(store, redis)
    part = Partition(first.site, first.unit)
    stolen = await _login(http, "n1")

    async def read_feed() -> str:
        url = f"/api/sites/{part.site}/units/{part.unit}/stream"
        return (await http.get(url, headers=stolen)).text

    reader = asyncio.create_task(read_feed())
    deadline = time.monotonic() + 10
    while not (await redis.pubsub_numsub(feed_channel(part)))[0][1]:
        assert time.monotonic() < deadline, "the feed never subscribed"
        await asyncio.sleep(0.02)
    assert (await http.post("/api/logout", headers=stolen)).status_code == 200
    event = samples.fall(
        samples.stamper(site=part.site, unit=part.unit), Phase.START, uuid.uuid4(), 0.0
    )
    alert_id = episode_alert_id(AlertKind.FALL, event.episode_id)
    await store.update(part, alert_id, lambda a: on_fall(a, event, NOW))
    try:
        text = await asyncio.wait_for(reader, 10)
    except TimeoutError:
        reader.cancel()
        raise AssertionError("the feed kept streaming after its session was signed out") from None
    assert "event: snapshot" in text and first.alert_id in text
    assert alert_id not in text, "an alert reached a feed whose session was signed out"


async def test_a_password_change_in_the_config_ends_the_old_sessions(
    redis_service: Service,
) -> None:
    redis = aioredis.Redis.from_url(f"{redis_service.url}/0")
    config = _auth()
    before = create_app(redis, Metrics(), _Connected(), auth=config)
    changed = config.model_copy(
        update={
            "users": [
                u.model_copy(update={"password_hash": hash_password("new-one", iterations=1000)})
                if u.id == "n1"
                else u
                for u in config.users
            ]
        }
    )
    after = create_app(redis, Metrics(), _Connected(), auth=changed)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=before), base_url="http://feed"
    ) as http:
        nurse, admin = await _login(http, "n1"), await _login(http, "a1")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=after), base_url="http://feed"
    ) as http:
        assert (await http.get("/api/me", headers=nurse)).status_code == 401
        assert (await http.get("/api/me", headers=admin)).status_code == 200
    await redis.aclose()


def test_routes_nobody_named_need_admin_and_config_checks_hashes() -> None:
    assert required_permission("GET", "/api/something/new") == "admin"
    assert required_permission("GET", "/api/reports/{kind}") == "reports"
    assert required_permission("HEAD", "/healthz") is None
    with pytest.raises(ConfigError, match="password_hash"):
        parse_config(
            "auth:\n  enabled: true\n  users:\n    - {id: n1, role: nurse, password_hash: secret}\n"
        )
    with pytest.raises(ConfigError, match="no users"):
        parse_config("auth:\n  enabled: true\n")
