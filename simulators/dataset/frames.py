"""Noisy depth frames of a scenario rendered on the fly, as a recording of it would hold them.

`simulators.recording.record` writes clips; this is the same loop without the file, for
sources that play hours (`simulators.source.SimulatedSource`): same renderer, noise
model and seeding (`noise_rng`), intrinsics, frame times (``index / fps``) and timestamps
(``start_ms + t · 1000``). A unit test holds the two to the same frames.
"""

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simulators.camera import CameraModel
from simulators.noise import DepthNoise
from simulators.render import DepthRenderer
from simulators.rooms import Room
from simulators.scenarios import Scenario


@dataclass(frozen=True, slots=True)
class SimFrame:
    index: int
    t: float
    """Seconds from the start of the scenario."""
    ts_ms: float
    """Recording clock, Unix milliseconds (the frame timestamp in a recording)."""
    depth_mm: npt.NDArray[np.uint16]
    persons: list[dict[str, Any]]
    """Per-person labels as a recording's labels file has them (empty unless asked for)."""


def noise_rng(seed: int, scenario: Scenario) -> np.random.Generator:
    """The sensor-noise stream of a recording of `scenario` with `seed` (`record`'s rule)."""
    return np.random.default_rng([seed, zlib.crc32(scenario.name.encode())])


def camera_for(room: Room, width: int, height: int) -> CameraModel:
    return CameraModel.d435(room.camera, width, height)


def frame_count(duration_s: float, fps: int) -> int:
    return round(duration_s * fps)


def render(
    scenario: Scenario,
    *,
    duration_s: float,
    width: int,
    height: int,
    fps: int,
    rng: np.random.Generator,
    start_ms: float,
    labels: bool = False,
) -> Iterator[SimFrame]:
    """Frames at t = index / fps for `duration_s` seconds of the scenario."""
    from simulators.recording import frame_person

    noise = DepthNoise()
    camera = camera_for(scenario.room, width, height)
    renderer = DepthRenderer(camera, scenario.room)
    for index in range(frame_count(duration_s, fps)):
        t = index / fps
        states = scenario.at(t)
        out = renderer.render_surfaces(
            [state.capsules for state in states], [state.materials for state in states]
        )
        depth, visible = out.depth, out.visible
        depth_mm = noise.apply(depth, camera.fx, rng, out.surfaces)
        persons = (
            [frame_person(s, n) for s, n in zip(states, visible, strict=True)] if labels else []
        )
        yield SimFrame(index, t, start_ms + t * 1000.0, depth_mm, persons)
