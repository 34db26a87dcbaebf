"""Durable half of ingest: one Redis round trip per batch of messages.

Accepted messages go through one Lua script call per partition per batch (dedupe markers +
XADD, atomic, so a crash can neither lose an event nor store it twice); rejected ones go to
the dead-letter stream with a per-reason counter. The caller PUBACKs only after `write`
returns.

The dedupe marker holds a digest of the payload: a redelivery of the same bytes is a harmless
duplicate, but a different payload under an id already stored (a faulty or hostile device
reusing an ``event_id``) is a conflicting duplicate, dead-lettered whole in a second round
trip. If that round trip fails the batch raises and is redelivered, and the conflict is
found again.
"""

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, cast

import redis

from aggregator.ingest.validate import POLICY_REASONS, Accepted, DeadReason
from aggregator.store import (
    APPEND_ONCE_LUA,
    DEADLETTER_COUNTS,
    DEADLETTER_STREAM,
    PARTITIONS_KEY,
    Partition,
)

DEADLETTER_PAYLOAD_BYTES = 512
"""Dead letters of unreadable input keep only the head of the payload: enough to debug,
bounded in size. Valid payloads refused by a limit (`POLICY_REASONS`) are kept whole; they
are no larger than the ingest's payload cap."""
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
    CONFLICT = "conflict"
    """Dead-lettered as `conflicting_duplicate`: same id as a stored one, other content."""


def digest(payload: bytes) -> str:
    """What the dedupe marker remembers of a payload (128 bits of SHA-256)."""
    return hashlib.sha256(payload).hexdigest()[:32]


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
                args += [item.kind, item.payload, digest(item.payload)]
            keys = [part.events, *(part.seen(item.dedupe_id) for item in accepted)]
            self._append_once(keys=keys, args=args, client=pipe)
        letters = [item for item in items if isinstance(item, DeadLetter)]
        _dead_letter(pipe, letters, now)
        results = pipe.execute()
        outcomes = [Outcome.DEAD_LETTERED] * len(items)
        conflicts: list[DeadLetter] = []
        for (_, indexes), flags in zip(groups.items(), results[1:], strict=False):
            for index, flag in zip(indexes, flags, strict=True):
                outcomes[index] = _OUTCOMES[int(flag)]
                if outcomes[index] is Outcome.CONFLICT:
                    conflicts.append(_conflict(cast(Accepted, items[index])))
        if conflicts:
            pipe = self._client.pipeline(transaction=False)
            _dead_letter(pipe, conflicts, now)
            pipe.execute()
        return outcomes


_OUTCOMES = {1: Outcome.APPENDED, 0: Outcome.DUPLICATE, 2: Outcome.CONFLICT}


def _conflict(item: Accepted) -> DeadLetter:
    return DeadLetter(
        DeadReason.CONFLICTING_DUPLICATE,
        f"{item.kind} {item.dedupe_id} was stored before with different content",
        item.topic,
        item.payload,
    )


def _dead_letter(pipe: "redis.client.Pipeline", letters: Sequence[DeadLetter], now: str) -> None:
    for letter in letters:
        whole = letter.reason in POLICY_REASONS
        pipe.xadd(
            DEADLETTER_STREAM,
            {
                "reason": letter.reason.value,
                "detail": letter.detail,
                "topic": letter.topic[:256],
                "payload": letter.payload if whole else letter.payload[:DEADLETTER_PAYLOAD_BYTES],
                "recv_ts": now,
            },
            maxlen=DEADLETTER_MAXLEN,
            approximate=True,
        )
    for reason, count in Counter(letter.reason.value for letter in letters).items():
        pipe.hincrby(DEADLETTER_COUNTS, reason, count)
