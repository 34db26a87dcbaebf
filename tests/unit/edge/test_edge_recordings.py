"""Replays simulated RealSense recordings through the real source and pipeline.

The simulator renders each scenario once into ~/.cache/ambient (about half a minute the
first time, reused afterwards); labels give the ground truth. 320×240 keeps the files small
and is the harder case: stereo noise doubles at half resolution.
"""

import math
from pathlib import Path

import pytest

from edge_agent.detections import Detection
from edge_agent.perception.config import BedZone, PerceptionConfig, ZonesConfig
from edge_agent.pipeline import Pipeline
from edge_agent.sources.realsense import RealSenseSource
from protocol import BedExitData, EventType, FallData, Phase
from simulators.cache import cached_recording
from simulators.recording import Labels, read_labels

SIZE = {"width": 320, "height": 240}


def _replay(recording: Path, config: PerceptionConfig) -> tuple[list[Detection], float]:
    """Detections and the recording's first frame time."""
    source = RealSenseSource(recording, real_time=False, loop=False)
    pipeline = Pipeline(config)
    out: list[Detection] = []
    t0 = t = math.nan
    try:
        for frame in source.frames():
            t = frame.t
            t0 = t if math.isnan(t0) else t0
            out += pipeline.process(frame)
    finally:
        source.close()
    return out + pipeline.flush(t), t0


@pytest.mark.recordings
def test_long_lie_keeps_reporting_until_the_end_of_the_recording() -> None:
    recording = cached_recording("home_fall", **SIZE)
    [fall] = read_labels(recording).events
    detections, t0 = _replay(recording, PerceptionConfig())
    falls = [d for d in detections if d.type is EventType.FALL]
    assert falls[0].phase is Phase.START and 0 <= falls[0].ts - (t0 + fall["landing"]) <= 10.0
    updates = [d.ts for d in falls if d.phase is Phase.UPDATE]
    gaps = [b - a for a, b in zip([falls[0].ts, *updates], updates, strict=False)]
    assert len(updates) >= 7 and max(gaps) <= 5.5  # the person never fades into the background
    assert {d.episode_id for d in falls} == {falls[0].episode_id}


def _bed_zone(labels: Labels) -> BedZone:
    """The simulated bed's outline in the pipeline's room frame (origin below the camera,
    y along the camera's view on the floor), from the camera pose in the labels."""
    pose = labels.meta["camera"]["pose"]
    rot, (cx, cy, _) = pose["rotation_cam_to_world"], pose["position"]
    right = (rot[0][0], rot[1][0])
    norm = math.hypot(rot[0][2], rot[1][2])
    ahead = (rot[0][2] / norm, rot[1][2] / norm)
    bed = labels.meta["room"]["furniture"]["bed"]
    (x0, y0), (x1, y1) = bed["lo"][:2], bed["hi"][:2]

    def room(x: float, y: float) -> tuple[float, float]:
        dx, dy = x - cx, y - cy
        return (dx * right[0] + dy * right[1], dx * ahead[0] + dy * ahead[1])

    corners = [room(x0, y0), room(x1, y0), room(x1, y1), room(x0, y1)]
    return BedZone(id="bed-1", polygon=corners, fall_risk=True)


def _starts(detections: list[Detection], kind: EventType) -> list[Detection]:
    return [d for d in detections if d.type is kind and d.phase is Phase.START]


@pytest.mark.recordings
def test_forward_fall_is_one_episode_alerted_within_10_s_of_landing() -> None:
    recording = cached_recording("walk_fall_forward", **SIZE)
    [fall] = read_labels(recording).events
    detections, t0 = _replay(recording, PerceptionConfig())
    falls = [d for d in detections if d.type is EventType.FALL]
    [start] = _starts(detections, EventType.FALL)
    assert 0 <= start.ts - (t0 + fall["landing"]) <= 10.0
    assert {d.episode_id for d in falls} == {start.episode_id}
    [end] = [d for d in falls if d.phase is Phase.END]
    assert isinstance(end.data, FallData) and end.data.recovered is True
    assert end.ts >= t0 + fall["lie_end"]


@pytest.mark.parametrize("scenario", ["walk_sit_stand", "bed_exit"])
@pytest.mark.recordings
def test_sitting_down_and_getting_out_of_bed_are_not_falls(scenario: str) -> None:
    detections, _ = _replay(cached_recording(scenario, **SIZE), PerceptionConfig())
    assert [d for d in detections if d.type is EventType.FALL] == []
    assert any(d.type is EventType.OCCUPANCY for d in detections)


@pytest.mark.recordings
def test_bed_exit_is_predicted_before_the_patient_stands_and_reported_when_out() -> None:
    recording = cached_recording("bed_exit", **SIZE)
    labels = read_labels(recording)
    [label] = labels.events
    config = PerceptionConfig(zones=ZonesConfig(beds=[_bed_zone(labels)]))
    detections, t0 = _replay(recording, config)
    exits = [d for d in detections if d.type is EventType.BED_EXIT]
    stages = [(d.phase.value, d.data.stage) for d in exits if isinstance(d.data, BedExitData)]
    # Ends when the recording does, still out of bed: the episode is closed, not left open.
    assert stages == [("start", "predicted"), ("update", "exit"), ("end", "exit")]
    predicted, out, _ = exits
    assert predicted.bed == "bed-1" and predicted.episode_id == out.episode_id
    # The warning comes while sitting up, well before standing; the exit when standing.
    assert predicted.ts - t0 < label["edge"]
    assert label["stand_onset"] <= out.ts - t0 <= label["exit"] + 5.0
    assert [d for d in detections if d.type is EventType.FALL] == []
