"""Lying down in a bed or a chair under a thermal array is not a fall: configured zones and
places learned from hours of stillness; a long lie on the floor never becomes a bed."""

import math
from pathlib import Path

from edge_agent.detections import Detection
from edge_agent.perception.config import BedZone, FallConfig, PerceptionConfig, ZonesConfig
from edge_agent.sources.thermal import ThermalRecordingSource
from edge_agent.thermal.config import ThermalFallConfig, ThermalRestConfig
from edge_agent.thermal.fall import Subject, ThermalFallEngine
from edge_agent.thermal.pipeline import ThermalPipeline
from edge_agent.thermal.rest import RestAreas
from edge_agent.thermal.tracker import ThermalTrack
from protocol import EventType, ModelRef, Phase
from simulators.thermal import record_thermal

MODEL = ModelRef(name="thermal-fall", version="1.0.0")
BED = ZonesConfig(
    beds=[BedZone(id="bed-1", polygon=[(1.0, 0.0), (2.0, 0.0), (2.0, 2.0), (1.0, 2.0)])]
)


def _track(x: float, y: float, speed: float = 0.0) -> ThermalTrack:
    return ThermalTrack(
        id=1,
        x=x,
        y=y,
        born_t=0.0,
        last_t=0.0,
        born_x=x,
        born_y=y,
        area_m2=0.3,
        peak_c=3.0,
        top_m=None,
        speed_mps=speed,
        blob_index=0,
        confirmed=True,
    )


def test_a_descent_into_a_configured_bed_starts_no_fall_and_one_beside_it_does() -> None:
    rest = RestAreas(BED, ThermalRestConfig())
    engine = ThermalFallEngine(ThermalFallConfig(), FallConfig(), MODEL)
    in_bed = Subject(1, 0.0, rest.at(1.5, 1.0, 0.0))
    assert in_bed.rest == "bed bed-1"
    for k in range(10):  # the model keeps saying "descent" for 4 s
        assert engine.step(10.0 + 0.4 * k, None, False, in_bed, p_fall=0.95) == []
    assert engine.resting_descents == 1
    beside = Subject(1, 0.0, rest.at(0.5, 1.0, 20.0))
    assert beside.rest is None
    out = engine.step(20.0, None, False, beside, p_fall=0.95)
    assert [d.phase for d in out] == [Phase.START]


def test_hours_of_stillness_in_one_place_make_it_a_rest_place_that_fades() -> None:
    cfg = ThermalRestConfig(learn_h=2.0, forget_days=1.0)
    rest = RestAreas(ZonesConfig(), cfg)
    still, walker = _track(-1.2, 2.3), _track(0.8, 0.8, speed=0.6)
    t = 0.0
    while t < 1.5 * 3600:  # 1.5 h still: not yet
        rest.observe([still, walker], t, learning=True)
        t += 1.0
    assert rest.at(-1.2, 2.3, t) is None
    while t < 2.2 * 3600:
        rest.observe([still, walker], t, learning=True)
        t += 1.0
    assert rest.at(-1.1, 2.4, t) == "learned"  # the same 0.5 m cell
    assert rest.at(0.8, 0.8, t) is None  # walked through, never still
    assert rest.at(-1.2, 1.6, t) is None  # the next cell
    assert rest.learned_cells(t) == 1
    assert rest.at(-1.2, 2.3, t + 86400.0) is None  # a day later it has faded below 2 h


def test_a_long_lie_during_a_fall_episode_teaches_nothing() -> None:
    rest = RestAreas(ZonesConfig(), ThermalRestConfig(learn_h=1.0))
    down = _track(0.3, 1.0)
    for k in range(4 * 3600):
        rest.observe([down], float(k), learning=False)
    assert rest.at(0.3, 1.0, 4 * 3600.0) is None and rest.learned_cells(4 * 3600.0) == 0


def test_learning_can_be_switched_off_and_configured_zones_still_hold() -> None:
    rest = RestAreas(BED, ThermalRestConfig(learn=False, learn_h=0.001))
    for k in range(100):
        rest.observe([_track(-1.0, 1.0)], float(k), learning=True)
    assert rest.at(-1.0, 1.0, 100.0) is None
    assert rest.at(1.2, 0.5, 100.0) == "bed bed-1"


