"""`ambient edge ...`: run the agent on a device, or replay recordings offline."""

import argparse
from pathlib import Path
from typing import Any


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    parser = commands.add_parser("edge", help="edge agent: run on a device, replay recordings")
    sub = parser.add_subparsers(dest="edge_command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the agent: sensor → events → MQTT")
    run.add_argument("--config", type=Path, required=True, help="device YAML config")
    run.set_defaults(handler=_run)

    replay = sub.add_parser(
        "replay", help="run the pipeline on a recording as fast as possible, no broker"
    )
    replay.add_argument("recording", type=Path, help="RealSense recording (.db3 or .bag)")
    replay.add_argument("--out", type=Path, required=True, help="events as JSON lines")
    replay.add_argument("--config", type=Path, help="optional device YAML (zones, thresholds)")
    replay.set_defaults(handler=_replay)


def _run(args: argparse.Namespace) -> int:
    from edge_agent.app import main

    return main(args.config)


def _replay(args: argparse.Namespace) -> int:
    from edge_agent.replay import main

    return main(args.recording, args.out, args.config)
