"""Report generation time from the roll-ups, at 30 days × 500 rooms, next to a naive scan.

Run: ``.venv/bin/python bench/bench_reports.py [--sample-rooms 50 --days 30 --rooms 500]``.
It starts its own Redis on a free port and, on one core:

1. back-fills ``--sample-rooms`` rooms × ``--days`` days (half hospital rooms, half homes)
   through the ingest writer (the real streams), and times the analytics consumer folding
   them into roll-ups;
2. times the hand-hygiene report of the hospital unit from the roll-ups, and a naive report
   that scans and parses the unit's raw stream (same run; both counts are checked equal);
3. clones the sample's roll-ups to ``--rooms`` rooms in one unit (the same hashes and fields
   the consumer writes, room names changed: back-filling 500 rooms here would take the best
   part of an hour on one core) and times every report at that size: read + build, and each
   rendering.

The naive scan at ``--rooms`` hospital rooms is extrapolated from the sample (it is linear
in events).
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any, cast

import redis

from aggregator.analytics.consumer import AnalyticsConsumer
from aggregator.analytics.query import ReportQuery
from aggregator.ingest.writer import RedisBatchWriter
from aggregator.reports.build import KINDS, build_report
from aggregator.reports.csv_out import render_csv
from aggregator.reports.html import render_html
from aggregator.reports.pdf import render_pdf
from aggregator.store import Partition
from ambient.services import redis_server
from protocol import HandHygieneEvent, parse_event
from simulators.fleet.backfill import backfill
from simulators.fleet.layout import make_rooms
from simulators.fleet.rates import RoomKind

SITE = "bench"
START = date(2026, 1, 1)


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs (s), and the last result."""
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def naive_hand_hygiene(client: "redis.Redis", part: Partition, start: date, end: date) -> int:
    """What a report without roll-ups does: read and parse every entry of the unit's stream."""
    opportunities = 0
    last = "-"
    while True:
        entries = cast(
            list[tuple[bytes, dict[bytes, bytes]]],
            client.xrange(part.events, min=last, count=5000),
        )
        if last != "-":
            entries = entries[1:]
        if not entries:
            return opportunities
        for _, fields in entries:
            if fields[b"kind"] == b"status":
                continue
            event = parse_event(fields[b"payload"])
            if isinstance(event, HandHygieneEvent) and start <= event.ts.date() < end:
                opportunities += 1
        last = entries[-1][0].decode()


def clone(client: "redis.Redis", src: Partition, dst: Partition, copies: int) -> int:
    """Copy every roll-up hash of ``src`` into ``dst`` ``copies`` times over (rooms renamed)."""
    fields = 0
    pattern = f"ambient:{{{src.name}}}:an:*"
    for key in client.scan_iter(match=pattern, count=1000):
        raw = cast(dict[bytes, bytes], client.hgetall(key)) if client.type(key) == b"hash" else {}
        if not raw:
            continue
        new_key = key.decode().replace(f"{{{src.name}}}", f"{{{dst.name}}}")
        out: dict[str, bytes] = {}
        for name, value in raw.items():
            text = name.decode()
            for c in range(copies):
                out[f"c{c}-{text}"] = value
        client.hset(new_key, mapping=cast(Any, out))
        fields += len(out)
    return fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample-rooms", type=int, default=50)
    parser.add_argument("--rooms", type=int, default=500)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    end = START + timedelta(days=args.days)
    with tempfile.TemporaryDirectory() as tmp:
        service = redis_server(Path(tmp)).start()
        try:
            client = redis.Redis(port=service.port, protocol=2)
            kinds = (RoomKind.HOSPITAL, RoomKind.HOME)
            rooms = make_rooms(args.sample_rooms, site=SITE, units=2, kinds=kinds, seed=1)
            sample = Partition(SITE, rooms[0].unit)
            hospital_rooms = sum(1 for r in rooms if r.unit == sample.unit)
            began = time.perf_counter()
            _, stats = backfill(
                RedisBatchWriter(client, 3600, None), rooms, start=START, days=args.days, seed=1
            )
            fill_s = time.perf_counter() - began
            print(
                f"back-fill: {args.sample_rooms} rooms x {args.days} days, {stats.events:,} "
                f"events in {fill_s:.1f} s"
            )
            began = time.perf_counter()
            done = AnalyticsConsumer(client).catch_up()
            roll_s = time.perf_counter() - began
            print(
                f"roll-up:   {done.events:,} events in {roll_s:.1f} s "
                f"({done.events / roll_s:,.0f} events/s, one core)"
            )
            query = ReportQuery(SITE, sample.unit, START, end)
            now_ms = int(time.time() * 1000)
            rolled_s, report = timed(
                lambda: build_report(client, "hand-hygiene", query, now_ms=now_ms)
            )
            naive_s, naive = timed(lambda: naive_hand_hygiene(client, sample, START, end), 1)
            assert naive == report.figures["opportunities"], (naive, report.figures)
            print(
                f"hand hygiene, {hospital_rooms} rooms x {args.days} days: roll-ups "
                f"{rolled_s * 1000:.0f} ms, naive scan {naive_s:.1f} s "
                f"({naive_s / rolled_s:,.0f}x), {naive:,} opportunities in both"
            )
            copies = max(1, args.rooms // args.sample_rooms)
            big = Partition(SITE, "big")
            fields = sum(
                clone(client, Partition(SITE, unit), big, copies)
                for unit in sorted({r.unit for r in rooms})
            )
            client.sadd("ambient:partitions", big.name)
            print(
                f"cloned roll-ups to {args.sample_rooms * copies} rooms in one unit: "
                f"{fields:,} hash fields"
            )
            big_query = ReportQuery(SITE, big.unit, START, end)
            for kind in KINDS:
                build_s, rep = timed(partial(build_report, client, kind, big_query, now_ms=now_ms))
                html_s, _ = timed(partial(render_html, rep))
                csv_s, _ = timed(partial(render_csv, rep))
                pdf_s, _ = timed(partial(render_pdf, rep))
                rows = sum(len(t.rows) for t in rep.tables)
                print(
                    f"{kind:13s} {args.sample_rooms * copies} rooms x {args.days} days: "
                    f"read+build {build_s * 1000:6.0f} ms, html {html_s * 1000:5.0f} ms, "
                    f"csv {csv_s * 1000:5.0f} ms, pdf {pdf_s * 1000:5.0f} ms ({rows:,} rows)"
                )
            print(
                f"naive scan at {args.rooms} hospital rooms (extrapolated, linear in "
                f"events): {naive_s * args.rooms / hospital_rooms:.0f} s"
            )
        finally:
            service.stop()


if __name__ == "__main__":
    main()
