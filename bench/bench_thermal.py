"""Thermal per-frame cost: `ThermalPipeline` from 4×4 to 160×120, one and four people, on
simulated and real recordings, next to a naive pipeline.

Run: ``.venv/bin/python bench/bench_thermal.py [--real DIR]``. Frames are held in memory so
only the pipeline is timed, on one core (onnxruntime is single-threaded already; numpy here
does no multithreaded work). Simulated cases: a walk-and-fall clip per array and four staff
crossing paths under the 32×24 and 160×120 arrays (the rendered recordings are cached).
With `--real DIR` (a folder of real recordings with an index.csv) a real 8×8, 4×4 and 32×24
recording are timed too. The naive comparison does what a first attempt often does:
recompute the background as the per-pixel median of the last 60 s of frames on every frame
and run the models on every frame; same blobs and tracker otherwise. Both are measured in
this run, on this machine. Targets: ≤ 0.5 ms median at 32×24, ≤ 3 ms at 160×120 with
several people.
"""

import argparse
import statistics
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import numpy as np

from edge_agent.inference.runtime import OnnxModel, load_model, model_dir
from edge_agent.sources.thermal import ThermalFrame, ThermalRecordingSource
from edge_agent.thermal.blobs import find_warm_blobs
from edge_agent.thermal.config import ThermalConfig
from edge_agent.thermal.fall_input import FallSampler
from edge_agent.thermal.geometry import SensorGeometry
from edge_agent.thermal.pipeline import FALL_MODEL_NAME, MODEL_NAME, ThermalPipeline
from edge_agent.thermal.tracker import ThermalTracker
from edge_agent.thermal.window import WindowSampler, context_planes
from simulators.thermal import cached_thermal

SIMULATED = (
    ("8×8 Grid-EYE, 1 person", "grideye", "walk_fall_forward"),
    ("32×24 MLX90640, 1 person", "mlx90640", "walk_fall_forward"),
    ("32×24 MLX90640, 4 people", "mlx90640", "four_people"),
    ("160×120 Lepton, 1 person", "lepton", "walk_fall_forward"),
    ("160×120 Lepton, 4 people", "lepton", "four_people"),
)
REAL = (
    ("4×4 D6T (real, rosendo)", "rosendo/rosendo_nf_137.npz"),
    ("8×8 Grid-EYE (real, gridfall)", "gridfall/gridfall_test.npz"),
    ("32×24 (real, yxiao)", "yxiao/yxiao_data_fall0.npz"),
)


def load_frames(path: Path, seconds: float | None = None) -> list[ThermalFrame]:
    source = ThermalRecordingSource(path)
    try:
        frames = list(source.frames())
    finally:
        source.close()
    if seconds is None:
        return frames
    return [f for f in frames if f.t - frames[0].t <= seconds]


class NaivePipeline:
    """Median of a 60 s history per frame, both models on every frame."""

    def __init__(self, model: OnnxModel, fall: OnnxModel | None, history_s: float = 60.0) -> None:
        self.model = model
        self.fall = fall
        self.history_s = history_s
        self.config = ThermalConfig()
        self.frames: deque[np.ndarray] = deque()
        self.tracker = ThermalTracker(self.config.tracking)
        self.sampler: WindowSampler | None = None
        self.fall_sampler: FallSampler | None = None
        self.geometry: SensorGeometry | None = None
        self.context = np.zeros((0,), dtype=np.float32)

    def process(self, frame: ThermalFrame) -> None:
        if self.geometry is None:
            g = self.geometry = SensorGeometry.from_meta(frame.meta)
            self.sampler = WindowSampler(g.height, g.width)
            self.fall_sampler = FallSampler(g.height, g.width, g.mount, g.hfov_deg)
            self.context = context_planes(g.mount, g.hfov_deg, g.width)
            self.frames = deque(maxlen=max(1, round(self.history_s * frame.meta.fps)))
        assert self.sampler is not None and self.fall_sampler is not None
        self.frames.append(frame.temps_c)
        bg = np.median(np.stack(self.frames), axis=0)
        excess = (frame.temps_c - bg).astype(np.float32)
        threshold = np.full(excess.shape, 1.0, np.float32)
        sigma = np.full(excess.shape, 0.25, np.float32)
        blobs, _ = find_warm_blobs(excess, threshold, sigma, self.geometry, self.config.blobs)
        self.tracker.update(blobs, frame.t)
        self.sampler.push(excess, frame.t)
        self.fall_sampler.push(excess, sigma, frame.t)
        if self.sampler.full:
            self.model.predict(np.concatenate([self.sampler.window(), self.context])[None])
        if self.fall is not None and self.fall_sampler.ready:
            self.fall.predict(self.fall_sampler.window()[None])


def per_frame(
    frames: list[ThermalFrame], process: Callable[[ThermalFrame], object], warm: int
) -> list[float]:
    for frame in frames[:warm]:
        process(frame)
    out = []
    for frame in frames[warm:]:
        t0 = time.perf_counter()
        process(frame)
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def summary(ms: list[float]) -> str:
    p99 = float(np.percentile(ms, 99))
    return f"median {statistics.median(ms):7.3f} ms   p99 {p99:7.3f} ms"


def bench(label: str, frames: list[ThermalFrame], repeat: int) -> None:
    model = load_model(MODEL_NAME)
    fall = load_model(FALL_MODEL_NAME) if model_dir(FALL_MODEL_NAME).is_dir() else None
    warm = min(len(frames) // 4, 40)
    ours = min(
        (
            per_frame(frames, ThermalPipeline(model=model, fall_model=fall).process, warm)
            for _ in range(repeat)
        ),
        key=statistics.median,
    )
    naive = min(
        (per_frame(frames, NaivePipeline(model, fall).process, warm) for _ in range(repeat)),
        key=statistics.median,
    )
    ratio = statistics.median(naive) / statistics.median(ours)
    print(f"{label:<32} ours:  {summary(ours)}   ({len(frames)} frames)")
    print(f"{'':<32} naive: {summary(naive)}   ({ratio:.1f}× ours)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="simulated clip length")
    parser.add_argument("--repeat", type=int, default=3, help="passes over a clip (best kept)")
    parser.add_argument("--real", type=Path, default=None, help="real recordings folder")
    args = parser.parse_args()
    print(f"thermal per-frame cost, best of {args.repeat}; models: thermal-activity", end="")
    print(", thermal-fall" if model_dir(FALL_MODEL_NAME).is_dir() else " only")
    for label, sensor, scenario in SIMULATED:
        path = cached_thermal(
            scenario, seed=1, sensor=sensor, max_seconds=args.seconds, powered_for_s=120.0
        )
        bench(f"{label} (simulated)", load_frames(path), args.repeat)
    if args.real is None:
        print("real recordings: not run (give --real DIR)")
        return
    for label, name in REAL:
        path = args.real / name
        if not path.is_file():
            print(f"{label}: {path} not found, skipped")
            continue
        bench(label, load_frames(path, 60.0), args.repeat)


if __name__ == "__main__":
    main()
