"""What the evaluation needs from a dataset item: its ground truth, zones and subgroups.

Zones: a device is set up by an installer who draws the beds and chairs once; here the
simulated room's bed and seat outlines are put into the pipeline's room frame (origin on the
floor below the camera, y along the camera's view) from the camera pose in the labels.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from models.evaluate.events import label_events

HEIGHT_BINS = ((1.60, "<1.60 m"), (1.75, "1.60-1.75 m"), (1.90, "1.75-1.90 m"), (9.0, ">=1.90 m"))
DISTANCE_BINS = ((2.5, "<2.5 m"), (3.5, "2.5-3.5 m"), (99.0, ">=3.5 m"))
VISIBLE_BINS = ((500, "<500 px (occluded)"), (2000, "500-2000 px"), (10**9, ">=2000 px"))
"""Visible body pixels, scaled to a 320×240 image so resolutions compare."""
OCCLUSION_DELAY_S = 1.5
"""Visibility is read this long after landing: the body as the detector sees it on the floor."""


@dataclass(frozen=True, slots=True)
class Truth:
    """One clip's or day's labels on its own clock."""

    id: str
    kind: str
    """clip, day or thermal."""
    meta: dict[str, Any]
    events: list[dict[str, Any]]
    frames: list[dict[str, Any]]
    start_s: float
    """Recording clock at t = 0 (Unix seconds)."""
    duration_s: float

    @property
    def has_fall(self) -> bool:
        return any(e.get("event") == "fall" for e in self.events)


def truth_from_labels(
    item_id: str,
    *,
    kind: str,
    meta: dict[str, Any],
    lines: Sequence[dict[str, Any]],
    frames: Sequence[dict[str, Any]],
    hours: float | None = None,
) -> Truth:
    """Ground truth, cut to the first `hours` when only part of a day was run."""
    start_s = start_of(meta)
    duration = float(meta.get("duration_s", 0.0))
    events = label_events(list(lines))
    if hours is not None and hours * 3600.0 < duration:
        duration = hours * 3600.0
        events = [e for e in events if _last_time(e) < duration]
    return Truth(item_id, kind, dict(meta), events, list(frames), start_s, duration)


def start_of(meta: dict[str, Any]) -> float:
    """The recording clock at t = 0 (Unix seconds) from a labels meta line."""
    if "start_time_ms" in meta:
        return float(meta["start_time_ms"]) / 1000.0
    text = str(meta.get("start_time", "1970-01-01T00:00:00Z")).replace("Z", "+00:00")
    return datetime.fromisoformat(text).timestamp()


TIME_KEYS = ("onset", "t", "landing", "lie_end", "edge", "stand_onset", "exit", "end")


def _last_time(event: dict[str, Any]) -> float:
    """When a labelled event is over: only events the run saw whole are scored."""
    times = [float(event[k]) for k in TIME_KEYS if isinstance(event.get(k), int | float)]
    return max(times, default=0.0)


def _bin(value: float, bins: Sequence[tuple[float, str]]) -> str:
    for edge, name in bins:
        if value < edge:
            return name
    return bins[-1][1]


def height_bin(height_m: float) -> str:
    return _bin(height_m, HEIGHT_BINS)


def distance_bin(distance_m: float) -> str:
    return _bin(distance_m, DISTANCE_BINS)


def visible_bin(pixels: float) -> str:
    return _bin(pixels, VISIBLE_BINS)


def people_bin(count: int) -> str:
    return str(count) if count < 3 else "3+"


def _camera(meta: dict[str, Any]) -> tuple[list[float], list[list[float]]] | None:
    pose = (meta.get("camera") or {}).get("pose")
    if not pose:
        return None
    return list(pose["position"]), pose["rotation_cam_to_world"]


def _person(meta: dict[str, Any], person_id: int | None) -> dict[str, Any] | None:
    persons = meta.get("persons") or []
    for p in persons:
        if person_id is None or p.get("id") == person_id:
            return dict(p)
    return None


def _frame_at(frames: Sequence[dict[str, Any]], t: float) -> dict[str, Any] | None:
    if not frames:
        return None
    return min(frames, key=lambda f: abs(float(f.get("t", 0.0)) - t))


def common_groups(truth: Truth, item: dict[str, Any] | None = None) -> dict[str, str]:
    """Subgroups of a whole clip: sensor, mount, room, cast."""
    meta = truth.meta
    room = meta.get("room") or {}
    scenario = (item or {}).get("scenario") or {}
    mount = scenario.get("mount", {}).get("kind") if scenario.get("mount") else room.get("mount")
    people = int(scenario.get("people") or len(meta.get("persons") or []) or 1)
    groups = {
        "room": str(room.get("kind") or scenario.get("room") or "unknown"),
        "mount": str(mount or "unknown"),
        "resolution": f"{meta.get('width', '?')}x{meta.get('height', '?')}",
        "fps": str(meta.get("fps", "?")),
        "people": people_bin(people),
    }
    first = _person(meta, None)
    if first and "height_m" in first:
        groups["height"] = height_bin(float(first["height_m"]))
    return groups


def fall_groups(
    truth: Truth, fall: dict[str, Any], item: dict[str, Any] | None = None
) -> dict[str, str]:
    """Subgroups of one labelled fall: the clip's, plus the faller's height, the fall kind,
    the camera distance and how much of the body the camera sees on the floor."""
    groups = common_groups(truth, item)
    person_id = fall.get("person")
    person = _person(truth.meta, int(person_id) if person_id is not None else None)
    if person and "height_m" in person:
        groups["height"] = height_bin(float(person["height_m"]))
    groups["fall kind"] = str(fall.get("kind", "unknown"))
    frame = _frame_at(truth.frames, float(fall["landing"]) + OCCLUSION_DELAY_S)
    camera = _camera(truth.meta)
    if frame is not None:
        seen = [p for p in frame.get("persons", []) if p.get("id") == person_id]
        if seen and camera is not None:
            pos = seen[0]["position"]
            groups["distance"] = distance_bin(math.dist(pos, camera[0]))
        if seen and "visible_px" in seen[0]:
            scale = (320 * 240) / max(
                1, int(truth.meta.get("width", 320)) * int(truth.meta.get("height", 240))
            )
            groups["occlusion"] = visible_bin(float(seen[0]["visible_px"]) * scale)
        elif not seen:
            groups["occlusion"] = "out of view"
    return groups


def room_frame(meta: dict[str, Any]) -> Callable[[float, float], tuple[float, float]] | None:
    """World floor (x, y) → the pipeline's room frame (origin on the floor below the camera,
    y along the camera's view), from the camera pose in a labels meta line; None without one."""
    camera = _camera(meta)
    if camera is None:
        return None
    (cx, cy, _), rot = camera
    right = (rot[0][0], rot[1][0])
    norm = math.hypot(rot[0][2], rot[1][2]) or 1.0
    ahead = (rot[0][2] / norm, rot[1][2] / norm)
    if math.hypot(*ahead) < 1e-6:  # pragma: no cover - a camera looking exactly down
        ahead = (-rot[0][1], -rot[1][1])

    def to_room(x: float, y: float) -> tuple[float, float]:
        return (
            (x - cx) * right[0] + (y - cy) * right[1],
            (x - cx) * ahead[0] + (y - cy) * ahead[1],
        )

    return to_room


