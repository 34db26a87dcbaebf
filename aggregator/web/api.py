"""The FastAPI app: pages, JSON API, live SSE feed, health and metrics.

Built by `create_app` from its dependencies (alert store, redis client, an MQTT health probe,
metrics, the auth settings), so tests run it against a real Redis with httpx and no broker.

Every route goes through one guard (`_guard`): with auth on it finds who is asking (session
cookie or bearer token) and checks the route's permission (`aggregator.web.auth`); a page
asked for without a session redirects to the sign-in page, an API call gets 401 or 403.
"""

import asyncio
import html
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Annotated, Any, Protocol
from urllib.parse import quote

import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from pydantic import BaseModel, ConfigDict, Field
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException as StarletteHTTPException

from aggregator.alerts.api import alert_router
from aggregator.alerts.lifecycle import AlertError, acknowledge, resolve
from aggregator.alerts.model import Alert, Outcome
from aggregator.alerts.store import AlertStore
from aggregator.config import AuthConfig
from aggregator.metrics import Metrics
from aggregator.rules.room_state import RoomState, read_state, rooms_channel
from aggregator.store import Partition, feed_channel
from aggregator.web.auth import COOKIE, Authenticator, Principal, required_permission
from aggregator.web.login import login_router
from aggregator.web.sessions import RedisSessions
from aggregator.web.throttle import LoginThrottle, login_limits

logger = logging.getLogger(__name__)

KEEPALIVE_S = 15.0
LISTED_ALERTS = 200
"""Open alerts a listing or a feed snapshot carries at most, most urgent first: a flood of
alerts in one unit (thousands of fake falls) must not make every page load read them all."""
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class MqttHealth(Protocol):
    @property
    def connected(self) -> bool: ...


class TaskHealth(Protocol):
    """The supervisor of the background tasks (`aggregator.supervise.Supervisor`)."""

    def failing(self) -> dict[str, str]:
        """Task name -> why, for each task crashed and not running again for long enough."""
        ...


class _NoTasks:
    def failing(self) -> dict[str, str]:
        return {}


_BY = "Staff id acting; with sign-in on it is ignored: the signed-in user is recorded."


class AckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str | None = Field(default=None, min_length=1, max_length=64, description=_BY)


class ResolveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str | None = Field(default=None, min_length=1, max_length=64, description=_BY)
    outcome: Outcome = Field(
        description="What it was: true_fall, false_alarm, assisted, not_found, other."
    )


class _LoginRequiredError(Exception):
    """A page was asked for without a session: answered with a redirect to sign in."""

    def __init__(self, path: str) -> None:
        self.path = path


def _partition(site: str, unit: str) -> Partition:
    """A feed is one site's unit: homes all have a unit called "home", and must not mix."""
    if not (_ID.match(site) and _ID.match(unit)):
        raise HTTPException(404, "no such unit")
    return Partition(site, unit)


def _feed_path(part: Partition) -> str:
    return f"/sites/{quote(part.site)}/units/{quote(part.unit)}"


def _page(name: str) -> str:
    return resources.files("aggregator.web").joinpath("static", name).read_text()


