"""The report and the cards drawn from hand-made scores: every task, met and missed."""

import json
import re
from pathlib import Path
from typing import Any

from models.evaluate import cards, metrics, report
from models.evaluate.events import Ev
from models.evaluate.items import Truth

LABELS = [
    {"event": "fall", "person": 1, "kind": "collapse", "onset": 9.0, "landing": 10.0, "end": None},
    {
        "event": "bed_exit",
        "person": 1,
        "onset": 100.0,
        "edge": 110.0,
        "stand_onset": 118.0,
        "exit": 125.0,
    },
    {"event": "stand_up", "person": 1, "onset": 118.0, "end": 125.0},
    {"event": "room_entry", "person": 2, "role": "staff", "t": 200.0, "hand_rub": True},
    {
        "event": "room_exit",
        "person": 2,
        "role": "staff",
        "t": 260.0,
        "hand_rub": False,
        "patient_contact": True,
    },
]
EVENTS = [
    Ev("fall", "start", 11.0, 0.9, {}, "fall-rule/0.2.0"),
    Ev("bed_exit", "start", 112.0, 0.8, {"stage": "predicted"}, "bed-exit-rule/0.1.0"),
    Ev(
        "mobility",
        "start",
        108.0,
        0.7,
        {"previous": "in_bed", "state": "sitting_edge", "staff_count": 0},
        "mobility-rule/0.1.0",
    ),
    Ev(
        "mobility",
        "update",
        121.0,
        0.7,
        {"previous": "sitting_edge", "state": "standing", "staff_count": 0},
        "mobility-rule/0.1.0",
    ),
    Ev(
        "hand_hygiene",
        "instant",
        201.0,
        0.9,
        {"direction": "entry", "dispenser_used": True},
        "hand-hygiene-rule/0.1.0",
    ),
    Ev(
        "hand_hygiene",
        "instant",
        262.0,
        0.9,
        {"direction": "exit", "dispenser_used": True},
        "hand-hygiene-rule/0.1.0",
    ),
]


def _summary() -> dict[str, Any]:
    truth = Truth(
        "clip-1", "clip", {"width": 320, "height": 240, "fps": 15}, LABELS, [], 0.0, 300.0
    )
    run = metrics.ItemRun(truth, EVENTS, 300.0, {"room": "hospital_single", "mount": "corner"})
    return metrics.summarise([run], {"dataset": "tiny", "split": "test", "clips": 1, "failed": []})


def test_every_task_is_scored_and_drawn() -> None:
    summary = _summary()
    verdicts = {t["key"]: t["verdict"] for t in summary["targets"]}
    assert verdicts["fall_sensitivity"] == "not shown"  # 1/1: the interval is too wide
    assert verdicts["bed_exit_median_lead_s"] == "missed"  # warned 13 s before the exit
    assert verdicts["dispenser_specificity"] == "missed"  # the exit without a rub was missed
    assert verdicts["mobility_sensitivity"] == "not shown"  # 2/2
    assert verdicts["staff_count_accuracy"] == "not run"  # no assisted transition labelled
    page = report.render(summary)
    assert len(re.findall(r"<svg", page)) >= 6
    assert 'class="missed"' in page and 'class="not-shown"' in page
    assert "Not run" not in page
    json.dumps(summary)  # metrics.json must be plain JSON


def test_cards_name_simulated_data_and_the_engine_that_really_ran(tmp_path: Path) -> None:
    (tmp_path / "dispenser").mkdir()
    (tmp_path / "dispenser" / "model.json").write_text(
        json.dumps(
            {
                "name": "dispenser",
                "version": "0.1.0",
                "task": "dispenser",
                "training": {"dataset": "sim1"},
                "metrics": {"val_accuracy": 0.97},
            }
        )
    )
    written = cards.write_cards(tmp_path, _summary())
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "dispenser/CARD.md",
        "rules/CARD.md",
    ]
    card = (tmp_path / "dispenser" / "CARD.md").read_text()
    assert "Simulated data only" in card
    assert "did not use this model" in card and "hand-hygiene-rule/0.1.0" in card
    assert "val_accuracy 0.97" in card
    rules = (tmp_path / "rules" / "CARD.md").read_text()
    # the rule engine, not the dispenser model, made the hand-hygiene events
    assert "## fall" in rules and "## hand hygiene" in rules


def test_a_trainers_card_is_kept_and_the_evaluation_replaced(tmp_path: Path) -> None:
    (tmp_path / "fall").mkdir()
    (tmp_path / "fall" / "model.json").write_text(json.dumps({"name": "fall", "version": "1"}))
    (tmp_path / "fall" / "CARD.md").write_text("# fall 1\n\nArchitecture: MLP 20x7-32-2\n")
    cards.write_cards(tmp_path, _summary())
    cards.write_cards(tmp_path, _summary())
    card = (tmp_path / "fall" / "CARD.md").read_text()
    assert card.startswith("# fall 1\n\nArchitecture: MLP 20x7-32-2\n")
    assert card.count(cards.MARKER) == 1 and card.count("## Evaluation on held-out") == 1
    assert "Falls alerted within 10 s of landing: 100.0% (1/1" in card
