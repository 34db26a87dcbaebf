"""Sign-in routes: the sign-in page, ``/api/login``, ``/api/logout`` and ``/api/me``.

A router of its own (`login_router`), so the rules of signing in (what is checked, what
the cookie carries) sit in one file beside `aggregator.web.auth`, not among the feed's
handlers.
"""

import logging
import time
from importlib import resources
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from redis.exceptions import RedisError

from aggregator.web.auth import COOKIE, ROLE_PERMISSIONS, Authenticator, Principal
from aggregator.web.throttle import LoginThrottle

logger = logging.getLogger(__name__)


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


def login_router(authn: Authenticator, throttle: LoginThrottle) -> APIRouter:
    router = APIRouter()

    def me_json(who: Principal | None) -> dict[str, Any]:
        if who is None:
            return {
                "auth": authn.enabled,
                "id": None,
                "role": None,
                "permissions": sorted(ROLE_PERMISSIONS["admin"]),
            }
        return {
            "auth": True,
            "id": who.id,
            "role": who.role,
            "permissions": sorted(who.permissions),
        }

    @router.get("/login", response_class=HTMLResponse)
    async def login_page() -> str:
        return resources.files("aggregator.web").joinpath("static", "login.html").read_text()

    @router.post("/api/login")
    async def login(body: LoginBody, request: Request) -> JSONResponse:
        """Throttled (`aggregator.web.throttle`): past the limits, 429 with Retry-After."""
        if not authn.enabled:
            return JSONResponse(me_json(None))
        address = request.client.host if request.client else "unknown"
        try:
            wait = await throttle.attempt(body.id, address)
        except RedisError as e:
            raise HTTPException(503, "sign-in unavailable (Redis)") from e
        if wait:
            logger.warning("sign-in refused, too many attempts: %s from %s", body.id, address)
            raise HTTPException(
                429,
                f"too many sign-in attempts; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        who = await authn.sign_in(body.id, body.password)
        if who is None:
            raise HTTPException(401, "wrong id or password")
        try:
            await throttle.succeeded(body.id, address)
            cookie = await authn.open_session(who, time.time())
        except RedisError as e:
            raise HTTPException(503, "sign-in unavailable (Redis)") from e
        response = JSONResponse(me_json(who))
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=int(authn.signer.ttl_s),
            httponly=True,
            samesite="strict",
            secure=authn.cfg.cookie_secure,
            path="/",
        )
        logger.info("signed in: %s (%s)", who.id, who.role)
        return response

    @router.post("/api/logout")
    async def logout(request: Request) -> JSONResponse:
        """Ends the session on the server too: a copy of the cookie no longer signs in."""
        try:
            await authn.close_session(request.cookies.get(COOKIE), time.time())
        except RedisError as e:
            raise HTTPException(503, "sign-out not recorded (Redis); try again") from e
        response = JSONResponse({"ok": True})
        response.delete_cookie(
            COOKIE, path="/", httponly=True, samesite="strict", secure=authn.cfg.cookie_secure
        )
        return response

    @router.get("/api/me")
    async def me(request: Request) -> dict[str, Any]:
        """Who is signed in and what they may do; the page shows only what they may use."""
        return me_json(request.state.principal)

    return router
