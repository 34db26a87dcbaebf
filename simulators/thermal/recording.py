"""Thermal recordings of simulated scenarios: one `.npz` plus a ground-truth labels file.

The format is documented in docs/thermal-recordings.md and read back by
`edge_agent.sources.thermal.ThermalRecordingSource`. Labels use the depth recordings'
JSON-lines layout (`<stem>.labels.jsonl`: one meta line, one line per frame, one per event),
so the same evaluation code reads both. Both files are written under temporary names and
renamed at the end, so an interrupted run leaves no half file.
"""

import json
import logging
import os
import random
import time
import zlib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from simulators import SIMULATOR_VERSION
from simulators.recording import DEFAULT_START, Labels, labels_path, read_labels
from simulators.scenarios import Scenario, build
from simulators.thermal import THERMAL_MODEL_VERSION, adapter
from simulators.thermal.noise import SensorNoise, frame_times
from simulators.thermal.npzfile import NpzFrameWriter
from simulators.thermal.render import ThermalRenderer
from simulators.thermal.scene import BedHeat, ThermalEnvironment, bed_imprint_c
from simulators.thermal.sensors import Mount, MountKind, SensorSpec, default_mount, sensor

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ThermalRecordingInfo:
    path: Path
    labels: Path
    sensor: str
    frames: int
    duration_s: float
    render_fps: float


def read_thermal_labels(recording: Path) -> Labels:
    """Parse the labels file next to a thermal recording."""
    return read_labels(labels_path(recording))


def record_thermal(
    scenario: str | Scenario,
    out: Path,
    *,
    sensor: str = "mlx90640",
    seed: int = 0,
    mount: MountKind = "ceiling",
    height_m: float | None = None,
    tilt_deg: float | None = None,
    room_temp_c: float | None = None,
    start_time: datetime = DEFAULT_START,
    fps: float | None = None,
    max_seconds: float | None = None,
    powered_for_s: float = 0.0,
    jitter: float | None = None,
    lowpass_alpha: float | None = None,
) -> ThermalRecordingInfo:
    """Render a scenario as a thermal array sees it, to `out` (.npz) and its labels file.

    `room_temp_c` defaults to a seeded value in 19–28 °C; `powered_for_s` is how long the array
    was on before the first frame (0: the recording starts at power-up, unstable frames and
    all); `max_seconds` cuts the scenario short. `jitter` (relative σ of frame intervals) and
    `lowpass_alpha` (output filter, 1 for none) default to the part's measured ones; a
    jitter of 0 gives frames exactly at `index / fps`.
    """
    if out.suffix != ".npz":
        raise ValueError(f"a thermal recording is an .npz file: {out}")
    spec = _sensor_spec(sensor)
    rate = spec.fps if fps is None else fps
    if not spec.fps_range[0] <= rate <= spec.fps_range[1]:
        lo, hi = spec.fps_range
        raise ValueError(f"{spec.name} runs at {lo}–{hi} Hz, not {rate}")
    scene = build(scenario, seed) if isinstance(scenario, str) else scenario
    base = default_mount(mount)
    where = Mount(
        mount,
        base.height_m if height_m is None else height_m,
        base.tilt_deg if tilt_deg is None else tilt_deg,
    )
    rng = random.Random(f"thermal:{scene.name}:{seed}")
    env = ThermalEnvironment.seeded(
        rng.uniform(19.0, 28.0) if room_temp_c is None else room_temp_c, rng
    )
    duration = scene.duration if max_seconds is None else min(scene.duration, max_seconds)
    out.parent.mkdir(parents=True, exist_ok=True)
    tag = f".{out.stem}.{os.getpid()}.tmp"
    tmp_rec, tmp_labels = out.with_name(tag + ".npz"), out.with_name(tag + ".labels.jsonl")
    began = time.perf_counter()
    try:
        job = _Job(
            scene,
            spec,
            where,
            env,
            rate,
            seed,
            duration,
            start_time,
            powered_for_s,
            spec.interval_jitter if jitter is None else jitter,
            lowpass_alpha,
        )
        n = round(duration * rate)
        with (
            tmp_labels.open("w") as labels,
            NpzFrameWriter(tmp_rec, n, spec.height, spec.width) as writer,
        ):
            _render(job, n, writer, labels)
        tmp_labels.replace(labels_path(out))
        tmp_rec.replace(out)
    finally:
        tmp_rec.unlink(missing_ok=True)
        tmp_labels.unlink(missing_ok=True)
    elapsed = max(time.perf_counter() - began, 1e-9)
    logger.info("recorded %s: %d frames in %.1f s (%.1f frames/s)", out, n, elapsed, n / elapsed)
    return ThermalRecordingInfo(out, labels_path(out), spec.name, n, n / rate, n / elapsed)


