"""`ambient sim dataset`: manifest contents, a stable hash, fixed disjoint splits, resumable."""

import argparse
import hashlib
import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from simulators.dataset.build import BuildResult, DatasetOptions, build_dataset, plan_specs
from simulators.dataset.cli import register
from simulators.dataset.manifest import (
    SPLITS,
    ManifestError,
    manifest_hash,
    parse_split,
    read_manifest,
    split_of,
)
from simulators.recording import read_labels

# Tiny: 1-second clips at 320x240 and one 2-minute day (a spec, never rendered here).
OPTIONS = DatasetOptions(n=4, seed=7, clip_seconds=1.0, days=1, day_hours=2 / 60)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    out = tmp_path_factory.mktemp("dataset")
    return out, build_dataset(OPTIONS, out, workers=1, progress=False)


def _items(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in manifest["items"]}


@pytest.mark.recordings
def test_manifest_describes_every_item(built: tuple[Path, BuildResult]) -> None:
    out, result = built
    manifest = read_manifest(out / "manifest.json")
    assert manifest == result.manifest
    assert manifest["seed"] == 7 and manifest["generator"]["name"]
    items = _items(manifest)
    assert sorted(items) == ["clip-00000", "clip-00001", "clip-00002", "clip-00003", "day-0000"]
    for item in items.values():
        assert item["split"] in SPLITS
        labels = out / item["labels"]
        assert (out / item["path"]).is_file()
        assert item["labels_sha256"] == hashlib.sha256(labels.read_bytes()).hexdigest()
        summary = item["scenario"]
        assert summary["room"] and summary["mount"]["kind"] in ("corner", "ceiling")
        assert summary["resolution"] == [320, 240]
        assert set(summary["mount"]) == {"kind", "position_m", "yaw_deg", "pitch_deg"}
        assert summary["people"] >= len(summary["roles"])
        assert set(summary["roles"]) <= {"patient", "resident", "staff", "visitor"}
    for clip_id in ("clip-00000", "clip-00001"):
        item = items[clip_id]
        assert item["path"].endswith(".db3")
        assert item["frames"] == round(item["fps"] * 1.0)
        assert len(read_labels(out / item["labels"]).frames) == item["frames"]
    # Balanced: even clips contain a fall, odd clips are hard negatives.
    assert items["clip-00000"]["scenario"]["fall"] and items["clip-00002"]["scenario"]["fall"]
    assert not items["clip-00001"]["scenario"]["fall"]
    assert any(e["event"] == "fall" for e in items["clip-00000"]["scenario"]["events"])
    day = items["day-0000"]
    assert day["path"].endswith(".spec.json") and day["frames"] == 120 * 15
    assert not day["scenario"]["fall"]


@pytest.mark.recordings
def test_day_labels_are_segments_covering_the_day(built: tuple[Path, BuildResult]) -> None:
    out, result = built
    day = _items(result.manifest)["day-0000"]
    lines = [json.loads(line) for line in (out / day["labels"]).read_text().splitlines()]
    assert lines[0]["type"] == "meta" and lines[0]["duration_s"] == 120.0
    segments = [line for line in lines if line.get("type") == "segment"]
    assert segments and all(0 <= s["start"] <= s["end"] <= 120.0 for s in segments)
    main = [s for s in segments if s["role"] in ("patient", "resident")]
    assert main[0]["start"] == 0.0 and main[-1]["end"] == 120.0
    assert all(a["end"] == b["start"] for a, b in itertools.pairwise(main))
    assert not any("frame" in line for line in lines)


@pytest.mark.recordings
def test_manifest_hash_is_stable_for_the_same_inputs(
    built: tuple[Path, BuildResult], tmp_path: Path
) -> None:
    _, first = built
    again = build_dataset(OPTIONS, tmp_path, workers=1, progress=False)
    assert again.manifest == first.manifest
    assert first.manifest["manifest_sha256"] == manifest_hash(first.manifest)
    other = build_dataset(
        OPTIONS.model_copy(update={"n": 1, "days": 0}), tmp_path / "o", workers=1, progress=False
    )
    assert other.manifest["manifest_sha256"] != first.manifest["manifest_sha256"]


