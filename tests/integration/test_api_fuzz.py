"""Schema-driven fuzz of the HTTP API (schemathesis) with sign-in on.

The real app (`create_app`, the reports router included, as `aggregator.app` wires it) is
served by uvicorn on a free port, over a real Redis started for this module, with real users
and an API token. Each operation of the app's own OpenAPI document gets valid and invalid
requests; every request is sent twice:

- signed in (an admin's bearer token): no 5xx, and the response conforms to the schema;
  requests are steered part of the time to units, alerts and rooms that exist, so the fuzz
  reaches the handlers: every guarded route must answer 2xx at least once;
- signed out: a guarded route answers 401 (API) or a redirect to sign in (page), never its
  handler's answer.

Budget: the hypothesis profile's examples per operation, fewer where the inputs run out
(``ci``: 100; ``HYPOTHESIS_PROFILE=long``: 5,000; see CONTRIBUTING.md for the times).
"""

import asyncio
import functools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import redis.asyncio as aioredis
import schemathesis
import uvicorn
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from aggregator import samples
from aggregator.alerts.lifecycle import AlertAction, on_fall
from aggregator.alerts.model import Alert, AlertKind, episode_alert_id
from aggregator.alerts.store import AlertStore
from aggregator.config import AuthConfig
from aggregator.metrics import Metrics
from aggregator.reports.build import KINDS
from aggregator.reports.outcomes import StoredOutcomes
from aggregator.store import PARTITIONS_KEY, Partition
from aggregator.web.api import create_app
from aggregator.web.auth import hash_password, hash_token, required_permission
from aggregator.web.reports import report_router
from ambient.services import Service, free_port, redis_server
from protocol import FallEvent, Phase

pytestmark = pytest.mark.integration

PASSWORD = "a-long-enough-password"
ADMIN_TOKEN = "fuzz-" + "a" * 40
UNITS = [Partition("s1", "4north"), Partition("s1", "icu"), Partition("home-7", "home")]
ROOMS = ["412", "413", "bed-1"]
ALERTS_PER_UNIT = 6
EXAMPLES = settings().max_examples
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]
"""`status_code_conformance` is left out: the app documents only 200 and 422, and answers
401, 403, 404, 409 and 400 where they mean what they say."""

MEDIA_TYPES = {
    "GET /metrics": "text/plain",
    "GET /api/sites/{site}/units/{unit}/stream": "text/event-stream",
    "GET /reports/{kind}": "text/html",
}
"""Routes that answer with something other than JSON: their OpenAPI entry must say so."""

WRONG_BODIES = [
    "POST /api/alerts/{alert_id}/ack",
    "POST /api/alerts/{alert_id}/resolve",
    "POST /api/sites/{site}/units/{unit}/rooms/{room}/snooze",
]


def _auth() -> AuthConfig:
    return AuthConfig.model_validate(
        {
            "enabled": True,
            "session_secret": "a-fuzz-secret-of-enough-length",
            "users": [
                {
                    "id": "a1",
                    "role": "admin",
                    "password_hash": hash_password(PASSWORD, iterations=1000),
                }
            ],
            "api_tokens": [{"id": "fuzz", "role": "admin", "token_hash": hash_token(ADMIN_TOKEN)}],
        }
    )


def _app(async_client: "aioredis.Redis", sync_client: "redis.Redis") -> FastAPI:
    """The app as `aggregator.app` builds it; live feeds end after their snapshot."""
    stopping = asyncio.Event()
    stopping.set()
    return create_app(
        async_client,
        Metrics(),
        _Connected(),
        units=UNITS,
        stopping=stopping,
        auth=_auth(),
        routers=[report_router(sync_client, outcomes=StoredOutcomes(sync_client))],
    )


class _Connected:
    connected = True


def _schema() -> schemathesis.BaseSchema:
    """The app's OpenAPI document; the clients are never connected for this."""
    url = "redis://127.0.0.1:1"
    app = _app(aioredis.Redis.from_url(url), redis.Redis.from_url(url))
    return schemathesis.openapi.from_dict(app.openapi())


SCHEMA = _schema()
OPERATIONS = {r.ok().label: r.ok() for r in SCHEMA.get_all_operations() if isinstance(r, Ok)}


@dataclass(frozen=True)
class Api:
    url: str
    alert_ids: list[str]


def _open(alert: Alert | None, *, event: FallEvent, now: datetime) -> list[AlertAction]:
    return on_fall(alert, event, now)


async def _seed(url: str) -> list[str]:
    """Open fall alerts in every unit, so ack, resolve and audit have something to act on."""
    client = aioredis.Redis.from_url(url)
    store, now, ids = AlertStore(client), datetime.now(UTC), []
    try:
        for part in UNITS:
            await client.sadd(PARTITIONS_KEY, part.name)
            for i in range(ALERTS_PER_UNIT):
                room = ROOMS[i % len(ROOMS)]
                stamper = samples.stamper(site=part.site, unit=part.unit, room=room)
                event = samples.fall(stamper, Phase.START, uuid.uuid4(), now.timestamp() - 60)
                alert_id = episode_alert_id(AlertKind.FALL, event.episode_id)
                await store.update(part, alert_id, functools.partial(_open, event=event, now=now))
                ids.append(alert_id)
    finally:
        await client.aclose()
    return ids


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    service: Service = redis_server(Path(tmp_path_factory.mktemp("redis-fuzz"))).start()
    async_client = aioredis.Redis.from_url(f"{service.url}/0")
    sync_client = redis.Redis.from_url(f"{service.url}/0", protocol=2)
    alert_ids = asyncio.run(_seed(f"{service.url}/0"))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            _app(async_client, sync_client),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, name="api-fuzz-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield Api(f"http://127.0.0.1:{port}", alert_ids)
    server.should_exit = True
    thread.join(timeout=10)
    sync_client.close()
    service.stop()


