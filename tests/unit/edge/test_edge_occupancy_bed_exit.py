"""Occupancy (debounced people count) and bed exit for fall-risk beds."""

import pytest

from edge_agent.detections import Detection
from edge_agent.engines import BedExitEngine, EngineFrame, Observation, OccupancyEngine
from edge_agent.perception.config import (
    BedExitConfig,
    BedZone,
    OccupancyConfig,
    PerceptionConfig,
)
from edge_agent.pipeline import Pipeline
from protocol import BedExitData, EventType, OccupancyData, Phase
from tests.unit.edge.edge_scene import Scene, Step, run, script, standing


def _counts(detections: list[Detection]) -> list[int]:
    return [d.data.count for d in detections if isinstance(d.data, OccupancyData)]


@pytest.mark.recordings
def test_people_walking_in_are_counted_once_each() -> None:
    steps: list[Step] = [
        (3.0, [standing(-1.0, 3.0)]),
        (3.0, [standing(-1.0, 3.0), standing(1.0, 2.5)]),
        (6.0, []),
    ]
    detections = run(script(Scene(), steps), Pipeline(PerceptionConfig()))
    assert _counts(detections) == [1, 2, 0]
    assert all(d.phase is Phase.INSTANT for d in detections if d.type is EventType.OCCUPANCY)


def test_a_count_that_flickers_shorter_than_the_debounce_is_not_reported() -> None:
    engine = OccupancyEngine(OccupancyConfig(debounce_s=2.0))
    one, none = EngineFrame(people=1), EngineFrame(people=0)
    out = engine.step(0.0, one) + engine.step(1.0, one)  # 1 for only a second
    out += engine.step(1.5, none) + engine.step(5.0, none)
    assert out == []
    [event] = [d for t in range(60, 90) for d in engine.step(t / 10, EngineFrame(people=2))]
    assert isinstance(event.data, OccupancyData) and event.data.count == 2
    assert event.ts >= 8.0


BED = BedZone(id="bed-7", polygon=[(0.0, 0.0), (1.0, 0.0), (1.0, 2.0), (0.0, 2.0)], fall_risk=True)


def _patient(top: float, x: float = 0.5, bottom: float = 0.6, track: int = 3) -> Observation:
    inside = 0.0 <= x <= 1.0
    return Observation(
        track,
        x,
        1.0,
        top,
        bottom,
        is_person=True,
        born_t=0.0,
        zone_id="bed-7" if inside else None,
        zone_kind="bed" if inside else None,
        fall_risk=inside,
    )


def _stages(out: list[Detection]) -> list[tuple[Phase, str]]:
    return [(d.phase, d.data.stage) for d in out if isinstance(d.data, BedExitData)]


def test_sit_up_stand_beside_the_bed_walk_away_come_back_and_lie_down() -> None:
    engine = BedExitEngine(BedExitConfig(exit_s=2.0, return_s=5.0, exit_margin_m=0.3), [BED])
    out: list[Detection] = []
    timeline = [(0, 10, _patient(0.8))]  # lying
    timeline += [(10, 15, _patient(1.4))]  # sitting up
    timeline += [(15, 17, _patient(1.45, x=1.15, bottom=0.1))]  # on the edge, legs down
    timeline += [(17, 30, _patient(1.7, x=1.8, bottom=0.05))]  # standing, walking
    timeline += [(30, 40, _patient(0.8))]  # back in bed
    for start, end, obs in timeline:
        for i in range(start * 10, end * 10):
            out += engine.step(i / 10, EngineFrame([obs]))
    assert _stages(out) == [
        (Phase.START, "predicted"),
        (Phase.UPDATE, "exit"),
        (Phase.END, "return"),
    ]
    assert len({d.episode_id for d in out}) == 1 and all(d.bed == "bed-7" for d in out)
    predicted, exited, back = out
    assert 10.0 <= predicted.ts < 10.5
    assert 19.0 <= exited.ts < 19.5  # 2 s after leaving the bed, not while on the edge
    assert 35.0 <= back.ts < 35.5


def test_beds_without_fall_risk_and_nurses_beside_the_bed_raise_nothing() -> None:
    calm = BedZone(id="bed-8", polygon=BED.polygon, fall_risk=False)
    assert BedExitEngine(BedExitConfig(), [calm]).step(0.0, EngineFrame([_patient(1.4)])) == []
    engine = BedExitEngine(BedExitConfig(), [BED])
    nurse = _patient(1.7, x=1.4, bottom=0.05, track=9)
    out = [d for i in range(100) for d in engine.step(i / 10, EngineFrame([_patient(0.8), nurse]))]
    assert out == []
