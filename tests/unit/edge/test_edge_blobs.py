"""People as 3-D blobs and tracks: heights, counts, ids, connected components."""

import numpy as np
import pytest

from edge_agent.perception.blobs import label_components
from edge_agent.perception.config import PerceptionConfig, TrackingConfig
from edge_agent.perception.tracker import Tracker
from edge_agent.pipeline import Pipeline
from tests.unit.edge.edge_scene import Box, Scene, Step, lying_floor, script, sitting, standing


def _reference_labels(mask: np.ndarray) -> np.ndarray:
    """Plain flood fill (8-connected), for comparison."""
    labels = np.zeros(mask.shape, dtype=int)
    n = 0
    for start in zip(*np.nonzero(mask), strict=True):
        if labels[start]:
            continue
        n += 1
        stack = [start]
        labels[start] = n
        while stack:
            y, x = stack.pop()
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    yy, xx = y + dy, x + dx
                    inside = 0 <= yy < mask.shape[0] and 0 <= xx < mask.shape[1]
                    if inside and mask[yy, xx] and not labels[yy, xx]:
                        labels[yy, xx] = n
                        stack.append((yy, xx))
    return labels


@pytest.mark.parametrize("seed", range(5))
def test_connected_components_match_a_flood_fill(seed: int) -> None:
    mask = np.random.default_rng(seed).random((40, 60)) < 0.45
    labels, n = label_components(mask)
    ref = _reference_labels(mask)
    assert n == ref.max()
    # Same partition: a one-to-one mapping between label sets.
    pairs = set(zip(labels[mask].tolist(), ref[mask].tolist(), strict=True))
    assert len(pairs) == n


def test_empty_grid_has_no_components() -> None:
    labels, n = label_components(np.zeros((5, 5), dtype=bool))
    assert n == 0 and not labels.any()


def _tracks_after(boxes: list[Box], seconds: float = 1.0) -> Pipeline:
    pipeline = Pipeline(PerceptionConfig())
    for frame in script(Scene(), [(seconds, boxes)]):
        pipeline.process(frame)
    return pipeline


@pytest.mark.parametrize(("x", "y"), [(0.0, 2.0), (1.2, 3.5), (-1.5, 4.5)])
@pytest.mark.recordings
def test_standing_person_is_one_blob_of_their_height(x: float, y: float) -> None:
    pipeline = _tracks_after([standing(x, y, 1.75)])
    [track] = pipeline.tracks
    assert track.top_m == pytest.approx(1.75, abs=0.1)
    assert track.is_person
    # The centroid is on the visible (camera) side of the body, within its footprint.
    assert (track.x, track.y) == pytest.approx((x, y), abs=0.25)


@pytest.mark.recordings
def test_person_lying_on_the_floor_is_low_with_body_points_near_the_floor() -> None:
    pipeline = _tracks_after([lying_floor(0.0, 2.5)])
    [track] = pipeline.tracks
    assert track.top_m < 0.5
    assert track.bottom_m < 0.25


@pytest.mark.recordings
def test_two_people_apart_are_two_tracks_and_keep_their_ids_while_walking() -> None:
    scene = Scene()
    steps: list[Step] = [(0.5, [standing(-1.0, 3.0), standing(1.0, 3.0)])]
    steps += [
        (0.1, [standing(-1.0, 3.0 + 0.05 * i), standing(1.0, 3.0 - 0.05 * i)]) for i in range(10)
    ]
    pipeline = Pipeline(PerceptionConfig())
    ids_seen: list[list[int]] = []
    for frame in script(scene, steps):
        pipeline.process(frame)
        if pipeline.ready and pipeline.tracks:
            ids_seen.append(sorted(t.id for t in pipeline.tracks))
    assert ids_seen[-1] == ids_seen[0] and len(ids_seen[0]) == 2
    left = min(pipeline.tracks, key=lambda t: t.x)
    assert left.y > 3.2


@pytest.mark.recordings
def test_sitting_person_is_not_floor_low() -> None:
    pipeline = _tracks_after([sitting(0.5, 3.0)])
    [track] = pipeline.tracks
    assert 1.1 < track.top_m < 1.45


def test_tracks_survive_a_short_gap_and_are_dropped_after_a_long_one() -> None:
    from edge_agent.perception.blobs import Blob

    blob = Blob(0.0, 2.0, 0.8, 1.7, 0.3, 0.4, 0.3, 0.1, 500, 0.5)
    tracker = Tracker(TrackingConfig(max_missing_s=1.0))
    [first] = tracker.update([blob], 0.0)
    assert tracker.update([], 0.5)  # missing, still alive
    [again] = tracker.update([blob], 0.9)
    assert again.id == first.id
    assert tracker.update([], 2.0) == []
