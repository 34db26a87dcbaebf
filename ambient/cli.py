"""`ambient` console command: one entry point, one subcommand per role.

Each package registers its own subcommands from a small ``cli`` module that imports nothing
heavy, so ``ambient --help`` works on a central server with no camera SDK and on an edge box
with no web stack; the work itself is imported only when a subcommand runs. Errors the
project raises on purpose (``ambient.errors.AmbientError``) end as one line on stderr.
"""

import argparse
import logging
import sys
from collections.abc import Sequence

from ambient import __version__
from ambient.errors import AmbientError


def build_parser() -> argparse.ArgumentParser:
    from aggregator import cli as aggregator_cli
    from aggregator import data_cli, report_cli
    from ambient import cache_cli, demo_cli
    from edge_agent import cli as edge_cli
    from models import cli as models_cli
    from protocol import cli as protocol_cli
    from simulators import cli as sim_cli

    parser = argparse.ArgumentParser(
        prog="ambient",
        description="Privacy-preserving ambient sensing: edge agents, aggregator, simulator.",
    )
    parser.add_argument("--version", action="version", version=f"ambient {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo_cli.register(commands)
    cache_cli.register(commands)
    edge_cli.register(commands)
    aggregator_cli.register(commands)
    report_cli.register(commands)
    data_cli.register(commands)
    sim_cli.register(commands)
    models_cli.register(commands)
    protocol_cli.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        return 130
    except AmbientError as e:
        # Raised on purpose, with a message a user can act on: one line, not a traceback.
        message = " ".join(str(e).split()) or type(e).__name__
        print(f"ambient {args.command}: {message}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
