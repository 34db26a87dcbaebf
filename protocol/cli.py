"""`ambient protocol ...`: tools for the wire contract."""

import argparse
from pathlib import Path
from typing import Any


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    parser = commands.add_parser("protocol", help="wire contract tools (JSON Schema export)")
    sub = parser.add_subparsers(dest="protocol_command", required=True, metavar="COMMAND")
    schema = sub.add_parser("schema", help="write the JSON Schema of every payload")
    schema.add_argument("--out", type=Path, default=Path("schemas"), help="output directory")
    schema.set_defaults(handler=_schema)


def _schema(args: argparse.Namespace) -> int:
    from protocol.schema import write_schemas

    for path in write_schemas(args.out):
        print(path)
    return 0
