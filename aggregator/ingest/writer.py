"""Durable half of ingest: one Redis round trip per batch of messages.

Accepted messages go through one Lua script each (dedupe marker + XADD, atomic, so a crash
can neither lose an event nor store it twice); rejected ones go to the dead-letter stream
with a per-reason counter. The caller PUBACKs only after `write` returns.
"""

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import redis

from aggregator.ingest.validate import Accepted, DeadReason
from aggregator.store import (
    APPEND_ONCE_LUA,
    DEADLETTER_COUNTS,
    DEADLETTER_STREAM,
    PARTITIONS_KEY,
)

DEADLETTER_PAYLOAD_BYTES = 512
"""Dead letters keep only the head of the payload: enough to debug, bounded in size."""
DEADLETTER_MAXLEN = 100_000


@dataclass(frozen=True, slots=True)
class DeadLetter:
    reason: DeadReason
    detail: str
    topic: str
    payload: bytes


class Outcome(StrEnum):
    APPENDED = "appended"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead_lettered"


class BatchWriter(Protocol):
    def write(self, items: Sequence[Accepted | DeadLetter]) -> list[Outcome]:
        """Store every item durably or raise (redis.RedisError); nothing is acked on raise."""
        ...


class RedisBatchWriter:
    def __init__(self, client: redis.Redis, dedupe_ttl_s: int, maxlen: int | None) -> None:
        self._client = client
        self._ttl = dedupe_ttl_s
        self._maxlen = maxlen or 0
        self._append_once = client.register_script(APPEND_ONCE_LUA)

    def write(self, items: Sequence[Accepted | DeadLetter]) -> list[Outcome]:
        if not items:
            return []
        now = f"{time.time():.6f}"
        pipe = self._client.pipeline(transaction=False)
        partitions = {item.partition.name for item in items if isinstance(item, Accepted)}
        if partitions:
            pipe.sadd(PARTITIONS_KEY, *partitions)  # before the events: rules find them
        for item in items:
            if isinstance(item, Accepted):
                part = item.partition
                fields = ["kind", item.kind, "payload", item.payload, "recv_ts", now]
                self._append_once(
                    keys=[part.seen(item.dedupe_id), part.events],
                    args=[self._ttl, self._maxlen, *fields],
                    client=pipe,
                )
            else:
                pipe.xadd(
                    DEADLETTER_STREAM,
                    {
                        "reason": item.reason.value,
                        "detail": item.detail,
                        "topic": item.topic[:256],
                        "payload": item.payload[:DEADLETTER_PAYLOAD_BYTES],
                        "recv_ts": now,
                    },
                    maxlen=DEADLETTER_MAXLEN,
                    approximate=True,
                )
        counts = Counter(item.reason.value for item in items if isinstance(item, DeadLetter))
        for reason, count in counts.items():
            pipe.hincrby(DEADLETTER_COUNTS, reason, count)
        first = 1 if partitions else 0
        results = pipe.execute()[first : first + len(items)]
        outcomes = []
        for item, result in zip(items, results, strict=True):
            if isinstance(item, DeadLetter):
                outcomes.append(Outcome.DEAD_LETTERED)
            else:
                outcomes.append(Outcome.APPENDED if result else Outcome.DUPLICATE)
        return outcomes
