"""Server-side sessions: a random session id per sign-in, kept in Redis with an expiry.

The cookie stays signed (`aggregator.web.auth.SessionSigner`), but a signature alone
cannot be taken back: a copied cookie would work until it expires. So every cookie also
names a session id, and a request is let in only while Redis still holds that id. Signing
out deletes it; Redis's expiry ends it with the cookie. Several aggregator processes behind
one address share the same Redis, so a sign-out on one is a sign-out on all.

The value kept is the user id and a fingerprint of the password hash the user signed in
with: when an administrator changes the password in the config, every session opened with
the old one stops working.
"""

import hashlib
import secrets
from typing import Protocol

import redis.asyncio as aioredis

from aggregator.store import PREFIX


def session_key(sid: str) -> str:
    return f"{PREFIX}:web:session:{sid}"


def password_fingerprint(password_hash: str) -> str:
    """Short, one-way: tells a changed password apart, says nothing about the password."""
    return hashlib.sha256(b"ambient-session-pw\0" + password_hash.encode()).hexdigest()[:16]


def new_session_id() -> str:
    return secrets.token_urlsafe(18)


class SessionStore(Protocol):
    async def open(self, sid: str, value: str, ttl_s: int) -> None: ...

    async def get(self, sid: str) -> str | None: ...

    async def close(self, sid: str) -> None: ...


class RedisSessions:
    """`SessionStore` in Redis: ``SET ambient:web:session:<sid> <value> EX <ttl>``."""

    def __init__(self, client: "aioredis.Redis") -> None:
        self._client = client

    async def open(self, sid: str, value: str, ttl_s: int) -> None:
        await self._client.set(session_key(sid), value, ex=max(1, ttl_s))

    async def get(self, sid: str) -> str | None:
        raw = await self._client.get(session_key(sid))
        if raw is None:
            return None
        return raw.decode() if isinstance(raw, bytes) else str(raw)

    async def close(self, sid: str) -> None:
        await self._client.delete(session_key(sid))
