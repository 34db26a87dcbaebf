"""Real RealSense recordings of simulated scenarios, with a ground-truth labels file.

Frames go through `rs.software_device` + `rs.recorder`, so the file is what the SDK itself
writes for a camera (rosbag2 `.db3`, the only format SDK 2.59 records; it still plays older
`.bag` files) and plays back through the same `rs.pipeline` code as a live D435. Frame
timestamps are the recording clock in milliseconds since the Unix epoch (`system_time`
domain): ``start_time + t``.

Pitfalls handled here: every frame is a fresh `software_video_frame`; the sensor is stopped and
closed and the recorder released before the file counts as written; both files are written
under temporary names and renamed at the end, so an interrupted run leaves no half file.
(The recorder stamps each message with the wall clock while writing, so the SDK's own
"real-time" playback of a simulated file runs fast; `RealSenseSource` paces by frame
timestamps instead.)
"""

import dataclasses
import json
import logging
import math
import os
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from simulators import SIMULATOR_VERSION
from simulators.camera import CameraModel
from simulators.noise import DEPTH_UNIT_M, DepthNoise
from simulators.people import PersonState
from simulators.render import DepthRenderer
from simulators.rooms import Mount
from simulators.scenarios import Scenario, build

logger = logging.getLogger(__name__)

DEFAULT_START = datetime(2026, 1, 1, 3, 0, 0, tzinfo=UTC)
RECORDING_SUFFIXES = (".db3", ".bag")
"""What the SDK plays; SDK 2.59's recorder writes only rosbag2 ``.db3``."""
WRITE_SUFFIX = ".db3"


