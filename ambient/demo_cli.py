"""`ambient demo`: a live simulated ward and home on this machine."""

import argparse
from typing import Any


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    parser = commands.add_parser("demo", help="run a live simulated ward and home, end to end")
    parser.add_argument("--port", type=int, default=8080, help="web feed port on localhost")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from ambient.demo import run_demo

    return run_demo(args)
