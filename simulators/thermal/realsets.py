"""How each real set is measured: which frames are empty, what a contrast is taken against.

The sets differ in what they offer, so each gets the reference it can support:

- `natfaulk` (AMG8833 8×8 on a 2.5 m ceiling) has the person's true x, y in every frame.
  Frames with the person more than `NATFAULK_EMPTY_M` from the axis are empty-room frames
  (the 60° view covers 1.44 m of floor each side, 2.04 m to the corners; 0.25 m more for the
  shoulders). Each frame's reference is the per-pixel median of the 200 empty frames nearest
  in time (the room drifts by a few tenths of a degree over minutes). The `*_sample` files
  are short excerpts (one with broken timing) and are left out.
- `bruno` (Omron 4×4) has empty-room recordings per room and day: the reference of a
  posture recording is their per-pixel median. A recording's contrast is the median over its
  frames of the peak excess; a posture's figure is the spread over recordings.
- `gridfall`, `rosendo`, `yxiao` have no empty room next to their clips: the reference is
  each frame's own median pixel (a person covers well under half of any of their frames).
  `rosendo` clips are falls or not: a clip's figure is its largest peak (the fall itself).
- `chandrayee` has empty recordings with and without the lights: a clip's reference is the
  empty recording of its own lighting.

Noise is measured only where nothing moves: natfaulk's empty stretches of 10 s or more,
gridfall's long backgrounds, the empty rooms of bruno and chandrayee, and yxiao's
background pixels (those never 1 °C above their frame's median).
"""

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from simulators.thermal import stats
from simulators.thermal.stats import Array

NATFAULK_EMPTY_M = 2.3
NATFAULK_EDGES = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, NATFAULK_EMPTY_M]
NATFAULK_REF_FRAMES = 200
NATFAULK_MIN_FRAMES = 1000
BLOB_C = 1.0
"""A pixel is part of the blob when it stands this far above the reference (4 Grid-EYE steps)."""

METHOD = {
    "contrast": "peak pixel minus the empty-room reference of the same pixel (°C)",
    "blob_px": f"pixels at least {BLOB_C} °C above the reference",
    "noise": "temporal σ per pixel in quiet stretches after a 5 s moving mean and the "
    "frame-wide common mode are removed (median over pixels); lag-1 differences / √2 and "
    "lag-1 autocorrelation alongside; flicker: σ of the frame-wide common mode",
    "intervals": "frame intervals divided by their median, pooled over recordings",
    "start_offset_c": "median frame level in the first 1 s minus after 5 s (no recording "
    "starts at power-up, so this is a lower bound on any power-up ramp)",
}

Frames = tuple[Array, Array, dict[str, Any]]


def load(data_dir: Path, row: dict[str, str]) -> Frames:
    with np.load(data_dir / row["file"], allow_pickle=False) as f:
        frames = np.asarray(f["frames"], dtype=np.float64)
        t = np.asarray(f["t"], dtype=np.float64)
        meta = json.loads(str(f["meta"]))
    return frames, t, meta


def frame_median(frames: Array) -> Array:
    level: Array = np.median(frames.reshape(len(frames), -1), axis=1)[:, None, None]
    return level


def _level(values: list[float]) -> float:
    return stats.rnd(np.median(values), 2) if values else float("nan")


def _natfaulk_reference(frames: Array, empty: npt.NDArray[np.bool_]) -> Array:
    """Per frame, the per-pixel median of the nearest empty frames in time (blocks of 100)."""
    idx = np.flatnonzero(empty)
    refs = np.empty_like(frames)
    half = NATFAULK_REF_FRAMES // 2
    for start in range(0, len(frames), 100):
        pos = int(np.searchsorted(idx, start + 50))
        lo = max(0, min(pos - half, len(idx) - NATFAULK_REF_FRAMES))
        refs[start : start + 100] = np.median(frames[idx[lo : lo + NATFAULK_REF_FRAMES]], axis=0)
    return refs


def _axis_xy(meta: dict[str, Any]) -> tuple[float, float]:
    found = re.search(r"x=([-\d.]+) y=([-\d.]+)", str(meta["origin"].get("mount", "")))
    if found is None:
        raise ValueError("natfaulk recording without the sensor's x, y in meta.origin.mount")
    return float(found.group(1)), float(found.group(2))


