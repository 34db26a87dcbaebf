"""Write one dataset item: a clip as RealSense or thermal recording + labels, a day as spec +
labels.

A clip goes through `simulators.recording.record` (depth) or
`simulators.thermal.recording.record_thermal` (thermal), so it is exactly what ``ambient sim
record`` / ``ambient sim thermal`` would write; its labels' meta line carries the item spec
and a scenario summary
under ``generator`` (``dataset_item``, ``dataset_summary``), which is all the manifest and a
resumed build need. A day is hours long: it is stored as its spec (``*.spec.json``) and a
labels file in the same JSON-lines format, but without per-frame lines (hours of them would
be tens of MB): each person's activity segments instead, lines with ``"type": "segment"``,
then the events. Every file is written under a temporary name and renamed.
"""

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from simulators.dataset.frames import camera_for, frame_count
from simulators.dataset.plan import duration, scenario_for
from simulators.dataset.spec import ItemSpec, ThermalSpec
from simulators.noise import DEPTH_UNIT_M
from simulators.scenarios import Scenario

CLIPS = "clips"
DAYS = "days"


def item_paths(out_dir: Path, spec: ItemSpec) -> tuple[Path, Path]:
    """(data file, labels file) of an item: a .db3 for a clip, a .spec.json for a day."""
    if spec.kind == "clip":
        suffix = ".npz" if spec.thermal is not None else ".db3"
        return out_dir / CLIPS / f"{spec.id}{suffix}", out_dir / CLIPS / f"{spec.id}.labels.jsonl"
    return out_dir / DAYS / f"{spec.id}.spec.json", out_dir / DAYS / f"{spec.id}.labels.jsonl"


def read_meta(labels: Path) -> dict[str, Any] | None:
    """The meta line of a labels file, or None if it is missing or unreadable."""
    try:
        with labels.open() as f:
            meta = json.loads(f.readline())
    except (OSError, json.JSONDecodeError):
        return None
    return meta if isinstance(meta, dict) and meta.get("type") == "meta" else None


