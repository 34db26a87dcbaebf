"""The alerts API under a flood of fake falls from one room, with and without the room cap.

Run: ``.venv/bin/python bench/bench_alert_flood.py [--falls 2700 --cap 20]``.
It starts its own Redis on a free port, opens ``--falls`` fall alerts in one room through the
alert store (as the rules task does) and one in another room, and times the read behind the
alerts API (`AlertStore.active`, the unit's open alerts) with no cap and with ``--cap``.
"""

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import redis.asyncio as aioredis

from aggregator import samples
from aggregator.alerts.lifecycle import on_fall
from aggregator.alerts.model import AlertKind, episode_alert_id
from aggregator.alerts.store import AlertStore
from aggregator.store import Partition
from ambient.services import redis_server
from protocol import Phase


async def flood(url: str, falls: int, cap: int | None) -> tuple[int, float, float]:
    """(open alerts listed, seconds to open them all, seconds to list them)."""
    client = aioredis.Redis.from_url(url)
    store = AlertStore(client, max_open_per_room=cap)
    tag = uuid.uuid4().hex[:8]
    part = Partition(f"b{tag}", "4north")
    began = time.perf_counter()
    for n in range(falls + 1):
        room = "412" if n < falls else "414"
        st = samples.stamper(site=part.site, unit=part.unit, room=room, agent_id=f"a-{room}")
        event = samples.fall(st, Phase.START, uuid.uuid4(), time.time())
        now = datetime.now(UTC)
        alert_id = episode_alert_id(AlertKind.FALL, event.episode_id)
        await store.update(part, alert_id, partial(on_fall, event=event, now=now))
    opened = time.perf_counter() - began
    began = time.perf_counter()
    listed = await store.active([part])
    read = time.perf_counter() - began
    await client.aclose()
    return len(listed), opened, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--falls", type=int, default=2700)
    parser.add_argument("--cap", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        service = redis_server(Path(tmp)).start()
        try:
            for cap in (None, args.cap):
                count, opened, read = asyncio.run(flood(f"{service.url}/0", args.falls, cap))
                print(
                    f"cap {cap!s:>4}: {args.falls} fake falls + 1 real: {count:5d} open alerts "
                    f"listed in {read * 1000:7.1f} ms (writing them took {opened:.1f} s)"
                )
        finally:
            service.stop()


if __name__ == "__main__":
    main()
