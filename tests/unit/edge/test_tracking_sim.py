"""Four people in a simulated hospital room, through the real source and pipeline, scored
against the simulator's labels: people counted, and identity switches.

Four staff enter one after another and walk back and forth across each other's paths, so
they pass close, merge into one blob and hide one another from the camera. The recording is
rendered once into the recordings cache (about half a minute), reused afterwards.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from edge_agent.perception.config import PerceptionConfig
from edge_agent.perception.tracker import assign
from edge_agent.pipeline import Pipeline
from edge_agent.sources.realsense import RealSenseSource
from simulators.cache import cached_recording
from simulators.recording import Labels, read_labels

MATCH_M = 0.8
"""A track within this of a person's labelled position (the pelvis; the blob centroid is
on the camera's side of the body) is that person."""
ALONE_M = 1.0
"""Identities are scored while a person is at least this far from everyone else."""


@pytest.fixture(scope="module")
def recording() -> Path:
    return cached_recording("four_people", width=320, height=240, fps=15)


def _to_pipeline_frame(labels: Labels) -> Callable[[float, float], tuple[float, float]]:
    """Simulator world → the pipeline's room frame (origin on the floor below the camera,
    y along its view), from the camera pose in the labels."""
    pose = labels.meta["camera"]["pose"]
    rot, (cx, cy, _) = pose["rotation_cam_to_world"], pose["position"]
    right = (rot[0][0], rot[1][0])
    norm = math.hypot(rot[0][2], rot[1][2])
    ahead = (rot[0][2] / norm, rot[1][2] / norm)

    def convert(x: float, y: float) -> tuple[float, float]:
        dx, dy = x - cx, y - cy
        return (dx * right[0] + dy * right[1], dx * ahead[0] + dy * ahead[1])

    return convert


@dataclass
class Score:
    frames: int = 0
    counted_right: int = 0
    matched: int = 0
    """Person-frames where a track was near the person."""
    person_frames: int = 0
    switches: int = 0
    """A person seen alone has another track id than when last seen alone."""
    last_id: dict[int, int] = field(default_factory=dict)


def _score(recording: Path) -> Score:
    labels = read_labels(recording)
    convert = _to_pipeline_frame(labels)
    pipeline = Pipeline(PerceptionConfig())
    source = RealSenseSource(recording, real_time=False, loop=False)
    score = Score()
    try:
        for frame, truth in zip(source.frames(), labels.frames, strict=False):
            pipeline.process(frame)
            inside = [p for p in truth["persons"] if p["in_room"] and p["position"][1] > 0.6]
            if not pipeline.ready or len(inside) < len(truth["persons"]):
                continue  # score only with everyone inside, clear of the door
            tracks = [tr for tr in pipeline.tracks if tr.is_person]
            score.frames += 1
            score.counted_right += len(tracks) == len(inside)
            where = [convert(*p["position"][:2]) for p in inside]
            cost = [[math.dist(w, (tr.x, tr.y)) for tr in tracks] for w in where]
            score.person_frames += len(inside)
            for r, c in assign(cost) if tracks else []:
                if cost[r][c] > MATCH_M:
                    continue
                score.matched += 1
                if any(math.dist(where[r], w) < ALONE_M for w in where if w is not where[r]):
                    continue  # who is who inside a group is not scored, only coming out of it
                person, track_id = inside[r]["id"], tracks[c].id
                previous = score.last_id.setdefault(person, track_id)
                score.switches += previous != track_id
                score.last_id[person] = track_id
    finally:
        source.close()
    return score


@pytest.mark.recordings
def test_four_people_walking_across_paths_are_counted_and_keep_their_ids(
    recording: Path,
) -> None:
    score = _score(recording)
    assert score.frames > 300  # over 20 s with all four inside
    assert score.counted_right / score.frames >= 0.95
    assert score.matched / score.person_frames >= 0.95
    # Three of them keep meeting in the middle of the room as one blob and part again; who
    # is who after such a meeting is not always recoverable from positions and heights (9
    # switches here; greedy nearest-neighbour association without prediction made 14).
    assert score.switches <= 12, score
