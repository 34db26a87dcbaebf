"""Back-fill on several processes: rooms split into chunks, one Redis connection each.

Rooms are independent (each has its own seeded streams), so the truth and the stored events
are the same whatever the number of workers; only the wall time changes.
"""

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from datetime import date, timedelta

from simulators.fleet.backfill import BackfillStats, backfill
from simulators.fleet.generators import RoomSpec
from simulators.fleet.truth import FleetTruth, RoomTruth


@dataclass(frozen=True, slots=True)
class _Job:
    url: str
    rooms: list[RoomSpec]
    start: date
    days: int
    seed: int
    update_s: float
    ttl: int


def _chunk(job: _Job) -> tuple[list[RoomTruth], BackfillStats]:
    import redis

    from aggregator.ingest.writer import RedisBatchWriter

    writer = RedisBatchWriter(redis.Redis.from_url(job.url), job.ttl, None)
    truth, stats = backfill(
        writer, job.rooms, start=job.start, days=job.days, seed=job.seed, update_s=job.update_s
    )
    return truth.rooms, stats


def backfill_parallel(
    url: str,
    rooms: list[RoomSpec],
    *,
    start: date,
    days: int,
    seed: int,
    workers: int,
    update_s: float = 30.0,
    dedupe_ttl_s: int = 7 * 24 * 3600,
) -> tuple[FleetTruth, BackfillStats]:
    """`backfill` over ``workers`` processes into the Redis at ``url``."""
    size = max(1, -(-len(rooms) // (workers * 4)))  # a few chunks per worker: even finish
    chunks = [rooms[i : i + size] for i in range(0, len(rooms), size)]
    truth = FleetTruth(
        seed=seed, start=start.isoformat(), end=(start + timedelta(days=days)).isoformat()
    )
    total = BackfillStats()
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(_chunk, _Job(url, chunk, start, days, seed, update_s, dedupe_ttl_s))
            for chunk in chunks
        ]
        for future in futures:
            room_truths, stats = future.result()
            truth.rooms.extend(room_truths)
            for f in fields(BackfillStats):
                if f.name != "seconds":
                    setattr(total, f.name, getattr(total, f.name) + getattr(stats, f.name))
    total.seconds = time.perf_counter() - began
    return truth, total
