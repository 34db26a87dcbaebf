"""The `FrameSource` protocol and the frame type every source yields.

A frame carries its own time on the sensor's clock (for a recording, the recording's clock),
so everything downstream is timed by the data, never by the wall clock.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from edge_agent.errors import EdgeError


class SourceError(EdgeError, RuntimeError):
    """A source that cannot be opened or read: missing, corrupt or unsupported input."""


@dataclass(frozen=True, slots=True)
class Intrinsics:
    """Pinhole intrinsics of a depth stream (RealSense depth has no distortion to undo)."""

    width: int
    height: int
    fx: float
    fy: float
    ppx: float
    ppy: float


@dataclass(frozen=True, slots=True)
class DepthFrame:
    """One depth image in metres (0 where the sensor has no reading)."""

    index: int
    t: float
    """Seconds since the Unix epoch, on the sensor or recording clock."""
    depth_m: npt.NDArray[np.float32]
    """(height, width) float32 metres; 0 means no reading."""
    intrinsics: Intrinsics


class FrameSource(Protocol):
    """Anything that yields depth frames in time order."""

    def frames(self) -> Iterator[DepthFrame]: ...

    def close(self) -> None: ...


def pace(origin: tuple[float, float] | None, t: float) -> tuple[float, float]:
    """Sleep until frame time ``t`` is due, relative to (monotonic, frame time) at the start.

    Recorded and simulated sources play "in real time" by their own frame clock, never by
    the wall clock of whoever wrote the file. Returns the origin to pass on next time.
    """
    now = time.monotonic()
    if origin is None:
        return now, t
    due = origin[0] + (t - origin[1])
    if due > now:
        time.sleep(due - now)
    return origin