def natfaulk(data_dir: Path, rows: list[dict[str, str]]) -> dict[str, Any]:
    groups: dict[str, dict[str, list[Any]]] = {}
    noise: list[stats.Noise] = []
    times, used = [], []
    for row in sorted(rows, key=lambda r: r["file"]):
        if int(row["frames"]) < NATFAULK_MIN_FRAMES:
            continue
        frames, t, meta = load(data_dir, row)
        ax, ay = _axis_xy(meta)
        xy = np.asarray(meta["origin"]["gt_xy_m"], dtype=np.float64)
        r = np.hypot(xy[:, 0] - ax, xy[:, 1] - ay)
        empty = r > NATFAULK_EMPTY_M
        ref = _natfaulk_reference(frames, empty)
        group = groups.setdefault("coat" if "coat" in row["file"] else "indoor", {})
        group.setdefault("r", []).append(r)
        group.setdefault("peak", []).append(stats.peak_excess(frames, ref))
        group.setdefault("blob", []).append(stats.blob_px(frames, ref, BLOB_C))
        for a, b in stats.runs(empty, 100):
            noise.append(stats.quiet_noise(frames[a:b], float(meta["fps"])))
        group.setdefault("room", []).append(float(ref[empty].mean()))
        times.append(t)
        used.append(Path(row["file"]).stem)
    out: dict[str, Any] = {
        "sensor": "grideye",
        "geometry": "ceiling 2.5 m, straight down; person walking, true position per frame",
        "recordings": used,
    }
    for name, g in sorted(groups.items()):
        r, peak, blob = (np.concatenate(g[k]) for k in ("r", "peak", "blob"))
        out[f"room_c_{name}"] = _level(g["room"])
        out[f"contrast_vs_offaxis_{name}"] = stats.binned(peak, r, NATFAULK_EDGES)
        out[f"blob_px_vs_offaxis_{name}"] = stats.binned(blob.astype(np.float64), r, NATFAULK_EDGES)
        out[f"empty_peak_{name}"] = stats.summary(peak[r >= NATFAULK_EMPTY_M])
    out["noise"] = stats.pooled(noise)
    out["quantum_c"] = 0.25
    out["intervals"] = pooled_intervals(times)
    return out


def pooled_intervals(times: list[Array]) -> dict[str, float]:
    """`stats.intervals` over several recordings, each relative to its own median.

    An interval that is not positive or more than 20 times the median is a broken time
    stamp (two rosendo clips jump by decades), not jitter: it is counted and left out.
    """
    rel, medians, broken = [], [], 0
    for t in times:
        dt = np.diff(t)
        if dt.size < 2:
            continue
        median = float(np.median(dt))
        ok = (dt > 0) & (dt < 20 * median)
        broken += int((~ok).sum())
        rel.append(dt[ok] / median)
        medians.append(median)
    if not rel:
        return {}
    # One clock whose steps are every recording's relative intervals, back to back.
    clock = np.concatenate([[0.0], np.cumsum(np.concatenate(rel))])
    return stats.intervals(clock) | {
        "median_s": stats.rnd(np.median(medians), 4),
        "broken_stamps": broken,
    }


def _noise_of(recordings: list[Frames]) -> dict[str, float | int]:
    found = []
    for frames, t, meta in recordings:
        fps = 1.0 / float(np.median(np.diff(t))) if len(t) > 2 else float(meta["fps"])
        found.append(stats.quiet_noise(frames, fps))
    return stats.pooled(found)


def gridfall(data_dir: Path, rows: list[dict[str, str]]) -> dict[str, Any]:
    backgrounds = [load(data_dir, r) for r in rows if r["label"] == "bgTemp"]
    contrast: dict[str, list[float]] = {}
    blobs: dict[str, list[float]] = {}
    starts = []
    for row in rows:
        if row["label"] not in ("fall", "walk", "sit"):
            continue
        frames, t, _ = load(data_dir, row)
        ref = frame_median(frames)
        contrast.setdefault(row["label"], []).append(
            float(np.median(stats.peak_excess(frames, ref)))
        )
        blobs.setdefault(row["label"], []).append(
            float(np.median(stats.blob_px(frames, ref, BLOB_C)))
        )
        starts.append(stats.start_offset(frames, t))
    return {
        "sensor": "grideye",
        "geometry": "unknown (ceiling assumed); reference: each frame's median pixel",
        "contrast_by_label": {k: stats.summary(v) for k, v in sorted(contrast.items())},
        "blob_px_by_label": {k: stats.summary(v) for k, v in sorted(blobs.items())},
        "noise": _noise_of(backgrounds),
        "quantum_c": stats.quantum(np.concatenate([b[0] for b in backgrounds])),
        "room_c": _level([float(b[0].mean()) for b in backgrounds]),
        "start_offset_c": stats.summary(starts),
    }


def _bruno_session(row: dict[str, str]) -> str:
    """Room and day of a bruno recording ('Bedroom-Day2'): its empty-room recordings match."""
    found = re.match(r"bruno/bruno_(\w+-Day\d+)-", row["file"])
    return found.group(1) if found else ""


