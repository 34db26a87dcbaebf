"""Noisy depth frames of a spec or scenario, with per-frame ground truth: one render loop.

Recordings of dataset items and the edge's `SimulatedSource` both draw their frames from
here, so a day replayed on the fly and a clip read from its file see the same renderer, noise
model, intrinsics and timestamps. For a bare scenario the noise stream is seeded exactly as
`simulators.recording.record_scenario` seeds it, so the two agree frame for frame.
"""

import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simulators import body
from simulators.camera import CameraModel
from simulators.dataset.plan import Part, states
from simulators.noise import DepthNoise
from simulators.render import DepthRenderer
from simulators.rooms import Room
from simulators.scenarios import Scenario


@dataclass(frozen=True, slots=True)
class SimFrame:
    index: int
    t: float
    """Seconds from the start of the item."""
    ts_ms: float
    """Recording clock, Unix milliseconds (the frame timestamp in a recording)."""
    depth_mm: npt.NDArray[np.uint16]
    persons: list[dict[str, Any]]
    """Ground truth per person (empty unless labels were asked for)."""


def noise_rng(seed: int, name: str) -> np.random.Generator:
    """The sensor-noise stream of a recording (the rule `record_scenario` uses)."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def camera_for(room: Room, width: int, height: int) -> CameraModel:
    return CameraModel.d435(room.camera, width, height)


def frame_count(parts: Sequence[Part], fps: int) -> int:
    return round(sum(p.duration_s for p in parts) * fps)


def whole(scenario: Scenario) -> list[Part]:
    """A scenario as a single part, played from start to end."""
    return [Part(scenario, 0.0, scenario.duration, scenario.name)]


def render(
    parts: Sequence[Part],
    *,
    width: int,
    height: int,
    fps: int,
    rng: np.random.Generator,
    start_ms: float,
    labels: bool = True,
    noise: DepthNoise | None = None,
) -> Iterator[SimFrame]:
    """Frames at t = index / fps, each part rendered in its own room and pose timeline."""
    noise = noise or DepthNoise()
    renderer: DepthRenderer | None = None
    room: Room | None = None
    part_index = 0
    for index in range(frame_count(parts, fps)):
        t = index / fps
        while part_index + 1 < len(parts) and t >= parts[part_index + 1].offset_s:
            part_index += 1
        part = parts[part_index]
        if renderer is None or part.scenario.room != room:
            room = part.scenario.room
            camera = camera_for(room, width, height)
            renderer = DepthRenderer(camera, room)
        now = states(part.scenario, t - part.offset_s)
        depth, visible = renderer.render([state.capsules for state in now])
        depth_mm = noise.apply(depth, renderer.camera.fx, rng)
        persons: list[dict[str, Any]] = []
        if labels:
            for state, seen in zip(now, visible, strict=True):
                pose, segment, person = state.pose, state.segment, state.person
                persons.append(
                    {
                        "id": person.id,
                        "role": person.role,
                        "activity": segment.activity,
                        "posture": str(segment.posture),
                        "support": str(segment.support),
                        "position": [round(pose.x, 3), round(pose.y, 3), round(pose.z, 3)],
                        "yaw_deg": round(np.degrees(pose.yaw) % 360.0, 1),
                        "head_height_m": round(body.head_top(pose, person.height), 3),
                        "visible_px": seen,
                    }
                )
        yield SimFrame(index, t, start_ms + t * 1000.0, depth_mm, persons)
