"""RealSenseSource reads real RealSense recordings: every frame, exact times, clear errors."""

import os
import time
from pathlib import Path

import numpy as np
import pytest

from edge_agent.sources.base import SourceError
from edge_agent.sources.realsense import RealSenseSource
from simulators.camera import CameraModel
from simulators.recording import RecordingWriter, read_labels, record_scenario
from simulators.rooms import room

START_MS = 1_767_236_400_000.0
FPS = 15


def _write(path: Path, n: int, seed: int = 0) -> list[np.ndarray]:
    camera = CameraModel.d435(room("hospital").camera, 320, 240)
    rng = np.random.default_rng(seed)
    frames = [rng.integers(0, 8000, (240, 320), dtype=np.uint16) for _ in range(n)]
    with RecordingWriter(path, camera, FPS) as writer:
        for i, z16 in enumerate(frames):
            writer.write(z16, START_MS + i * 1000.0 / FPS)
    return frames


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[np.ndarray]]:
    path = tmp_path_factory.mktemp("rec") / "frames.db3"
    return path, _write(path, 150)


@pytest.mark.recordings
def test_round_trip_every_frame_time_and_depth(
    recording: tuple[Path, list[np.ndarray]],
) -> None:
    path, written = recording
    # Twice: a fresh pipeline must not lose the first frames to the SDK's real-time pacing.
    assert len(list(RealSenseSource(path).frames())) == len(written)
    read = list(RealSenseSource(path).frames())
    assert len(read) == len(written)
    camera = CameraModel.d435(room("hospital").camera, 320, 240)
    for i, (frame, z16) in enumerate(zip(read, written, strict=True)):
        assert frame.index == i
        assert frame.t == pytest.approx((START_MS + i * 1000.0 / FPS) / 1000.0, abs=1e-6)
        assert frame.depth_m.dtype == np.float32
        assert frame.depth_m.shape == (240, 320)
        assert np.max(np.abs(frame.depth_m - z16 * 0.001)) < 0.001
    intr = read[0].intrinsics
    assert (intr.width, intr.height) == (320, 240)
    assert intr.fx == pytest.approx(camera.fx, rel=1e-6)
    assert intr.ppy == pytest.approx(camera.ppy)


@pytest.mark.recordings
def test_a_simulated_scenario_plays_back_frame_for_frame_with_its_labels(tmp_path: Path) -> None:
    info = record_scenario(
        "walk_fall_forward", tmp_path / "wff.db3", width=320, height=240, max_seconds=3.0
    )
    labels = read_labels(info.path)
    frames = list(RealSenseSource(info.path).frames())
    assert len(frames) == len(labels.frames) == info.frames == 45
    assert [round(f.t * 1000, 3) for f in frames] == [row["ts_ms"] for row in labels.frames]
    assert labels.meta["start_time"] == "2026-01-01T03:00:00Z"
    assert labels.meta["camera"]["intrinsics"]["fx"] == pytest.approx(frames[0].intrinsics.fx)
    assert [e["event"] for e in labels.events] == ["fall"]
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


@pytest.mark.recordings
def test_loop_replays_with_time_moving_forward(recording: tuple[Path, list[np.ndarray]]) -> None:
    path, written = recording
    source = RealSenseSource(path, loop=True)
    frames = []
    for frame in source.frames():
        frames.append(frame)
        if len(frames) == 2 * len(written) + 5:
            break
    source.close()
    times = [f.t for f in frames]
    steps = np.diff(times)
    assert np.all(steps > 0)
    assert np.allclose(steps, 1.0 / FPS, atol=1e-3)
    assert [f.index for f in frames] == list(range(len(frames)))


@pytest.mark.recordings
def test_real_time_paces_by_frame_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "short.db3"
    _write(path, 10)
    began = time.monotonic()
    count = sum(1 for _ in RealSenseSource(path, real_time=True).frames())
    elapsed = time.monotonic() - began
    assert count == 10
    assert elapsed >= 9 / FPS - 0.02


@pytest.mark.recordings
def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found"):
        RealSenseSource(tmp_path / "nowhere.db3")


@pytest.mark.parametrize("kind", ["random", "truncated", "text"])
@pytest.mark.recordings
def test_corrupt_files_are_one_line_source_errors(
    kind: str, tmp_path: Path, recording: tuple[Path, list[np.ndarray]]
) -> None:
    path = tmp_path / ("bad.bag" if kind == "text" else "bad.db3")
    if kind == "random":
        path.write_bytes(os.urandom(50_000))
    elif kind == "truncated":
        data = recording[0].read_bytes()
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_text("not a recording\n")
    with pytest.raises(SourceError) as caught:
        source = RealSenseSource(path)
        list(source.frames())
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message


@pytest.mark.recordings
def test_recording_without_depth_is_a_source_error(tmp_path: Path) -> None:
    import pyrealsense2 as rs

    path = tmp_path / "color.db3"
    stream = rs.video_stream()
    stream.type, stream.index, stream.uid = rs.stream.color, 0, 1
    stream.width, stream.height, stream.fps, stream.bpp = 64, 48, 15, 3
    stream.fmt = rs.format.rgb8
    intr = rs.intrinsics()
    intr.width, intr.height, intr.fx, intr.fy, intr.ppx, intr.ppy = 64, 48, 50, 50, 32, 24
    stream.intrinsics = intr
    device = rs.software_device()
    sensor = device.add_sensor("RGB Camera")
    profile = sensor.add_video_stream(stream).as_video_stream_profile()
    recorder = rs.recorder(str(path), device)
    sensor.open(profile)
    sensor.start(rs.frame_queue(1))
    for i in range(3):
        frame = rs.software_video_frame()
        frame.pixels = np.zeros((48, 64, 3), np.uint8)
        frame.bpp, frame.stride = 3, 64 * 3
        frame.timestamp, frame.frame_number = START_MS + i * 66.7, i
        frame.domain = rs.timestamp_domain.system_time
        frame.profile = profile
        sensor.on_video_frame(frame)
    sensor.stop()
    sensor.close()
    recorder.pause()
    del recorder
    with pytest.raises(SourceError, match="no depth stream"):
        RealSenseSource(path)
