"""Stream entries a reader cannot process: set aside in the dead-letter stream, not retried
for ever.

A stored entry whose processing raises would otherwise stop its reader at the same place
after every restart, and with it the alerts or reports of every unit. So each reader counts
the failures of each entry (`Failures`); a failure that will not pass (the payload does not
parse, the roll-up refuses the time) sets the entry aside at once, any other after
``limit`` tries. Set aside means: one entry in the dead-letter stream that ingest uses too,
with the reader, the stream and entry id, the reason and a one-line summary of the error,
and the head of the payload, then the reader goes past it (XACK, or the analytics cursor).

Counts live in the process: after a restart an entry gets ``limit`` new tries. An entry may
land in the dead-letter stream twice if the reader crashes between setting it aside and
moving past it; it is never lost.
"""

import logging
import time
from collections import Counter
from enum import StrEnum
from typing import Any, cast

import redis
import redis.asyncio as aioredis

from aggregator.store import DEADLETTER_COUNTS, DEADLETTER_STREAM
from aggregator.supervise import error_summary

logger = logging.getLogger(__name__)

PAYLOAD_BYTES = 512
"""The head of the payload kept: enough to find and debug the entry, bounded in size."""
MAXLEN = 100_000
"""Approximate bound of the dead-letter stream (shared with ingest)."""


TRACKED = 10_000
"""Entries whose failures are counted at once; past that the counts start again."""


class PoisonReason(StrEnum):
    UNPARSEABLE = "unparseable"
    """The stored payload does not parse as an event or a status."""
    OUT_OF_RANGE = "out_of_range"
    """The roll-ups cannot place it in time (before year 1, after 9999, not a number)."""
    FAILED = "failed"
    """Processing raised something else, ``limit`` times."""


class Failures:
    """How often each (stream, entry id) has failed in this process."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._counts: Counter[tuple[str, bytes]] = Counter()

    def add(self, stream: str, entry_id: bytes) -> bool:
        """Count one failure; True when the entry has now failed ``limit`` times."""
        if len(self._counts) >= TRACKED:
            self._counts.clear()  # bounded memory: entries that failed once and then passed
        self._counts[(stream, entry_id)] += 1
        return self._counts[(stream, entry_id)] >= self.limit

    def forget(self, stream: str, entry_id: bytes) -> None:
        self._counts.pop((stream, entry_id), None)


def counts_field(reader: str, reason: PoisonReason) -> str:
    """The field of the dead-letter counts hash: ``rules.failed``, beside ingest's reasons."""
    return f"{reader}.{reason.value}"


def letter(
    reader: str,
    stream: str,
    entry_id: bytes,
    fields: dict[bytes, bytes],
    *,
    reason: PoisonReason,
    error: BaseException,
    now: float,
) -> dict[str, str | bytes]:
    """The dead-letter stream entry of one set-aside stream entry: the fields of ingest's
    dead letters (``topic`` empty: it came from a stream, not from the broker) and where it
    was stored."""
    return {
        "reason": f"{reader}.{reason.value}",
        "detail": error_summary(error),
        "topic": "",
        "reader": reader,
        "stream": stream,
        "entry_id": entry_id,
        "kind": fields.get(b"kind", b"")[:32],
        "payload": fields.get(b"payload", b"")[:PAYLOAD_BYTES],
        "recv_ts": f"{now:.6f}",
    }


async def set_aside(
    client: "aioredis.Redis",
    reader: str,
    stream: str,
    entry: tuple[bytes, dict[bytes, bytes]],
    *,
    reason: PoisonReason,
    error: BaseException,
) -> None:
    """Write one entry to the dead-letter stream and count it (the caller moves past it)."""
    entry_id, fields = entry
    body = letter(reader, stream, entry_id, fields, reason=reason, error=error, now=time.time())
    async with client.pipeline(transaction=False) as pipe:
        pipe.xadd(DEADLETTER_STREAM, cast(Any, body), maxlen=MAXLEN, approximate=True)
        pipe.hincrby(DEADLETTER_COUNTS, counts_field(reader, reason), 1)
        await pipe.execute()
    _log(reader, stream, entry_id, reason, error)


def set_aside_blocking(
    client: "redis.Redis",
    reader: str,
    stream: str,
    entry: tuple[bytes, dict[bytes, bytes]],
    *,
    reason: PoisonReason,
    error: BaseException,
) -> None:
    """`set_aside` for a blocking redis-py client."""
    entry_id, fields = entry
    body = letter(reader, stream, entry_id, fields, reason=reason, error=error, now=time.time())
    pipe = client.pipeline(transaction=False)
    pipe.xadd(DEADLETTER_STREAM, cast(Any, body), maxlen=MAXLEN, approximate=True)
    pipe.hincrby(DEADLETTER_COUNTS, counts_field(reader, reason), 1)
    pipe.execute()
    _log(reader, stream, entry_id, reason, error)


def _log(
    reader: str, stream: str, entry_id: bytes, reason: PoisonReason, error: BaseException
) -> None:
    logger.warning(
        "%s: entry %s of %s set aside in the dead-letter stream (%s: %s)",
        reader,
        entry_id.decode(),
        stream,
        reason.value,
        error_summary(error),
    )
