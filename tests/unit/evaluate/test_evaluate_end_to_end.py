"""`ambient models evaluate` end to end on a tiny dataset: a fall clip, a quiet clip, a day.

The clips are the simulator's cached 320×240 recordings (rendered once, shared with the
replay tests); the day is a real dataset day spec, run for its first 8 s at 5 fps.
"""

import json
from pathlib import Path

import pytest

from ambient.cli import main
from models.evaluate.evaluate import Options, evaluate
from simulators.cache import cached_recording
from simulators.dataset.build import DatasetOptions, build_dataset
from simulators.recording import labels_path

SMALL = {"width": 320, "height": 240}
SIDECAR = {
    "format": "ambient-model/1",
    "name": "fall",
    "version": "0.1.0",
    "task": "fall",
    "sensor": "depth",
    "input_name": "x",
    "input_shape": ["batch", 16, 8],
    "features": [],
    "window_frames": 16,
    "window_fps": 8.0,
    "labels": ["other", "fall"],
    "thresholds": {"fall": 0.7},
    "normalisation": {},
    "training": {"dataset": "sim1", "note": "trained on simulated data only"},
    "metrics": {"val_f1": 0.9},
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dataset")
    built = build_dataset(DatasetOptions(n=0, seed=3, days=1, day_hours=0.5), root, workers=1)
    manifest = built.manifest
    (root / "clips").mkdir()
    clips = [
        cached_recording("walk_fall_forward", max_seconds=12.0, **SMALL),
        cached_recording("quiet_room", max_seconds=2.0, **SMALL),
    ]
    for i, recording in enumerate(clips):
        cid = f"clip-{i:05d}"
        (root / "clips" / f"{cid}.db3").symlink_to(recording)
        (root / "clips" / f"{cid}.labels.jsonl").symlink_to(labels_path(recording))
        manifest["items"].append(
            {
                "id": cid,
                "kind": "clip",
                "split": "test",
                "path": f"clips/{cid}.db3",
                "labels": f"clips/{cid}.labels.jsonl",
            }
        )
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


@pytest.mark.recordings
def test_evaluate_writes_a_report_that_counts_the_fall(dataset: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    (models / "fall").mkdir(parents=True)
    (models / "fall" / "model.json").write_text(json.dumps(SIDECAR))
    out = tmp_path / "report"
    summary = evaluate(
        Options(
            dataset=dataset,
            out=out,
            day_hours=8 / 3600,
            day_fps=5,
            models_dir=models,
            cards=True,
            progress=False,
        )
    )
    fall = summary["fall"]
    assert (fall["sensitivity"]["k"], fall["sensitivity"]["n"]) == (1, 1)
    assert 0.0 <= fall["delay_s"]["median"] <= 10.0
    assert summary["run"]["clips"] == 2 and summary["run"]["days"] == 1
    assert summary["run"]["day_hours"] == pytest.approx(8 / 3600, rel=0.1)
    assert summary["run"]["failed"] == []
    assert summary["run"]["days_held_out"] is False  # the only day is in train: said so
    page = (out / "index.html").read_text()
    assert "<svg" in page and "simulated" in page and "<script" not in page
    assert json.loads((out / "metrics.json").read_text())["fall"]["sensitivity"]["k"] == 1
    card = (models / "fall" / "CARD.md").read_text()
    assert (
        "Simulated data only" in card
        and "Falls alerted within 10 s of landing: 100.0% (1/1" in card
    )
    assert (models / "rules" / "CARD.md").exists()  # bed exit, mobility, hand hygiene


@pytest.mark.recordings
def test_the_shipped_cards_change_only_when_asked(
    dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models = tmp_path / "models"
    (models / "fall").mkdir(parents=True)
    (models / "fall" / "model.json").write_text(json.dumps(SIDECAR))
    (models / "fall" / "CARD.md").write_text("# fall\n\nThe shipped card.\n")
    args = ["models", "evaluate", "--dataset", str(dataset), "--models-dir", str(models)]
    args += ["--out", str(tmp_path / "r"), "--day-hours", str(8 / 3600), "--day-fps", "5"]

    assert main([*args, "--limit", "1"]) == 0
    assert (models / "fall" / "CARD.md").read_text() == "# fall\n\nThe shipped card.\n"
    assert not (models / "rules").exists()
    assert main([*args, "--limit", "1", "--write-cards"]) == 2
    assert "--write-cards needs a whole evaluation" in capsys.readouterr().err
    assert main([*args, "--write-cards"]) == 0
    assert "card: " in capsys.readouterr().out
    card = (models / "fall" / "CARD.md").read_text()
    assert card.startswith("# fall\n\nThe shipped card.\n") and "## Evaluation on held-out" in card


def test_cli_reports_a_missing_dataset_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["models", "evaluate", "--dataset", str(tmp_path), "--out", str(tmp_path / "r")])
    assert code == 2
    assert "no manifest.json" in capsys.readouterr().err
