"""Sign-in throttling per user id and per client address, counted in Redis.

Without it a password can be guessed as fast as the server hashes. Each attempt is counted
*before* the password is checked (so a burst of parallel guesses cannot all slip in ahead of
the count, and refused attempts cost no PBKDF2), in two fixed windows: one per user id, one
per address. Once either count is over its limit, every attempt is answered 429 with
``Retry-After`` until that window ends, the right password included. A successful sign-in
clears the user's count and takes itself back off the address's count, so many nurses
signing in at shift change from one address are not locked out by their own successes.

The counts live in Redis with an expiry, so several aggregator processes behind one address
share them, and a restart does not reset them.
"""

from dataclasses import dataclass

import redis.asyncio as aioredis

from aggregator.config import AuthConfig
from aggregator.store import PREFIX

# Takes back one attempt, only if the window still exists: a DECR on a key that has just
# expired would create one without expiry.
_GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return 0
"""


def user_key(user_id: str) -> str:
    return f"{PREFIX}:web:login:user:{user_id}"


def address_key(address: str) -> str:
    return f"{PREFIX}:web:login:address:{address}"


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_user: int
    per_address: int
    window_s: int


def login_limits(cfg: AuthConfig) -> LoginLimits:
    return LoginLimits(cfg.login_limit_per_user, cfg.login_limit_per_address, cfg.login_window_s)


class LoginThrottle:
    def __init__(self, client: "aioredis.Redis", limits: LoginLimits) -> None:
        self._client = client
        self.limits = limits
        self._give_back = client.register_script(_GIVE_BACK)

    async def attempt(self, user_id: str, address: str) -> int:
        """Count one attempt; 0 when it may go ahead, else the seconds until it may."""
        checks = [
            (user_key(user_id), self.limits.per_user),
            (address_key(address), self.limits.per_address),
        ]
        async with self._client.pipeline(transaction=True) as pipe:
            for key, _ in checks:
                pipe.set(key, 0, ex=self.limits.window_s, nx=True)
                pipe.incr(key)
                pipe.ttl(key)
            replies = await pipe.execute()
        wait = 0
        for i, (_, limit) in enumerate(checks):
            count, ttl = int(replies[3 * i + 1]), int(replies[3 * i + 2])
            if count > limit:
                wait = max(wait, ttl if ttl > 0 else 1)
        return wait

    async def succeeded(self, user_id: str, address: str) -> None:
        await self._client.delete(user_key(user_id))
        await self._give_back(keys=[address_key(address)])
