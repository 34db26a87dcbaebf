"""Scenarios that start with someone in the room: in view from the first frame, in the
posture their name says, in the same room as the empty-room scenario (one reference)."""

import pytest

from simulators import body
from simulators.scenarios import build


@pytest.mark.parametrize(
    ("name", "support", "head_below"),
    [
        ("quiet_room", "bed", 1.0),
        ("start_in_chair", "chair", 1.45),
        ("start_on_floor", "floor", 0.45),
        ("start_standing", "feet", 2.0),
    ],
)
def test_the_person_is_in_the_room_from_the_first_frame(
    name: str, support: str, head_below: float
) -> None:
    s = build(name, 5)
    assert s.script is not None
    [first] = s.at(0.0)
    pose, segment = s.script.at(0.0)
    assert first.in_room and str(segment.support) == support
    assert body.head_top(pose, s.height) < head_below
    assert s.room.kind == build("empty_room", 5).room.kind
    assert s.room.camera == build("empty_room", 5).room.camera


def test_the_person_on_the_floor_stays_down_for_the_whole_recording() -> None:
    s = build("start_on_floor", 1)
    assert s.script is not None and s.events == []
    for i in range(int(s.duration)):
        pose, segment = s.script.at(float(i))
        assert str(segment.support) == "floor" and body.head_top(pose, s.height) < 0.45


@pytest.mark.parametrize("name", ["start_in_chair", "start_standing"])
def test_the_person_who_starts_in_view_leaves_and_the_room_ends_empty(name: str) -> None:
    s = build(name, 2)
    assert 40.0 <= s.duration <= 60.0
    assert s.at(s.duration - 5.0) == []
    assert build(name, 2).height == s.height and build(name, 3).height != s.height