def bruno(data_dir: Path, rows: list[dict[str, str]]) -> dict[str, Any]:
    empties: dict[str, list[Frames]] = {}
    for row in rows:
        if row["label"] == "empty room":
            empties.setdefault(_bruno_session(row), []).append(load(data_dir, row))
    refs = {k: np.mean([np.median(f[0], axis=0) for f in v], axis=0) for k, v in empties.items()}
    contrast: dict[str, list[float]] = {}
    blobs: dict[str, list[float]] = {}
    times, starts = [], []
    for row in sorted(rows, key=lambda r: r["file"]):
        frames, t, _ = load(data_dir, row)
        times.append(t)
        starts.append(stats.start_offset(frames, t))
        session = _bruno_session(row)
        if row["label"] in ("empty room", "?") or session not in refs:
            continue
        ref = refs[session]
        contrast.setdefault(row["label"], []).append(
            float(np.median(stats.peak_excess(frames, ref)))
        )
        blobs.setdefault(row["label"], []).append(
            float(np.median(stats.blob_px(frames, ref, BLOB_C)))
        )
    every_empty = [f for v in empties.values() for f in v]
    return {
        "sensor": "d6t44",
        "geometry": "ceiling assumed (2.5 m); reference: the empty room of the same room and day",
        "contrast_by_posture": {k: stats.summary(v) for k, v in sorted(contrast.items())},
        "blob_px_by_posture": {k: stats.summary(v) for k, v in sorted(blobs.items())},
        "room_c": _level([float(r.mean()) for r in refs.values()]),
        "noise": _noise_of(every_empty),
        "quantum_c": stats.quantum(np.concatenate([f[0] for f in every_empty])),
        "intervals": pooled_intervals(times),
        "start_offset_c": stats.summary(starts),
    }


def rosendo(data_dir: Path, rows: list[dict[str, str]]) -> dict[str, Any]:
    peaks: dict[str, list[float]] = {}
    times, starts, room = [], [], []
    for row in sorted(rows, key=lambda r: r["file"]):
        frames, t, _ = load(data_dir, row)
        ref = frame_median(frames)
        peaks.setdefault(row["label"], []).append(float(stats.peak_excess(frames, ref).max()))
        times.append(t)
        starts.append(stats.start_offset(frames, t, settled_s=2.0))
        room.append(float(np.median(ref)))
    return {
        "sensor": "d6t44",
        "geometry": "unknown (wall assumed); reference: each frame's median pixel",
        "clip_peak_by_label": {k: stats.summary(v) for k, v in sorted(peaks.items())},
        "room_c": _level(room),
        "quantum_c": 0.1,
        "intervals": pooled_intervals(times),
        "start_offset_c": stats.summary(starts),
    }


def yxiao(data_dir: Path, rows: list[dict[str, str]]) -> dict[str, Any]:
    contrast: dict[str, list[float]] = {}
    noise = []
    for row in sorted(rows, key=lambda r: r["file"]):
        frames, _, meta = load(data_dir, row)
        ref = frame_median(frames)
        view = "top" if row["label"].startswith("top_") else "side"
        contrast.setdefault(view, []).append(float(np.median(stats.peak_excess(frames, ref))))
        background = (frames - ref).max(axis=0) < BLOB_C
        if background.sum() >= 20:
            pixels = frames[:, background][:, None, :]
            noise.append(stats.quiet_noise(pixels, float(meta["fps"])))
    return {
        "sensor": "mlx90640",
        "geometry": "unknown, close range (side and top views); reference: each frame's median",
        "contrast_by_view": {k: stats.summary(v) for k, v in sorted(contrast.items())},
        "noise_background_pixels": stats.pooled(noise),
        "note": "no time stamps (4 fps assumed), so no interval statistics",
    }


def chandrayee(data_dir: Path, rows: list[dict[str, str]]) -> dict[str, Any]:
    def lighting(row: dict[str, str]) -> str:
        return "nolight" if "nolight" in row["label"] else "light"

    empties: dict[str, list[Frames]] = {}
    for row in rows:
        if row["label"].startswith("nopeople"):
            empties.setdefault(lighting(row), []).append(load(data_dir, row))
    refs = {k: np.median(np.concatenate([f[0] for f in v]), axis=0) for k, v in empties.items()}
    contrast, times = [], []
    for row in sorted(rows, key=lambda r: r["file"]):
        frames, t, _ = load(data_dir, row)
        times.append(t)
        if not row["label"].startswith("nopeople"):
            contrast.append(float(np.median(stats.peak_excess(frames, refs[lighting(row)]))))
    every_empty = [f for v in empties.values() for f in v]
    return {
        "sensor": "grideye",
        "geometry": "unknown; 0-4 people; reference: the empty room with the same lighting",
        "contrast_people_clips": stats.summary(contrast),
        "noise": _noise_of(every_empty),
        "quantum_c": stats.quantum(np.concatenate([f[0] for f in every_empty])),
        "intervals": pooled_intervals(times),
    }


MEASURES: dict[str, Callable[[Path, list[dict[str, str]]], dict[str, Any]]] = {
    "natfaulk": natfaulk,
    "bruno": bruno,
    "rosendo": rosendo,
    "gridfall": gridfall,
    "yxiao": yxiao,
    "chandrayee": chandrayee,
}
