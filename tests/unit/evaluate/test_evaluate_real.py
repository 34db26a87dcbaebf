"""Evaluation on labelled real recordings: the protocol, the scores and the command.

The folder here is made by the test (a few small clips in the real folders' format); the
figures on the real public recordings come from the same command, see the README.
"""

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ambient.cli import main
from edge_agent.inference.runtime import MODELS_DIR
from models.evaluate.real.folds import ProtocolError, assign, candidate
from models.evaluate.real.index import RealClip, group_of, kind_of
from models.evaluate.real.run import ClipOutcome
from models.evaluate.real.score import summarise

META = {
    "sensor": "panasonic-amg8833",
    "width": 8,
    "height": 8,
    "fov_deg": [60.0, 60.0],
    "mount": "ceiling",
    "height_m": 2.5,
    "tilt_deg": 0.0,
    "fps": 10.0,
    "start_time": "2026-01-01T00:00:00+00:00",
}


def _clip(i: int, kind: str = "fall", set_name: str = "gridfall", group: str = "g1") -> RealClip:
    label = {"fall": "fall", "other": "walk", "posture": "lying on floor"}[kind]
    return RealClip(Path(f"c{i}.npz"), set_name, label, kind, group, "amg8833", 10.0)  # type: ignore[arg-type]


def test_labels_become_kinds_and_sessions_become_groups() -> None:
    assert kind_of("gridfall", "fall") == "fall" and kind_of("yxiao", "top_fall") == "fall"
    assert kind_of("gridfall", "sit") == "other" and kind_of("rosendo", "non_fall") == "other"
    assert kind_of("bruno", "lying on floor") == "posture"
    assert group_of("gridfall", "gridfall_fall2_41", {}) == "fall2"
    assert group_of("gridfall", "gridfall_test7_walk124", {}) == "test7"
    assert group_of("rosendo", "rosendo_f_1", {"scene_tag": ["chair fall scene 1"]}) == (
        "chair fall scene 1"
    )
    assert group_of("bruno", "bruno_x", {"volunteer": "B"}) == "B"


def test_scores_count_every_clip_once_with_failures_and_short_clips_said() -> None:
    clips = [_clip(i) for i in range(10)] + [_clip(10 + i, "other") for i in range(20)]
    outcomes = {c.id: ClipOutcome(c.id, decided=True) for c in clips}
    for i in range(8):  # 8 of the 10 falls alerted, one fall too short to decide
        outcomes[f"c{i}"] = ClipOutcome(f"c{i}", decided=True, fall_starts=[3.0])
    outcomes["c9"] = ClipOutcome("c9", decided=False)
    outcomes["c10"] = ClipOutcome("c10", decided=True, fall_starts=[5.0])  # a false alert
    outcomes["c11"] = ClipOutcome("c11", error="SourceError: broken")
    assigned = {c.id: "models" for c in clips if c.id != "c12"}  # c12: nobody held it out

    real = summarise(clips, outcomes, assigned, {"protocol": "test"})
    g = real["sets"]["gridfall"]
    assert (g["fall"]["sensitivity"]["k"], g["fall"]["sensitivity"]["n"]) == (8, 10)
    assert g["fall"]["too_short"] == 1
    assert (g["other"]["alerting"]["k"], g["other"]["alerting"]["n"]) == (1, 18)
    assert g["failed"] == ["c11: SourceError: broken"] and g["not_held_out"] == 1
    fall_target, other_target = [t for t in real["targets"] if t["set"] == "gridfall"]
    assert fall_target["verdict"] == "missed" and fall_target["value"] == pytest.approx(0.8)
    assert other_target["verdict"] == "missed"  # 1/18 = 5.6 % > 5 %
    rosendo = [t for t in real["targets"] if t["set"] == "rosendo"]
    assert all(t["verdict"] == "not run" for t in rosendo)


def _models(tmp_path: Path, name: str, real: dict[str, list[str]]) -> Path:
    """A models directory holding the shipped thermal model under a sidecar that says it
    trained on `real`."""
    out = tmp_path / name / "thermal-activity"
    out.mkdir(parents=True)
    shipped = MODELS_DIR / "thermal-activity"
    (out / "model.onnx").write_bytes((shipped / "model.onnx").read_bytes())
    side = json.loads((shipped / "model.json").read_text())
    side["training"] = {**side["training"], "real": real}
    (out / "model.json").write_text(json.dumps(side))
    return out.parent


def test_a_clip_is_run_only_by_models_that_never_saw_its_group(tmp_path: Path) -> None:
    a = candidate(_models(tmp_path, "fold-a", {"gridfall": ["g1"], "rosendo": ["s"]}))
    b = candidate(_models(tmp_path, "fold-b", {"gridfall": ["g2"], "rosendo": ["s"]}))
    clips = [_clip(1, group="g1"), _clip(2, group="g2"), _clip(3, set_name="rosendo", group="s")]
    chosen, orphans = assign(clips, [a, b], one_fold=True)
    assert {k: v.name for k, v in chosen.items()} == {"c1": "fold-b", "c2": "fold-a"}
    assert [c.id for c in orphans] == ["c3"]  # both trained on it: not evaluated, and said
    with pytest.raises(ProtocolError, match="held out by several folds"):
        assign([_clip(4, group="g9")], [a, b], one_fold=True)


