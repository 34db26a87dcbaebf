"""Shadow mode: a candidate model version runs beside the live one on the same frames; its
events are marked ``shadow`` and the aggregator never alerts on them."""

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

import models
from aggregator import samples
from aggregator.rules.engine import route_event
from edge_agent.detections import Detection
from edge_agent.models_config import ModelsConfig
from edge_agent.perception.config import PerceptionConfig
from edge_agent.pipeline import Pipeline
from protocol import EventType, Phase
from tests.unit.edge.edge_scene import Scene, Step, falling, lying_floor, run, script, standing

FALL_DIR = Path(models.__file__).parent / "fall"


def _fall_scene() -> list[Step]:
    return [
        (2.0, [standing(0.3, 3.0)]),
        (0.8, lambda f: [falling(0.3, 3.0, f)]),
        (12.0, [lying_floor(0.3, 3.0)]),
        (5.0, [standing(0.3, 3.5)]),
    ]


@pytest.mark.recordings
def test_shadow_fall_model_reports_beside_the_live_one_marked_shadow() -> None:
    config = PerceptionConfig(models=ModelsConfig(shadow={"fall": FALL_DIR}))
    detections = run(script(Scene(), _fall_scene()), Pipeline(config))
    falls = [d for d in detections if d.type is EventType.FALL]
    live = [d for d in falls if not d.shadow]
    shadow = [d for d in falls if d.shadow]
    assert [d.phase for d in live][:1] == [Phase.START] and live[-1].phase is Phase.END
    assert [d.phase for d in shadow][:1] == [Phase.START] and shadow[-1].phase is Phase.END
    assert {d.episode_id for d in live}.isdisjoint({d.episode_id for d in shadow})
    # Only the shadowed engine runs twice: nothing else is duplicated.
    others = [d for d in detections if d.type is not EventType.FALL]
    assert not any(d.shadow for d in others)


@pytest.mark.recordings
def test_without_shadow_config_nothing_is_marked_shadow() -> None:
    detections: list[Detection] = run(script(Scene(), _fall_scene()), Pipeline(PerceptionConfig()))
    assert detections and not any(d.shadow for d in detections)


def test_the_aggregator_never_alerts_on_a_shadow_event() -> None:
    st = samples.stamper()
    live = samples.fall(st, Phase.START, uuid.uuid4(), 1_700_000_000.0)
    shadow = live.model_copy(update={"shadow": True})
    now = datetime.now(UTC)
    assert route_event(live, now, None) is not None
    assert route_event(shadow, now, None) is None
