"""Run the real edge pipeline over a dataset item and keep what the models need, per track.

The depth models see only what the pipeline's tracker reports, so their training rows come
from the same `Pipeline` the device runs (background, floor calibration, blobs, tracks) on
the item's recording. Each observation is kept with the labelled person it matches (nearest
within `MATCH_M` on the floor, one track per person) and its distance to the nearest labelled
dispenser. Rows are cached per item under a key of the item's labels hash, this module's
`EXTRACT_VERSION` and a hash of the perception code, so a re-run only processes what is new
and a changed tracker is never trained on stale rows.
"""

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from edge_agent.calibration import CalibrationError
from edge_agent.engines.observation import Observation
from edge_agent.inference.features import DISPENSER_FAR_M
from edge_agent.perception.config import PerceptionConfig
from edge_agent.pipeline import Pipeline
from models.training.labels import dispenser_rects, nearest_dispenser_m
from simulators.recording import Labels, read_labels

logger = logging.getLogger(__name__)

EXTRACT_VERSION = "1"


def _perception_hash() -> str:
    """Hash of the perception code that makes the rows (tracker, blobs, background...): rows
    cached from another version of it would train on numbers the device no longer produces."""
    import edge_agent.calibration
    import edge_agent.perception
    import edge_agent.pipeline

    digest = hashlib.sha256()
    files = sorted(Path(edge_agent.perception.__file__).parent.rglob("*.py"))  # config/ too
    for path in [*files, Path(edge_agent.pipeline.__file__), Path(edge_agent.calibration.__file__)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


PERCEPTION_HASH = _perception_hash()
MATCH_M = 0.8
"""A track farther than this from every labelled person is nobody (furniture, a ghost)."""

COLUMNS: tuple[str, ...] = (
    "t",
    "track_id",
    "x",
    "y",
    "top_m",
    "bottom_m",
    "is_person",
    "born_t",
    "centroid_m",
    "extent_m",
    "speed_mps",
    "vspeed_mps",
    "world_x",
    "world_y",
    "person",
    "label_frame",
    "dispenser_m",
)
"""Columns of an item's row array: t is seconds from the item's start."""


@dataclass(frozen=True, slots=True)
class ItemRows:
    """Every observation of one item, in frame order, with its ground truth link."""

    item_id: str
    rows: npt.NDArray[np.float64]
    labels: Labels

    def col(self, name: str) -> npt.NDArray[np.float64]:
        return self.rows[:, COLUMNS.index(name)]


def room_to_world(
    pipeline: Pipeline, meta: dict[str, Any]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(A, b) with world_xy = A @ room_xyz + b, from the pipeline's floor calibration and the
    simulator's true camera pose (both are camera→frame transforms)."""
    calib = pipeline.calibration
    if calib is None:
        raise CalibrationError("pipeline has no floor calibration yet")
    pose = meta["camera"]["pose"]
    r_world = np.asarray(pose["rotation_cam_to_world"], dtype=np.float64)
    p_world = np.asarray(pose["position"], dtype=np.float64)
    r_room = calib.rotation.astype(np.float64)
    m = r_world @ r_room.T
    b = p_world - m @ calib.translation.astype(np.float64)
    return m[:2], b[:2]


def match_persons(world: npt.NDArray[np.float64], persons: list[dict[str, Any]]) -> list[int]:
    """Labelled person id for each track position (-1: none), greedy nearest first."""
    out = [-1] * len(world)
    if not persons or not len(world):
        return out
    pos = np.array([p["position"][:2] for p in persons], dtype=np.float64)
    d = np.linalg.norm(world[:, None, :] - pos[None, :, :], axis=2)
    for flat in np.argsort(d, axis=None):
        i, j = divmod(int(flat), len(persons))
        if d[i, j] > MATCH_M:
            break
        if out[i] == -1 and persons[j]["id"] not in out:
            out[i] = int(persons[j]["id"])
    return out


def extract_item(recording: Path, config: PerceptionConfig | None = None) -> ItemRows:
    """Run the pipeline over one recording (.db3) and return its matched rows."""
    from edge_agent.sources.realsense import RealSenseSource

    labels = read_labels(recording)
    meta = labels.meta
    t0 = float(meta["start_time_ms"]) / 1000.0
    fps = float(meta["fps"])
    rects = dispenser_rects(meta)
    pipeline = Pipeline(config or PerceptionConfig())
    source = RealSenseSource(recording, real_time=False, loop=False)
    rows: list[list[float]] = []
    transform: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None
    try:
        for frame in source.frames():
            try:
                pipeline.process(frame)
            except CalibrationError:
                continue
            if not pipeline.ready or not pipeline.observations:
                continue
            if transform is None:
                transform = room_to_world(pipeline, meta)
            t = frame.t - t0
            k = min(max(round(t * fps), 0), len(labels.frames) - 1)
            persons = labels.frames[k]["persons"] if labels.frames else []
            obs = pipeline.observations
            a, b = transform
            room = np.array([[o.x, o.y, 0.0] for o in obs], dtype=np.float64)
            world = room @ a.T + b
            who = match_persons(world, persons)
            for o, w, pid in zip(obs, world, who, strict=True):
                far = nearest_dispenser_m(float(w[0]), float(w[1]), rects, DISPENSER_FAR_M)
                rows.append(_row(t, o, w, pid=pid, k=k, far=far, t0=t0))
    finally:
        source.close()
    array = np.array(rows, dtype=np.float64).reshape(-1, len(COLUMNS))
    return ItemRows(recording.stem, array, labels)


def _row(
    t: float,
    o: Observation,
    w: npt.NDArray[np.float64],
    *,
    pid: int,
    k: int,
    far: float,
    t0: float,
) -> list[float]:
    return [
        t,
        o.track_id,
        o.x,
        o.y,
        o.top_m,
        o.bottom_m,
        float(o.is_person),
        o.born_t - t0,
        o.centroid_m,
        o.extent_m,
        o.speed_mps,
        o.vspeed_mps,
        float(w[0]),
        float(w[1]),
        pid,
        k,
        far,
    ]


def observations_of(rows: npt.NDArray[np.float64]) -> list[Observation]:
    """Observations back from rows (one frame's), for replay through `TrackBuffers`."""
    c = {name: i for i, name in enumerate(COLUMNS)}
    return [
        Observation(
            track_id=int(r[c["track_id"]]),
            x=float(r[c["x"]]),
            y=float(r[c["y"]]),
            top_m=float(r[c["top_m"]]),
            bottom_m=float(r[c["bottom_m"]]),
            is_person=bool(r[c["is_person"]]),
            born_t=float(r[c["born_t"]]),
            centroid_m=float(r[c["centroid_m"]]),
            extent_m=float(r[c["extent_m"]]),
            speed_mps=float(r[c["speed_mps"]]),
            vspeed_mps=float(r[c["vspeed_mps"]]),
        )
        for r in rows
    ]


def cached_rows(item: dict[str, Any], root: Path, cache_dir: Path) -> ItemRows:
    """An item's rows from the cache, extracting (and caching) them when missing."""
    labels_key = str(item.get("labels_sha256", "nohash"))[:16]
    key = f"{item['id']}-{labels_key}-v{EXTRACT_VERSION}-p{PERCEPTION_HASH}"
    path = cache_dir / f"{key}.npz"
    recording = root / item["path"]
    if path.exists():
        with np.load(path) as data:
            rows = np.asarray(data["rows"], dtype=np.float64)
        return ItemRows(item["id"], rows, read_labels(recording))
    started = time.perf_counter()
    result = extract_item(recording)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez_compressed(tmp, rows=result.rows)
    tmp.replace(path)
    logger.info(
        "extracted %s: %d rows in %.1f s",
        item["id"],
        len(result.rows),
        time.perf_counter() - started,
    )
    return result


def load_manifest(dataset: Path) -> dict[str, Any]:
    path = dataset / "manifest.json"
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise SystemExit(f"{path}: cannot read the dataset manifest ({e})") from e
    if manifest.get("format") != "ambient-sim-dataset/1":
        raise SystemExit(f"{path}: not an ambient simulator dataset manifest")
    return manifest
