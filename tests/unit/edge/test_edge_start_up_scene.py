"""The empty-room reference over minutes, in the box room: the agent stores it itself once
the room has been empty a while; on a later start furniture moved since is absorbed as
before, and the person found at start-up never is."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent.install import learn_empty_room
from edge_agent.perception.config import PerceptionConfig, StartupConfig
from edge_agent.perception.reference import reference_path
from edge_agent.pipeline import Pipeline
from edge_agent.sources.base import DepthFrame
from protocol import EventType, Phase
from tests.unit.edge.edge_scene import T0, Box, CachedRoom, lying_floor

CHAIR_AT_WALL: Box = (1.4, 1.9, 4.6, 5.1, 0.0, 0.9)
CHAIR_MOVED: Box = (0.2, 0.7, 2.6, 3.1, 0.0, 0.9)
ON_FLOOR = lying_floor(-1.0, 2.2)


class _Frames:
    """A frame source over a cached box room: ``seconds`` of these boxes at ``fps``."""

    def __init__(self, room: CachedRoom, boxes: list[Box], seconds: float, fps: float) -> None:
        self.room, self.boxes, self.seconds, self.fps = room, boxes, seconds, fps

    def frames(self) -> Iterator[DepthFrame]:
        for i in range(round(self.seconds * self.fps)):
            yield self.room.frame(i / self.fps, self.boxes)

    def close(self) -> None:
        pass


def _near(pipeline: Pipeline, box: Box) -> list[bool]:
    """is_person of every track within 0.6 m of the box's centre."""
    cx, cy = (box[0] + box[1]) / 2, (box[2] + box[3]) / 2
    return [tr.is_person for tr in pipeline.tracks if abs(tr.x - cx) < 0.6 and abs(tr.y - cy) < 0.6]


@pytest.mark.recordings
def test_the_agent_stores_the_empty_room_and_a_later_start_finds_the_person_at_once(
    tmp_path: Path,
) -> None:
    config = PerceptionConfig(
        calibration_file=tmp_path / "floor.json", startup=StartupConfig(empty_s=20.0)
    )
    stored = reference_path(tmp_path / "floor.json")
    room = CachedRoom(width=160)
    busy = Pipeline(config.model_copy(update={"calibration_file": tmp_path / "busy.json"}))
    first = Pipeline(config)
    for frame in _Frames(room, [CHAIR_AT_WALL], 30.0, 2.0).frames():
        first.process(frame)
        if frame.t - T0 < 20.0:
            assert not stored.exists()
    for frame in _Frames(room, [CHAIR_AT_WALL, ON_FLOOR], 30.0, 2.0).frames():
        busy.process(frame)
    assert stored.exists()  # empty for 20 s: written
    assert not reference_path(tmp_path / "busy.json").exists()  # someone there all along
    # Reboot with someone on the floor: found through the reference, no shape guessing.
    again = Pipeline(config)
    for frame in _Frames(room, [CHAIR_AT_WALL, ON_FLOOR], 5.0, 5.0).frames():
        again.process(frame)
    assert _near(again, ON_FLOOR) == [True] and again.found_at_start == 0


@pytest.mark.recordings
def test_furniture_moved_since_installation_is_absorbed_the_person_found_is_not(
    tmp_path: Path,
) -> None:
    config = PerceptionConfig(calibration_file=tmp_path / "floor.json")
    room = CachedRoom(width=160)
    learn_empty_room(_Frames(room, [CHAIR_AT_WALL], 3.0, 10.0), config)
    # The chair was pushed into the room since, and someone lies on the floor at start-up.
    pipeline, falls = Pipeline(config), []
    now = [CHAIR_MOVED, ON_FLOOR]
    for frame in _Frames(room, now, 6.0, 10.0).frames():
        falls += [d for d in pipeline.process(frame) if d.type is EventType.FALL]
    assert _near(pipeline, ON_FLOOR) == [True]  # found at once, though never seen upright
    assert _near(pipeline, CHAIR_MOVED) == [False]  # foreground, but not a person
    assert not _near(pipeline, CHAIR_AT_WALL)  # where the chair was: room, not a hole
    assert pipeline.found_at_start == 0  # through the reference, not by shape
    assert [d.phase for d in falls] == [Phase.START]
    assert falls[0].confidence == config.fall.found_down_confidence
    update_after_s = config.background.update_after_s
    for frame in _Frames(room, now, update_after_s + 30.0, 1.0).frames():
        pipeline.process(frame)
    assert _near(pipeline, CHAIR_MOVED) == []  # absorbed like any furniture moved
    assert _near(pipeline, ON_FLOOR) == [True]  # the person never is
