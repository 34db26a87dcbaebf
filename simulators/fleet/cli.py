"""`ambient sim fleet` and `ambient sim backfill`: virtual agents live, or months of history.

Imports nothing heavy at module level: paho, redis and the room model load when a command
runs. `register` adds both commands to the ``sim`` sub-commands.
"""

import argparse
import logging
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

KIND_NAMES = ("hospital", "icu", "home")


def _broker(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


def _kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    bad = [k for k in kinds if k not in KIND_NAMES]
    if not kinds or bad:
        raise argparse.ArgumentTypeError(f"kinds are a comma list of {', '.join(KIND_NAMES)}")
    return kinds


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    fleet = sub.add_parser("fleet", help="virtual edge agents publishing room events over MQTT")
    fleet.add_argument("--agents", type=int, required=True, help="number of virtual agents")
    fleet.add_argument("--broker", type=_broker, default=("127.0.0.1", 1883), help="HOST:PORT")
    fleet.add_argument("--site", default="sim", help="opaque site id (default sim)")
    fleet.add_argument("--units", type=int, default=1, help="units the rooms spread over")
    fleet.add_argument(
        "--kinds", type=_kinds, default=("hospital",), help="room kinds cycled over units"
    )
    fleet.add_argument("--speed", type=float, default=1.0, help="60 = one hour per minute")
    fleet.add_argument("--duration", type=float, default=None, help="real seconds (default: ^C)")
    fleet.add_argument("--seed", type=int, default=0)
    fleet.add_argument(
        "--outages-per-day", type=float, default=0.2, help="offline spells per agent-day"
    )
    fleet.add_argument("--fall-update-s", type=float, default=30.0, help="fall update interval")
    fleet.set_defaults(handler=_fleet)

    back = sub.add_parser("backfill", help="write months of simulated history into Redis")
    back.add_argument("--months", type=float, default=1.0, help="months of 30 days")
    back.add_argument("--days", type=int, default=None, help="days instead of --months")
    back.add_argument("--rooms", type=int, required=True, help="number of rooms")
    back.add_argument("--redis", required=True, help="redis://HOST:PORT/DB")
    back.add_argument("--out-truth", type=Path, required=True, help="ground truth JSON file")
    back.add_argument("--seed", type=int, default=0)
    back.add_argument("--site", default="sim")
    back.add_argument("--units", type=int, default=1)
    back.add_argument("--kinds", type=_kinds, default=("hospital",))
    back.add_argument(
        "--end", type=date.fromisoformat, default=None, help="first day NOT written (default today)"
    )
    back.add_argument("--fall-update-s", type=float, default=30.0, help="fall update interval")
    back.add_argument(
        "--dedupe-ttl-s", type=int, default=7 * 24 * 3600, help="as the aggregator's ingest"
    )
    back.add_argument("--workers", type=int, default=2, help="processes (rooms split)")
    back.set_defaults(handler=_backfill)


def _fleet(args: argparse.Namespace) -> int:
    from simulators.fleet.rates import RoomKind
    from simulators.fleet.runtime import Fleet, FleetConfig

    host, port = args.broker
    config = FleetConfig(
        host=host,
        port=port,
        agents=args.agents,
        site=args.site,
        units=args.units,
        kinds=tuple(RoomKind(k) for k in args.kinds),
        speed=args.speed,
        seed=args.seed,
        outages_per_day=args.outages_per_day,
        update_s=args.fall_update_s,
    )
    fleet = Fleet(config)
    fleet.start()
    began = time.monotonic()
    last, last_t = 0, began
    try:
        while args.duration is None or time.monotonic() - began < args.duration:
            time.sleep(min(5.0, args.duration or 5.0))
            s, now = fleet.stats(), time.monotonic()
            rate = (s.acked - last) / max(1e-3, now - last_t)
            last, last_t = s.acked, now
            print(
                f"{s.sim_time:%Y-%m-%d %H:%M} sim: {s.connected}/{s.agents} connected, "
                f"{s.events} events ({s.historical} historical), {s.acked} acked "
                f"(~{rate:.0f}/s), {s.held} held, {s.restarts} restarts, lag {s.lag_s:.0f} s",
                flush=True,
            )
    except KeyboardInterrupt:
        pass
    fleet.stop()
    s, took = fleet.stats(), time.monotonic() - began
    print(f"stopped: {s.events} events, {s.acked} acked, {s.births} births in {took:.0f} s")
    return 0


def _backfill(args: argparse.Namespace) -> int:
    import redis

    from aggregator.ingest.writer import RedisBatchWriter
    from simulators.fleet.backfill import backfill
    from simulators.fleet.layout import make_rooms
    from simulators.fleet.parallel import backfill_parallel
    from simulators.fleet.rates import RoomKind

    days = args.days if args.days is not None else round(args.months * 30)
    end = args.end or datetime.now(UTC).date()
    start = end - timedelta(days=days)
    rooms = make_rooms(
        args.rooms,
        site=args.site,
        units=args.units,
        kinds=tuple(RoomKind(k) for k in args.kinds),
        seed=args.seed,
    )
    if args.workers > 1:
        truth, stats = backfill_parallel(
            args.redis,
            rooms,
            start=start,
            days=days,
            seed=args.seed,
            workers=args.workers,
            update_s=args.fall_update_s,
            dedupe_ttl_s=args.dedupe_ttl_s,
        )
    else:
        writer = RedisBatchWriter(redis.Redis.from_url(args.redis), args.dedupe_ttl_s, None)
        truth, stats = backfill(
            writer,
            rooms,
            start=start,
            days=days,
            seed=args.seed,
            update_s=args.fall_update_s,
            progress=_progress,
        )
    truth.write(args.out_truth)
    print(
        f"{stats.rooms} rooms x {days} days ({start} to {end}): {stats.events} events, "
        f"{stats.statuses} statuses; {stats.appended} appended, {stats.duplicates} duplicates; "
        f"{stats.seconds:.1f} s ({stats.per_second:.0f}/s); truth in {args.out_truth}"
    )
    return 0


def _progress(done: int, total: int) -> None:
    if done == total or done % max(1, total // 20) == 0:
        print(f"\r{done}/{total} rooms", end="\n" if done == total else "", flush=True)
