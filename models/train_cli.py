"""`ambient models train` arguments (nothing heavy imported here)."""

import argparse
from typing import Any


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    parser = sub.add_parser("train", help="train models on a simulator dataset, export ONNX")
    parser.set_defaults(handler=_not_yet)


def _not_yet(args: argparse.Namespace) -> int:
    raise SystemExit("ambient models train: not built yet")