def _falls(recording: Path, zones: ZonesConfig) -> tuple[list[Detection], tuple[float, float]]:
    """Fall detections of a replay, and where the largest warm track was when one started."""
    pipeline = ThermalPipeline(PerceptionConfig(zones=zones))
    source = ThermalRecordingSource(recording, real_time=False, loop=False)
    out: list[Detection] = []
    where = (math.nan, math.nan)
    for frame in source.frames():
        found = [d for d in pipeline.process(frame) if d.type is EventType.FALL]
        seen = [tr for tr in pipeline.tracks if tr.blob_index >= 0]
        if found and not out and seen:
            down = max(seen, key=lambda tr: tr.area_m2)
            where = (down.x, down.y)
        out += found
    return out, where


def test_the_same_descent_is_a_fall_on_the_floor_and_not_in_a_bed_drawn_where_it_landed(
    tmp_path: Path,
) -> None:
    clip = tmp_path / "fall.npz"
    record_thermal(
        "walk_fall_forward", clip, sensor="mlx90640", seed=5, max_seconds=22.0, powered_for_s=120.0
    )
    falls, (x, y) = _falls(clip, ZonesConfig())
    assert falls and falls[0].phase is Phase.START and math.isfinite(x)
    outline = [(x - 1.0, y - 1.2), (x + 1.0, y - 1.2), (x + 1.0, y + 1.2), (x - 1.0, y + 1.2)]
    in_bed, _ = _falls(clip, ZonesConfig(beds=[BedZone(id="bed-1", polygon=outline)]))
    assert in_bed == []


def _learn(rest: RestAreas, hours: float) -> float:
    t = 0.0
    while t < hours * 3600:
        rest.observe([_track(-1.2, 2.3)], t, learning=True)
        rest.keep(t)
        t += 1.0
    return t


def test_learned_rest_places_survive_a_restart(tmp_path: Path) -> None:
    cfg = ThermalRestConfig(learn_h=1.0, state_file=tmp_path / "state" / "rest.json")
    before = RestAreas(ZonesConfig(), cfg)
    t = _learn(before, 1.2)
    before.keep(t, now=True)  # the stream ends: written at once
    after = RestAreas(ZonesConfig(), cfg)  # the agent reboots
    assert after.at(-1.2, 2.3, t + 60.0) == "learned"
    assert after.at(0.8, 0.8, t + 60.0) is None
    # Without a file, a reboot forgets.
    assert RestAreas(ZonesConfig(), ThermalRestConfig(learn_h=1.0)).at(-1.2, 2.3, t) is None


def test_rest_places_are_written_while_running_not_only_at_the_end(tmp_path: Path) -> None:
    """A power cut loses at most `SAVE_EVERY_S` of learning, not hours."""
    state = tmp_path / "rest.json"
    rest = RestAreas(ZonesConfig(), ThermalRestConfig(learn_h=1.0, state_file=state))
    t = _learn(rest, 1.2)  # never told the stream ended
    assert (
        RestAreas(ZonesConfig(), ThermalRestConfig(learn_h=1.0, state_file=state)).at(-1.2, 2.3, t)
        == "learned"
    )


def test_a_corrupt_rest_file_is_set_aside_and_learning_starts_again(tmp_path: Path) -> None:
    state = tmp_path / "rest.json"
    state.write_text('{"format": "ambient.thermal-rest/1", "cell_m": 0.5, "cells": [[1, 2, "x"')
    cfg = ThermalRestConfig(learn_h=1.0, state_file=state)
    rest = RestAreas(ZonesConfig(), cfg)  # does not raise: the room is still watched
    assert rest.learned_cells(0.0) == 0
    assert not state.exists()
    assert (tmp_path / "rest.json.corrupt").read_text().startswith('{"format"')
    t = _learn(rest, 1.2)
    rest.keep(t, now=True)
    assert RestAreas(ZonesConfig(), cfg).at(-1.2, 2.3, t) == "learned"


def test_a_rest_file_of_another_cell_size_is_not_reused(tmp_path: Path) -> None:
    state = tmp_path / "rest.json"
    rest = RestAreas(ZonesConfig(), ThermalRestConfig(learn_h=1.0, state_file=state))
    rest.keep(_learn(rest, 1.2), now=True)
    other = RestAreas(ZonesConfig(), ThermalRestConfig(learn_h=1.0, cell_m=1.0, state_file=state))
    assert other.learned_cells(1.2 * 3600) == 0
