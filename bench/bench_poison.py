"""How long one crashing stored entry holds up the rules task, with the shipped settings.

Run: ``.venv/bin/python bench/bench_poison.py [--units 20 --runs 5]``. It starts its own
Redis on a free port and, per run, writes into the first of ``--units`` partition streams an
entry whose processing raises (a kind that is not text), then a fall into every unit, and
runs the rules task under the supervisor with the default `supervision:` settings
(restart 0.5 s doubling, set aside after 3 failures). It prints the time until the entry is
in the dead-letter stream, until the other units' falls have their alerts, until the entry's
own unit's fall (written after it) has its alert, and how long /healthz stays red (until the
task ran ``healthy_after_s`` after its last restart).
"""

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path
from typing import cast

import redis.asyncio as aioredis

from aggregator import samples
from aggregator.alerts.store import AlertStore
from aggregator.app import restart_policy
from aggregator.config import RulesConfig, SupervisionConfig
from aggregator.metrics import Metrics
from aggregator.rules.consumer import RulesConsumer
from aggregator.store import DEADLETTER_STREAM, PARTITIONS_KEY, Partition
from aggregator.supervise import Supervisor
from ambient.services import redis_server
from protocol import Phase, dump_event


async def one_run(url: str, units: int) -> tuple[float, float, float, int]:
    """Seconds until the other units alerted, until set aside, until the entry's own unit
    alerted (its fall is behind the entry), and the crashes."""
    client = aioredis.Redis.from_url(url)
    tag = uuid.uuid4().hex[:8]
    parts = [Partition(f"s{tag}", f"u{i:03d}") for i in range(units)]
    await client.sadd(PARTITIONS_KEY, *(p.name for p in parts))
    began = time.monotonic()
    await client.xadd(parts[0].events, {"kind": b"\xff\xfe", "payload": b"{}"})
    for part in parts:
        st = samples.stamper(site=part.site, unit=part.unit)
        fall = samples.fall(st, Phase.START, uuid.uuid4(), time.time())
        await client.xadd(part.events, {"kind": "event", "payload": dump_event(fall)})
    settings = SupervisionConfig()
    store, stop, crashes = AlertStore(client), asyncio.Event(), list[str]()
    consumer = RulesConsumer(
        client,
        store,
        Metrics(),
        RulesConfig(),
        consumer=f"bench-{tag}",
        dead_letter_after=settings.dead_letter_after,
    )
    supervisor = Supervisor(stop, restart_policy(settings), on_crash=crashes.append)
    supervisor.start("rules", partial(consumer.run, stop))
    others_s = set_aside_s = own_s = 0.0
    while not (others_s and set_aside_s and own_s):
        await asyncio.sleep(0.01)
        now = time.monotonic() - began
        if not others_s and all([await store.active([p]) for p in parts[1:]]):
            others_s = now
        if not set_aside_s:
            letters = cast(
                list[tuple[bytes, dict[bytes, bytes]]], await client.xrange(DEADLETTER_STREAM)
            )
            if any(f.get(b"stream") == parts[0].events.encode() for _, f in letters):
                set_aside_s = now
        if not own_s and await store.active([parts[0]]):
            own_s = now
    stop.set()
    await supervisor.wait(10)
    await client.aclose()
    return others_s, set_aside_s, own_s, len(crashes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # the crashes' tracebacks are expected here
    settings = SupervisionConfig()
    with tempfile.TemporaryDirectory() as tmp:
        service = redis_server(Path(tmp)).start()
        try:
            results = [
                asyncio.run(one_run(f"{service.url}/0", args.units)) for _ in range(args.runs)
            ]
        finally:
            service.stop()
    print(
        f"{args.runs} runs, {args.units} units, crashes per run: {sorted({r[3] for r in results})}"
    )
    for index, what in enumerate(
        ["other units alerted", "entry set aside", "its own unit alerted"]
    ):
        times = [r[index] for r in results]
        print(f"{what + ':':22} median {statistics.median(times):.2f} s, max {max(times):.2f} s")
    print(f"/healthz red for about {settings.healthy_after_s:.0f} s after the last restart")


if __name__ == "__main__":
    main()
