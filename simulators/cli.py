"""`ambient sim ...` (placeholder until the simulator lands)."""

import argparse
from typing import Any


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    commands.add_parser("sim", help="simulator")
