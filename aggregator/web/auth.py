"""Sign-in and roles for the feed and API: hashed passwords, signed cookies, bearer tokens.

Stdlib cryptography. Passwords are stored as PBKDF2-SHA256
(``pbkdf2_sha256$iterations$salt$hash``), API tokens as their SHA-256 (they are long random
strings, so a slow hash adds nothing).
A session is a cookie ``base64(json{u, r, s, exp}).hmac`` signed with a server secret, where
``s`` is a session id kept in Redis (`aggregator.web.sessions`): signing out deletes it, so a
copied cookie stops working. A session of a user removed from (or given another role or
password in) the config stops working at once, since every request checks it against the
config.

What a role may do is one table (`ROLE_PERMISSIONS`), and what each route needs is another
(`ROUTE_PERMISSIONS`, by the route's path template). A route in neither table needs
``admin``: a router added later (reports...) is closed until someone says who may use it.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from typing import Literal

from aggregator.config import AuthConfig, UserRole
from aggregator.web.sessions import SessionStore, new_session_id, password_fingerprint

logger = logging.getLogger(__name__)

PBKDF2_ITERATIONS = 600_000
"""OWASP's 2023 figure for PBKDF2-HMAC-SHA256; stored per hash, so it can be raised later."""
COOKIE = "ambient_session"
SECRET_ENV = "AMBIENT_SESSION_SECRET"

Permission = Literal["view", "act", "snooze", "escalation", "audit", "reports", "metrics", "admin"]

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "nurse": frozenset({"view", "act"}),
    "charge_nurse": frozenset({"view", "act", "snooze", "escalation"}),
    "quality": frozenset({"view", "audit", "reports"}),
    "monitor": frozenset({"metrics"}),
    "admin": frozenset(
        {"view", "act", "snooze", "escalation", "audit", "reports", "metrics", "admin"}
    ),
}
"""``monitor`` is for a Prometheus scraper's API token: ``/metrics`` and nothing else."""

OPEN = None
ROUTE_PERMISSIONS: dict[tuple[str, str], Permission | None] = {
    ("GET", "/healthz"): OPEN,
    ("GET", "/readyz"): OPEN,
    ("GET", "/metrics"): "metrics",
    ("GET", "/api/docs"): "view",
    ("GET", "/openapi.json"): "view",
    ("GET", "/login"): OPEN,
    ("POST", "/api/login"): OPEN,
    ("POST", "/api/logout"): OPEN,
    ("GET", "/api/me"): "view",
    ("GET", "/"): "view",
    ("GET", "/sites/{site}/units/{unit}"): "view",
    ("GET", "/api/sites/{site}/units/{unit}/alerts"): "view",
    ("GET", "/api/sites/{site}/units/{unit}/rooms"): "view",
    ("GET", "/api/sites/{site}/units/{unit}/stream"): "view",
    ("GET", "/api/sites/{site}/units/{unit}/snoozes"): "view",
    ("GET", "/api/alerts/{alert_id}"): "view",
    ("POST", "/api/alerts/{alert_id}/ack"): "act",
    ("POST", "/api/alerts/{alert_id}/resolve"): "act",
    ("POST", "/api/sites/{site}/units/{unit}/rooms/{room}/snooze"): "snooze",
    ("GET", "/api/alerts/{alert_id}/audit"): "audit",
    ("GET", "/api/sites/{site}/units/{unit}/audit"): "audit",
    ("GET", "/api/sites/{site}/units/{unit}/alert-metrics"): "audit",
}
PREFIX_PERMISSIONS: list[tuple[str, Permission]] = [
    ("/api/reports/", "reports"),
    ("/reports/", "reports"),
]


