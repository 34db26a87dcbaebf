"""Durable half of ingest: one Redis round trip per batch of messages.

Accepted messages go through one Lua script call per partition per batch (dedupe markers +
XADD, atomic, so a crash can neither lose an event nor store it twice); rejected ones go to
the dead-letter stream with a per-reason counter. The caller PUBACKs only after `write`
returns.
"""

import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, cast

import redis

from aggregator.ingest.validate import Accepted, DeadReason
from aggregator.store import (
    APPEND_ONCE_LUA,
    DEADLETTER_COUNTS,
    DEADLETTER_STREAM,
    PARTITIONS_KEY,
    Partition,
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
        groups: dict[Partition, list[int]] = defaultdict(list)
        for index, item in enumerate(items):
            if isinstance(item, Accepted):
                groups[item.partition].append(index)
        pipe = self._client.pipeline(transaction=False)
        if groups:
            pipe.sadd(PARTITIONS_KEY, *(part.name for part in groups))  # rules find them
        for part, indexes in groups.items():
            accepted = [cast(Accepted, items[i]) for i in indexes]
            args: list[str | int | bytes] = [self._ttl, self._maxlen, now]
            for item in accepted:
                args += [item.kind, item.payload]
            keys = [part.events, *(part.seen(item.dedupe_id) for item in accepted)]
            self._append_once(keys=keys, args=args, client=pipe)
        letters = [item for item in items if isinstance(item, DeadLetter)]
        for letter in letters:
            pipe.xadd(
                DEADLETTER_STREAM,
                {
                    "reason": letter.reason.value,
                    "detail": letter.detail,
                    "topic": letter.topic[:256],
                    "payload": letter.payload[:DEADLETTER_PAYLOAD_BYTES],
                    "recv_ts": now,
                },
                maxlen=DEADLETTER_MAXLEN,
                approximate=True,
            )
        for reason, count in Counter(letter.reason.value for letter in letters).items():
            pipe.hincrby(DEADLETTER_COUNTS, reason, count)
        results = pipe.execute()
        outcomes = [Outcome.DEAD_LETTERED] * len(items)
        for (_, indexes), flags in zip(groups.items(), results[1:], strict=False):
            for index, flag in zip(indexes, flags, strict=True):
                outcomes[index] = Outcome.APPENDED if flag else Outcome.DUPLICATE
        return outcomes
