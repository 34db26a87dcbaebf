"""How long a unit's listings take when it has thousands of open alerts (a flood of fake
falls): the alerts API, the rooms API and the live feed's snapshot.

Run: ``.venv/bin/python bench/bench_alert_list.py [--alerts 2700]``. It starts its own Redis,
opens the falls through the same store and lifecycle the rules task uses, and times each
listing in-process (httpx against the app), median of 5. Figures, never pass/fail.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import httpx
import redis.asyncio as aioredis

from aggregator import samples
from aggregator.alerts.lifecycle import on_fall
from aggregator.alerts.model import AlertKind, episode_alert_id
from aggregator.alerts.store import AlertStore
from aggregator.metrics import Metrics
from aggregator.store import PARTITIONS_KEY, Partition
from aggregator.web.api import create_app
from ambient.services import redis_server
from protocol import Phase

SITE, UNIT = "bench", "4north"


class Connected:
    connected = True


async def seed(client: "aioredis.Redis", count: int) -> None:
    store, part, now = AlertStore(client), Partition(SITE, UNIT), datetime.now(UTC)
    await client.sadd(PARTITIONS_KEY, part.name)
    stamper = samples.stamper(site=SITE, unit=UNIT, room="412")
    for _ in range(count):
        event = samples.fall(stamper, Phase.START, uuid.uuid4(), now.timestamp())
        alert_id = episode_alert_id(AlertKind.FALL, event.episode_id)
        await store.update(part, alert_id, partial(on_fall, event=event, now=now))


async def run(url: str, count: int) -> None:
    client = aioredis.Redis.from_url(url)
    await seed(client, count)
    stopping = asyncio.Event()
    stopping.set()  # the stream sends its snapshot and ends
    app = create_app(client, Metrics(), Connected(), stopping=stopping)
    units = f"/api/sites/{SITE}/units/{UNIT}"
    transport = httpx.ASGITransport(app=app)
    print(f"{count} open falls in one unit")
    async with httpx.AsyncClient(transport=transport, base_url="http://feed") as http:
        for name, path in [
            ("alerts API", f"{units}/alerts"),
            ("rooms API", f"{units}/rooms"),
            ("feed snapshot", f"{units}/stream"),
        ]:
            times, size = [], 0
            for _ in range(5):
                began = time.perf_counter()
                response = await http.get(path)
                times.append(time.perf_counter() - began)
                size = len(response.content)
            print(f"  {name:<14} {statistics.median(times) * 1000:>8.1f} ms  {size:>9} bytes")
    await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=2700)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        redis = redis_server(Path(tmp)).start()
        try:
            asyncio.run(run(f"{redis.url}/0", args.alerts))
        finally:
            redis.stop()


if __name__ == "__main__":
    main()
