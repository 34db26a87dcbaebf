"""Fall engine through the whole pipeline on synthetic rooms, and on its own."""

from collections.abc import Callable

import pytest

from edge_agent.detections import Detection
from edge_agent.engines import EngineFrame, FallEngine, Observation
from edge_agent.perception.config import BedZone, FallConfig, PerceptionConfig, ZonesConfig
from edge_agent.pipeline import Pipeline
from protocol import EventType, FallData, Phase
from tests.unit.edge.edge_scene import (
    Box,
    Scene,
    Step,
    falling,
    lying_floor,
    run,
    script,
    sitting,
    standing,
)

BED: Box = (-2.2, -1.2, 2.0, 4.1, 0.0, 0.55)
BED_ZONE = BedZone(id="bed-1", polygon=[(-2.2, 2.0), (-1.2, 2.0), (-1.2, 4.1), (-2.2, 4.1)])


def _falls(detections: list[Detection]) -> list[Detection]:
    return [d for d in detections if d.type is EventType.FALL]


def _fall_over(x: float, y: float) -> Callable[[float], list[Box]]:
    return lambda f: [falling(x, y, f)]


@pytest.fixture(scope="module")
def fall_and_recover() -> list[Detection]:
    steps: list[Step] = [
        (2.0, [standing(0.3, 3.0)]),
        (0.8, _fall_over(0.3, 3.0)),
        (12.0, [lying_floor(0.3, 3.0)]),
        (5.0, [standing(0.3, 3.5)]),
    ]
    return run(script(Scene(), steps), Pipeline(PerceptionConfig()))


@pytest.mark.recordings
def test_fall_starts_within_seconds_of_landing(fall_and_recover: list[Detection]) -> None:
    falls = _falls(fall_and_recover)
    assert falls[0].phase is Phase.START
    landing = 1_700_000_000.0 + 2.0 + 2.0 + 0.8  # learning, standing, falling
    assert 0 < falls[0].ts - landing < 4.0
    assert isinstance(falls[0].data, FallData) and falls[0].data.height_m < 0.6
    assert falls[0].model.name == "fall"  # the trained model beside the geometric rule


@pytest.mark.recordings
def test_open_fall_reports_growing_time_on_floor(fall_and_recover: list[Detection]) -> None:
    updates = [d for d in _falls(fall_and_recover) if d.phase is Phase.UPDATE]
    assert len(updates) >= 2
    on_floor = [d.data.on_floor_s for d in updates if isinstance(d.data, FallData)]
    assert on_floor == sorted(on_floor) and on_floor[0] >= 5.0


@pytest.mark.recordings
def test_fall_ends_recovered_when_the_person_gets_up(fall_and_recover: list[Detection]) -> None:
    falls = _falls(fall_and_recover)
    [end] = [d for d in falls if d.phase is Phase.END]
    assert isinstance(end.data, FallData) and end.data.recovered is True
    assert {d.episode_id for d in falls} == {end.episode_id}
    assert end is falls[-1]


@pytest.mark.recordings
def test_sitting_down_on_a_chair_is_not_a_fall() -> None:
    steps: list[Step] = [
        (2.0, [standing(0.8, 3.0)]),
        (1.0, [sitting(0.8, 3.0)]),
        (6.0, [sitting(0.8, 3.0)]),
        (2.0, [standing(0.8, 3.0)]),
    ]
    assert _falls(run(script(Scene(), steps), Pipeline(PerceptionConfig()))) == []


@pytest.mark.parametrize("with_zone", [True, False])
@pytest.mark.recordings
def test_lying_down_in_bed_is_not_a_fall(with_zone: bool) -> None:
    on_bed: Box = (-2.0, -1.4, 2.2, 3.9, 0.55, 0.8)
    steps: list[Step] = [
        (2.0, [standing(-0.9, 3.0)]),
        (0.8, [on_bed]),  # drops fast from standing: only the bed's height says "not a fall"
        (8.0, [on_bed]),
    ]
    zones = ZonesConfig(beds=[BED_ZONE]) if with_zone else ZonesConfig()
    pipeline = Pipeline(PerceptionConfig(zones=zones))
    assert _falls(run(script(Scene(furniture=[BED]), steps), pipeline)) == []


@pytest.mark.recordings
def test_fall_in_a_room_with_a_bed_zone_elsewhere_is_still_a_fall() -> None:
    steps: list[Step] = [
        (2.0, [standing(0.8, 2.5)]),
        (0.8, _fall_over(0.8, 2.5)),
        (4.0, [lying_floor(0.8, 2.5)]),
    ]
    pipeline = Pipeline(PerceptionConfig(zones=ZonesConfig(beds=[BED_ZONE])))
    falls = _falls(run(script(Scene(furniture=[BED]), steps), pipeline))
    assert [d.phase for d in falls] == [Phase.START, Phase.END]
    assert isinstance(falls[-1].data, FallData) and falls[-1].data.recovered is False


def _obs(track_id: int, top: float, bottom: float = 0.05, x: float = 0.0) -> Observation:
    return Observation(track_id, x, 2.0, top, bottom, is_person=True, born_t=0.0)


