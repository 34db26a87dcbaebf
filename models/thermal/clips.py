"""The simulated thermal clips the `thermal-activity` model learns from, rendered once.

Each clip is a (scenario, seed, sensor, mount) draw; sensors, mounts, heights, tilts and
power-on times rotate with the seed so every array size from 8×8 to 160×120 and both mounts
are covered. Mount heights stay under 2.5 m, the lowest ceiling of the simulated rooms.
Clips are split by seed (never by window, so no clip leaks between splits): seed % 10 == 0
is the held-out test set, seed % 10 == 1 validation, the rest training.
"""

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

SENSORS = ("grideye", "d6t44", "array16", "mlx90640", "mlx90640_narrow", "lepton")
SCENARIOS = ("random_clip",) * 8 + ("walk_fall_forward", "home_fall", "quiet_room", "empty_room")
TRAIN_FPS = {
    "grideye": 4.0,
    "d6t44": 4.0,
    "array16": 4.0,
    "mlx90640": 4.0,
    "mlx90640_narrow": 4.0,
}
"""Rendered at 4 Hz (the model's window rate) to save time; the Lepton runs at 8.7 only."""
Split = Literal["train", "val", "test"]


@dataclass(frozen=True, slots=True)
class ClipSpec:
    seed: int
    scenario: str
    sensor: str
    mount: Literal["ceiling", "wall"]
    height_m: float
    tilt_deg: float
    powered_for_s: float
    max_seconds: float

    @property
    def stem(self) -> str:
        return f"{self.seed:04d}-{self.scenario}-{self.sensor}-{self.mount}"

    @property
    def split(self) -> Split:
        return split_of(self.seed)


def split_of(seed: int) -> Split:
    return "test" if seed % 10 == 0 else "val" if seed % 10 == 1 else "train"


def clip_spec(seed: int) -> ClipSpec:
    """The clip drawn for a seed (deterministic)."""
    rng = random.Random(f"thermal-train:{seed}")
    sensor = SENSORS[(seed + seed // 10) % len(SENSORS)]  # every split sees every sensor
    scenario = rng.choice(SCENARIOS)
    if rng.random() < 0.5:
        mount: Literal["ceiling", "wall"] = "ceiling"
        height, tilt = rng.uniform(2.25, 2.45), rng.uniform(0.0, 15.0)
    else:
        mount, height, tilt = "wall", rng.uniform(2.0, 2.4), rng.uniform(20.0, 45.0)
    powered = rng.choice((30.0, 120.0, 600.0))
    max_seconds = 60.0 if sensor == "lepton" else 100.0
    return ClipSpec(
        seed, scenario, sensor, mount, round(height, 2), round(tilt, 1), powered, max_seconds
    )


def render(spec: ClipSpec, out_dir: Path) -> Path:
    """Render one clip into `out_dir` (skipped when already there); returns the .npz path."""
    from simulators.thermal import record_thermal

    out = out_dir / f"{spec.stem}.npz"
    if out.exists():
        return out
    record_thermal(
        spec.scenario,
        out,
        sensor=spec.sensor,
        seed=spec.seed,
        mount=spec.mount,
        height_m=spec.height_m,
        tilt_deg=spec.tilt_deg,
        fps=TRAIN_FPS.get(spec.sensor),
        max_seconds=spec.max_seconds,
        powered_for_s=spec.powered_for_s,
    )
    return out


def default_dir() -> Path:
    """Under the project's cache, per simulator version: a recalibrated simulator renders
    its clips afresh instead of training on the old ones."""
    from ambient.cache import cache_root
    from simulators import SIMULATOR_VERSION
    from simulators.thermal import THERMAL_MODEL_VERSION

    return cache_root() / "thermal-train" / f"sim{SIMULATOR_VERSION}-thermal{THERMAL_MODEL_VERSION}"


def render_all(out_dir: Path, n: int, budget_s: float | None = None) -> list[Path]:
    """Render clips 0..n-1 (one core), stopping early when `budget_s` is spent."""
    import time

    began = time.perf_counter()
    paths = []
    for seed in range(n):
        if budget_s is not None and time.perf_counter() - began > budget_s:
            break
        paths.append(render(clip_spec(seed), out_dir))
    return paths


if __name__ == "__main__":
    import sys

    target = default_dir()
    target.mkdir(parents=True, exist_ok=True)
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else 600.0
    done = render_all(target, count, budget)
    print(f"{len(done)} clips in {target}")
