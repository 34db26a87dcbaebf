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

    learn = sub.add_parser(
        "learn-room",
        help="at installation: learn the floor and the empty room through the configured source",
    )
    learn.add_argument("--config", type=Path, required=True, help="device YAML config")
    learn.set_defaults(handler=_learn_room)

    replay = sub.add_parser(
        "replay", help="run the pipeline on a recording as fast as possible, no broker"
    )
    replay.add_argument(
        "recordings",
        type=Path,
        nargs="+",
        metavar="REC",
        help="RealSense recordings (.db3, .bag) or thermal array recordings (.npz)",
    )
    outputs = replay.add_mutually_exclusive_group(required=True)
    outputs.add_argument("--out", type=Path, help="events as JSON lines (one recording only)")
    outputs.add_argument(
        "--out-dir", type=Path, help="one <recording stem>.jsonl per recording in this folder"
    )
    replay.add_argument("--config", type=Path, help="optional device YAML (zones, thresholds)")
    replay.add_argument(
        "--workers", type=int, help="parallel recordings with --out-dir (default: all cores)"
    )
    replay.set_defaults(handler=_replay)


def _run(args: argparse.Namespace) -> int:
    from edge_agent.app import main

    return main(args.config)


def _learn_room(args: argparse.Namespace) -> int:
    from edge_agent.install import main

    return main(args.config)


def _replay(args: argparse.Namespace) -> int:
    import sys

    from edge_agent.replay import main, main_many

    if args.out_dir is not None:
        return main_many(args.recordings, args.out_dir, args.config, args.workers)
    if len(args.recordings) != 1:
        print("error: --out takes one recording; use --out-dir for several", file=sys.stderr)
        return 2
    if args.workers is not None:
        print("error: --workers goes with --out-dir", file=sys.stderr)
        return 2
    return main(args.recordings[0], args.out, args.config)