def test_slowly_lying_down_on_the_floor_is_not_a_fall() -> None:
    engine = FallEngine(FallConfig(max_drop_s=2.5))
    out: list[Detection] = []
    for i in range(100):  # 1.7 m → 0.3 m over 10 s
        out += engine.step(i * 0.1, EngineFrame([_obs(1, 1.7 - 1.4 * i / 99)]))
    for i in range(100, 200):
        out += engine.step(i * 0.1, EngineFrame([_obs(1, 0.3)]))
    assert out == []


def test_lost_fallen_person_ends_unrecovered_after_the_timeout() -> None:
    cfg = FallConfig(confirm_s=1.0, lost_end_s=10.0, update_interval_s=5.0)
    engine = FallEngine(cfg)
    out = engine.step(0.0, EngineFrame([_obs(1, 1.7)]))
    out += engine.step(0.5, EngineFrame([_obs(1, 0.3)]))
    out += engine.step(1.6, EngineFrame([_obs(1, 0.3)]))
    assert [d.phase for d in out] == [Phase.START]
    assert engine.step(9.0, EngineFrame([])) == []
    [end] = engine.step(11.7, EngineFrame([]))
    assert end.phase is Phase.END and isinstance(end.data, FallData)
    assert end.data.recovered is False and end.episode_id == out[0].episode_id


def test_a_broken_track_keeps_its_fall_episode() -> None:
    engine = FallEngine(FallConfig(confirm_s=1.0))
    out = engine.step(0.0, EngineFrame([_obs(1, 1.7)]))
    out += engine.step(0.5, EngineFrame([_obs(1, 0.3)]))
    out += engine.step(1.6, EngineFrame([_obs(1, 0.3)]))
    out += engine.step(2.0, EngineFrame([_obs(7, 0.3, x=0.4)]))  # same place, new track id
    out += engine.step(8.0, EngineFrame([_obs(7, 0.3, x=0.4)]))
    assert [d.phase for d in out] == [Phase.START, Phase.UPDATE]
    assert out[1].episode_id == out[0].episode_id
    assert isinstance(out[1].data, FallData) and out[1].data.track_id == 7


@pytest.mark.parametrize(("clearance", "falls"), [(0.25, 0), (1.0, 1)])
@pytest.mark.recordings
def test_lying_on_a_low_bed_is_not_a_fall_because_the_body_rests_above_the_floor(
    clearance: float, falls: int
) -> None:
    low_bed: Box = (-2.2, -1.2, 2.0, 4.1, 0.0, 0.3)
    on_bed: Box = (-2.0, -1.4, 2.2, 3.9, 0.3, 0.52)  # top below the fall height
    steps: list[Step] = [(2.0, [standing(-0.9, 3.0)]), (0.6, [on_bed]), (6.0, [on_bed])]
    config = PerceptionConfig(fall=FallConfig(max_floor_clearance_m=clearance))
    detections = run(script(Scene(furniture=[low_bed]), steps), Pipeline(config))
    assert len([d for d in _falls(detections) if d.phase is Phase.START]) == falls


@pytest.mark.parametrize(("raised", "falls"), [(0.35, 1), (5.0, 0)])
@pytest.mark.recordings
def test_rolling_out_of_bed_onto_the_floor_is_a_fall(raised: float, falls: int) -> None:
    on_bed: Box = (-2.0, -1.4, 2.2, 3.9, 0.55, 0.8)
    beside: Box = (-1.15, -0.7, 2.2, 3.9, 0.0, 0.28)  # on the floor next to the bed
    steps: list[Step] = [
        (2.0, [standing(-0.9, 3.0)]),
        (1.0, [(-2.0, -1.2, 2.6, 3.4, 0.0, 1.3)]),  # sits on the bed
        (6.0, [on_bed]),  # lies in bed well past the drop time
        (0.3, [(-1.6, -0.9, 2.2, 3.9, 0.3, 0.7)]),  # rolls over the edge
        (5.0, [beside]),
    ]
    config = PerceptionConfig(fall=FallConfig(raised_bottom_m=raised))
    detections = run(script(Scene(furniture=[BED]), steps), Pipeline(config))
    assert len([d for d in _falls(detections) if d.phase is Phase.START]) == falls


DARK_FAR = Scene(noise=0.0084, dark_drop=0.5)
"""320×240 stereo noise, and a person in black clothing who loses half their pixels in
blobs that move every frame (as a RealSense camera does on dark fabric)."""


def _dark_far_fall(config: PerceptionConfig) -> list[Detection]:
    steps: list[Step] = [
        (2.0, [standing(0.0, 2.8)]),
        (0.8, _fall_over(0.0, 2.8)),
        (15.0, [lying_floor(0.0, 2.8)]),
    ]
    return run(script(DARK_FAR, steps), Pipeline(config))


@pytest.mark.recordings
def test_person_in_dark_clothing_lying_far_from_the_camera_is_still_a_fall() -> None:
    falls = _falls(_dark_far_fall(PerceptionConfig()))
    landing = 1_700_000_000.0 + 2.0 + 2.0 + 0.8
    assert falls[0].phase is Phase.START and 0 < falls[0].ts - landing < 5.0
    updates = [d for d in falls if d.phase is Phase.UPDATE]
    assert len(updates) >= 2  # still seen on the floor until the end
    assert {d.episode_id for d in falls} == {falls[0].episode_id}