def _sensor_spec(name: str) -> SensorSpec:
    try:
        return sensor(name)
    except KeyError as e:
        raise ValueError(str(e.args[0])) from None


@dataclass(frozen=True, slots=True)
class _Job:
    scene: Scenario
    spec: SensorSpec
    where: Mount
    env: ThermalEnvironment
    fps: float
    seed: int
    duration: float
    start_time: datetime
    powered_for_s: float
    jitter: float
    lowpass_alpha: float | None


def _render(job: _Job, n: int, writer: NpzFrameWriter, labels: TextIO) -> None:
    scene, spec, where, env, fps = job.scene, job.spec, job.where, job.env, job.fps
    seed, duration, powered_for_s = job.seed, job.duration, job.powered_for_s
    room = scene.room
    pose = where.pose(room.size)
    warm = adapter.warm_objects(room)
    renderer = ThermalRenderer(
        spec,
        pose,
        room.size,
        adapter.solids(room),
        env=env,
        warm=warm,
        bed=adapter.bed_name(room),
    )
    noise = SensorNoise(
        spec,
        fps,
        np.random.default_rng([seed, zlib.crc32(scene.name.encode()), 7]),
        lowpass_alpha=job.lowpass_alpha,
    )
    temps = adapter.body_temps(scene, seed)
    clock = np.random.default_rng([seed, zlib.crc32(scene.name.encode()), 11])
    times = frame_times(n, fps, job.jitter, clock)
    start = job.start_time.astimezone(UTC)
    meta = _meta(job)
    labels_meta = {
        "type": "meta",
        **meta,
        "frames": n,
        "duration_s": round(duration, 3),
        "scenario_duration_s": round(scene.duration, 3),
        "description": scene.description,
        "start_time_ms": int(start.timestamp() * 1000),
        "room": room.meta(),
        "warm_objects": [asdict(w) for w in warm],
        "persons": adapter.persons_meta(scene.people, temps),
        "generator": scene.meta,
        "environment": asdict(env),
        "noise": {
            field: value
            for field, value in asdict(spec).items()
            if field not in ("name", "width", "height", "hfov_deg", "vfov_deg")
        }
        | {
            "netd_c_at_fps": round(noise.netd_c, 4),
            "interval_jitter": job.jitter,
            "lowpass_alpha": noise.alpha,
            "bias_c": round(noise.bias_c, 3),
        },
        "time_fields": "t and event times: seconds from start; ts_ms: recording clock, Unix ms",
    }
    labels.write(json.dumps(labels_meta) + "\n")
    bed = BedHeat(peak_c=bed_imprint_c(env.room_c))
    previous = 0.0
    for index, t in enumerate(times.tolist()):
        states = adapter.people_at(scene, t, temps, env.room_c)
        on_bed = next((s.bed_footprint for s in states if s.bed_footprint), None)
        if index == 0 and on_bed is not None:
            bed.level, bed.region = 1.0, on_bed  # in bed long before the recording began
        bed.step(on_bed, t - previous)
        previous = t
        truth = renderer.render(states, bed)
        writer.write(noise.apply(truth, powered_for_s + t))
        line = {
            "frame": index,
            "t": round(t, 4),
            "ts_ms": round(start.timestamp() * 1000.0 + t * 1000.0, 3),
            "persons": [s.label for s in states],
            "bed_heat": round(bed.level, 4),
        }
        labels.write(json.dumps(line) + "\n")
    for event in scene.events:
        labels.write(
            json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in event.items()})
            + "\n"
        )
    writer.finish(times, json.dumps(meta))


def _meta(job: _Job) -> dict[str, Any]:
    scene, spec, where, env = job.scene, job.spec, job.where, job.env
    start = job.start_time.astimezone(UTC)
    pose = where.pose(scene.room.size)
    return {
        "format": "ambient-thermal/1",
        "sensor": spec.name,
        "width": spec.width,
        "height": spec.height,
        "fov_deg": [spec.hfov_deg, spec.vfov_deg],
        "mount": where.kind,
        "height_m": where.height_m,
        "tilt_deg": where.tilt_deg,
        "fps": job.fps,
        "start_time": start.isoformat().replace("+00:00", "Z"),
        "units": "celsius",
        "pose": {
            "position": list(pose.position),
            "yaw_deg": pose.yaw_deg,
            "pitch_deg": pose.pitch_deg,
        },
        "room_temp_c": round(env.room_c, 3),
        "powered_for_s": job.powered_for_s,
        "scenario": scene.name,
        "seed": job.seed,
        "simulator_version": SIMULATOR_VERSION,
        "thermal_model_version": THERMAL_MODEL_VERSION,
    }