def create_app(
    client: "aioredis.Redis",
    metrics: Metrics,
    mqtt: MqttHealth,
    *,
    units: list[Partition] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    stopping: asyncio.Event | None = None,
    max_snooze_minutes: float = 120,
    auth: AuthConfig | None = None,
    routers: Sequence[APIRouter] = (),
    tasks: TaskHealth | None = None,
    max_listed_alerts: int = LISTED_ALERTS,
) -> FastAPI:
    """``stopping``, when set, ends open live feeds so the server can stop promptly.

    ``auth``: sign-in and roles (None or disabled: everything open, staff ids typed).
    ``routers``: more routes (reports...), behind the same guard; a route the permission
    table does not name needs ``admin``.
    ``tasks``: the background tasks' supervisor, whose failing tasks turn health red.
    """
    store = AlertStore(client)
    stopping = stopping or asyncio.Event()
    authn = Authenticator(auth or AuthConfig(), RedisSessions(client))

    async def guard(request: Request) -> None:
        request.state.principal = None
        route = request.scope.get("route")
        template = getattr(route, "path", request.url.path)
        needed = required_permission(request.method, template)
        if not authn.enabled or needed is None:
            return
        try:
            who = authn.from_bearer(request.headers.get("authorization")) or (
                await authn.from_cookie(request.cookies.get(COOKIE), time.time())
            )
        except RedisError as e:
            raise HTTPException(503, "sessions unavailable (Redis)") from e
        if who is None:
            if request.method == "GET" and not template.startswith("/api/"):
                raise _LoginRequiredError(request.url.path)
            raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
        if not who.may(needed):
            raise HTTPException(403, f"role {who.role} may not do this (needs {needed})")
        request.state.principal = who

    app = FastAPI(
        title="ambient aggregator",
        docs_url=None,  # served below, through the guard: the schema maps every route
        openapi_url=None,
        redoc_url=None,
        dependencies=[Depends(guard)],
    )

    @app.exception_handler(_LoginRequiredError)
    async def to_login(_request: Request, exc: _LoginRequiredError) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.path)}", status_code=303)

    async def sign_in_first(request: Request) -> Response | None:
        """FastAPI reads a body before the route's dependencies run, so a body that does not
        parse is refused before the guard has looked: a signed-out caller must hear only
        that it should sign in. None when the guard passes (or has already run)."""
        if hasattr(request.state, "principal"):
            return None
        try:
            await guard(request)
        except HTTPException as denied:
            return JSONResponse(
                {"detail": denied.detail}, status_code=denied.status_code, headers=denied.headers
            )
        except _LoginRequiredError as login:
            return await to_login(request, login)
        return None

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return await sign_in_first(request) or await request_validation_exception_handler(
            request, exc
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return await sign_in_first(request) or await http_exception_handler(request, exc)

    feed_html = _page("feed.html")
    app.include_router(alert_router(store, clock, max_snooze_minutes=max_snooze_minutes))

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title}: API")

    app.include_router(login_router(authn, LoginThrottle(client, login_limits(authn.cfg))))

    def actor(request: Request, typed: str | None) -> str:
        """With sign-in on, the signed-in user; else the staff id typed on the page."""
        who: Principal | None = request.state.principal
        if who is not None:
            return who.id
        if authn.enabled:
            raise HTTPException(401, "sign in first")
        if not typed:
            raise HTTPException(422, "`by` (staff id) is required")
        return typed

    async def unit_alerts(part: Partition) -> list[Alert]:
        return (await store.most_urgent(part, max_listed_alerts))[0]

    async def change(alert_id: str, step: Callable[[Alert], Any]) -> dict[str, Any]:
        alert = await store.get(alert_id)
        if alert is None:
            raise HTTPException(404, "no such alert")
        part = Partition(alert.site, alert.unit)
        errors: list[str] = []

        def transition(current: Alert | None) -> list[Any]:
            errors.clear()
            if current is None:
                errors.append("no such alert")
                return []
            try:
                return [step(current)]
            except AlertError as e:
                errors.append(str(e))
                return []

        actions = await store.update(part, alert_id, transition)
        if errors:
            raise HTTPException(409, errors[0])
        return actions[0].alert.model_dump(mode="json")

    @app.get("/", response_class=HTMLResponse)
    async def index() -> str:
        listed = list(units or [])
        listed += sorted(set(await store.partitions()) - set(listed))
        items = "".join(
            f'<li><a href="{_feed_path(p)}">{html.escape(p.site)} / {html.escape(p.unit)}</a></li>'
            for p in listed
        )
        return _page("index.html").replace("<!--UNITS-->", items or "<li>no units yet</li>")

    @app.get("/sites/{site}/units/{unit}", response_class=HTMLResponse)
    async def unit_page(site: str, unit: str) -> str:
        part = _partition(site, unit)
        return feed_html.replace("__SITE__", html.escape(part.site, quote=True)).replace(
            "__UNIT__", html.escape(part.unit, quote=True)
        )

    @app.get("/api/sites/{site}/units/{unit}/alerts")
    async def list_alerts(
        site: str,
        unit: str,
        *,
        request: Request,
        response: Response,
        limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
        after: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    ) -> list[dict[str, Any]]:
        """Open alerts, most urgent first, a page at a time (``limit``, default 200): the
        ``X-Total-Count`` header says how many are open, ``Link: rel="next"`` where the next
        page starts (``after``: the last alert id of this page)."""
        count = limit or max_listed_alerts
        alerts, total = await store.most_urgent(_partition(site, unit), count, after)
        response.headers["X-Total-Count"] = str(total)
        if len(alerts) == count:
            url = request.url.include_query_params(limit=count, after=alerts[-1].alert_id)
            response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
        return [a.model_dump(mode="json") for a in alerts]

    @app.get("/api/alerts/{alert_id}")
    async def get_alert(alert_id: str) -> dict[str, Any]:
        alert = await store.get(alert_id)
        if alert is None:
            raise HTTPException(404, "no such alert")
        return alert.model_dump(mode="json")

    @app.post("/api/alerts/{alert_id}/ack")
    async def ack(alert_id: str, body: AckBody, request: Request) -> dict[str, Any]:
        by = actor(request, body.by)
        return await change(alert_id, lambda a: acknowledge(a, by, clock()))

    @app.post("/api/alerts/{alert_id}/resolve")
    async def resolve_alert(alert_id: str, body: ResolveBody, request: Request) -> dict[str, Any]:
        by = actor(request, body.by)
        return await change(alert_id, lambda a: resolve(a, by, body.outcome, clock()))

    async def unit_rooms(part: Partition) -> list[dict[str, Any]]:
        states = await store.rooms(part)
        alerts = await unit_alerts(part)
        now = clock()
        snoozed = {s.room: s for s in await store.snoozes(part) if s.until > now}
        names = sorted(set(states) | {a.room for a in alerts})
        views = []
        for name in names:
            state = read_state(name, states.get(name)) or RoomState(room=name)
            view = room_view(state)
            view["alert_ids"] = [a.alert_id for a in alerts if a.room == name]
            snooze = snoozed.get(name)
            view["snoozed_until"] = None if snooze is None else snooze.until.isoformat()
            views.append(view)
        return views

    @app.get("/api/sites/{site}/units/{unit}/rooms")
    async def list_rooms(site: str, unit: str) -> list[dict[str, Any]]:
        """Each room seen: its state word, since when, and its open alerts (among the
        unit's most urgent `LISTED_ALERTS`)."""
        return await unit_rooms(_partition(site, unit))

    @app.get(
        "/api/sites/{site}/units/{unit}/stream",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "live feed"}},
    )
    async def stream(site: str, unit: str, request: Request) -> StreamingResponse:
        bearer, cookie = request.headers.get("authorization"), request.cookies.get(COOKIE)

        async def still_signed_in() -> bool:
            """Checked before every change sent: a feed opened with a session that has since
            been signed out (or has expired) ends, rather than keep showing alerts."""
            if not authn.enabled:
                return True
            try:
                who = authn.from_bearer(bearer) or await authn.from_cookie(cookie, time.time())
            except RedisError:
                return False  # the page reconnects, and is let in again or not
            return who is not None

        return StreamingResponse(
            _sse(
                client,
                _partition(site, unit),
                request,
                snapshot=unit_alerts,
                room_snapshot=unit_rooms,
                stopping=stopping,
                allowed=still_signed_in,
            ),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    supervised = tasks or _NoTasks()

    async def health() -> dict[str, Any]:
        try:
            redis_ok = bool(await client.ping())
        except RedisError:
            redis_ok = False
        failing = supervised.failing()
        ok = redis_ok and mqtt.connected and not failing
        return {"ok": ok, "mqtt_connected": mqtt.connected, "redis": redis_ok, "failing": failing}

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """Red (503) while Redis does not answer, ingest is not subscribed to the broker, or
        a background task is failing (``failing`` names it and its last error)."""
        body = await health()
        return JSONResponse(body, status_code=200 if body["ok"] else 503)

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """Ready to take traffic: Redis answers, ingest is connected and subscribed, and no
        background task is failing; 503 until then, naming what is not ready."""
        body = await health()
        ready = {
            "ready": body["ok"],
            "redis": body["redis"],
            "ingest_subscribed": body["mqtt_connected"],
            "failing": body["failing"],
        }
        return JSONResponse(ready, status_code=200 if body["ok"] else 503)

    @app.get(
        "/metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text"}},
    )
    async def prometheus() -> Response:
        return Response(metrics.exposition(), media_type="text/plain; version=0.0.4")

    # More routers (the reports routes: `aggregator.web.reports.report_router`) go here,
    # through `routers`: the guard covers them, and `aggregator.web.auth` names who may use
    # them (routes under /api/reports/ and /reports/ need the ``reports`` permission).
    for router in routers:
        app.include_router(router)

    return app


