"""Several people in furnished rooms: all rendered, all labelled, furniture in the way,
and a ceiling camera measures heights as well as the corner one."""

import random
from pathlib import Path

import numpy as np
import pytest

from simulators import body
from simulators.camera import CameraModel
from simulators.generate import random_scenario
from simulators.motion import Script
from simulators.people import CLOTHING, Person
from simulators.recording import read_labels, record
from simulators.render import DepthRenderer
from simulators.rooms import ROOM_KINDS, room
from simulators.scenarios import build


@pytest.mark.recordings
def test_every_room_kind_is_furnished_and_its_floor_in_view() -> None:
    for kind in ROOM_KINDS:
        r = room(kind)
        assert 2.0 <= r.size[0] <= 6.0 and 2.0 <= r.size[1] <= 6.0 and 2.3 <= r.size[2] <= 3.2
        for box in r.furniture.values():
            assert all(lo < hi for lo, hi in zip(box.lo, box.hi, strict=True)), kind
        for mount in ("corner", "ceiling"):
            moved = r.with_camera(mount)
            cam = CameraModel.d435(moved.camera, 160, 120)
            points = cam.deproject(DepthRenderer(cam, moved).static_depth)
            assert (np.abs(points[..., 2]) < 0.01).mean() > 0.15, (kind, mount)
    single = room("hospital_single")
    assert {"bed", "rail_left", "rail_right", "chair_seat", "sink", "dispenser_in"} <= set(
        single.furniture
    )
    meta = single.meta()
    assert meta["zones"]["dispenser_out"]["where"] == "outside"  # type: ignore[index]  # JSON dict
    assert meta["zones"]["dispenser_in"]["where"] == "inside"  # type: ignore[index]  # JSON dict


@pytest.mark.recordings
def test_the_far_corner_sees_the_door_and_its_dispenser() -> None:
    r = room("hospital_single").with_camera("corner", corner=2)
    cam = CameraModel.d435(r.camera, 320, 240)
    depth, visible = DepthRenderer(cam, r).render([])
    points = cam.deproject(depth)
    zone = r.zones["dispenser_in"]
    on_floor = np.abs(points[..., 2]) < 0.01
    x, y = points[..., 0], points[..., 1]
    in_zone = on_floor & (x > zone.lo[0]) & (x < zone.hi[0]) & (y > zone.lo[1]) & (y < zone.hi[1])
    assert in_zone.sum() > 100
    assert visible == []


@pytest.mark.recordings
def test_furniture_hides_a_person_behind_it() -> None:
    r = room("hospital_single")
    cam = CameraModel.d435(r.camera, 320, 240)
    renderer = DepthRenderer(cam, r)
    h = 1.7
    crouch_open = body.BodyPose(1.0, 2.4, 0.3 * h, 0.0, trunk=0.5, hip_l=1.1, knee_l=2.0)
    behind_bed = crouch_open.moved(x=2.7, y=4.2)  # beside the locker, behind the bed
    _, open_px = renderer.render([body.capsules(crouch_open, h)])
    _, hidden_px = renderer.render([body.capsules(behind_bed, h)])
    assert open_px[0] > 300
    assert hidden_px[0] < 0.5 * open_px[0]


@pytest.mark.recordings
def test_several_people_are_all_rendered_and_labelled(tmp_path: Path) -> None:
    s = random_scenario(
        random.Random(2), kind="clip", room_kind="hospital_single", focus="assisted_walk"
    )
    [walk] = [e for e in s.events if e["event"] == "assisted_walk"]
    assert walk["staff_count"] >= 1
    mid = (walk["onset"] + walk["end"]) / 2
    states = s.at(mid)
    assert len(states) == 1 + walk["staff_count"]
    assert {p.person.role for p in states} == {"patient", "staff"}
    assert {p.activity for p in states if p.person.role == "staff"} == {"assisting_walk"}
    patient = next(p for p in states if p.person.role == "patient").pose
    for helper in (p.pose for p in states if p.person.role == "staff"):
        assert 0.3 < np.hypot(helper.x - patient.x, helper.y - patient.y) < 0.8

    info = record(
        s,
        tmp_path / "walk.db3",
        width=160,
        height=120,
        fps=2,
        max_seconds=s.duration,
        mount="ceiling",
    )
    labels = read_labels(info.path)
    assert labels.meta["room"]["mount"] == "ceiling"
    people = labels.meta["persons"]
    assert {p["role"] for p in people} == {"patient", "staff"}
    assert all(0.0 <= p["clothing"]["skin_fraction"] <= 1.0 for p in people)
    frame = labels.frames[round(mid * 2)]
    assert len(frame["persons"]) == len(states)
    assert len({p["id"] for p in frame["persons"]}) == len(states)
    assert all(p["visible_px"] > 5 for p in frame["persons"])
    assert [e["event"] for e in labels.events] == [e["event"] for e in s.events]


def test_walking_aids_are_solid_and_surfaces_cover_every_capsule() -> None:
    h = 1.7
    for aid, extra in (("none", 0), ("cane", 1), ("walker", 7)):
        script = Script(h, body.standing(2.0, 2.0, 0.0, h)).walk((3.0, 2.0))
        person = Person(1, "patient", h, script, clothing=CLOTHING["gown"], aid=aid)  # type: ignore[arg-type]  # loop over literals
        state = person.at(0.5)
        assert len(state.capsules[2]) == len(body.CAPSULE_PARTS) + extra
        assert len(state.surfaces) == len(state.capsules[2])
        assert state.surfaces.count("aid") == extra
        assert state.surfaces[0] == "skin"  # the head
    assert CLOTHING["long_sleeves"].skin_fraction < CLOTHING["gown"].skin_fraction


@pytest.mark.parametrize("tilt", [0.0, 20.0])
@pytest.mark.parametrize(("height", "where"), [(1.5, (1.9, 2.5)), (1.95, (2.8, 2.2))])
@pytest.mark.recordings
def test_ceiling_camera_measures_a_standing_persons_height(
    tilt: float, height: float, where: tuple[float, float]
) -> None:
    r = room("living_room").with_camera("ceiling", 2.45, tilt)
    cam = CameraModel.d435(r.camera, 320, 240)
    renderer = DepthRenderer(cam, r)
    pose = body.standing(where[0], where[1], 0.4, height)
    depth, visible = renderer.render([body.capsules(pose, height)])
    assert visible[0] > 200
    person = depth < renderer.static_depth - 0.05
    top = np.nanmax(cam.deproject(depth)[..., 2][person])
    assert top == pytest.approx(height, abs=0.02)


def test_legacy_scenarios_keep_one_person_and_their_script() -> None:
    s = build("walk_fall_forward", 0)
    assert len(s.people) == 1 and s.script is s.people[0].script
    assert s.height == s.people[0].height
    assert build("empty_room").people == [] and build("empty_room").script is None
