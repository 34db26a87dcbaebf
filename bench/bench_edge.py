"""Edge per-frame cost: perception + engines, next to a naive per-frame open3d RANSAC pipeline.

Run: ``.venv/bin/python bench/bench_edge.py``. Frames come from a simulated RealSense
recording read through the agent's own source, and are held in memory so only the pipeline
is timed. The naive comparison does what a first attempt often does: build an open3d point
cloud and fit the floor with RANSAC on every frame, then run the same pipeline; our pipeline
calibrates once and stays in numpy. Both are measured in this run, on this machine.
"""

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import open3d as o3d

from edge_agent.perception.config import PerceptionConfig
from edge_agent.pipeline import Pipeline
from edge_agent.sources.base import DepthFrame
from edge_agent.sources.realsense import RealSenseSource
from simulators.cache import cached_recording


def load_frames(width: int, height: int) -> list[DepthFrame]:
    path = cached_recording("walk_fall_forward", seed=1, width=width, height=height)
    source = RealSenseSource(path, real_time=False, loop=False)
    try:
        return list(source.frames())
    finally:
        source.close()


def naive_floor_fit(frame: DepthFrame) -> None:
    """Per frame: full point cloud in open3d and a RANSAC plane fit (what we avoid)."""
    k = frame.intrinsics
    intrinsic = o3d.camera.PinholeCameraIntrinsic(k.width, k.height, k.fx, k.fy, k.ppx, k.ppy)
    depth = np.ascontiguousarray(frame.depth_m)
    image = o3d.geometry.Image(depth)  # type: ignore[call-overload]  # stubs miss the buffer protocol
    cloud = o3d.geometry.PointCloud.create_from_depth_image(
        image, intrinsic, depth_scale=1.0, depth_trunc=10.0
    )
    cloud.segment_plane(distance_threshold=0.03, ransac_n=3, num_iterations=200)


def time_pipeline(
    frames: list[DepthFrame], extra: Callable[[DepthFrame], None] | None
) -> list[float]:
    pipeline = Pipeline(PerceptionConfig())
    times = []
    for frame in frames:
        start = time.perf_counter()
        if extra is not None:
            extra(frame)
        pipeline.process(frame)
        elapsed = time.perf_counter() - start
        if pipeline.ready:  # background learned and floor calibrated: steady state
            times.append(elapsed * 1000)
    pipeline.flush(frames[-1].t)
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"median {statistics.median(ordered):6.2f} ms  p99 {p99:6.2f} ms  (n={len(ordered)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=300, help="frames per resolution")
    parser.add_argument(
        "--naive-frames", type=int, default=80, help="frames for the (slow) naive pipeline"
    )
    args = parser.parse_args()
    o3d.utility.set_verbosity_level(o3d.utility.VerbosityLevel.Error)
    print("edge pipeline per frame, one process, steady state after calibration")
    for width, height in ((640, 480), (320, 240)):
        frames = load_frames(width, height)[: args.frames]
        ours = time_pipeline(frames, None)
        naive = time_pipeline(frames[: args.naive_frames], naive_floor_fit)
        ratio = statistics.median(naive) / statistics.median(ours)
        print(f"{width}x{height}  ambient pipeline        {summary(ours)}")
        print(f"{width}x{height}  naive (open3d RANSAC/frame) {summary(naive)}  = {ratio:.1f}x")


if __name__ == "__main__":
    main()
