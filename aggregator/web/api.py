"""The FastAPI app: pages, JSON API, live SSE feed, health and metrics.

Built by `create_app` from its dependencies (alert store, redis client, an MQTT health probe,
metrics), so tests run it against a real Redis with httpx and no broker.
"""

import asyncio
import html
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Protocol
from urllib.parse import quote

import redis.asyncio as aioredis
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from redis.exceptions import RedisError

from aggregator.alerts.api import alert_router
from aggregator.alerts.lifecycle import AlertError, acknowledge, resolve
from aggregator.alerts.model import Alert, Outcome
from aggregator.alerts.store import AlertStore
from aggregator.metrics import Metrics
from aggregator.store import Partition, feed_channel

logger = logging.getLogger(__name__)

KEEPALIVE_S = 15.0
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class MqttHealth(Protocol):
    @property
    def connected(self) -> bool: ...


class AckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = Field(min_length=1, max_length=64, description="Staff id acknowledging.")


class ResolveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = Field(min_length=1, max_length=64, description="Staff id resolving.")
    outcome: Outcome = Field(description="What it was: true_fall, false_alarm, assisted, other.")


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
) -> FastAPI:
    """``stopping``, when set, ends open live feeds so the server can stop promptly."""
    store = AlertStore(client)
    stopping = stopping or asyncio.Event()
    app = FastAPI(title="ambient aggregator", docs_url="/api/docs", redoc_url=None)
    feed_html = _page("feed.html")
    app.include_router(alert_router(store, clock, max_snooze_minutes=max_snooze_minutes))

    async def unit_alerts(part: Partition) -> list[Alert]:
        return await store.active([part])

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
    async def list_alerts(site: str, unit: str) -> list[dict[str, Any]]:
        return [a.model_dump(mode="json") for a in await unit_alerts(_partition(site, unit))]

    @app.get("/api/alerts/{alert_id}")
    async def get_alert(alert_id: str) -> dict[str, Any]:
        alert = await store.get(alert_id)
        if alert is None:
            raise HTTPException(404, "no such alert")
        return alert.model_dump(mode="json")

    @app.post("/api/alerts/{alert_id}/ack")
    async def ack(alert_id: str, body: AckBody) -> dict[str, Any]:
        return await change(alert_id, lambda a: acknowledge(a, body.by, clock()))

    @app.post("/api/alerts/{alert_id}/resolve")
    async def resolve_alert(alert_id: str, body: ResolveBody) -> dict[str, Any]:
        return await change(alert_id, lambda a: resolve(a, body.by, body.outcome, clock()))

    @app.get("/api/sites/{site}/units/{unit}/stream")
    async def stream(site: str, unit: str, request: Request) -> StreamingResponse:
        return StreamingResponse(
            _sse(client, _partition(site, unit), request, unit_alerts, stopping),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        try:
            redis_ok = bool(await client.ping())
        except RedisError:
            redis_ok = False
        ok = redis_ok and mqtt.connected
        body = {"ok": ok, "mqtt_connected": mqtt.connected, "redis": redis_ok}
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics")
    async def prometheus() -> Response:
        return Response(metrics.exposition(), media_type="text/plain; version=0.0.4")

    return app


async def _sse(
    client: "aioredis.Redis",
    part: Partition,
    request: Request,
    snapshot: Callable[[Partition], Any],
    stopping: asyncio.Event,
) -> AsyncIterator[str]:
    """Subscribe first, then send the full list, so no change falls between the two."""
    pubsub = client.pubsub()
    await pubsub.subscribe(feed_channel(part))
    try:
        alerts = await snapshot(part)
        data = json.dumps([a.model_dump(mode="json") for a in alerts])
        yield f"retry: 2000\nevent: snapshot\ndata: {data}\n\n"
        loop = asyncio.get_running_loop()
        last_sent = loop.time()
        while not stopping.is_set() and not await request.is_disconnected():
            msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if msg is not None:
                yield f"event: alert\ndata: {msg['data'].decode()}\n\n"
                last_sent = loop.time()
            elif loop.time() - last_sent > KEEPALIVE_S:
                yield ": keepalive\n\n"
                last_sent = loop.time()
    except asyncio.CancelledError:
        raise
    finally:
        await pubsub.unsubscribe()
        await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis stubs
