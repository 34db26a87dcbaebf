"""Simulator rendering speed: depth (render + noise, and + writing a RealSense .db3) and thermal.

Run: ``.venv/bin/python bench/bench_render.py [--seconds 20]``. One process, one core: the
dataset builder runs one such process per core. Each figure sits next to real time (15 fps)
(the sensor's own rate for thermal arrays) and the wall time one hour of activity takes to
render at that speed. Figures, not pass/fail:
the machine is shared, so compare runs on the same machine only.
"""

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from simulators.dataset import frames as sim
from simulators.recording import RecordingWriter
from simulators.scenarios import Scenario, build

REAL_TIME_FPS = 15.0
SCENARIO, SEED = "walk_fall_forward", 1
"""A person walks, falls and gets up: the person is in view for most frames."""


def _row(label: str, fps: float, real_fps: float = REAL_TIME_FPS) -> None:
    hour_min = 3600.0 * real_fps / fps / 60.0
    print(
        f"{label:<44} {fps:7.1f} frames/s {fps / real_fps:6.1f}x real time ({real_fps:g} fps); "
        f"1 h of activity: {hour_min:5.1f} min"
    )


def depth_fps(scenario: Scenario, width: int, height: int, seconds: float, write: bool) -> float:
    rendered = sim.render(
        scenario,
        duration_s=min(seconds, scenario.duration),
        width=width,
        height=height,
        fps=int(REAL_TIME_FPS),
        rng=sim.noise_rng(SEED, scenario),
        start_ms=0.0,
        labels=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        count = 0
        if write:
            camera = sim.camera_for(scenario.room, width, height)
            with RecordingWriter(Path(tmp) / "bench.db3", camera, int(REAL_TIME_FPS)) as w:
                for frame in rendered:
                    w.write(frame.depth_mm, frame.ts_ms)
                    count += 1
        else:
            for _ in rendered:
                count += 1
        return count / (time.perf_counter() - began)


def day_fps(width: int, height: int, seconds: float) -> float:
    """Frames/s of `SimulatedSource` playing a generated hospital day (patient and staff)."""
    import itertools

    from simulators.dataset.plan import scenario_source
    from simulators.dataset.spec import day_spec
    from simulators.source import SimulatedSource

    spec = day_spec(
        SEED, 0, width=width, height=height, fps=15, hours=8.0, generator=scenario_source()
    )
    source = SimulatedSource(spec)
    began = time.perf_counter()
    count = sum(1 for _ in itertools.islice(source.frames(), int(seconds * REAL_TIME_FPS)))
    source.close()
    return count / (time.perf_counter() - began)


def thermal_fps(sensor: str, seconds: float) -> tuple[float, float] | str:
    """(frames/s of `record_thermal` (render + noise + .npz), the sensor's own frame rate),
    or why it was skipped."""
    try:
        from simulators.thermal.recording import record_thermal
        from simulators.thermal.sensors import sensor as thermal_sensor
    except ImportError as e:
        return f"skipped (no thermal simulator: {e})"
    with tempfile.TemporaryDirectory() as tmp:
        try:
            info: Any = record_thermal(
                SCENARIO, Path(tmp) / "bench.npz", sensor=sensor, seed=SEED, max_seconds=seconds
            )
        except (TypeError, ValueError) as e:
            return f"skipped ({e})"
    return float(info.render_fps), float(thermal_sensor(sensor).fps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="scenario seconds per run")
    args = parser.parse_args()
    scenario = build(SCENARIO, SEED)
    print(f"scenario {SCENARIO} seed {SEED}, {args.seconds:.0f} s per run, one process")
    for width, height in ((640, 480), (320, 240)):
        depth_fps(scenario, width, height, 1.0, write=False)  # warm-up: imports, caches
        _row(
            f"depth {width}x{height} render+noise",
            depth_fps(scenario, width, height, args.seconds, write=False),
        )
        _row(
            f"depth {width}x{height} render+noise+.db3",
            depth_fps(scenario, width, height, args.seconds, write=True),
        )
    for width, height in ((640, 480), (320, 240)):
        _row(f"day {width}x{height} SimulatedSource", day_fps(width, height, args.seconds))
    for sensor, label in (("mlx90640", "32x24"), ("lepton", "160x120")):
        result = thermal_fps(sensor, args.seconds)
        if isinstance(result, str):
            print(f"thermal {label} ({sensor}): {result}")
        else:
            _row(f"thermal {label} ({sensor}) render+noise+.npz", *result)


if __name__ == "__main__":
    main()
