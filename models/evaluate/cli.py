"""`ambient models evaluate` arguments (nothing heavy imported here)."""

import argparse
from typing import Any


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    parser = sub.add_parser("evaluate", help="evaluate on held-out data, write report and cards")
    parser.set_defaults(handler=_not_yet)


def _not_yet(args: argparse.Namespace) -> int:
    raise SystemExit("ambient models evaluate: not built yet")
