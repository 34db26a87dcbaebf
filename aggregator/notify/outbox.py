"""The durable delivery queue in Redis: at least once, per channel, surviving restarts.

One job per (channel, notification). A job is *taken* with a lease (its due time moves
``lease_s`` ahead and its attempt count goes up, in one script), so a process that dies
mid-attempt leaves it to be retried, never lost; a receiver dedupes by the notification id.
Enqueueing sets a dedupe marker in the same script, so each transition is queued once
however often the stream entry behind it is re-read. Every attempt lands in a capped log
stream, and a job that runs out of attempts (or fails for good) goes to a dead-letter stream
with its reason.

    ambient:{notify}:sent:<id>   dedupe marker of a queued notification (SET NX EX)
    ambient:{notify}:jobs        hash "<channel>|<id>" -> notification JSON
    ambient:{notify}:due         sorted set "<channel>|<id>" -> next attempt (unix s)
    ambient:{notify}:attempts    hash "<channel>|<id>" -> attempts started
    ambient:{notify}:log         stream of attempts (channel, id, kind, attempt, result, reason)
    ambient:{notify}:dead        stream of dead letters (channel, id, attempts, reason, payload)
    ambient:{notify}:home:<site:unit>  JSON state of one home (see `home.HomeState`)

Every key shares the ``{notify}`` hash tag, so the scripts run in one Redis Cluster slot.
"""

from dataclasses import dataclass
from typing import Any, cast

import redis.asyncio as aioredis

from aggregator.notify.backoff import Outcome
from aggregator.notify.model import Notification

PREFIX = "ambient:{notify}"
JOBS_KEY = f"{PREFIX}:jobs"
DUE_KEY = f"{PREFIX}:due"
ATTEMPTS_KEY = f"{PREFIX}:attempts"
LOG_STREAM = f"{PREFIX}:log"
DEAD_STREAM = f"{PREFIX}:dead"
LOG_MAXLEN = 100_000


def sent_key(notification_id: str) -> str:
    return f"{PREFIX}:sent:{notification_id}"


def home_key(site: str, unit: str) -> str:
    return f"{PREFIX}:home:{site}:{unit}"


ENQUEUE_LUA = """
-- KEYS: sent marker, jobs, due. ARGV: ttl, now, id, payload, channel...
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
for i = 5, #ARGV do
  local member = ARGV[i] .. '|' .. ARGV[3]
  redis.call('HSET', KEYS[2], member, ARGV[4])
  redis.call('ZADD', KEYS[3], ARGV[2], member)
end
return 1
"""

TAKE_LUA = """
-- KEYS: due, jobs, attempts. ARGV: now, lease s, limit. Returns member, payload, attempt...
local now, lease = tonumber(ARGV[1]), tonumber(ARGV[2])
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, ARGV[3])
local out = {}
for _, member in ipairs(members) do
  local payload = redis.call('HGET', KEYS[2], member)
  if payload then
    redis.call('ZADD', KEYS[1], string.format('%.3f', now + lease), member)
    out[#out + 1] = member
    out[#out + 1] = payload
    out[#out + 1] = redis.call('HINCRBY', KEYS[3], member, 1)
  else
    redis.call('ZREM', KEYS[1], member)
  end
end
return out
"""


@dataclass(frozen=True, slots=True)
class Job:
    channel: str
    notification: Notification
    attempt: int
    """Number of this attempt, from 1 (counted when taken, so a crash counts too)."""

    @property
    def member(self) -> str:
        return f"{self.channel}|{self.notification.notification_id}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Outbox:
    def __init__(self, client: "aioredis.Redis", *, dedupe_ttl_s: int) -> None:
        self._client = client
        self._ttl = dedupe_ttl_s
        self._enqueue = client.register_script(ENQUEUE_LUA)
        self._take = client.register_script(TAKE_LUA)

    async def enqueue(self, notification: Notification, channels: list[str], now: float) -> bool:
        """Queue once per id for every channel; False when this id was queued before."""
        if not channels:
            return False
        nid = notification.notification_id
        added = await self._enqueue(
            keys=[sent_key(nid), JOBS_KEY, DUE_KEY],
            args=[self._ttl, f"{now:.3f}", nid, notification.dump(), *channels],
        )
        return bool(added)

    async def take(self, now: float, lease_s: float, limit: int) -> list[Job]:
        """Due jobs, leased for ``lease_s``: the caller finishes each with one of the below."""
        raw = cast(
            list[Any],
            await self._take(keys=[DUE_KEY, JOBS_KEY, ATTEMPTS_KEY], args=[now, lease_s, limit]),
        )
        jobs = []
        for i in range(0, len(raw), 3):
            channel = _text(raw[i]).partition("|")[0]
            jobs.append(Job(channel, Notification.load(raw[i + 1]), int(raw[i + 2])))
        return jobs

    async def delivered(self, job: Job, outcome: Outcome, now: float) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            self._forget(pipe, job)
            self._log(pipe, job, "delivered", outcome.reason, now)
            await pipe.execute()

    async def retry_at(self, job: Job, outcome: Outcome, at: float, now: float) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.zadd(DUE_KEY, {job.member: at}, xx=True)
            self._log(pipe, job, "retry", outcome.reason, now)
            await pipe.execute()

    async def dead_letter(self, job: Job, outcome: Outcome, now: float) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            self._forget(pipe, job)
            pipe.xadd(
                DEAD_STREAM,
                {
                    "channel": job.channel,
                    "id": job.notification.notification_id,
                    "attempts": job.attempt,
                    "reason": outcome.reason,
                    "payload": job.notification.dump(),
                    "at": f"{now:.3f}",
                },
                maxlen=LOG_MAXLEN,
                approximate=True,
            )
            self._log(pipe, job, "dead", outcome.reason, now)
            await pipe.execute()

    @staticmethod
    def _forget(pipe: Any, job: Job) -> None:
        pipe.zrem(DUE_KEY, job.member)
        pipe.hdel(JOBS_KEY, job.member)
        pipe.hdel(ATTEMPTS_KEY, job.member)

    @staticmethod
    def _log(pipe: Any, job: Job, result: str, reason: str, now: float) -> None:
        pipe.xadd(
            LOG_STREAM,
            {
                "channel": job.channel,
                "id": job.notification.notification_id,
                "kind": job.notification.kind.value,
                "attempt": job.attempt,
                "result": result,
                "reason": reason,
                "at": f"{now:.3f}",
            },
            maxlen=LOG_MAXLEN,
            approximate=True,
        )

    async def pending(self) -> int:
        """Jobs not yet delivered or dead-lettered."""
        return int(await self._client.zcard(DUE_KEY))

    async def next_due(self) -> float | None:
        first = cast(
            list[tuple[bytes, float]],
            await self._client.zrange(DUE_KEY, 0, 0, withscores=True),
        )
        return float(first[0][1]) if first else None

    async def attempts(self, notification_id: str) -> list[dict[str, str]]:
        """The attempt log of one notification, oldest first (for operators and tests)."""
        entries = cast(
            list[tuple[bytes, dict[bytes, bytes]]],
            await self._client.xrange(LOG_STREAM),
        )
        out = []
        for _, fields in entries:
            row = {_text(k): _text(v) for k, v in fields.items()}
            if row.get("id") == notification_id:
                out.append(row)
        return out

    async def dead_letters(self) -> list[dict[str, str]]:
        entries = cast(
            list[tuple[bytes, dict[bytes, bytes]]], await self._client.xrange(DEAD_STREAM)
        )
        return [{_text(k): _text(v) for k, v in fields.items()} for _, fields in entries]
