"""`ambient sim dataset ...`: build a training/evaluation set of simulated recordings.

Imports nothing heavy at module level (no numpy, no camera SDK), so `ambient --help` stays
fast; the build modules load only when the command runs.
"""

import argparse
from pathlib import Path
from typing import Any


def _fps_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"frame rates like 15 or 15,30: {text!r}") from e
    if not values or any(v not in (6, 15, 30, 60) for v in values):
        raise argparse.ArgumentTypeError(f"RealSense depth frame rates are 6/15/30/60: {text!r}")
    return values


def _names(text: str) -> tuple[str, ...]:
    """``a,b`` → ("a", "b"); ``all`` → every thermal sensor."""
    if text == "all":
        from simulators.thermal.sensors import SENSORS

        return tuple(SENSORS)
    return tuple(v.strip() for v in text.split(",") if v.strip())


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    """Add `dataset` to the `ambient sim` subcommands."""
    parser = commands.add_parser(
        "dataset",
        help="build randomised clips (RealSense .db3 or thermal .npz + labels) and day specs, "
        "with a manifest",
    )
    parser.add_argument("--n", type=int, required=True, help="number of clips")
    parser.add_argument("--seed", type=int, required=True, help="dataset seed")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument(
        "--split", default="0.7/0.15/0.15", help="train/val/test fractions (default 0.7/0.15/0.15)"
    )
    parser.add_argument("--width", type=int, default=320, help="320 (default) or 640")
    parser.add_argument("--height", type=int, default=240, help="240 (default) or 480")
    parser.add_argument(
        "--fps", type=_fps_list, default=(15, 30), help="clip frame rates drawn per clip (15,30)"
    )
    parser.add_argument(
        "--clip-seconds",
        type=float,
        default=150.0,
        help="cut clips at this length in seconds (default 150; stories run 30-120 s)",
    )
    parser.add_argument(
        "--thermal",
        type=_names,
        default=(),
        metavar="SENSORS",
        help="thermal clips instead of depth: arrays to draw from, e.g. grideye,d6t44 or all",
    )
    parser.add_argument(
        "--mounts",
        type=_names,
        default=("ceiling", "wall"),
        help="thermal mounts to draw from (default ceiling,wall)",
    )
    parser.add_argument(
        "--rooms",
        type=_names,
        default=(),
        help="room kinds of thermal clips, e.g. hospital_single,home_bedroom (default: any)",
    )
    parser.add_argument("--days", type=int, default=0, help="long days of normal activity")
    parser.add_argument("--day-hours", type=float, default=8.0, help="hours per day (default 8)")
    parser.add_argument(
        "--workers", type=int, default=None, help="render processes (default: all cores)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(handler=_dataset)


def _dataset(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from simulators.dataset.build import DatasetOptions, build_dataset
    from simulators.dataset.manifest import ManifestError, parse_split

    if not args.thermal and (args.width, args.height) not in ((640, 480), (320, 240)):
        print("error: --width/--height must be 640x480 or 320x240")
        return 2
    try:
        options = DatasetOptions(
            n=args.n,
            seed=args.seed,
            split=parse_split(args.split),
            width=args.width,
            height=args.height,
            fps=args.fps,
            clip_seconds=args.clip_seconds,
            days=args.days,
            day_hours=args.day_hours,
            thermal=args.thermal,
            mounts=args.mounts,
            rooms=args.rooms,
        )
    except (ManifestError, ValidationError) as e:
        print(f"error: {e}")
        return 2
    result = build_dataset(options, args.out, workers=args.workers, progress=not args.no_progress)
    counts = result.manifest["split"]["counts"]
    print(
        f"{result.manifest_path}: {len(result.manifest['items'])} items "
        f"({len(result.rendered)} built, {len(result.skipped)} already there); "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    print(f"manifest sha256 {result.manifest['manifest_sha256']}")
    return 0
