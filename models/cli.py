"""`ambient models ...`: train the on-device models, evaluate them on held-out data.

Training needs the optional ``train`` extra (torch, onnx); evaluation runs the edge pipeline
with onnxruntime only. Each half lives in its own module and is imported when it runs.
"""

import argparse
from typing import Any


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    from models import train_cli
    from models.evaluate import cli as evaluate_cli
    from models.thermal import fall_cli

    parser = commands.add_parser("models", help="train and evaluate the on-device models")
    sub = parser.add_subparsers(dest="models_command", required=True, metavar="COMMAND")
    train_cli.register(sub)
    evaluate_cli.register(sub)
    fall_cli.register(sub)
