"""Thermal array frames from a recording (docs/thermal-recordings.md), behind `ThermalSource`.

A thermal recording is one `.npz`: `frames` (N, H, W) float32 °C, `t` (N,) float64 seconds
since `meta.start_time`, and `meta`, a JSON string describing the sensor and its mount. The
whole file is checked when the source is opened, so a bad file fails at start-up with one
clear line, not halfway through a replay. Real arrays glitch: a frame whose time is not finite,
does not move forward, or jumps far away and back (a corrupt read) is skipped and counted
(`dropped`, logged once); a file where most times are unusable is refused. Frame times are the
recording clock (seconds since the Unix epoch), never the wall clock; `real_time=True` paces
delivery by those times, and `loop=True` replays with times shifted by the recording's length
so time keeps moving forward.
"""

import json
import logging
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from edge_agent.sources.base import SourceError

logger = logging.getLogger(__name__)

MOUNTS = ("ceiling", "wall")


@dataclass(frozen=True, slots=True)
class ThermalMeta:
    """What a thermal recording says about its sensor and mount."""

    sensor: str
    width: int
    height: int
    fov_deg: tuple[float, float]
    mount: str
    height_m: float
    tilt_deg: float
    fps: float
    start_time: datetime
    extra: dict[str, Any]
    """Every other key of the recording's meta, as written."""


@dataclass(frozen=True, slots=True)
class ThermalFrame:
    """One thermal image in °C."""

    index: int
    t: float
    """Seconds since the Unix epoch, on the recording clock."""
    temps_c: npt.NDArray[np.float32]
    """(height, width) float32 °C."""
    meta: ThermalMeta


class ThermalSource(Protocol):
    """Anything that yields thermal frames in time order."""

    def frames(self) -> Iterator[ThermalFrame]: ...

    def close(self) -> None: ...


class ThermalRecordingSource:
    """Frames of a thermal `.npz` recording, in time order."""

    def __init__(
        self,
        path: Path,
        *,
        real_time: bool = False,
        loop: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.real_time = real_time
        self.loop = loop
        self._sleep = sleep
        self._monotonic = monotonic
        self._frames, t, self.meta = load_recording(path)
        self._keep = usable_times(t)
        self._t = t[self._keep]
        self.dropped = len(t) - len(self._t)
        """Frames skipped for an unusable time stamp."""
        if len(t) and len(self._t) * 2 < len(t):
            raise SourceError(
                f"{path}: frame times t are mostly unusable ({self.dropped} of {len(t)} not "
                "finite, out of order or far off)"
            )
        if self.dropped:
            logger.warning(
                "%s: %d of %d frames skipped: time stamp not finite, out of order or far off",
                path.name,
                self.dropped,
                len(t),
            )
        self._closed = False

    def frames(self) -> Iterator[ThermalFrame]:
        start = self.meta.start_time.timestamp()
        n = len(self._t)
        span = float(self._t[-1] - self._t[0]) + 1.0 / self.meta.fps if n else 0.0
        index, shift = 0, 0.0
        first: tuple[float, float] | None = None  # (recording t, monotonic) of the first frame
        while not self._closed:
            for i in range(n):
                if self._closed:
                    return
                t = start + float(self._t[i]) + shift
                if self.real_time:
                    if first is None:
                        first = (t, self._monotonic())
                    wait = (t - first[0]) - (self._monotonic() - first[1])
                    if wait > 0:
                        self._sleep(wait)
                temps = np.array(self._frames[self._keep[i]], dtype=np.float32)  # a copy
                yield ThermalFrame(index, t, temps, self.meta)
                index += 1
            if not self.loop or n == 0:
                return
            shift += span

    def close(self) -> None:
        self._closed = True


def load_recording(
    path: Path,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64], ThermalMeta]:
    """Frames, times and meta of a thermal recording; `SourceError` on anything malformed."""
    if not path.is_file():
        raise SourceError(f"thermal recording not found: {path}")
    try:
        # Our own handle: np.load leaks its file when a truncated zip fails to open.
        with path.open("rb") as f:
            data = np.load(f, allow_pickle=False)
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise SourceError(f"not a thermal recording (.npz) {path}: a bare .npy array")
            missing = [k for k in ("frames", "t", "meta") if k not in data.files]
            if missing:
                raise SourceError(f"thermal recording {path} lacks {', '.join(missing)}")
            t, meta_raw = data["t"], data["meta"]
            mapped = _mapped_frames(path)
            frames = data["frames"] if mapped is None else mapped
    except SourceError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, zlib.error) as e:
        raise SourceError(f"not a thermal recording (.npz) {path}: {_one_line(e)}") from e
    meta = _parse_meta(path, meta_raw)
    if frames.dtype != np.float32 or frames.ndim != 3:
        raise SourceError(
            f"{path}: frames must be (N, H, W) float32, got {frames.shape} {frames.dtype}"
        )
    if frames.shape[1:] != (meta.height, meta.width):
        raise SourceError(
            f"{path}: frames are {frames.shape[2]}x{frames.shape[1]} but meta says "
            f"{meta.width}x{meta.height}"
        )
    if t.dtype != np.float64 or t.shape != (frames.shape[0],):
        raise SourceError(
            f"{path}: t must be ({frames.shape[0]},) float64, got {t.shape} {t.dtype}"
        )
    return frames, t, meta