def room_view(state: RoomState) -> dict[str, Any]:
    """What a room tile shows (the stream's ``room`` events carry the same, minus alerts)."""
    return {
        "room": state.room,
        "state": state.summary.value,
        "since": None if state.since is None else state.since.isoformat(),
        "occupied": state.occupied,
        "in_bed": state.in_bed,
        "on_floor": bool(state.on_floor),
        "sensor_offline": bool(state.offline_agents),
        "sensor_issues": sorted(set(state.sensor_issues.values())),
    }


async def _sse(
    client: "aioredis.Redis",
    part: Partition,
    request: Request,
    *,
    snapshot: Callable[[Partition], Any],
    room_snapshot: Callable[[Partition], Any],
    stopping: asyncio.Event,
    allowed: Callable[[], Awaitable[bool]],
) -> AsyncIterator[str]:
    """Subscribe first, then send the full lists, so no change falls between the two.

    Events: ``snapshot`` (the most urgent open alerts, `LISTED_ALERTS`; the alerts API's
    ``X-Total-Count`` says how many are open), ``rooms`` (every room), then ``alert`` and
    ``room`` changes as they happen. Every (re)connect starts with both full lists, so a
    page that was cut off loses nothing. The stream ends as soon as ``allowed`` says no.
    """
    rooms = rooms_channel(part)
    pubsub = client.pubsub()
    await pubsub.subscribe(feed_channel(part), rooms)
    try:
        alerts = await snapshot(part)
        data = json.dumps([a.model_dump(mode="json") for a in alerts])
        yield f"retry: 2000\nevent: snapshot\ndata: {data}\n\n"
        yield f"event: rooms\ndata: {json.dumps(await room_snapshot(part))}\n\n"
        loop = asyncio.get_running_loop()
        last_sent = loop.time()
        while not stopping.is_set() and not await request.is_disconnected():
            msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if not await allowed():
                break
            if msg is not None:
                if msg["channel"].decode() == rooms:
                    view = room_view(RoomState.model_validate_json(msg["data"]))
                    yield f"event: room\ndata: {json.dumps(view)}\n\n"
                else:
                    yield f"event: alert\ndata: {msg['data'].decode()}\n\n"
                last_sent = loop.time()
            elif loop.time() - last_sent > KEEPALIVE_S:
                yield ": keepalive\n\n"
                last_sent = loop.time()
    except asyncio.CancelledError:
        raise
    finally:
        await pubsub.unsubscribe()
        await pubsub.aclose()
