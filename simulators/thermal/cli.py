"""`ambient sim thermal ...` renders a scripted scenario as a thermal array sees it;
`ambient sim thermal-stats DIR` measures the real recordings the simulator is calibrated on.

Imports nothing heavy at module level: numpy loads only when the command runs. Hook it in
with `register(sim_subparsers)` next to `ambient sim record`.
"""

import argparse
from pathlib import Path
from typing import Any

from simulators.cli import iso_time, one_of, scenario_name


def _sensors() -> list[str]:
    from simulators.thermal.sensors import SENSORS

    return list(SENSORS)


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    """Add `thermal` to the `ambient sim` subcommands."""
    rec = sub.add_parser(
        "thermal", help="render a scenario to a thermal recording (.npz) + labels (.jsonl)"
    )
    rec.add_argument(
        "--scenario", required=True, type=scenario_name, help="see `ambient sim scenarios`"
    )
    rec.add_argument(
        "--sensor",
        default="mlx90640",
        type=one_of("sensor", _sensors),
        help="thermal array (default mlx90640; a wrong name lists them all)",
    )
    rec.add_argument("--out", required=True, type=Path, help="recording file (.npz)")
    rec.add_argument("--seed", type=int, default=0, help="person, room, noise (default 0)")
    rec.add_argument("--mount", choices=("ceiling", "wall"), default="ceiling")
    rec.add_argument("--height-m", type=float, default=None, help="mount height (m)")
    rec.add_argument(
        "--tilt-deg",
        type=float,
        default=None,
        help="ceiling: from straight down; wall: below horizontal",
    )
    rec.add_argument("--room-temp-c", type=float, default=None, help="default: seeded 19–28")
    rec.add_argument("--fps", type=float, default=None, help="default: the sensor's own")
    rec.add_argument(
        "--powered-for-s",
        type=float,
        default=0.0,
        help="seconds the array was on before the first frame (default 0)",
    )
    rec.add_argument(
        "--start-time",
        type=iso_time,
        default=None,
        help="recording clock at t=0, ISO 8601 (default 2026-01-01T03:00:00Z)",
    )
    rec.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
    rec.add_argument(
        "--jitter",
        type=float,
        default=None,
        help="frame-interval jitter, relative σ (default: the part's measured; 0: exact)",
    )
    rec.add_argument(
        "--lowpass",
        type=float,
        default=None,
        help="output filter α in (0, 1], 1 for none (default: the part's measured)",
    )
    rec.set_defaults(handler=_record)

    stats = sub.add_parser(
        "thermal-stats",
        help="measure real thermal recordings (contrast, noise, jitter) into a small JSON table",
    )
    stats.add_argument(
        "data_dir", type=Path, help="folder of real recordings (.npz + index.csv); never copied"
    )
    stats.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON file to write (default: the committed simulators/thermal/real_stats.json)",
    )
    stats.set_defaults(handler=_stats)

    check = sub.add_parser(
        "thermal-check",
        help="render the real sets' geometries and compare with the real statistics",
    )
    check.add_argument(
        "--stats", type=Path, default=None, help="real statistics (default: the committed table)"
    )
    check.add_argument("--seed", type=int, default=0, help="simulation seed (default 0)")
    check.set_defaults(handler=_check)


def _record(args: argparse.Namespace) -> int:
    from simulators.recording import DEFAULT_START
    from simulators.thermal.recording import record_thermal

    if args.out.suffix != ".npz":
        print(f"error: --out must end in .npz: {args.out}")
        return 2
    try:
        info = record_thermal(
            args.scenario,
            args.out,
            sensor=args.sensor,
            seed=args.seed,
            mount=args.mount,
            height_m=args.height_m,
            tilt_deg=args.tilt_deg,
            room_temp_c=args.room_temp_c,
            start_time=args.start_time or DEFAULT_START,
            fps=args.fps,
            max_seconds=args.seconds,
            powered_for_s=args.powered_for_s,
            jitter=args.jitter,
            lowpass_alpha=args.lowpass,
        )
    except ValueError as e:
        print(f"error: {e}")
        return 2
    print(
        f"{info.path}: {info.frames} frames of {info.sensor}, {info.duration_s:.1f} s, "
        f"rendered at {info.render_fps:.1f} frames/s"
    )
    print(f"labels: {info.labels}")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from simulators.thermal import calibration

    try:
        table = calibration.measure(args.data_dir)
    except calibration.RealDataMissingError as e:
        print(f"error: {e}")
        return 2
    out = args.out or calibration.COMMITTED
    calibration.write(table, out)
    print(
        f"{out}: statistics of {table['recordings']} real recordings, sets: "
        + ", ".join(table["sets"])
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    from simulators.thermal import calibration, compare, simcheck

    real = calibration.load(args.stats or calibration.COMMITTED)
    checks = compare.compare(real, simcheck.simulate(real, args.seed))
    print(compare.table(checks))
    return 0 if all(c.ok for c in checks) else 1