@pytest.mark.recordings
def test_rerun_renders_nothing_new_and_finishes_an_interrupted_build(
    built: tuple[Path, BuildResult], tmp_path: Path
) -> None:
    src, first = built
    out = tmp_path / "copy"
    shutil.copytree(src, out)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    rerun = build_dataset(OPTIONS, out, workers=1, progress=False)
    assert rerun.rendered == [] and len(rerun.skipped) == 5
    changed = [
        p for p, t in stamps.items() if p.stat().st_mtime_ns != t and p.name != "manifest.json"
    ]
    assert changed == []
    assert rerun.manifest == first.manifest
    # Interrupted: one recording missing, a stray temp file left behind.
    (out / "clips" / "clip-00003.db3").unlink()
    stray = out / "clips" / ".clip-00002.999.tmp.db3"
    stray.write_bytes(b"partial")
    resumed = build_dataset(OPTIONS, out, workers=1, progress=False)
    assert resumed.rendered == ["clip-00003"]
    assert not stray.exists()
    assert _items(resumed.manifest)["clip-00003"] == _items(first.manifest)["clip-00003"]
    # Grown: only the new clip is rendered; the old ones keep their splits.
    grown = build_dataset(OPTIONS.model_copy(update={"n": 5}), out, workers=1, progress=False)
    assert grown.rendered == ["clip-00004"]
    old = _items(first.manifest)
    assert all(_items(grown.manifest)[k]["split"] == v["split"] for k, v in old.items())


@pytest.mark.recordings
def test_a_changed_option_rerenders_instead_of_reusing(
    built: tuple[Path, BuildResult], tmp_path: Path
) -> None:
    src, _ = built
    out = tmp_path / "copy"
    shutil.copytree(src, out)
    longer = OPTIONS.model_copy(update={"clip_seconds": 0.5, "days": 0})
    result = build_dataset(longer, out, workers=1, progress=False)
    assert result.rendered == ["clip-00000", "clip-00001", "clip-00002", "clip-00003"]
    assert all(i["duration_s"] == 0.5 for i in result.manifest["items"])


def test_splits_are_deterministic_disjoint_and_proportional() -> None:
    fractions = (0.7, 0.15, 0.15)
    ids = [f"clip-{i:05d}" for i in range(4000)]
    splits = [split_of(3, i, fractions) for i in ids]
    assert splits == [split_of(3, i, fractions) for i in ids]
    for name, fraction in zip(SPLITS, fractions, strict=True):
        assert abs(splits.count(name) / len(ids) - fraction) < 0.03
    # The rule depends on the item alone: a bigger dataset never moves an item.
    small = plan_specs(DatasetOptions(n=10, seed=3))
    big = plan_specs(DatasetOptions(n=50, seed=3))
    assert small == big[:10]
    # Disjoint down to the seeds: no scenario seed is shared between items.
    seeds = [s.seed for s in plan_specs(DatasetOptions(n=2000, seed=3, days=50))]
    assert len(set(seeds)) == len(seeds)


def test_split_option_is_checked() -> None:
    assert parse_split("0.8/0.1/0.1") == (0.8, 0.1, 0.1)
    for bad in ("0.7/0.3", "0.5/0.5/0.5", "a/b/c", "-0.1/0.6/0.5"):
        with pytest.raises(ManifestError):
            parse_split(bad)


def test_cli_builds_with_worker_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    out = tmp_path / "ds"
    args = parser.parse_args(
        [
            "dataset",
            "--n",
            "2",
            "--seed",
            "1",
            "--out",
            str(out),
            "--fps",
            "15",
            "--split",
            "0.5/0.25/0.25",
            "--workers",
            "2",
            "--no-progress",
        ]
    )
    args.clip_seconds = 0.5
    assert args.handler(args) == 0
    manifest = read_manifest(out / "manifest.json")
    assert [i["frames"] for i in manifest["items"]] == [8, 8]
    assert "2 built" in capsys.readouterr().out
    bad = parser.parse_args(
        ["dataset", "--n", "1", "--seed", "1", "--out", str(out), "--width", "500"]
    )
    assert bad.handler(bad) == 2
