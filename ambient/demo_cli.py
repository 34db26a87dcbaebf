"""`ambient demo`: a live simulated ward and home on this machine."""

import argparse
from typing import Any


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    parser = commands.add_parser("demo", help="run a live simulated ward and home, end to end")
    parser.add_argument("--port", type=int, default=8080, help="web feed port on localhost")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp dir with logs and state on exit"
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from ambient.demo import run_demo

    return run_demo(args)
