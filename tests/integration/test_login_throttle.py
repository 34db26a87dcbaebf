"""Sign-in throttling: a password cannot be guessed faster than the limits allow, from one
address or against one user id, even across several aggregator processes sharing Redis.

The app runs in-process over httpx against the real Redis; every test uses user ids and
client addresses of its own, so the counts other tests leave in Redis do not matter.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from aggregator.config import AuthConfig
from aggregator.metrics import Metrics
from aggregator.web.api import create_app
from aggregator.web.auth import COOKIE, hash_password
from aggregator.web.throttle import user_key
from ambient.services import Service

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

PASSWORD = "night-shift"
WINDOW_S = 600


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class _Connected:
    connected = True


@pytest.fixture
async def redis(redis_service: Service) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(f"{redis_service.url}/0")
    yield client
    await client.aclose()


def _users() -> list[str]:
    tag = uuid.uuid4().hex[:8]
    return [f"n-{tag}-{i}" for i in range(3)]


def _app(
    redis: aioredis.Redis,
    users: list[str],
    *,
    per_user: int,
    per_address: int,
    iterations: int = 1000,
) -> FastAPI:
    auth = AuthConfig.model_validate(
        {
            "enabled": True,
            "session_secret": "a-test-secret-of-enough-length",
            "users": [
                {
                    "id": u,
                    "role": "nurse",
                    "password_hash": hash_password(PASSWORD, iterations=1000),
                }
                for u in users
            ],
            "login_limit_per_user": per_user,
            "login_limit_per_address": per_address,
            "login_window_s": WINDOW_S,
        }
    )
    return create_app(redis, Metrics(), _Connected(), auth=auth)


def _client(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://feed")


def _address() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


async def _sign_in(http: httpx.AsyncClient, user: str, password: str) -> httpx.Response:
    return await http.post("/api/login", json={"id": user, "password": password})


async def test_past_the_limit_even_the_right_password_waits_for_the_window(
    redis: aioredis.Redis,
) -> None:
    user = _users()[0]
    app = _app(redis, [user], per_user=5, per_address=1000)
    async with _client(app, _address()) as http:
        codes = [(await _sign_in(http, user, f"guess-{i}")).status_code for i in range(5)]
        assert codes == [401] * 5
        r = await _sign_in(http, user, "guess-5")
        assert r.status_code == 429
        assert 0 < int(r.headers["retry-after"]) <= WINDOW_S
        right = await _sign_in(http, user, PASSWORD)
        assert right.status_code == 429 and COOKIE not in right.cookies, (
            "the right password after the limit must still be refused"
        )
    async with _client(app, _address()) as http:
        assert (await _sign_in(http, user, PASSWORD)).status_code == 429, (
            "another address does not reset a user's limit"
        )
        # The window passes (as Redis's expiry would end it), and the user may sign in again.
        await redis.pexpire(user_key(user), 1)
        deadline = time.monotonic() + 5
        while await redis.exists(user_key(user)) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert (await _sign_in(http, user, PASSWORD)).status_code == 200


async def test_one_address_guessing_many_ids_is_stopped(redis: aioredis.Redis) -> None:
    users = _users()
    app = _app(redis, users, per_user=1000, per_address=6)
    attacker, nurse = _address(), _address()
    async with _client(app, attacker) as http:
        codes = [(await _sign_in(http, users[i % 3], f"guess-{i}")).status_code for i in range(8)]
        assert codes == [401] * 6 + [429] * 2
        assert (await _sign_in(http, users[0], PASSWORD)).status_code == 429
    async with _client(app, nurse) as http:
        assert (await _sign_in(http, users[0], PASSWORD)).status_code == 200, (
            "a nurse at another address is not locked out by the attacker's address"
        )


async def test_a_successful_sign_in_clears_the_users_count(redis: aioredis.Redis) -> None:
    user = _users()[0]
    app = _app(redis, [user], per_user=3, per_address=7)
    async with _client(app, _address()) as http:
        for _ in range(3):
            assert (await _sign_in(http, user, "typo")).status_code == 401
            assert (await _sign_in(http, user, "typo")).status_code == 401
            assert (await _sign_in(http, user, PASSWORD)).status_code == 200
        # 9 attempts from this address and the limit is 7: the address counts its failures
        # (6), not its successes, so a shared ward address is not locked out by them.
        assert (await _sign_in(http, user, PASSWORD)).status_code == 200


async def test_the_count_is_shared_by_several_aggregator_processes(
    redis: aioredis.Redis,
) -> None:
    user = _users()[0]
    first = _app(redis, [user], per_user=4, per_address=1000)
    second = _app(redis, [user], per_user=4, per_address=1000)
    address = _address()
    async with _client(first, address) as one, _client(second, address) as two:
        codes = [
            (await _sign_in(one if i % 2 else two, user, f"guess-{i}")).status_code
            for i in range(6)
        ]
        assert codes == [401] * 4 + [429] * 2
        assert (await _sign_in(two, user, PASSWORD)).status_code == 429


async def test_a_burst_of_sign_ins_does_not_hold_up_other_work(redis: aioredis.Redis) -> None:
    """64 sign-ins at once (PBKDF2 each): the health check and work other parts of the
    aggregator run in threads (webhook notifications, report catch-up) are answered while
    most of the sign-ins are still waiting, not after them."""
    users = _users()
    app = _app(redis, users, per_user=1000, per_address=1000, iterations=100_000)
    async with _client(app, _address()) as http:
        logins = [asyncio.create_task(_sign_in(http, users[i % 3], PASSWORD)) for i in range(64)]
        await asyncio.wait(logins, return_when=asyncio.FIRST_COMPLETED)
        notification = asyncio.create_task(asyncio.to_thread(lambda: "sent"))
        health = asyncio.create_task(http.get("/healthz"))
        assert await notification == "sent"
        waiting = sum(not login.done() for login in logins)
        assert waiting > len(logins) // 2, (
            f"threaded work waited behind the sign-ins: only {waiting} of 64 still waiting"
        )
        assert (await health).status_code == 200
        assert any(not login.done() for login in logins), "health answered after every login"
        assert [r.status_code for r in await asyncio.gather(*logins)] == [200] * 64
