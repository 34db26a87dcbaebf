"""The dataset manifest: what was built, from what, into which split, with a stable hash.

Splits follow one rule of the item alone, never of the dataset size or build order: an item's
split is fixed by ``sha256("split:<dataset seed>:<item id>")`` read as a fraction in [0, 1)
against the cumulative split fractions. Growing a dataset (a larger ``--n``) or rebuilding it
never moves an item between train, validation and test, so a held-out item cannot leak into
training. The manifest holds no wall-clock times and no render speeds, so the same inputs give
the same bytes and the same ``manifest_sha256`` (recordings themselves carry the recorder's
wall-clock stamps, so they are identified by their labels' hash, not their own).
"""

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulators.dataset.spec import ItemSpec
from simulators.dataset.writer import dataset_fields, item_paths, read_meta
from simulators.errors import SimulatorError

MANIFEST_FORMAT = "ambient-sim-dataset/1"
SPLITS = ("train", "val", "test")
SPLIT_RULE = (
    "sha256('split:<seed>:<id>'), first 8 bytes as a fraction of 2^64, against the "
    "cumulative fractions train, val, test"
)


class ManifestError(SimulatorError, ValueError):
    """A split option or an item that cannot go into the manifest."""


def parse_split(text: str) -> tuple[float, float, float]:
    """``"0.7/0.15/0.15"`` → fractions that sum to 1."""
    try:
        values = tuple(float(v) for v in text.split("/"))
    except ValueError as e:
        raise ManifestError(f"--split wants three fractions like 0.7/0.15/0.15: {text!r}") from e
    if len(values) != len(SPLITS) or any(v < 0 for v in values) or abs(sum(values) - 1) > 1e-6:
        raise ManifestError(f"--split wants three fractions summing to 1: {text!r}")
    return values[0], values[1], values[2]


def split_of(dataset_seed: int, item_id: str, fractions: Sequence[float]) -> str:
    digest = hashlib.sha256(f"split:{dataset_seed}:{item_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    edge = 0.0
    for name, fraction in zip(SPLITS, fractions, strict=True):
        edge += fraction
        if u < edge:
            return name
    return SPLITS[-1]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def entry(out_dir: Path, spec: ItemSpec, split: str) -> dict[str, Any]:
    """One item of the manifest, read back from its files (fresh or from an earlier run)."""
    data, labels = item_paths(out_dir, spec)
    meta = read_meta(labels)
    summary = None if meta is None else dataset_fields(meta)[1]
    if meta is None or summary is None or not data.exists():
        raise ManifestError(f"item {spec.id} is incomplete: {data}")
    extra = {"sensor": spec.thermal.sensor} if spec.thermal is not None else {}
    return extra | {
        "id": spec.id,
        "kind": spec.kind,
        "split": split,
        "path": data.relative_to(out_dir).as_posix(),
        "labels": labels.relative_to(out_dir).as_posix(),
        "labels_sha256": sha256_file(labels),
        "seed": spec.seed,
        "frames": meta["frames"],
        "fps": spec.thermal.fps if spec.thermal is not None else spec.fps,
        "duration_s": meta["duration_s"],
        "start_time": spec.start_time,
        "scenario": summary,
    }


def build_manifest(
    out_dir: Path,
    *,
    seed: int,
    fractions: Sequence[float],
    specs: Sequence[ItemSpec],
    options: dict[str, Any],
    generator: tuple[str, str],
) -> dict[str, Any]:
    items = [entry(out_dir, spec, split_of(seed, spec.id, fractions)) for spec in specs]
    counts = {name: sum(1 for i in items if i["split"] == name) for name in SPLITS}
    from simulators import SIMULATOR_VERSION

    body: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "generator": {"name": generator[0], "version": generator[1]},
        "simulator_version": SIMULATOR_VERSION,
        "seed": seed,
        "options": options,
        "split": {
            "fractions": dict(zip(SPLITS, fractions, strict=True)),
            "rule": SPLIT_RULE,
            "counts": counts,
        },
        "items": items,
    }
    body["manifest_sha256"] = manifest_hash(body)
    return body


def manifest_hash(manifest: dict[str, Any]) -> str:
    """sha256 of the canonical JSON (sorted keys, no spaces) of all but this field."""
    content = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)


def read_manifest(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise ManifestError(f"not a dataset manifest ({MANIFEST_FORMAT}): {path}")
    return data
