"""Write one dataset item: a clip as RealSense recording + labels, a day as spec + labels.

Labels use the `simulators.recording` format (JSON lines: a ``meta`` line, per-frame lines,
event lines) so `read_labels` reads them; the meta line also carries the item's spec and a
scenario summary, which is all the manifest needs. A day has no per-frame lines (hours of
them would be tens of MB); it lists each person's activity segments instead, lines with
``"type": "segment"``. Every file is written under a temporary name and renamed, labels
before the recording, so a file with its final name is complete.
"""

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulators.dataset.frames import camera_for, frame_count, noise_rng, render
from simulators.dataset.plan import Part, parts, people
from simulators.dataset.spec import ItemSpec
from simulators.noise import DEPTH_UNIT_M, DepthNoise

CLIPS = "clips"
DAYS = "days"


def item_paths(out_dir: Path, spec: ItemSpec) -> tuple[Path, Path]:
    """(data file, labels file) of an item: a .db3 for a clip, a .spec.json for a day."""
    if spec.kind == "clip":
        return out_dir / CLIPS / f"{spec.id}.db3", out_dir / CLIPS / f"{spec.id}.labels.jsonl"
    return out_dir / DAYS / f"{spec.id}.spec.json", out_dir / DAYS / f"{spec.id}.labels.jsonl"


def read_meta(labels: Path) -> dict[str, Any] | None:
    """The meta line of a labels file, or None if it is missing or unreadable."""
    try:
        with labels.open() as f:
            meta = json.loads(f.readline())
    except (OSError, json.JSONDecodeError):
        return None
    return meta if isinstance(meta, dict) and meta.get("type") == "meta" else None


def is_complete(out_dir: Path, spec: ItemSpec) -> bool:
    """Both files exist under their final names and were written for this very spec."""
    data, labels = item_paths(out_dir, spec)
    if not data.exists():
        return False
    meta = read_meta(labels)
    return meta is not None and meta.get("item") == spec.to_json()


def write_item(out_dir: Path, spec: ItemSpec) -> str:
    """Render/write the item; returns its id (the worker function of the dataset pool)."""
    data, labels = item_paths(out_dir, spec)
    data.parent.mkdir(parents=True, exist_ok=True)
    tag = f".{spec.id}.{os.getpid()}.tmp"
    tmp_data = data.with_name(tag + "".join(data.suffixes))
    tmp_labels = data.with_name(tag + ".labels.jsonl")
    try:
        if spec.kind == "clip":
            _write_clip(spec, tmp_data, tmp_labels)
        else:
            _write_day(spec, tmp_data, tmp_labels)
        tmp_labels.replace(labels)
        tmp_data.replace(data)
    finally:
        tmp_data.unlink(missing_ok=True)
        tmp_labels.unlink(missing_ok=True)
    return spec.id


def _write_clip(spec: ItemSpec, rec_path: Path, labels_path: Path) -> None:
    from simulators.recording import RecordingWriter

    plan = parts(spec)
    camera = camera_for(plan[0].scenario.room, spec.width, spec.height)
    frames = render(
        plan,
        width=spec.width,
        height=spec.height,
        fps=spec.fps,
        rng=noise_rng(spec.seed, spec.id),
        start_ms=spec.start_ms,
    )
    with RecordingWriter(rec_path, camera, spec.fps) as writer, labels_path.open("w") as out:
        out.write(json.dumps(meta(spec, plan)) + "\n")
        for frame in frames:
            writer.write(frame.depth_mm, frame.ts_ms)
            line = {
                "frame": frame.index,
                "t": round(frame.t, 4),
                "ts_ms": round(frame.ts_ms, 3),
                "persons": frame.persons,
            }
            out.write(json.dumps(line) + "\n")
        for event in events(plan):
            out.write(json.dumps(event) + "\n")


def _write_day(spec: ItemSpec, spec_path: Path, labels_path: Path) -> None:
    plan = parts(spec)
    spec.write(spec_path)
    with labels_path.open("w") as out:
        out.write(json.dumps(meta(spec, plan)) + "\n")
        for part in plan:
            end = part.offset_s + part.duration_s
            for person in people(part.scenario):
                for seg in person.script.segments:
                    start = part.offset_s + seg.start
                    if start >= end:
                        break
                    line = {
                        "type": "segment",
                        "person": person.id,
                        "role": person.role,
                        "start": round(start, 3),
                        "end": round(min(end, start + seg.duration), 3),
                        "activity": seg.activity,
                        "posture": str(seg.posture),
                        "support": str(seg.support),
                    }
                    out.write(json.dumps(line) + "\n")
        for event in events(plan):
            out.write(json.dumps(event) + "\n")


def events(plan: Sequence[Part]) -> list[dict[str, Any]]:
    """Scenario events on the item's clock: every float field of an event is a time (s)."""
    out = []
    for part in plan:
        for event in part.scenario.events:
            out.append(
                {
                    k: (round(v + part.offset_s, 3) if isinstance(v, float) else v)
                    for k, v in event.items()
                }
            )
    return out


def summary(spec: ItemSpec, plan: Sequence[Part]) -> dict[str, Any]:
    """What the manifest says about an item's scenario."""
    room = plan[0].scenario.room
    mount = room.camera
    everyone = [p for part in plan for p in people(part.scenario)]
    return {
        "room": room.kind,
        "room_size_m": list(room.size),
        "mount": {
            "position_m": list(mount.position),
            "yaw_deg": mount.yaw_deg,
            "pitch_deg": mount.pitch_deg,
        },
        "resolution": [spec.width, spec.height],
        "fps": spec.fps,
        "people": max((len(people(part.scenario)) for part in plan), default=0),
        "roles": sorted({p.role for p in everyone}),
        "scenarios": sorted({part.name for part in plan}),
        "fall": any(e.get("event") == "fall" for part in plan for e in part.scenario.events),
        "events": events(plan) if spec.kind == "clip" else _counts(events(plan)),
    }


def _counts(items: list[dict[str, Any]]) -> dict[str, int]:
    """A day's events as counts per kind (hours of them would swamp the manifest)."""
    out: dict[str, int] = {}
    for item in items:
        name = str(item.get("event"))
        out[name] = out.get(name, 0) + 1
    return dict(sorted(out.items()))


def meta(spec: ItemSpec, plan: Sequence[Part]) -> dict[str, Any]:
    noise = DepthNoise()
    camera = camera_for(plan[0].scenario.room, spec.width, spec.height)
    duration = sum(p.duration_s for p in plan)
    return {
        "type": "meta",
        "simulator_version": spec.simulator_version,
        "scenario": plan[0].name if len(plan) == 1 else "day",
        "description": plan[0].scenario.description if len(plan) == 1 else "normal activity",
        "seed": spec.seed,
        "fps": spec.fps,
        "width": spec.width,
        "height": spec.height,
        "frames": frame_count(plan, spec.fps),
        "duration_s": round(duration, 3),
        "start_time": spec.start_time,
        "start_time_ms": spec.start_ms,
        "depth_unit_m": DEPTH_UNIT_M,
        "camera": camera.meta(),
        "room": plan[0].scenario.room.meta(),
        "noise": {
            "model": "sigma = subpixel * z^2 / (fx * baseline)",
            "subpixel": noise.subpixel,
            "baseline_m": noise.baseline_m,
            "dropout": noise.dropout,
            "range_m": [noise.min_z, noise.max_z],
        },
        "time_fields": "t, start, end and event times: seconds from start; ts_ms: recording "
        "clock, Unix ms (= frame timestamp in the recording)",
        "item": spec.to_json(),
        "summary": summary(spec, plan),
    }