def _steered(api: Api, label: str) -> list[dict[str, Any]]:
    """Fixed parts that make a request reach its handler: a unit, room and alert that exist,
    a report kind and date range that are valid, the right password."""
    op = OPERATIONS[label]
    names = {p.name for p in op.path_parameters}
    fixed: list[dict[str, Any]] = []
    for i, part in enumerate(UNITS):
        params = {
            "site": part.site,
            "unit": part.unit,
            "room": ROOMS[i % len(ROOMS)],
            "alert_id": api.alert_ids[i * ALERTS_PER_UNIT],
            "kind": sorted(KINDS)[i % len(KINDS)],
        }
        if not names <= params.keys():
            return []
        steer: dict[str, Any] = {"path_parameters": {k: params[k] for k in names}}
        query = {p.name for p in op.query}
        if {"unit", "from", "to"} <= query:
            start = datetime(2026, 11, 1) + timedelta(days=i)
            steer["query"] = {
                "unit": part.name.replace(":", "/"),
                "from": start.date().isoformat(),
                "to": (start + timedelta(days=7)).date().isoformat(),
            }
        fixed.append(steer)
    if label == "POST /api/login":
        fixed.append({"body": {"id": "a1", "password": PASSWORD}})
    return fixed


def _cases(api: Api, label: str) -> st.SearchStrategy[Case[Any]]:
    op = OPERATIONS[label]
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    free = [op.as_strategy(generation_mode=mode) for mode in modes]
    steered = [op.as_strategy(**fixed) for fixed in _steered(api, label)]
    return st.one_of(free + steered)


def _template(label: str) -> tuple[str, str]:
    method, path = label.split(" ", 1)
    return method, path


def _signed_out_answer(response: Any) -> bool:
    """401 for the API, a redirect to sign in for a page, or no route matched at all."""
    if response.status_code == 401:
        return True
    if response.status_code == 303:
        return any(v.startswith("/login?next=") for v in response.headers.get("location", []))
    if response.status_code in (404, 405):
        return bool(response.json() == {"detail": "Not Found"}) or response.status_code == 405
    return False


OPEN_AT_MOST = {
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
    "GET /login",
    "POST /api/login",
    "POST /api/logout",
}
"""The operations that may answer without sign-in; every other one is fuzzed signed out too."""


def test_only_the_sign_in_and_health_routes_are_open() -> None:
    open_now = {label for label in OPERATIONS if required_permission(*_template(label)) is None}
    assert open_now <= OPEN_AT_MOST
    assert len(OPERATIONS) - len(open_now) >= 15, "the guarded routes went missing from the schema"


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_fuzzed_route_never_fails_and_is_closed_without_sign_in(api: Api, label: str) -> None:
    method, template = _template(label)
    guarded = required_permission(method, template) is not None
    signed_in = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    seen: Counter[int] = Counter()

    @settings(
        max_examples=EXAMPLES,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=_cases(api, label))
    def fuzz(case: Case[Any]) -> None:
        response = case.call(base_url=api.url, headers=signed_in, allow_redirects=False)
        seen[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)
        if guarded:
            anonymous = case.call(base_url=api.url, allow_redirects=False)
            assert _signed_out_answer(anonymous), (
                f"{label} answered {anonymous.status_code} without sign-in: {anonymous.text[:200]}"
            )

    fuzz()
    assert not [code for code in seen if code >= 500], seen
    if guarded:
        assert any(200 <= code < 300 for code in seen), f"{label} never reached its handler: {seen}"


@pytest.mark.parametrize("label", sorted(MEDIA_TYPES))
def test_the_schema_names_each_media_type(label: str) -> None:
    documented = SCHEMA.raw_schema["paths"][_template(label)[1]]["get"]["responses"]["200"]
    assert MEDIA_TYPES[label] in documented.get("content", {})


@pytest.mark.parametrize("label", WRONG_BODIES)
def test_a_body_that_is_not_json_still_needs_sign_in(api: Api, label: str) -> None:
    path = _template(label)[1].format(
        alert_id=api.alert_ids[0], site="s1", unit="4north", room="412"
    )
    response = httpx.post(
        api.url + path, content=b"not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401, response.text


@pytest.mark.parametrize(
    "query",
    [
        "audit?to=0001-01-01T00:00:00Z",
        "audit?from=9999-12-31T23:59:59-14:00",
        "alert-metrics?to=0001-01-01T00:00:00Z",
    ],
)
def test_a_window_at_the_calendars_edge_is_a_400_not_a_500(api: Api, query: str) -> None:
    signed_in = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    response = httpx.get(f"{api.url}/api/sites/s1/units/icu/{query}", headers=signed_in)
    assert response.status_code in (400, 422), response.status_code