def dataset_fields(meta: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(item spec JSON, scenario summary) from a labels meta line."""
    generator = meta.get("generator")
    if not isinstance(generator, dict):
        return None, None
    return generator.get("dataset_item"), generator.get("dataset_summary")


def is_complete(out_dir: Path, spec: ItemSpec) -> bool:
    """Both files exist under their final names and were written for this very spec."""
    data, labels = item_paths(out_dir, spec)
    meta = read_meta(labels)
    return data.exists() and meta is not None and dataset_fields(meta)[0] == spec.to_json()


def write_item(out_dir: Path, spec: ItemSpec) -> str:
    """Render/write the item; returns its id (the worker function of the dataset pool)."""
    data, labels = item_paths(out_dir, spec)
    data.parent.mkdir(parents=True, exist_ok=True)
    scenario = scenario_for(spec)
    extra = {"dataset_item": spec.to_json(), "dataset_summary": summary(spec, scenario)}
    scenario = dataclasses.replace(scenario, meta={**scenario.meta, **extra})
    if spec.thermal is not None:
        _write_thermal(spec, spec.thermal, scenario, data)
        return spec.id
    if spec.kind == "clip":
        from simulators.recording import record

        record(
            scenario,
            data,
            seed=spec.seed,
            fps=spec.fps,
            width=spec.width,
            height=spec.height,
            start_time=spec.start,
            max_seconds=spec.duration_s,
        )
        return spec.id
    tag = f".{spec.id}.{os.getpid()}.tmp"
    tmp_spec, tmp_labels = data.with_name(tag + ".spec.json"), data.with_name(tag + ".jsonl")
    try:
        spec.write(tmp_spec)
        _write_day_labels(spec, scenario, tmp_labels)
        tmp_labels.replace(labels)
        tmp_spec.replace(data)
    finally:
        tmp_spec.unlink(missing_ok=True)
        tmp_labels.unlink(missing_ok=True)
    return spec.id


def _write_thermal(spec: ItemSpec, thermal: ThermalSpec, scenario: Scenario, out: Path) -> None:
    """A thermal clip through `record_thermal`, exactly what `ambient sim thermal` writes."""
    from simulators.thermal.recording import record_thermal

    record_thermal(
        scenario,
        out,
        sensor=thermal.sensor,
        seed=spec.seed,
        mount="wall" if thermal.mount == "wall" else "ceiling",
        height_m=thermal.height_m,
        tilt_deg=thermal.tilt_deg,
        room_temp_c=thermal.room_temp_c,
        start_time=spec.start,
        fps=thermal.fps,
        max_seconds=spec.duration_s,
        powered_for_s=thermal.powered_for_s,
    )


def _write_day_labels(spec: ItemSpec, scenario: Scenario, path: Path) -> None:
    end = duration(spec, scenario)
    with path.open("w") as out:
        out.write(json.dumps(day_meta(spec, scenario)) + "\n")
        for person in scenario.people:
            for seg in person.script.segments:
                if seg.start >= end:
                    break
                line = {
                    "type": "segment",
                    "person": person.id,
                    "role": person.role,
                    "start": round(seg.start, 3),
                    "end": round(min(end, seg.start + seg.duration), 3),
                    "activity": seg.activity,
                    "posture": str(seg.posture),
                    "support": str(seg.support),
                }
                out.write(json.dumps(line) + "\n")
        for event in _events(scenario):
            out.write(json.dumps(event) + "\n")


def _events(scenario: Scenario) -> list[dict[str, Any]]:
    return [
        {k: (round(v, 3) if isinstance(v, float) else v) for k, v in event.items()}
        for event in scenario.events
    ]


def _mount(spec: ItemSpec, scenario: Scenario) -> dict[str, Any]:
    """Where the sensor hangs: the depth camera's pose, or the thermal array's mount."""
    if spec.thermal is not None:
        t = spec.thermal
        return {
            "kind": t.mount,
            "sensor": t.sensor,
            "height_m": t.height_m,
            "tilt_deg": t.tilt_deg,
            "room_temp_c": t.room_temp_c,
            "powered_for_s": t.powered_for_s,
        }
    room, mount = scenario.room, scenario.room.camera
    return {
        "kind": room.mount,
        "position_m": [round(v, 3) for v in mount.position],
        "yaw_deg": round(mount.yaw_deg, 2),
        "pitch_deg": round(mount.pitch_deg, 2),
    }


def summary(spec: ItemSpec, scenario: Scenario) -> dict[str, Any]:
    """What the manifest says about an item's scenario."""
    room = scenario.room
    events = _events(scenario)
    counts: dict[str, int] = {}
    for event in events:
        counts[str(event.get("event"))] = counts.get(str(event.get("event")), 0) + 1
    return {
        "room": room.kind,
        "mount": _mount(spec, scenario),
        "resolution": [spec.width, spec.height],
        "fps": spec.thermal.fps if spec.thermal is not None else spec.fps,
        "people": len(scenario.people),
        "roles": sorted({str(p.role) for p in scenario.people}),
        "focus": scenario.meta.get("focus"),
        "fall": "fall" in counts,
        # A clip's few events in full; a day's hundreds as counts per kind.
        "events": events if spec.kind == "clip" else dict(sorted(counts.items())),
    }


def day_meta(spec: ItemSpec, scenario: Scenario) -> dict[str, Any]:
    """A day's labels meta line: the fields a recording's meta has, for the spec's sensor."""
    camera = camera_for(scenario.room, spec.width, spec.height)
    length = duration(spec, scenario)
    return {
        "type": "meta",
        "simulator_version": spec.simulator_version,
        "scenario": scenario.name,
        "description": scenario.description,
        "seed": spec.seed,
        "fps": spec.fps,
        "width": spec.width,
        "height": spec.height,
        "frames": frame_count(length, spec.fps),
        "duration_s": round(length, 3),
        "scenario_duration_s": round(scenario.duration, 3),
        "start_time": spec.start_time,
        "start_time_ms": spec.start_ms,
        "depth_unit_m": DEPTH_UNIT_M,
        "camera": camera.meta(),
        "room": scenario.room.meta(),
        "persons": [p.meta() for p in scenario.people],
        "generator": scenario.meta,
        "time_fields": "start, end and event times: seconds from start; frames play at "
        "t = index / fps on the clock start_time_ms + t * 1000",
    }
