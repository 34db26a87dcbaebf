"""`ambient aggregator ...`: run the central aggregator (imports the web stack only on run)."""

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aggregator.config import CentralConfig


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    parser = commands.add_parser(
        "aggregator", help="central aggregator: MQTT ingest, Redis, alerts, nurse-station feed"
    )
    sub = parser.add_subparsers(dest="aggregator_command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run ingest + rules + web feed in one process")
    run.add_argument("--config", type=Path, required=True, help="central.yaml")
    run.set_defaults(handler=_run)
    check = sub.add_parser("check-config", help="validate a central.yaml and print it")
    check.add_argument("--config", type=Path, required=True, help="central.yaml")
    check.set_defaults(handler=_check)
    hashing = sub.add_parser(
        "hash-password",
        help="hash a password for auth.users (read from the terminal or stdin); "
        "--token: make a new API token and its hash for auth.api_tokens",
    )
    hashing.add_argument("--token", action="store_true", help="make an API token instead")
    hashing.set_defaults(handler=_hash_password)


def _load(path: Path) -> "CentralConfig":
    """central.yaml and, read now so its mistakes are reported here, the device registry."""
    from aggregator.config import load_config
    from aggregator.registry import load_registry

    config = load_config(path)
    if config.registry is not None:
        load_registry(config.registry)
    return config


def _run(args: argparse.Namespace) -> int:
    from aggregator.app import App
    from aggregator.config import ConfigError

    try:
        config = _load(args.config)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return App(config).run()


def _check(args: argparse.Namespace) -> int:
    from aggregator.config import ConfigError

    try:
        config = _load(args.config)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(config.model_dump_json(indent=2))
    return 0


def _hash_password(args: argparse.Namespace) -> int:
    import getpass
    import secrets

    from aggregator.web.auth import hash_password, hash_token

    if args.token:
        token = secrets.token_urlsafe(32)
        print(f"token (give to the client, not stored): {token}")
        print(f"token_hash: {hash_token(token)}")
        return 0
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        print("error: use at least 8 characters", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0
