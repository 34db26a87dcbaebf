"""Edge per-frame cost with four people in view: perception + engines, next to a naive
per-frame open3d RANSAC pipeline; and the agent's resident memory.

Run: ``.venv/bin/python bench/bench_edge.py`` (pin it to one core with ``taskset -c 0``).
Frames come from a simulated RealSense recording of four people walking across each other's
paths in a hospital room (rendered once into the recordings cache), read through the
agent's own source and held in memory so only the pipeline is timed; only frames whose
labels have all four people in the room count. The naive comparison does what a first
attempt often does: build an open3d point cloud and fit the floor with RANSAC on every frame,
then run the same pipeline; ours calibrates once and stays in numpy. Both are measured in
this run, on this machine; the CPU time of the process is printed beside the wall time, as
a shared machine's load inflates the latter. Resident memory is the peak RSS of a separate
process that streams the same recording through the source and the pipeline as the agent
does (no held frames); it includes open3d, which the one-time floor calibration imports.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from edge_agent.perception.config import PerceptionConfig
from edge_agent.pipeline import Pipeline
from edge_agent.sources.base import DepthFrame
from edge_agent.sources.realsense import RealSenseSource
from simulators.cache import cached_recording
from simulators.recording import read_labels

PEOPLE = 4


def recording(width: int, height: int) -> Path:
    return cached_recording("four_people", width=width, height=height, fps=15)


def load_frames(path: Path) -> list[DepthFrame]:
    source = RealSenseSource(path, real_time=False, loop=False)
    try:
        return list(source.frames())
    finally:
        source.close()


def all_in_view(path: Path) -> set[int]:
    """Frame indices whose labels have every person in the room."""
    labels = read_labels(path)
    return {
        i
        for i, f in enumerate(labels.frames)
        if sum(1 for p in f["persons"] if p["in_room"]) == PEOPLE
    }


def naive_floor_fit(frame: DepthFrame) -> None:
    """Per frame: full point cloud in open3d and a RANSAC plane fit (what we avoid)."""
    import open3d as o3d

    k = frame.intrinsics
    intrinsic = o3d.camera.PinholeCameraIntrinsic(k.width, k.height, k.fx, k.fy, k.ppx, k.ppy)
    depth = np.ascontiguousarray(frame.depth_m)
    image = o3d.geometry.Image(depth)  # type: ignore[call-overload]  # stubs miss the buffer protocol
    cloud = o3d.geometry.PointCloud.create_from_depth_image(
        image, intrinsic, depth_scale=1.0, depth_trunc=10.0
    )
    cloud.segment_plane(distance_threshold=0.03, ransac_n=3, num_iterations=200)


def time_pipeline(
    frames: list[DepthFrame],
    timed: set[int],
    extra: Callable[[DepthFrame], None] | None = None,
    limit: int | None = None,
) -> tuple[list[float], list[float], list[int]]:
    """Wall and CPU milliseconds per timed frame (``extra`` runs only on those, up to
    ``limit``), and the number of person tracks in each."""
    pipeline = Pipeline(PerceptionConfig())
    wall: list[float] = []
    cpu: list[float] = []
    people: list[int] = []
    for i, frame in enumerate(frames):
        take = pipeline.ready and i in timed and (limit is None or len(wall) < limit)
        start, start_cpu = time.perf_counter(), time.process_time()
        if take and extra is not None:
            extra(frame)
        pipeline.process(frame)
        if take:
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            people.append(sum(1 for tr in pipeline.tracks if tr.is_person))
    pipeline.flush(frames[-1].t)
    return wall, cpu, people


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"median {statistics.median(ordered):7.2f} ms  p99 {p99:7.2f} ms"


def peak_rss_mb() -> float:
    """Peak resident memory of this process since it started (MB).

    ``VmHWM`` where Linux has it: ``getrusage`` also counts the parent's peak at the fork
    that started this process, which here holds every frame of two recordings.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def agent_rss(path: Path) -> None:
    """Child process: stream the recording through the pipeline, print peak RSS in MB."""
    pipeline = Pipeline(PerceptionConfig())
    source = RealSenseSource(path, real_time=False, loop=False)
    try:
        for frame in source.frames():
            pipeline.process(frame)
    finally:
        source.close()
    print(peak_rss_mb())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--naive-frames", type=int, default=40, help="timed frames for the (slow) naive pipeline"
    )
    parser.add_argument("--rss-of", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_of is not None:
        agent_rss(args.rss_of)
        return
    print(f"edge pipeline per frame, {PEOPLE} people in view, steady state after calibration")
    for width, height in ((640, 480), (320, 240)):
        path = recording(width, height)
        frames = load_frames(path)
        timed = all_in_view(path)
        ours, ours_cpu, people = time_pipeline(frames, timed)
        naive, _, _ = time_pipeline(frames, timed, naive_floor_fit, args.naive_frames)
        ratio = statistics.median(naive) / statistics.median(ours)
        rss = subprocess.run(
            [sys.executable, __file__, "--rss-of", str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]
        size = f"{width}x{height}"
        print(f"{size}  ambient pipeline, wall      {summary(ours)}  (n={len(ours)})")
        print(f"{size}  ambient pipeline, CPU       {summary(ours_cpu)}")
        print(
            f"{size}  naive (open3d RANSAC/frame) {summary(naive)}  (n={len(naive)})"
            f"  = {ratio:.0f}x"
        )
        print(
            f"{size}  person tracks per timed frame {statistics.mean(people):.2f} (of {PEOPLE});"
            f"  agent peak RSS {float(rss):.0f} MB"
        )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