def _recording(path: Path, frames: np.ndarray, t: np.ndarray) -> None:
    with path.open("wb") as f:
        np.savez_compressed(f, frames=frames, t=t, meta=np.array(json.dumps(META)))


def _folder(tmp_path: Path) -> Path:
    """Four small gridfall-like clips (two falls, a walk, a sit) and one broken file."""
    data = tmp_path / "real"
    (data / "gridfall").mkdir(parents=True)
    rng = np.random.default_rng(1)
    rows: list[dict[str, Any]] = []
    for i, label in enumerate(["fall", "fall", "walk", "sit"]):
        frames = (22.0 + 0.2 * rng.standard_normal((100, 8, 8))).astype(np.float32)
        frames[40:, 3:5, 3:6] += 3.0  # somebody arrives and stays
        _recording(data / "gridfall" / f"gridfall_{label}{i}_1.npz", frames, np.arange(100) * 0.1)
        rows.append({"file": f"gridfall/gridfall_{label}{i}_1.npz", "set": "gridfall"})
        rows[-1]["label"] = label
    (data / "gridfall" / "gridfall_fall9_1.npz").write_bytes(b"not a recording")
    rows.append({"file": "gridfall/gridfall_fall9_1.npz", "set": "gridfall", "label": "fall"})
    with (data / "index.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, ["file", "set", "label"])
        writer.writeheader()
        writer.writerows(rows)
    return data


def test_the_command_runs_a_folder_and_reports_failures_and_held_out_clips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _folder(tmp_path)
    models = _models(tmp_path, "models", {"gridfall": ["sit3"]})  # it trained on the sit clip

    out = tmp_path / "report"
    args = ["models", "evaluate", "--real", str(data), "--models-dir", str(models)]
    code = main([*args, "--out", str(out)])
    assert code == 0
    real = json.loads((out / "metrics.json").read_text())["real"]
    g = real["sets"]["gridfall"]
    assert real["run"]["evaluated"] == 4 and g["not_held_out"] == 1
    assert len(g["failed"]) == 1 and "gridfall_fall9_1" in g["failed"][0]
    assert g["fall"]["sensitivity"]["n"] == 2 and g["other"]["alerting"]["n"] == 1
    assert len(list((out / "real-events").glob("*.jsonl"))) == 3  # one per clip that played
    page = (out / "index.html").read_text()
    assert "Real recordings" in page and "never trained" in page and "<script" not in page
    assert "real gridfall | fall clips alerted" in capsys.readouterr().out


def test_write_cards_puts_the_real_figures_into_the_thermal_cards_once(tmp_path: Path) -> None:
    data = _folder(tmp_path)
    models = _models(tmp_path, "models", {"gridfall": ["sit3"]})
    card = models / "thermal-activity" / "CARD.md"
    card.write_text("# thermal-activity\n\nWhat the trainer wrote.\n")
    args = ["models", "evaluate", "--real", str(data), "--models-dir", str(models)]
    for run in ("a", "b"):  # a second run replaces the first run's section
        assert main([*args, "--out", str(tmp_path / run), "--write-cards"]) == 0
    text = card.read_text()
    assert text.startswith("# thermal-activity\n\nWhat the trainer wrote.")
    assert text.count("## Evaluation on real recordings") == 1
    assert "| gridfall | unknown | 0/2 = 0.0 % (0–66) | 0/1 = 0.0 % (0–79) | 0 | 1 |" in text
    assert "**Real data**" in text and "gridfall: non-fall clips alerting" in text


def test_the_command_says_plainly_when_the_folder_is_absent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["models", "evaluate", "--real", str(tmp_path / "nope"), "--out", str(tmp_path)])
    assert code == 2
    assert "real recordings folder not found" in capsys.readouterr().err


def test_the_real_public_recordings_evaluate_without_losing_a_clip(
    real_thermal_dir: Path, tmp_path: Path
) -> None:
    """On the real folder (when given): a sample of every set plays, every clip is counted."""
    out = tmp_path / "report"
    args = ["models", "evaluate", "--real", str(real_thermal_dir), "--limit", "12"]
    code = main([*args, "--out", str(out), "--workers", "2"])
    assert code == 0
    real = json.loads((out / "metrics.json").read_text())["real"]
    for name, s in real["sets"].items():
        counted = sum(
            s[k]["sensitivity" if k == "fall" else "alerting"]["n"]
            for k in ("fall", "other")
            if k in s
        ) + sum(p["clips"] for p in s.get("postures", {}).values())
        assert counted + len(s["failed"]) + s["not_held_out"] == s["clips"], name
    assert set(real["sets"]) == {"bruno", "chandrayee", "gridfall", "natfaulk", "rosendo", "yxiao"}
