"""`ambient sim ...`: render scripted scenarios to real RealSense recordings.

Imports nothing heavy at module level: numpy and pyrealsense2 load only when a command runs.
"""

import argparse
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def one_of(kind: str, names: Callable[[], Iterable[str]]) -> Callable[[str], str]:
    """argparse type: a name from a registry that is imported only when a command uses it.

    The registry stays the one list of names (no copy here to fall behind it), and `ambient
    --help` does not pay for importing it.
    """

    def check(text: str) -> str:
        known = list(names())
        if text not in known:
            raise argparse.ArgumentTypeError(f"unknown {kind} {text!r}; known: {', '.join(known)}")
        return text

    return check


def _scenarios() -> Iterable[str]:
    from simulators.scenarios import SCENARIOS

    return SCENARIOS


scenario_name = one_of("scenario", _scenarios)
"""argparse type for --scenario (list them with `ambient sim scenarios`)."""


def iso_time(text: str) -> datetime:
    """argparse type: ISO 8601 time, UTC when no zone is given."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from e
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    parser = commands.add_parser(
        "sim", help="simulator: depth and thermal recordings, datasets, MQTT fleets"
    )
    sub = parser.add_subparsers(dest="sim_command", required=True, metavar="COMMAND")
    rec = sub.add_parser(
        "record", help="render a scenario to a RealSense recording (.db3) + labels (.jsonl)"
    )
    rec.add_argument(
        "--scenario", required=True, type=scenario_name, help="see `ambient sim scenarios`"
    )
    rec.add_argument("--out", required=True, type=Path, help="recording file (.db3)")
    rec.add_argument("--seed", type=int, default=0, help="person, timings and noise (default 0)")
    rec.add_argument("--fps", type=int, default=15, help="frames per second (default 15)")
    rec.add_argument("--width", type=int, default=640, help="640 (default) or 320")
    rec.add_argument("--height", type=int, default=480, help="480 (default) or 240")
    rec.add_argument(
        "--start-time",
        type=iso_time,
        default=None,
        help="recording clock at t=0, ISO 8601 (default 2026-01-01T03:00:00Z)",
    )
    rec.add_argument(
        "--seconds", type=float, default=None, help="stop after this many seconds (preview)"
    )
    rec.add_argument(
        "--mount",
        choices=("corner", "ceiling"),
        default=None,
        help="camera mount (default: the room's high corner)",
    )
    rec.add_argument("--camera-height", type=float, default=None, help="camera height in metres")
    rec.add_argument(
        "--tilt",
        type=float,
        default=None,
        help="degrees below horizontal (corner, default 35) or off vertical (ceiling, default 0)",
    )
    rec.set_defaults(handler=_record)
    listing = sub.add_parser("scenarios", help="list the scenarios `record` and `thermal` render")
    listing.set_defaults(handler=_list_scenarios)
    # Each of these registers its own subcommands and imports its work lazily.
    from simulators.dataset.cli import register as register_dataset
    from simulators.fleet.cli import register as register_fleet
    from simulators.thermal.cli import register as register_thermal

    register_thermal(sub)
    register_dataset(sub)
    register_fleet(sub)


def _list_scenarios(_args: argparse.Namespace) -> int:
    from simulators.scenarios import SCENARIOS, build

    for name in SCENARIOS:
        scenario = build(name)
        print(f"{name:<20} {scenario.duration:>6.0f} s  {scenario.description}")
    return 0


def _record(args: argparse.Namespace) -> int:
    from simulators.recording import DEFAULT_START, record_scenario

    if (args.width, args.height) not in ((640, 480), (320, 240)):
        print("error: --width/--height must be 640x480 or 320x240")
        return 2
    if args.out.suffix != ".db3":
        print(f"error: --out must end in .db3 (the only format SDK 2.59 records): {args.out}")
        return 2
    info = record_scenario(
        args.scenario,
        args.out,
        seed=args.seed,
        fps=args.fps,
        width=args.width,
        height=args.height,
        start_time=args.start_time or DEFAULT_START,
        max_seconds=args.seconds,
        mount=args.mount,
        camera_height=args.camera_height,
        tilt_deg=args.tilt,
    )
    print(
        f"{info.path}: {info.frames} frames, {info.duration_s:.1f} s of recording, "
        f"rendered at {info.render_fps:.1f} frames/s"
    )
    print(f"labels: {info.labels}")
    return 0
