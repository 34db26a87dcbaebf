"""The named fall scenarios: the right fall from the right start, on the floor to the end,
the visitor upright beside it, the camera where the name says, the bed in the way."""

import numpy as np
import pytest

from simulators import body
from simulators.scenarios import Scenario, build

FALLS = {
    # scenario: (fall kinds it may draw, support before the fall)
    "chair_slide": ({"chair_slide"}, "chair"),
    "bed_roll": ({"bed_roll"}, "bed"),
    "fall_with_visitor": ({"trip_forward", "slip_backward", "sideways", "collapse"}, "feet"),
    "fall_ceiling": ({"trip_forward", "slip_backward", "sideways", "collapse"}, "feet"),
    "fall_behind_bed": ({"collapse", "slip_backward"}, "feet"),
}


def _head(s: Scenario, person: int, t: float) -> float:
    pose, _ = s.people[person - 1].script.at(t)
    return body.head_top(pose, s.people[person - 1].height)


@pytest.mark.parametrize("name", list(FALLS))
@pytest.mark.parametrize("seed", [0, 5])
def test_the_patient_falls_from_where_the_name_says_and_stays_down(name: str, seed: int) -> None:
    s = build(name, seed)
    assert s.events == build(name, seed).events
    [fall] = [e for e in s.events if e["event"] == "fall"]
    kinds, support = FALLS[name]
    assert fall["kind"] in kinds and fall["person"] == 1 and fall["end"] is None
    patient = s.people[0].script
    assert str(patient.at(fall["onset"] - 0.1)[1].support) == support
    assert 0.4 <= fall["landing"] - fall["onset"] <= 3.0
    assert s.duration - fall["landing"] >= 15.0
    for t in np.linspace(fall["landing"] + 0.1, s.duration - 0.1, 10):
        _, segment = patient.at(float(t))
        assert segment.activity == "lying_floor" and _head(s, 1, float(t)) < 0.6


def test_the_visitor_stands_in_the_room_while_the_patient_falls() -> None:
    for seed in range(4):
        s = build("fall_with_visitor", seed)
        [fall] = [e for e in s.events if e["event"] == "fall"]
        assert [p.role for p in s.people] == ["patient", "visitor"]
        for t in np.linspace(fall["onset"] - 2.0, s.duration - 0.1, 10):
            [visitor] = [st for st in s.at(float(t)) if st.person.role == "visitor"]
            assert visitor.in_room and _head(s, 2, float(t)) > 1.3


def test_the_ceiling_fall_is_seen_from_the_ceiling_and_the_others_from_a_corner() -> None:
    assert build("fall_ceiling", 1).room.mount == "ceiling"
    camera_z = build("fall_ceiling", 1).room.camera.position[2]
    assert camera_z > build("fall_ceiling", 1).room.size[2] - 0.1
    assert {build(n, 1).room.mount for n in FALLS if n != "fall_ceiling"} == {"corner"}


@pytest.mark.parametrize("name", ["bed_roll", "fall_behind_bed"])
def test_the_bed_stands_between_the_camera_and_the_person_on_the_floor(name: str) -> None:
    for seed in range(4):
        s = build(name, seed)
        [fall] = [e for e in s.events if e["event"] == "fall"]
        pose, _ = s.people[0].script.at(fall["landing"] + 1.0)
        camera = np.array(s.room.camera.position)
        body_on_floor = np.array([pose.x, pose.y, 0.1])
        bed = s.room.furniture["bed"]
        line = camera + np.linspace(0.0, 1.0, 400)[:, None] * (body_on_floor - camera)
        inside = np.all((line >= bed.lo) & (line <= bed.hi), axis=1)
        assert inside.any(), f"seed {seed}: the camera sees the body past the bed"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_slow_sit_down_takes_seconds_and_never_reaches_the_floor(
    seed: int,
) -> None:
    s = build("chair_sit_slow", seed)
    [sit] = [e for e in s.events if e["event"] == "sit_down"]
    assert sit["end"] - sit["onset"] >= 2.5
    assert "fall" not in {e["event"] for e in s.events}
    for t in np.arange(0.0, s.duration, 0.2):
        _, segment = s.people[0].script.at(float(t))
        assert str(segment.support) != "floor"
        if s.at(float(t)):
            assert _head(s, 1, float(t)) > 1.0
