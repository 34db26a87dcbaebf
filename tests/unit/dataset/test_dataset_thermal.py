"""`ambient sim dataset --thermal`: thermal clips with the depth datasets' manifest and splits."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from edge_agent.sources.thermal import ThermalRecordingSource
from simulators.dataset.build import DatasetOptions, build_dataset, plan_specs
from simulators.dataset.manifest import read_manifest, split_of
from simulators.dataset.spec import ItemSpec
from simulators.recording import read_labels
from simulators.thermal.sensors import sensor

OPTIONS = DatasetOptions(
    n=4, seed=3, clip_seconds=2.0, thermal=("grideye", "d6t44"), rooms=("home_bedroom",)
)


def test_thermal_clips_are_recordings_with_a_manifest_and_fixed_splits(tmp_path: Path) -> None:
    result = build_dataset(OPTIONS, tmp_path, workers=1, progress=False)
    manifest = read_manifest(result.manifest_path)
    items = manifest["items"]
    assert [i["sensor"] for i in items] == ["grideye", "grideye", "d6t44", "d6t44"]
    assert manifest["options"]["thermal"] == ["grideye", "d6t44"]
    assert "width" not in manifest["options"] and "days" not in manifest["options"]
    for item in items:
        assert item["split"] == split_of(3, item["id"], (0.7, 0.15, 0.15))
        assert item["path"].endswith(".npz") and item["scenario"]["room"] == "home_bedroom"
        assert item["scenario"]["mount"]["kind"] in ("ceiling", "wall")
        spec = sensor(item["sensor"])
        assert item["fps"] == spec.fps and item["scenario"]["resolution"] == [
            spec.width,
            spec.height,
        ]
        frames = list(ThermalRecordingSource(tmp_path / item["path"]).frames())
        assert len(frames) == item["frames"] and frames[0].temps_c.shape == (
            spec.height,
            spec.width,
        )
        meta = read_labels(tmp_path / item["labels"]).meta
        assert ItemSpec.from_json(meta["generator"]["dataset_item"]).thermal is not None
    assert [i["scenario"]["fall"] for i in items] == [True, False, True, False]
    again = build_dataset(OPTIONS, tmp_path, workers=1, progress=False)
    assert again.rendered == [] and again.manifest["manifest_sha256"] == manifest["manifest_sha256"]


def test_thermal_specs_round_trip_and_depth_specs_are_unchanged() -> None:
    for spec in plan_specs(OPTIONS):
        assert ItemSpec.from_json(spec.to_json()) == spec
    depth = plan_specs(DatasetOptions(n=2, seed=3))
    assert all("thermal" not in s.to_json() for s in depth)
    depth_options = {"n", "width", "height", "fps", "clip_seconds", "days", "day_hours"}
    assert set(DatasetOptions(n=2, seed=3).dump()) == depth_options | {"day_fps"}


@pytest.mark.parametrize(
    "bad",
    [
        {"thermal": ("grideye",), "days": 1},
        {"thermal": ("nope",)},
        {"thermal": ("grideye",), "mounts": ("floor",)},
        {"thermal": ("grideye",), "rooms": ("garage",)},
    ],
)
def test_bad_thermal_options_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        DatasetOptions(n=1, seed=1, **bad)