class RecordingWriter:
    """A software D435 whose depth frames are recorded to `path`."""

    def __init__(
        self,
        path: Path,
        camera: CameraModel,
        fps: int,
        *,
        serial: str = "SIM0000000001",
        compress: bool = False,
    ) -> None:
        """`compress` is the SDK's zstd option: noisy depth shrinks only ~15 % for ~2× the
        writer's CPU, so it is off by default."""
        import pyrealsense2 as rs

        self._rs = rs
        intr = rs.intrinsics()
        intr.width, intr.height = camera.width, camera.height
        intr.fx, intr.fy, intr.ppx, intr.ppy = camera.fx, camera.fy, camera.ppx, camera.ppy
        intr.model = rs.distortion.brown_conrady
        intr.coeffs = [0.0] * 5
        stream = rs.video_stream()
        stream.type = rs.stream.depth
        stream.index = 0
        stream.uid = 0
        stream.width, stream.height = camera.width, camera.height
        stream.fps = fps
        stream.bpp = 2
        stream.fmt = rs.format.z16
        stream.intrinsics = intr

        self._device = rs.software_device()
        self._device.register_info(rs.camera_info.name, "Intel RealSense D435 (simulated)")
        self._device.register_info(rs.camera_info.serial_number, serial)
        self._sensor = self._device.add_sensor("Stereo Module")
        self._sensor.add_read_only_option(rs.option.depth_units, DEPTH_UNIT_M)
        self._profile = self._sensor.add_video_stream(stream).as_video_stream_profile()
        self._recorder: Any = rs.recorder(str(path), self._device, compress)
        self._sensor.open(self._profile)
        self._queue = rs.frame_queue(1)
        self._sensor.start(self._queue)
        self._width = camera.width
        self.frames = 0

    def write(self, depth_mm: npt.NDArray[np.uint16], timestamp_ms: float) -> None:
        rs = self._rs
        frame = rs.software_video_frame()
        frame.pixels = np.ascontiguousarray(depth_mm)
        frame.bpp = 2
        frame.stride = 2 * self._width
        frame.timestamp = timestamp_ms
        frame.domain = rs.timestamp_domain.system_time
        frame.frame_number = self.frames
        frame.profile = self._profile
        self._sensor.on_video_frame(frame)
        self.frames += 1

    def close(self) -> None:
        """Stop the sensor and release the recorder: only then is the file complete."""
        if self._recorder is None:
            return
        self._sensor.stop()
        self._sensor.close()
        self._recorder.pause()
        self._recorder = None

    def __enter__(self) -> "RecordingWriter":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class _Job:
    scenario: Scenario
    camera: CameraModel
    fps: int
    seed: int
    start_time: datetime
    duration: float

    @property
    def start_ms(self) -> int:
        return int(self.start_time.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    path: Path
    labels: Path
    frames: int
    duration_s: float
    render_fps: float


def labels_path(recording: Path) -> Path:
    """`<stem>.labels.jsonl` next to the recording."""
    return recording.with_name(recording.stem + ".labels.jsonl")


@dataclass(frozen=True, slots=True)
class Labels:
    """A labels file split into its three kinds of line."""

    meta: dict[str, Any]
    frames: list[dict[str, Any]]
    events: list[dict[str, Any]]


def read_labels(path: Path) -> Labels:
    """Parse `<stem>.labels.jsonl` (pass the recording or the labels path)."""
    if path.suffix in RECORDING_SUFFIXES:
        path = labels_path(path)
    meta: dict[str, Any] = {}
    frames: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    with path.open() as lines:
        for line in lines:
            item = json.loads(line)
            if item.get("type") == "meta":
                meta = item
            elif "frame" in item:
                frames.append(item)
            else:
                events.append(item)
    return Labels(meta, frames, events)


def record_scenario(
    name: str,
    out: Path,
    *,
    seed: int = 0,
    fps: int = 15,
    width: int = 640,
    height: int = 480,
    start_time: datetime = DEFAULT_START,
    max_seconds: float | None = None,
    mount: Mount | None = None,
    camera_height: float | None = None,
    tilt_deg: float | None = None,
) -> RecordingInfo:
    """Render scenario `name` to a RealSense recording at `out` plus its labels file.

    `max_seconds` cuts the scenario short (quick tests and previews); events after the cut
    stay in the labels with their scripted times. `mount`/`camera_height`/`tilt_deg` move
    the camera (`Room.with_camera`); by default it stays where the room puts it.
    """
    return record(
        build(name, seed),
        out,
        seed=seed,
        fps=fps,
        width=width,
        height=height,
        start_time=start_time,
        max_seconds=max_seconds,
        mount=mount,
        camera_height=camera_height,
        tilt_deg=tilt_deg,
    )


def record(
    scenario: Scenario,
    out: Path,
    *,
    seed: int = 0,
    fps: int = 15,
    width: int = 640,
    height: int = 480,
    start_time: datetime = DEFAULT_START,
    max_seconds: float | None = None,
    mount: Mount | None = None,
    camera_height: float | None = None,
    tilt_deg: float | None = None,
) -> RecordingInfo:
    """Render any scenario (e.g. from `simulators.generate`); `seed` drives the noise."""
    if out.suffix != WRITE_SUFFIX:
        raise ValueError(f"the RealSense SDK records only {WRITE_SUFFIX} files: {out}")
    if mount is not None or camera_height is not None or tilt_deg is not None:
        r = scenario.room.with_camera(mount or scenario.room.mount, camera_height, tilt_deg)
        scenario = dataclasses.replace(scenario, room=r)
    camera = CameraModel.d435(scenario.room.camera, width, height)
    out.parent.mkdir(parents=True, exist_ok=True)
    tag = f".{out.stem}.{os.getpid()}.tmp"
    tmp_rec = out.with_name(tag + out.suffix)
    tmp_labels = out.with_name(tag + ".labels.jsonl")
    duration = scenario.duration if max_seconds is None else min(scenario.duration, max_seconds)
    job = _Job(scenario, camera, fps, seed, start_time, duration)
    began = time.perf_counter()
    try:
        frames = _render(job, tmp_rec, tmp_labels)
        tmp_labels.replace(labels_path(out))
        tmp_rec.replace(out)
    finally:
        tmp_rec.unlink(missing_ok=True)
        tmp_labels.unlink(missing_ok=True)
    elapsed = time.perf_counter() - began
    logger.info(
        "recorded %s: %d frames in %.1f s (%.1f frames/s)", out, frames, elapsed, frames / elapsed
    )
    return RecordingInfo(out, labels_path(out), frames, frames / fps, frames / elapsed)


def _render(job: _Job, rec_path: Path, labels: Path) -> int:
    scenario, camera, fps, start_ms = job.scenario, job.camera, job.fps, job.start_ms
    renderer = DepthRenderer(camera, scenario.room)
    noise = DepthNoise()
    rng = np.random.default_rng([job.seed, zlib.crc32(scenario.name.encode())])
    n_frames = round(job.duration * fps)
    with RecordingWriter(rec_path, camera, fps) as writer, labels.open("w") as out:
        out.write(json.dumps(_meta(job, n_frames, noise)) + "\n")
        for index in range(n_frames):
            t = index / fps
            states = scenario.at(t)
            shot = renderer.render_surfaces(
                [state.capsules for state in states], [state.materials for state in states]
            )
            depth, visible = shot.depth, shot.visible
            writer.write(noise.apply(depth, camera.fx, rng, shot.surfaces), start_ms + t * 1000.0)
            frame = {
                "frame": index,
                "t": round(t, 4),
                "ts_ms": round(start_ms + t * 1000.0, 3),
                "persons": [frame_person(s, n) for s, n in zip(states, visible, strict=True)],
            }
            out.write(json.dumps(frame) + "\n")
        for event in scenario.events:
            out.write(
                json.dumps(
                    {k: (round(v, 3) if isinstance(v, float) else v) for k, v in event.items()}
                )
                + "\n"
            )
    return n_frames


def frame_person(state: PersonState, visible_px: int | None = None) -> dict[str, Any]:
    """One person's per-frame label (`visible_px` only when rendered)."""
    pose, seg = state.pose, state.segment
    starts, ends, radii = state.capsules
    head = float(max(starts[0, 2], ends[0, 2]) + radii[0])  # capsule 0 is the head
    label: dict[str, Any] = {
        "id": state.person.id,
        "role": state.person.role,
        "activity": seg.activity,
        "posture": str(seg.posture),
        "support": str(seg.support),
        "position": [round(pose.x, 3), round(pose.y, 3), round(pose.z, 3)],
        "yaw_deg": round(math.degrees(pose.yaw) % 360.0, 1),
        "head_height_m": round(head, 3),
        "in_room": state.in_room,
    }
    if visible_px is not None:
        label["visible_px"] = visible_px
    return label


def _meta(job: _Job, frames: int, noise: DepthNoise) -> dict[str, Any]:
    scenario, camera = job.scenario, job.camera
    return {
        "type": "meta",
        "simulator_version": SIMULATOR_VERSION,
        "scenario": scenario.name,
        "description": scenario.description,
        "seed": job.seed,
        "fps": job.fps,
        "width": camera.width,
        "height": camera.height,
        "frames": frames,
        "duration_s": round(job.duration, 3),
        "scenario_duration_s": round(scenario.duration, 3),
        "start_time": job.start_time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "start_time_ms": job.start_ms,
        "depth_unit_m": DEPTH_UNIT_M,
        "camera": camera.meta(),
        "room": scenario.room.meta(),
        "persons": [p.meta() for p in scenario.people],
        "generator": scenario.meta,
        "noise": {
            "model": "sigma = subpixel * z^2 / (fx * baseline)",
            "subpixel": noise.subpixel,
            "baseline_m": noise.baseline_m,
            "dropout": noise.dropout,
            "range_m": [noise.min_z, noise.max_z],
            "materials": "dark and shiny surfaces lose depth in blobs (simulators/noise.py)",
        },
        "time_fields": "t and event times: seconds from start; ts_ms: recording clock, "
        "Unix ms (= frame timestamp in the recording)",
    }