def usable_times(t: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Indices of the frames whose time can be used, in order.

    A time is usable when it is finite, later than the last usable one, and not a lone jump:
    a step of more than `max(10 s, 100 frame periods)` counts only if the next frame goes on
    from there (a recording that paused), not if it comes back (a corrupt read).
    """
    n = len(t)
    steps = np.diff(t)
    if np.all(np.isfinite(t)) and np.all(steps > 0):
        period = float(np.median(steps)) if n > 1 else 0.0
        if n < 2 or float(steps.max()) <= max(10.0, 100.0 * period):
            return np.arange(n, dtype=np.int64)  # the usual case, checked at numpy speed
    index = np.flatnonzero(np.isfinite(t))
    times = t[index]
    forward = np.diff(times)
    forward = forward[forward > 0]
    max_jump = max(10.0, 100.0 * float(np.median(forward))) if forward.size else 10.0
    kept: list[int] = []
    last = -np.inf
    for j, ti in enumerate(times.tolist()):
        if ti <= last:
            continue
        jump = not kept or ti - last > max_jump
        if jump and j + 1 < len(times) and not (ti < times[j + 1] <= ti + max_jump):
            continue  # nothing goes on from here: a lone bad stamp
        kept.append(int(index[j]))
        last = ti
    return np.asarray(kept, dtype=np.int64)


def _mapped_frames(path: Path) -> npt.NDArray[Any] | None:
    """`frames` memory-mapped when stored uncompressed (as the simulator writes it), so an
    hour-long Lepton recording is not read into memory at open; None if it cannot be."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("frames.npy")
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    with path.open("rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        if local[:4] != b"PK\x03\x04":
            return None
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        f.seek(info.header_offset + 30 + name_len + extra_len)
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            return None
        offset = f.tell()
    if fortran or dtype.hasobject or 0 in shape:
        return None
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)


def _parse_meta(path: Path, raw: npt.NDArray[Any]) -> ThermalMeta:
    try:
        if raw.shape != () or raw.dtype.kind != "U":
            raise ValueError("meta must be one JSON string")
        values = json.loads(str(raw))
        if not isinstance(values, dict):
            raise ValueError("meta must be a JSON object")
        fov = values["fov_deg"]
        if not (isinstance(fov, list) and len(fov) == 2):
            raise ValueError("fov_deg must be [horizontal, vertical]")
        start = datetime.fromisoformat(str(values["start_time"]).replace("Z", "+00:00"))
        if start.tzinfo is None:
            raise ValueError("start_time needs a UTC offset")
        meta = ThermalMeta(
            sensor=str(values["sensor"]),
            width=int(values["width"]),
            height=int(values["height"]),
            fov_deg=(float(fov[0]), float(fov[1])),
            mount=str(values["mount"]),
            height_m=float(values["height_m"]),
            tilt_deg=float(values["tilt_deg"]),
            fps=float(values["fps"]),
            start_time=start,
            extra={k: v for k, v in values.items() if k not in _META_KEYS},
        )
    except KeyError as e:
        raise SourceError(f"{path}: meta lacks {e.args[0]!r}") from e
    except (ValueError, TypeError) as e:
        raise SourceError(f"{path}: bad meta: {_one_line(e)}") from e
    if meta.mount not in MOUNTS:
        raise SourceError(f"{path}: bad meta: mount must be ceiling or wall, not {meta.mount!r}")
    if meta.width <= 0 or meta.height <= 0 or meta.fps <= 0:
        raise SourceError(f"{path}: bad meta: width, height and fps must be positive")
    return meta


_META_KEYS = frozenset(
    ("sensor", "width", "height", "fov_deg", "mount", "height_m", "tilt_deg", "fps", "start_time")
)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