def required_permission(method: str, template: str) -> Permission | None:
    """What a route needs (None: open to all). Unknown routes need ``admin``."""
    method = "GET" if method == "HEAD" else method
    if (method, template) in ROUTE_PERMISSIONS:
        return ROUTE_PERMISSIONS[(method, template)]
    for prefix, permission in PREFIX_PERMISSIONS:
        if template.startswith(prefix):
            return permission
    return "admin"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a signed-in person or an API client."""

    id: str
    role: UserRole

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self.role]

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(
    password: str, *, iterations: int = PBKDF2_ITERATIONS, salt: bytes | None = None
) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, iterations, salt, expected = encoded.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), _unb64(salt), int(iterations))
        return hmac.compare_digest(digest, _unb64(expected))
    except ValueError:
        return False


def hash_token(token: str) -> str:
    return "sha256$" + hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SessionClaims:
    """What a session cookie says, once its signature is checked."""

    user: str
    role: str
    sid: str
    expires_s: float


class SessionSigner:
    """Signs and checks session cookies; expiry inside the signed part."""

    def __init__(self, secret: bytes, ttl_s: float) -> None:
        if len(secret) < 16:
            raise ValueError("session secret must be at least 16 bytes")
        self._key = hashlib.sha256(b"ambient-session\0" + secret).digest()
        self.ttl_s = ttl_s

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def sign(self, user_id: str, role: str, sid: str, now_s: float) -> str:
        claims = {"u": user_id, "r": role, "s": sid, "exp": int(now_s + self.ttl_s)}
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{body}.{self._mac(body)}"

    def verify(self, cookie: str, now_s: float) -> SessionClaims | None:
        """The claims of a valid, unexpired cookie; None otherwise."""
        body, _, mac = cookie.partition(".")
        if not body or not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            return None
        try:
            raw = json.loads(_unb64(body))
            claims = SessionClaims(str(raw["u"]), str(raw["r"]), str(raw["s"]), float(raw["exp"]))
        except (ValueError, KeyError, TypeError):
            return None
        return claims if now_s < claims.expires_s else None


def session_secret(cfg: AuthConfig) -> bytes:
    if cfg.session_secret is not None:
        return cfg.session_secret.get_secret_value().encode()
    env = os.environ.get(SECRET_ENV)
    if env:
        return env.encode()
    if cfg.enabled:
        logger.warning(
            "auth: no session_secret and no %s; sessions end when the aggregator restarts",
            SECRET_ENV,
        )
    return secrets.token_bytes(32)


def _dummy_hash(iterations: int) -> str:
    """Checked for unknown ids: costs the same as a real check, matches nothing."""
    return f"pbkdf2_sha256${iterations}${'A' * 22}${'A' * 43}"


class Authenticator:
    """Checks credentials against the config: passwords, session cookies, bearer tokens.

    Sessions live in ``sessions`` (Redis in the app), so signing out ends them for good.
    """

    def __init__(
        self, cfg: AuthConfig, sessions: SessionStore, secret: bytes | None = None
    ) -> None:
        self.cfg = cfg
        self.signer = SessionSigner(secret or session_secret(cfg), cfg.session_ttl_h * 3600)
        self._sessions = sessions
        self._users = {u.id: u for u in cfg.users}
        self._tokens = {t.token_hash: t for t in cfg.api_tokens}
        iterations = [u.password_hash.split("$")[1] for u in cfg.users]
        self._dummy = _dummy_hash(int(iterations[0]) if iterations else PBKDF2_ITERATIONS)
        self._hashing = asyncio.Semaphore(cfg.login_concurrency)

    @property
    def enabled(self) -> bool:
        return self.cfg.enabled

    def login(self, user_id: str, password: str) -> Principal | None:
        """Slow on purpose (PBKDF2), also for unknown ids so timing does not tell which."""
        user = self._users.get(user_id)
        ok = verify_password(password, user.password_hash if user else self._dummy)
        return Principal(user.id, user.role) if user and ok else None

    async def sign_in(self, user_id: str, password: str) -> Principal | None:
        """`login` in a thread, at most ``login_concurrency`` at once.

        Never on the event loop (one check takes a third of a second), and never many at
        once: the default thread pool is shared with notifications and report catch-up,
        which a burst of sign-ins would otherwise queue behind.
        """
        async with self._hashing:
            return await asyncio.to_thread(self.login, user_id, password)

    def _session_value(self, user_id: str) -> str:
        user = self._users[user_id]
        return f"{user.id} {password_fingerprint(user.password_hash)}"

    async def open_session(self, who: Principal, now_s: float) -> str:
        """A new session id in the store, and the signed cookie that names it."""
        sid = new_session_id()
        await self._sessions.open(sid, self._session_value(who.id), int(self.signer.ttl_s))
        return self.signer.sign(who.id, who.role, sid, now_s)

    async def close_session(self, cookie: str | None, now_s: float) -> None:
        """Sign out: the cookie's session id is deleted, so copies of it stop working too."""
        claims = self.signer.verify(cookie, now_s) if cookie else None
        if claims is not None:
            await self._sessions.close(claims.sid)

    async def from_cookie(self, cookie: str | None, now_s: float) -> Principal | None:
        if not cookie:
            return None
        claims = self.signer.verify(cookie, now_s)
        if claims is None:
            return None
        user = self._users.get(claims.user)
        if user is None or user.role != claims.role:
            return None  # removed, or given another role, since signing in
        if await self._sessions.get(claims.sid) != self._session_value(user.id):
            return None  # signed out, expired, or the password changed since
        return Principal(user.id, user.role)

    def from_bearer(self, header: str | None) -> Principal | None:
        if not header or not header.lower().startswith("bearer "):
            return None
        token = self._tokens.get(hash_token(header[7:].strip()))
        return None if token is None else Principal(token.id, token.role)
