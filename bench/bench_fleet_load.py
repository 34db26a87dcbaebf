"""How many virtual agents one process drives, and at what event rate; back-fill speed.

Run: ``.venv/bin/python bench/bench_fleet_load.py [--agents 100 500 1000] [--seconds 20]``.
Starts its own Mosquitto and Redis on free ports. For each fleet size it runs the fleet at
an idle real-time speed (cost of just keeping the connections) and at a speed that asks for
more events than one process can publish, and prints connected agents, events published,
PUBACKs per second and the process CPU share. Then it back-fills rooms × days into Redis
and prints messages per second. Figures, not pass/fail.
"""

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import redis

from aggregator.ingest.writer import RedisBatchWriter
from ambient.services import mosquitto, redis_server
from simulators.fleet.backfill import backfill
from simulators.fleet.layout import make_rooms
from simulators.fleet.rates import RoomKind
from simulators.fleet.runtime import Fleet, FleetConfig

KINDS = (RoomKind.HOSPITAL, RoomKind.ICU, RoomKind.HOME)


def run_fleet(port: int, agents: int, speed: float, seconds: float) -> None:
    fleet = Fleet(
        FleetConfig(
            port=port,
            agents=agents,
            site=f"bench{agents}x{int(speed)}",
            units=10,
            kinds=KINDS,
            speed=speed,
            outages_per_day=0.2,
        )
    )
    began, cpu0 = time.monotonic(), time.process_time()
    fleet.start()
    time.sleep(seconds)
    mid = fleet.stats()
    took, cpu = time.monotonic() - began, time.process_time() - cpu0
    fleet.stop()
    print(
        f"{agents:5d} agents  speed {speed:7.0f}: {mid.connected:5d} connected, "
        f"{mid.events / took:7.0f} events/s published, {mid.acked / took:7.0f} PUBACKs/s, "
        f"CPU {100 * cpu / took:4.0f} % of one core, behind by {mid.lag_s:.0f} sim s",
        flush=True,
    )


def run_backfill(url: str, rooms: int, days: int) -> None:
    client = redis.Redis.from_url(url)
    writer = RedisBatchWriter(client, 7 * 86400, None)
    specs = make_rooms(rooms, site="benchbf", units=10, kinds=KINDS, seed=1)
    _, stats = backfill(writer, specs, start=date(2026, 1, 1), days=days, seed=1)
    print(
        f"back-fill {rooms} rooms x {days} days: {stats.events} events + {stats.statuses} "
        f"statuses in {stats.seconds:.1f} s = {stats.per_second:.0f} msg/s; "
        f"Redis {client.info('memory')['used_memory_human']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--speed", type=float, default=20_000.0, help="the saturating speed")
    parser.add_argument("--backfill-rooms", type=int, default=100)
    parser.add_argument("--backfill-days", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        broker = mosquitto(Path(tmp) / "mqtt").start()
        store = redis_server(Path(tmp) / "redis").start()
        try:
            for n in args.agents:
                run_fleet(broker.port, n, 1.0, args.seconds / 2)
                run_fleet(broker.port, n, args.speed, args.seconds)
            run_backfill(store.url, args.backfill_rooms, args.backfill_days)
        finally:
            broker.stop()
            store.stop()


if __name__ == "__main__":
    main()
