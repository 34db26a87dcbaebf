"""RealSense depth, live or from a recording, through one `rs.pipeline` code path.

A recording (``.db3`` from SDK 2.59, ``.bag`` from older ones) is played with
``rs.config.enable_device_from_file``, exactly as the SDK plays a camera. Frame times are the
frame timestamps (recording clock, Unix ms) in seconds, never the wall clock.

Recordings always play with the SDK's real-time mode off, so no frame is dropped: the SDK's
real-time mode paces by the wall clock the *recorder* saw while writing, which for a simulated
recording (written faster than real time) is far too fast. With ``real_time=True`` this source
paces by the frame timestamps itself. The end of a recording is detected from the playback
status, with a bounded wait; ``loop=True`` replays it with times shifted by its length, so time
keeps moving forward for the engines downstream.
"""

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from edge_agent.sources.base import DepthFrame, Intrinsics, SourceError, pace

logger = logging.getLogger(__name__)

POLL_MS = 200


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


class RealSenseSource:
    """Depth frames from a RealSense camera (`serial`, or the first one) or a recording."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        serial: str | None = None,
        real_time: bool = False,
        loop: bool = False,
        timeout_s: float = 5.0,
        width: int = 640,
        height: int = 480,
        fps: int = 15,
    ) -> None:
        try:
            import pyrealsense2 as rs
        except ImportError as e:
            raise SourceError("pyrealsense2 is not installed (install ambient[edge])") from e
        self._rs: Any = rs
        self.path = path
        self.serial = serial
        self.real_time = real_time
        self.loop = loop
        self.timeout_s = timeout_s
        self._live_mode = (width, height, fps)
        self._pipeline: Any = None
        if path is not None:
            self._check_recording(path)

    def _check_recording(self, path: Path) -> None:
        """Fail early with a one-line reason: missing, unreadable, or no depth stream."""
        if not path.is_file():
            raise SourceError(f"recording not found: {path}")
        rs = self._rs
        try:
            device = rs.context().load_device(str(path))
            streams = {
                profile.stream_type()
                for sensor in device.query_sensors()
                for profile in sensor.get_stream_profiles()
            }
        except RuntimeError as e:
            raise SourceError(f"cannot read recording {path}: {_one_line(e)}") from e
        if rs.stream.depth not in streams:
            raise SourceError(f"recording {path} has no depth stream")

    def _start(self) -> tuple[Any, Intrinsics, float]:
        rs = self._rs
        config = rs.config()
        if self.path is not None:
            config.enable_device_from_file(str(self.path), repeat_playback=False)
            config.enable_stream(rs.stream.depth)
        else:
            if self.serial:
                config.enable_device(self.serial)
            width, height, fps = self._live_mode
            config.enable_stream(rs.stream.depth, width, height, rs.format.z16, fps)
        pipeline = rs.pipeline()
        try:
            if self.path is not None:
                # Turn real-time off on the resolved device *before* streaming starts: set
                # after start, the first frames race the SDK's real-time pacing and some drop.
                resolved = config.resolve(rs.pipeline_wrapper(pipeline))
                resolved.get_device().as_playback().set_real_time(False)
            profile = pipeline.start(config)
        except RuntimeError as e:
            what = f"recording {self.path}" if self.path else f"camera {self.serial or '(any)'}"
            raise SourceError(f"cannot start {what}: {_one_line(e)}") from e
        self._pipeline = pipeline
        device = profile.get_device()
        if self.path is not None:
            device.as_playback().set_real_time(False)
        stream = profile.get_stream(rs.stream.depth).as_video_stream_profile()
        i = stream.get_intrinsics()
        intrinsics = Intrinsics(i.width, i.height, i.fx, i.fy, i.ppx, i.ppy)
        scale = float(device.first_depth_sensor().get_depth_scale())
        return pipeline, intrinsics, scale

    def frames(self) -> Iterator[DepthFrame]:
        index = 0
        offset_s = 0.0
        pace_origin: tuple[float, float] | None = None
        while True:
            pipeline, intrinsics, scale = self._start()
            first = last = None
            count = 0
            try:
                for ts_ms, z16 in self._pass(pipeline):
                    t = ts_ms / 1000.0 + offset_s
                    if first is None:
                        first = ts_ms
                    last = ts_ms
                    if self.real_time and self.path is not None:
                        pace_origin = pace(pace_origin, t)
                    depth = np.multiply(z16, scale, dtype=np.float32)
                    yield DepthFrame(index, t, depth, intrinsics)
                    index += 1
                    count += 1
            finally:
                self.close()
            if not (self.loop and self.path is not None and first is not None):
                return
            assert last is not None
            period = (last - first) / max(count - 1, 1)
            offset_s += (last - first + period) / 1000.0
            logger.info("recording %s ended after %d frames; looping", self.path, index)

    def _pass(self, pipeline: Any) -> Iterator[tuple[float, Any]]:
        """(timestamp ms, z16 array) for each frame until the recording ends."""
        playback = None
        if self.path is not None:
            playback = pipeline.get_active_profile().get_device().as_playback()
        stopped = self._rs.playback_status.stopped
        waited = 0.0
        seen = False
        while True:
            try:
                ok, frames = pipeline.try_wait_for_frames(POLL_MS)
            except RuntimeError as e:
                raise SourceError(f"depth stream failed: {_one_line(e)}") from e
            if ok:
                waited = 0.0
                seen = True
                depth = frames.get_depth_frame()
                if depth:
                    yield depth.get_timestamp(), np.asanyarray(depth.get_data())
                continue
            waited += POLL_MS / 1000.0
            # "stopped" before the first frame can just mean playback has not begun yet.
            if (
                playback is not None
                and playback.current_status() == stopped
                and (seen or waited >= 1.0)
            ):
                return
            if waited >= self.timeout_s:
                what = f"recording {self.path}" if self.path else "camera"
                raise SourceError(f"no depth frame from {what} for {self.timeout_s:.0f} s")

    def close(self) -> None:
        if self._pipeline is not None:
            pipeline, self._pipeline = self._pipeline, None
            try:
                pipeline.stop()
            except RuntimeError as e:
                logger.debug("pipeline stop: %s", e)
