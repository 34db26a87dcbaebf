"""Windows and labels from simulated thermal clips, through the edge agent's own perception.

Each clip is replayed through `ThermalPerception` (the same background the device runs), its
excess frames sampled into `WindowSampler` windows every 0.5 s, each window labelled from
the simulator's ground truth at the window's last tick:

- `on_floor`: someone visible down on the floor after a fall (not sitting or exercising on
  the floor on purpose, not getting up);
- `moving`: someone visible walking, turning, falling, getting up or down, or whose position
  moved ≥ 0.3 m in the last second;
- `still`: someone visible and none of the above;
- `empty`: nobody in the array's field of view.

"Visible" projects the person's labelled position through the array's geometry. Someone in
view at the first frame counts from the first frame: the background starts cold and finds
them. Windows ending in the first 2 s of a clip (the first noise figures settling) are
dropped.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from edge_agent.sources.thermal import ThermalRecordingSource
from edge_agent.thermal.config import ThermalConfig
from edge_agent.thermal.geometry import SensorGeometry
from edge_agent.thermal.perception import ThermalPerception
from edge_agent.thermal.window import WindowSampler

LABELS = ("empty", "still", "moving", "on_floor")
WINDOWS_VERSION = 6
"""Bumped whenever windows or labels change, so cached windows are rebuilt."""
SKIP_START_S = 2.0
STRIDE_TICKS = 2
MOVING = frozenset(
    (
        "walking",
        "turning",
        "falling",
        "getting_up",
        "sitting_down",
        "standing_up",
        "sitting_up",
        "lying_down",
        "moving_to_edge",
        "turning_in_bed",
        "picking_up",
    )
)
FALLEN = frozenset(("lying_floor",))
"""The simulator's activity after every fall until getting up. Sitting or exercising on the
floor on purpose is `still` (or `moving`): the model is to tell a fallen body from those."""


@dataclass(frozen=True, slots=True)
class ClipWindows:
    x: npt.NDArray[np.float32]
    """(n, frames, rows, cols) excess °C."""
    y: npt.NDArray[np.int64]
    sensor: str
    seed: int


def to_sensor_frame(meta: dict[str, Any], p: list[float]) -> tuple[float, float, float]:
    pose = meta["pose"]
    px, py, _ = pose["position"]
    yaw = math.radians(pose["yaw_deg"])
    rx, ry = p[0] - px, p[1] - py
    return rx * math.sin(yaw) - ry * math.cos(yaw), rx * math.cos(yaw) + ry * math.sin(yaw), p[2]


def visible(geometry: SensorGeometry, point: tuple[float, float, float]) -> bool:
    rc = geometry.project(point)
    if rc is None:
        return False
    r, c = rc
    return -0.5 <= r <= geometry.height - 0.5 and -0.5 <= c <= geometry.width - 0.5


def frame_label(
    geometry: SensorGeometry,
    meta: dict[str, Any],
    now: dict[str, Any],
    before: dict[str, Any] | None,
    hidden: frozenset[int] = frozenset(),
) -> int:
    """The label of one ground-truth frame (`before`: the frame ~1 s earlier; `hidden`:
    ids of people still part of the learned background)."""
    earlier = {q["id"]: q for q in (before or {}).get("persons", [])}
    best = 0
    for person in now.get("persons", []):
        if not person.get("in_room", True) or person["id"] in hidden:
            continue
        if not visible(geometry, to_sensor_frame(meta, person["position"])):
            continue
        activity = person["activity"]
        if activity in FALLEN:
            label = 3
        else:
            prev = earlier.get(person["id"])
            moved = (
                prev is not None and math.dist(prev["position"][:2], person["position"][:2]) >= 0.3
            )
            label = 2 if activity in MOVING or moved else 1
        best = max(best, label)
    return best


def clip_windows(path: Path, config: ThermalConfig | None = None) -> ClipWindows:
    """Every labelled window of one clip."""
    lines = [json.loads(line) for line in path.with_suffix(".labels.jsonl").open()]
    meta = lines[0]
    frames = [line for line in lines[1:] if "frame" in line]
    source = ThermalRecordingSource(path)
    geometry = SensorGeometry.from_meta(source.meta)
    perception = ThermalPerception(geometry, config or ThermalConfig())
    sampler = WindowSampler(geometry.height, geometry.width)
    fps = source.meta.fps
    lag = max(1, round(fps))
    xs: list[npt.NDArray[np.float32]] = []
    ys: list[int] = []
    ticks = 0
    try:
        for frame in source.frames():
            result = perception.step(frame.temps_c, frame.t)
            if not sampler.push(result.excess, frame.t):
                continue
            ticks += 1
            rel_t = frames[frame.index]["t"]
            if not sampler.full or ticks % STRIDE_TICKS or rel_t < SKIP_START_S:
                continue
            before = frames[frame.index - lag] if frame.index >= lag else None
            xs.append(sampler.window())
            ys.append(frame_label(geometry, meta, frames[frame.index], before))
    finally:
        source.close()
    x = np.stack(xs) if xs else np.zeros((0, 8, 12, 16), dtype=np.float32)
    return ClipWindows(x, np.array(ys, dtype=np.int64), source.meta.sensor, int(meta["seed"]))
