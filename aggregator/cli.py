"""`ambient aggregator ...` (placeholder until the aggregator lands)."""

import argparse
from typing import Any


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    commands.add_parser("aggregator", help="aggregator")