def room_frame_zones(meta: dict[str, Any]) -> dict[str, Any]:
    """`ZonesConfig` fields (as plain data): the simulated room's beds, seats, door,
    dispensers and bathroom door, as an installer would draw them."""
    room = meta.get("room") or {}
    # Newer rooms name their zones; the compact ones only list furniture boxes.
    zones = room.get("zones") or {
        name.removesuffix("_seat"): box
        for name, box in (room.get("furniture") or {}).items()
        if name in ("bed", "chair_seat", "sofa_seat")
    }
    to_room = room_frame(meta)
    if to_room is None:
        return {}

    def outline(box: dict[str, Any]) -> list[list[float]]:
        (x0, y0), (x1, y1) = box["lo"][:2], box["hi"][:2]
        corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        return [[round(c, 3) for c in to_room(x, y)] for x, y in corners]

    named = sorted(zones.items())
    return {
        "beds": [
            {"id": f"bed-{i + 1}", "polygon": outline(box), "fall_risk": True}
            for i, (name, box) in enumerate(named)
            if name == "bed" or name.startswith("bed_")
        ],
        "chairs": [
            {"id": f"seat-{i + 1}", "polygon": outline(box)}
            for i, (name, box) in enumerate(named)
            if name.startswith(("chair", "sofa"))
        ],
        "doors": [
            {"id": f"door-{i + 1}", "polygon": outline(box)}
            for i, (name, box) in enumerate(named)
            if name == "door"
        ],
        "dispensers": [
            {
                "id": f"dispenser-{i + 1}",
                "polygon": outline(box),
                "where": "outside" if box.get("where") == "outside" else "inside",
            }
            for i, (name, box) in enumerate(named)
            if name.startswith("dispenser")
        ],
        "bathrooms": [
            {"id": f"bathroom-{i + 1}", "polygon": outline(box)}
            for i, (name, box) in enumerate(named)
            if name == "bathroom_door"
        ],
    }


def read_manifest_items(manifest: dict[str, Any], split: str) -> list[dict[str, Any]]:
    return [i for i in manifest.get("items", []) if i.get("split") == split]


def labels_of(root: Path, item: dict[str, Any]) -> Path:
    return root / str(item["labels"])


ROOM_TEMP_BINS = ((21.0, "<21 C"), (24.0, "21-24 C"), (26.0, "24-26 C"), (99.0, ">=26 C"))
"""Room temperature: the warmer the room, the less a body stands out to a thermal array."""


def thermal_groups(truth: Truth) -> dict[str, str]:
    """Subgroups of a thermal clip: the array, how it hangs, the room's temperature."""
    meta = truth.meta
    groups = {
        "sensor": str(meta.get("sensor", "unknown")),
        "mount": str(meta.get("mount", "unknown")),
        "people": people_bin(len(meta.get("persons") or []) or 1),
    }
    if meta.get("room_temp_c") is not None:
        groups["room temperature"] = _bin(float(meta["room_temp_c"]), ROOM_TEMP_BINS)
    return groups
