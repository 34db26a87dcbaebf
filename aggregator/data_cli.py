"""`ambient data ...`: retention and deletion of what the aggregator stores.

    ambient data forget --config central.yaml --site S [--unit U [--room R]] --yes
    ambient data expire --config central.yaml      # the retention: periods of central.yaml

Imports nothing heavy until a command runs.
"""

import argparse
import sys
from pathlib import Path
from typing import Any


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    parser = commands.add_parser("data", help="retention and deletion of stored data")
    sub = parser.add_subparsers(dest="data_command", required=True, metavar="COMMAND")
    forget = sub.add_parser(
        "forget", help="delete everything stored about a site, a unit or a room"
    )
    forget.add_argument("--config", type=Path, required=True, help="central.yaml")
    forget.add_argument("--site", required=True)
    forget.add_argument("--unit", help="only this unit of the site")
    forget.add_argument("--room", help="only this room of the unit (needs --unit)")
    forget.add_argument("--yes", action="store_true", help="really delete (else: refuse)")
    forget.set_defaults(handler=_forget)
    expire = sub.add_parser("expire", help="apply the retention periods of central.yaml")
    expire.add_argument("--config", type=Path, required=True, help="central.yaml")
    expire.set_defaults(handler=_expire)


def _client(config_path: Path) -> tuple[Any, Any]:
    import redis

    from aggregator.config import load_config

    config = load_config(config_path)
    return config, redis.Redis.from_url(config.redis.url, socket_timeout=30)


def _forget(args: argparse.Namespace) -> int:
    from aggregator.retention import forget

    if args.room and not args.unit:
        print("ambient data forget: --room needs --unit", file=sys.stderr)
        return 2
    if not args.yes:
        print("ambient data forget: deletes for good; run again with --yes", file=sys.stderr)
        return 2
    _, client = _client(args.config)
    with client:
        done = forget(client, args.site, args.unit, args.room)
    print(f"forgotten {done.summary()}")
    return 0


def _expire(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from aggregator.retention import expire

    config, client = _client(args.config)
    keep = config.retention
    with client:
        done = expire(
            client,
            datetime.now(UTC),
            events_days=keep.events_days,
            dead_letters_days=keep.dead_letters_days,
            resolved_alerts_days=keep.resolved_alerts_days,
        )
    print(f"expired {done.summary()}")
    return 0
