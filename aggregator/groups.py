"""Reading a partition stream through a Redis consumer group: the two recovery loops every
reader needs (the rules, the caregiver notifier), written once.

`drain_pending` re-reads what this consumer was handed before a crash and never acked;
`claim_stale` takes over what a consumer that went away left pending. Both hand batches to
``apply`` in stream order, which acks them after their effects are stored.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

import redis.asyncio as aioredis

logger = logging.getLogger(__name__)

Entry = tuple[bytes, dict[bytes, bytes]]
Apply = Callable[[list[Entry]], Awaitable[None]]
BATCH = 200


async def drain_pending(
    client: "aioredis.Redis", stream: str, group: str, consumer: str, apply: Apply
) -> None:
    """Entries delivered to ``consumer`` before a crash and never acknowledged."""
    start = "0"
    while True:
        reply = cast(
            list[tuple[bytes, list[Entry]]],
            await client.xreadgroup(group, consumer, cast(Any, {stream: start}), count=BATCH),
        )
        entries = reply[0][1] if reply else []
        if not entries:
            return
        await apply(entries)
        start = entries[-1][0].decode()


async def claim_stale(
    client: "aioredis.Redis", stream: str, group: str, consumer: str, apply: Apply, *, idle_ms: int
) -> None:
    """Entries left pending longer than ``idle_ms`` by a consumer that went away."""
    start = "0-0"
    while True:
        reply: list[Any] = await client.xautoclaim(stream, group, consumer, idle_ms, start, BATCH)
        start = reply[0].decode() if isinstance(reply[0], bytes) else str(reply[0])
        entries = [e for e in reply[1] if e and e[1] is not None]
        if entries:
            logger.info("%s: claimed %d stale entries of %s", group, len(entries), stream)
            await apply(entries)
        if start in ("0-0", "0"):
            return
