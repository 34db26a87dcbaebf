"""Background over minutes and hours, default settings: furniture that moved joins the
background within ``update_after_s``; a person lying still after a fall never does.

Frames are cheap: each distinct scene is ray cast once and only the sensor noise is drawn
per frame, and after the action frames come every couple of seconds (the models work in
seconds, not frames), so an hour of room time runs in a few seconds.
"""

from collections.abc import Iterator

import pytest

from edge_agent.perception.config import PerceptionConfig
from edge_agent.perception.tracker import Track
from edge_agent.pipeline import Pipeline
from tests.unit.edge.edge_scene import Box, CachedRoom, falling, lying_floor, standing

CHAIR_AT_WALL: Box = (1.4, 1.9, 4.6, 5.1, 0.0, 0.9)
CHAIR_MOVED: Box = (0.2, 0.7, 2.6, 3.1, 0.0, 0.9)


def _steps(t0: float, t1: float, dt: float) -> Iterator[float]:
    """t0 (excluded) to t1 (included) every dt."""
    n = round((t1 - t0) / dt)
    return (t0 + i * dt for i in range(1, n + 1))


def _learn(room: CachedRoom, pipeline: Pipeline, boxes: list[Box]) -> None:
    """Seconds 0 to 2."""
    for t in _steps(-0.1, 2.0, 0.1):
        pipeline.process(room.frame(t, boxes))
    assert pipeline.ready


def _near(tracks: list[Track], box: Box) -> list[Track]:
    cx, cy = (box[0] + box[1]) / 2, (box[2] + box[3]) / 2
    return [tr for tr in tracks if abs(tr.x - cx) < 0.6 and abs(tr.y - cy) < 0.6]


@pytest.mark.recordings
def test_a_chair_pushed_to_a_new_place_joins_the_background_within_a_minute() -> None:
    room, pipeline = CachedRoom(), Pipeline(PerceptionConfig())
    _learn(room, pipeline, [CHAIR_AT_WALL])
    # Someone walks to the chair (2-4 s), pushes it 2 m into the room (4-8 s), walks out of
    # view (8-11 s), leaving the chair.
    for t in _steps(2.0, 4.0, 0.1):
        u = (t - 2.0) / 2.0
        pipeline.process(room.frame(t, [CHAIR_AT_WALL, standing(-1.5 + 3.0 * u, 4.0 + 0.4 * u)]))
    for t in _steps(4.0, 8.0, 0.1):
        u = round((t - 4.0) / 4.0, 1)  # ten positions, each ray cast once
        dx, dy = -1.2 * u, -2.0 * u
        chair = (
            CHAIR_AT_WALL[0] + dx,
            CHAIR_AT_WALL[1] + dx,
            CHAIR_AT_WALL[2] + dy,
            CHAIR_AT_WALL[3] + dy,
            0.0,
            0.9,
        )
        pipeline.process(room.frame(t, [chair, standing(chair[0] + 0.25, chair[3] + 0.3)]))
    for t in _steps(8.0, 11.0, 0.1):
        u = round((t - 8.0) / 3.0, 1)
        pipeline.process(room.frame(t, [CHAIR_MOVED, standing(0.45 - 2.5 * u, 3.4 + 0.3 * u)]))
    chair_track, walker = sorted(pipeline.tracks, key=lambda tr: tr.top_m)
    assert walker.is_person and not chair_track.is_person  # the person kept their own id
    seen_until = 11.0
    for t in _steps(11.0, 131.0, 1.0):  # two minutes, a frame a second
        pipeline.process(room.frame(t, [CHAIR_MOVED]))
        tracks = pipeline.tracks
        # The empty place at the wall is background again at once, not a "hole".
        assert not _near(tracks, CHAIR_AT_WALL)
        if _near(tracks, CHAIR_MOVED):
            assert not any(tr.is_person for tr in _near(tracks, CHAIR_MOVED))
            seen_until = t
    update_after_s = PerceptionConfig().background.update_after_s
    assert 10.0 < seen_until - 11.0 <= update_after_s + 5.0
    # Someone standing where the chair stood is seen whole.
    for t in _steps(131.0, 132.0, 0.1):
        pipeline.process(room.frame(t, [CHAIR_MOVED, standing(1.65, 4.85)]))
    [track] = pipeline.tracks
    assert track.top_m > 1.5


@pytest.mark.recordings
def test_a_chair_taken_out_of_the_room_leaves_no_trace() -> None:
    room, pipeline = CachedRoom(), Pipeline(PerceptionConfig())
    _learn(room, pipeline, [CHAIR_MOVED])
    for t in _steps(2.0, 5.0, 0.1):  # carried away (out of view in one go)
        pipeline.process(room.frame(t, []))
        if t > 4.0:
            assert pipeline.tracks == []


@pytest.mark.recordings
def test_a_person_lying_still_after_a_fall_stays_foreground_for_an_hour() -> None:
    room, pipeline = CachedRoom(width=160), Pipeline(PerceptionConfig())
    _learn(room, pipeline, [CHAIR_AT_WALL])
    for t in _steps(2.0, 4.0, 0.1):
        pipeline.process(room.frame(t, [CHAIR_AT_WALL, standing(0.3, 3.0)]))
    for t in _steps(4.0, 4.8, 0.1):
        f = round((t - 4.0) / 0.8, 1)
        pipeline.process(room.frame(t, [CHAIR_AT_WALL, falling(0.3, 3.0, f)]))
    [fallen] = pipeline.tracks
    for t in _steps(4.8, 3604.8, 2.0):  # an hour lying still, a frame every 2 s
        pipeline.process(room.frame(t, [CHAIR_AT_WALL, lying_floor(0.3, 3.0)]))
    [track] = pipeline.tracks
    assert track.id == fallen.id and track.is_person
    assert track.top_m < 0.5 and track.blob_index >= 0
    assert track.extent_m > 1.2  # the whole body, not a remnant
