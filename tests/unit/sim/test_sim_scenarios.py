"""Scripted scenarios: deterministic by seed, plausible durations, consistent ground truth."""

import subprocess
import sys

import pytest

from ambient.cli import build_parser, main
from simulators import body
from simulators.scenarios import SCENARIOS, Scenario, build

REQUIRED = ("walk_fall_forward", "walk_sit_stand", "bed_exit", "home_fall", "quiet_room")


def _track(s: Scenario, step: float = 0.1) -> list[tuple[float, str, str, float]]:
    assert s.script is not None
    out = []
    t = 0.0
    while t < s.duration:
        pose, seg = s.script.at(t)
        out.append((t, seg.activity, str(seg.support), body.head_top(pose, s.height)))
        t += step
    return out


@pytest.mark.parametrize("name", REQUIRED)
def test_scenarios_are_deterministic_by_seed_and_40_to_90_s(name: str) -> None:
    a, b, c = build(name, 3), build(name, 3), build(name, 4)
    assert 40.0 <= a.duration <= 90.0
    assert (a.height, a.duration, a.events) == (b.height, b.duration, b.events)
    assert (a.height, a.duration) != (c.height, c.duration)
    assert 1.5 <= a.height <= 1.95
    assert a.script is not None and b.script is not None
    assert a.script.at(12.3)[0] == b.script.at(12.3)[0]


def test_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="walk_fall_forward"):
        build("nope")
    assert set(REQUIRED) <= set(SCENARIOS)


def test_forward_fall_lands_fast_and_lies_on_the_floor_until_getting_up() -> None:
    s = build("walk_fall_forward", 0)
    (fall,) = s.events
    assert fall["event"] == "fall"
    assert 0.5 < fall["landing"] - fall["onset"] < 2.0
    assert 15.0 <= fall["lie_end"] - fall["landing"] <= 25.0
    for t, activity, support, head in _track(s):
        if fall["landing"] <= t < fall["lie_end"]:
            assert (activity, support) == ("lying_floor", "floor")
            assert head < 0.4
        if t < fall["onset"] or t > fall["end"]:
            assert head > 0.9 * s.height


def test_home_fall_is_a_long_lie_to_the_end() -> None:
    s = build("home_fall", 0)
    (fall,) = s.events
    assert fall["end"] is None
    assert s.duration - fall["landing"] > 30.0
    late = [row for row in _track(s) if row[0] > fall["landing"]]
    assert all(head < 0.45 and support == "floor" for _, _, support, head in late)


def test_bed_exit_leaves_the_bed_after_sitting_on_the_edge() -> None:
    s = build("bed_exit", 0)
    (event,) = s.events
    assert event["onset"] < event["edge"] < event["stand_onset"] < event["exit"]
    for t, _, support, _ in _track(s):
        if t < event["stand_onset"]:
            assert support == "bed"
        if t > event["exit"]:
            assert support == "feet"


def test_sit_stand_never_touches_the_floor() -> None:
    s = build("walk_sit_stand", 0)
    assert {e["event"] for e in s.events} == {"sit_down", "stand_up"}
    assert all(support != "floor" and head > 1.0 for _, _, support, head in _track(s))


def test_quiet_room_person_stays_in_bed() -> None:
    s = build("quiet_room", 0)
    assert s.events == []
    assert {(activity, support) for _, activity, support, _ in _track(s)} == {("lying_bed", "bed")}


def test_importing_the_sim_cli_loads_no_numpy_or_camera_sdk() -> None:
    code = "import sys, simulators.cli; print(sorted({'numpy', 'pyrealsense2'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_every_named_scenario_is_accepted_by_every_command_and_listed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = build_parser()
    for name in SCENARIOS:
        depth = parser.parse_args(["sim", "record", "--scenario", name, "--out", "a.db3"])
        thermal = parser.parse_args(["sim", "thermal", "--scenario", name, "--out", "a.npz"])
        assert depth.scenario == thermal.scenario == name
    with pytest.raises(SystemExit):
        parser.parse_args(["sim", "record", "--scenario", "no_such_room", "--out", "a.db3"])
    assert "known: walk_fall_forward" in capsys.readouterr().err
    assert main(["sim", "scenarios"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == list(SCENARIOS)
