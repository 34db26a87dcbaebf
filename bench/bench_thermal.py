"""Thermal per-frame cost: `ThermalPipeline` at 8×8, 32×24 and 160×120, next to a naive one.

Run: ``.venv/bin/python bench/bench_thermal.py``. Frames come from a simulated
walk-and-fall recording per array (rendered once into the user cache), held in memory so
only the pipeline is timed, on one core (onnxruntime is single-threaded already; numpy
here does no multithreaded work). The naive comparison does what a first attempt often
does: recompute the background as the per-pixel median of the last 60 s of frames on every
frame and run the activity model on every frame; same blobs and tracker otherwise. Both are
measured in this run, on this machine. Target: ≤ 0.5 ms median at 32×24.
"""

import argparse
import statistics
import time
from collections import deque
from collections.abc import Callable

import numpy as np

from edge_agent.sources.thermal import ThermalFrame, ThermalRecordingSource
from edge_agent.thermal.blobs import find_warm_blobs
from edge_agent.thermal.config import ThermalConfig
from edge_agent.thermal.geometry import SensorGeometry
from edge_agent.thermal.pipeline import ThermalPipeline
from edge_agent.thermal.tracker import ThermalTracker
from edge_agent.thermal.window import WindowSampler, context_planes
from models.runtime import OnnxModel, load_model
from simulators.thermal import cached_thermal

SENSORS = (("grideye", "8×8"), ("mlx90640", "32×24"), ("lepton", "160×120"))


def load_frames(sensor: str, seconds: float) -> list[ThermalFrame]:
    path = cached_thermal(
        "walk_fall_forward", seed=1, sensor=sensor, max_seconds=seconds, powered_for_s=120.0
    )
    source = ThermalRecordingSource(path)
    try:
        return list(source.frames())
    finally:
        source.close()


class NaivePipeline:
    """Median of a 60 s history per frame, model on every frame."""

    def __init__(self, model: OnnxModel, history_s: float = 60.0) -> None:
        self.model = model
        self.history_s = history_s
        self.config = ThermalConfig()
        self.frames: deque[np.ndarray] = deque()
        self.tracker = ThermalTracker(self.config.tracking)
        self.sampler: WindowSampler | None = None
        self.geometry: SensorGeometry | None = None
        self.context = np.zeros((0,), dtype=np.float32)

    def process(self, frame: ThermalFrame) -> None:
        if self.geometry is None:
            self.geometry = SensorGeometry.from_meta(frame.meta)
            self.sampler = WindowSampler(self.geometry.height, self.geometry.width)
            g = self.geometry
            self.context = context_planes(g.mount, g.hfov_deg, g.width)
            self.frames = deque(maxlen=max(1, round(self.history_s * frame.meta.fps)))
        assert self.sampler is not None
        self.frames.append(frame.temps_c)
        bg = np.median(np.stack(self.frames), axis=0)
        excess = (frame.temps_c - bg).astype(np.float32)
        threshold = np.full(excess.shape, 1.0, np.float32)
        sigma = np.full(excess.shape, 0.25, np.float32)
        blobs, _ = find_warm_blobs(excess, threshold, sigma, self.geometry, self.config.blobs)
        self.tracker.update(blobs, frame.t)
        self.sampler.push(excess, frame.t)
        if self.sampler.full:
            self.model.predict(np.concatenate([self.sampler.window(), self.context])[None])


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=45.0, help="clip length (default 45)")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the clip (best kept)")
    args = parser.parse_args()
    model = load_model("thermal-activity")
    print(f"thermal per-frame cost, {args.seconds:.0f} s walk-and-fall clip, best of {args.repeat}")
    for sensor, size in SENSORS:
        frames = load_frames(sensor, args.seconds)
        warm = min(len(frames) // 4, 40)
        ours = min(
            (
                per_frame(frames, ThermalPipeline(model=model).process, warm)
                for _ in range(args.repeat)
            ),
            key=statistics.median,
        )
        naive = min(
            (per_frame(frames, NaivePipeline(model).process, warm) for _ in range(args.repeat)),
            key=statistics.median,
        )
        ratio = statistics.median(naive) / statistics.median(ours)
        print(f"{size:>8} {sensor:<9} ours:  {summary(ours)}")
        print(f"{'':>8} {'':<9} naive: {summary(naive)}   ({ratio:.1f}× ours)")


if __name__ == "__main__":
    main()
