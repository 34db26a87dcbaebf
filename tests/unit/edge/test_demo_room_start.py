"""The demo's room 416: the patient lies in bed from the first frame; the tile must say so.

The demo installs each agent as a real one would be (bed zone drawn, empty room learned into
a floor calibration and an empty-room reference) and then plays the room's recording. This
replays room 416 through the device config and state files the demo writes, on the
recording's own clock, and checks what the nurse-station tile is built from: an occupancy
of one and the patient's activity "in bed", within seconds of the first frame.
"""

import math
from pathlib import Path

import pytest

from ambient.demo import DEMO_SIZE, ROOMS, device_config, learn_empty_room
from edge_agent.config import load_config
from edge_agent.detections import Detection
from edge_agent.perception.reference import reference_path
from edge_agent.pipeline import Pipeline
from edge_agent.sources.realsense import RealSenseSource
from protocol import ActivityData, ActivityState, EventType, OccupancyData
from simulators.cache import cached_recording

[ROOM_416] = [room for room in ROOMS if room.room == "416"]


def _play(recording: Path, pipeline: Pipeline, seconds: float) -> list[tuple[float, Detection]]:
    """(seconds since the first frame, detection) for the first ``seconds``."""
    source = RealSenseSource(recording, real_time=False, loop=False)
    out: list[tuple[float, Detection]] = []
    t0 = math.nan
    try:
        for frame in source.frames():
            t0 = frame.t if math.isnan(t0) else t0
            if frame.t - t0 > seconds:
                break
            out += [(d.ts - t0, d) for d in pipeline.process(frame)]
    finally:
        source.close()
    return out


@pytest.mark.recordings
def test_room_416_shows_its_patient_in_bed_within_seconds(tmp_path: Path) -> None:
    recording = cached_recording(ROOM_416.scenario, seed=ROOM_416.seed, **DEMO_SIZE)
    config_path = device_config(tmp_path, ROOM_416, recording, broker_port=1883)
    learn_empty_room(ROOM_416, config_path)
    perception = load_config(config_path).perception
    assert perception.calibration_file is not None and perception.zones.beds
    assert reference_path(perception.calibration_file).exists()

    pipeline = Pipeline(perception)
    events = _play(recording, pipeline, seconds=15.0)

    counts = [(t, d.data.count) for t, d in events if isinstance(d.data, OccupancyData)]
    states = [(t, d.data.state) for t, d in events if isinstance(d.data, ActivityData)]
    assert counts and counts[0][1] == 1 and counts[0][0] <= 6.0, counts
    assert states and states[0][0] <= 6.0, states
    assert {s for _, s in states} == {ActivityState.IN_BED}
    assert pipeline.found_at_start == 0  # found through the reference, not guessed by shape
    assert not [d for _, d in events if d.type is EventType.FALL]


@pytest.mark.recordings
def test_learning_the_room_is_refused_with_someone_in_it(tmp_path: Path) -> None:
    from edge_agent.install import InstallError
    from edge_agent.install import learn_empty_room as learn

    recording = cached_recording(ROOM_416.scenario, seed=ROOM_416.seed, **DEMO_SIZE)
    config_path = device_config(tmp_path, ROOM_416, recording, broker_port=1883)
    perception = load_config(config_path).perception
    source = RealSenseSource(recording, real_time=False, loop=False)
    with pytest.raises(InstallError, match="clear the room"):
        learn(source, perception)
    assert perception.calibration_file is not None
    assert not perception.calibration_file.exists()
    assert not reference_path(perception.calibration_file).exists()
