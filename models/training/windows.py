"""Labelled windows from an item's rows, built by the same `TrackBuffers` the device runs.

The rows are replayed frame by frame; at every tick of the device's model rate each ready
track gives one window per task, labelled from the person it matched at the window's end.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from edge_agent.inference.features import DispenserDistance, TrackBuffers, WindowSpec
from models.training.extract import ItemRows, observations_of
from models.training.labels import POSTURES, fall_label, person_speeds, posture_label

TASKS: tuple[str, ...] = ("posture", "fall", "dispenser")

SPECS: dict[str, WindowSpec] = {
    "posture": WindowSpec(
        ("top_m", "centroid_m", "bottom_m", "extent_m", "speed_mps", "vspeed_mps", "top_rel"),
        frames=10,
        fps=5.0,
    ),
    "fall": WindowSpec(
        ("top_m", "centroid_m", "bottom_m", "extent_m", "speed_mps", "vspeed_mps", "top_rel"),
        frames=20,
        fps=5.0,
    ),
    "dispenser": WindowSpec(
        ("top_m", "centroid_m", "extent_m", "speed_mps", "top_rel", "dispenser_m"),
        frames=15,
        fps=5.0,
    ),
}
"""Posture: 2 s (what the body is doing now); fall: 4 s (the descent and the landing);
dispenser: 3 s (standing still at the dispenser while rubbing)."""

LABELS: dict[str, tuple[str, ...]] = {
    "posture": POSTURES,
    "fall": ("not_fall", "fall"),
    "dispenser": ("not_using", "using"),
}
FALL_AFTER_LANDING_S = (0.2, 2.6)
"""A fall window ends this long after the landing: it holds the descent and the first
seconds on the floor, as the device sees them a moment after the fall."""
RATE_HZ = 5.0


@dataclass
class Windows:
    """Windows of one task: inputs, label indices, and the item each came from."""

    x: list[npt.NDArray[np.float32]] = field(default_factory=list)
    y: list[int] = field(default_factory=list)
    item: list[str] = field(default_factory=list)

    def arrays(self, spec: WindowSpec) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        if not self.x:
            return np.zeros((0, spec.frames, len(spec.features)), np.float32), np.zeros(0, np.int64)
        return np.stack(self.x), np.asarray(self.y, dtype=np.int64)

    def extend(self, other: "Windows") -> None:
        self.x += other.x
        self.y += other.y
        self.item += other.item


def item_windows(
    rows: ItemRows, tasks: Sequence[str] = TASKS, rate_hz: float | None = RATE_HZ
) -> dict[str, Windows]:
    """Replay one item's rows and label every window the device would have computed at
    ``rate_hz`` (None: at every frame, three times the windows for training)."""
    out = {task: Windows() for task in tasks}
    data = rows.rows
    if not len(data):
        return out
    t_col, k_col = rows.col("t"), rows.col("label_frame").astype(int)
    pid_col, disp_col = rows.col("person").astype(int), rows.col("dispenser_m")
    frames, events = rows.labels.frames, rows.labels.events
    speeds = person_speeds(frames)
    buffers = TrackBuffers()
    starts = np.flatnonzero(np.r_[True, np.diff(t_col) > 0])
    ends = np.r_[starts[1:], len(t_col)]
    next_tick = -np.inf
    for s, e in zip(starts, ends, strict=True):
        t = float(t_col[s])
        obs = observations_of(data[s:e])
        lookup = {(o.x, o.y): float(d) for o, d in zip(obs, disp_col[s:e], strict=True)}
        seen = buffers.update(t, obs, _distances(lookup))
        if rate_hz is not None:
            if t < next_tick - 1e-3:
                continue
            next_tick = max(next_tick + 1.0 / rate_hz, t + 0.5 / rate_hz)
        who = dict(zip(seen, pid_col[s:e], strict=True))
        k = int(k_col[s])
        persons = {p["id"]: p for p in frames[k]["persons"]} if frames else {}
        for task in tasks:
            ids, x = buffers.windows(t, SPECS[task], seen)
            for track_id, w in zip(ids, x, strict=True):
                pid = int(who[track_id])
                label = _label(
                    task, t, pid, persons=persons, events=events, speed=speeds.get((pid, k), 0.0)
                )
                if label is not None:
                    out[task].x.append(w)
                    out[task].y.append(label)
                    out[task].item.append(rows.item_id)
    return out


def _distances(lookup: dict[tuple[float, float], float]) -> DispenserDistance:
    """The recorded distance of each observation (computed in the simulator's frame)."""

    def distance(x: float, y: float) -> float:
        return lookup[(x, y)]

    return distance


def _label(
    task: str,
    t: float,
    pid: int,
    *,
    persons: dict[int, dict[str, Any]],
    events: Sequence[dict[str, Any]],
    speed: float,
) -> int | None:
    person = persons.get(pid) if pid >= 0 else None
    if task == "posture":
        if person is None:
            return None
        posture = posture_label(person, speed)
        return None if posture is None else POSTURES.index(posture)
    if task == "fall":
        return fall_label(t, pid if pid >= 0 else None, events, FALL_AFTER_LANDING_S)
    if person is None:
        return 0
    return 1 if person.get("activity") == "hand_rub" else 0
