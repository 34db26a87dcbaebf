"""`ambient edge replay`: recording in, one wire event per line out, clear errors."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent import replay
from edge_agent.detections import EventStamper, Identity
from edge_agent.perception.config import PerceptionConfig
from edge_agent.pipeline import Pipeline
from edge_agent.sources.base import DepthFrame
from protocol import FallEvent, parse_event
from tests.unit.edge.edge_scene import T0, Scene, Step, falling, lying_floor, script, standing

FALL: list[Step] = [
    (2.0, [standing(0.3, 3.0)]),
    (0.8, lambda f: [falling(0.3, 3.0, f)]),
    (4.0, [lying_floor(0.3, 3.0)]),
]


class FakeSource:
    def __init__(self, frames: list[DepthFrame]) -> None:
        self._frames = frames
        self.closed = False

    def frames(self) -> Iterator[DepthFrame]:
        yield from self._frames

    def close(self) -> None:
        self.closed = True


@pytest.fixture(scope="module")
def fall_frames() -> list[DepthFrame]:
    return script(Scene(), FALL)


@pytest.mark.recordings
def test_replay_writes_valid_wire_events_timed_by_the_recording(
    tmp_path: Path, fall_frames: list[DepthFrame]
) -> None:
    out = tmp_path / "events.jsonl"
    identity = Identity("replay", "replay", "room-1", "replay", "depth0")
    count = replay.replay(
        FakeSource(fall_frames), Pipeline(PerceptionConfig()), EventStamper(identity), out
    )
    events = [parse_event(line) for line in out.read_bytes().splitlines()]
    assert len(events) == count > 0
    assert [e.seq for e in events] == list(range(count))
    falls = [e for e in events if isinstance(e, FallEvent)]
    assert [e.phase for e in falls] == ["start", "end"]  # closed at the end of the recording
    assert T0 < falls[0].ts.timestamp() <= fall_frames[-1].t
    assert {e.room for e in events} == {"room-1"}


@pytest.mark.recordings
def test_main_uses_the_device_identity_and_never_its_calibration_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fall_frames: list[DepthFrame]
) -> None:
    device = tmp_path / "device.yaml"
    floor = tmp_path / "floor.json"
    device.write_text(
        "identity: {site: s1, unit: u1, room: r9, agent_id: a9, sensor_id: d9}\n"
        "source: {kind: realsense}\n"
        "mqtt: {host: localhost}\n"
        f"perception: {{calibration_file: {floor}}}\n"
    )
    recording = tmp_path / "rec.db3"
    recording.write_bytes(b"")
    source = FakeSource(fall_frames)
    monkeypatch.setattr(replay, "_open", lambda path: source)
    out = tmp_path / "events.jsonl"
    assert replay.main(recording, out, device) == 0
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert {(e["site"], e["unit"], e["room"], e["agent_id"]) for e in events} == {
        ("s1", "u1", "r9", "a9")
    }
    assert source.closed and not floor.exists()


def test_missing_recording_is_one_line_on_stderr_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = replay.main(tmp_path / "nope.db3", tmp_path / "out.jsonl", None)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "nope.db3" in err and "Traceback" not in err


@pytest.mark.recordings
def test_corrupt_recording_is_one_line_on_stderr_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = tmp_path / "broken.db3"
    recording.write_bytes(b"this is not a rosbag2 sqlite file" * 100)
    code = replay.main(recording, tmp_path / "out.jsonl", None)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "broken.db3" in err


def test_bad_config_is_reported_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device = tmp_path / "device.yaml"
    device.write_text("identity: {site: s1}\n")
    assert replay.main(tmp_path / "rec.db3", tmp_path / "out.jsonl", device) == 2
    assert "device.yaml" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "room"),
    [
        ("ward 4/room 12 (night)", "room-12-night"),
        ("walk_fall-s0.ab", "walk_fall-s0.ab"),
        ("x" * 80, "x" * 64),
        ("%%", "recording"),
    ],
)
def test_room_id_from_the_file_name_is_an_opaque_id(name: str, room: str) -> None:
    assert replay.room_id(Path(name + ".db3")) == room


# --- many recordings: `--out-dir` -------------------------------------------------------

SMALL = {"width": 320, "height": 240}


@pytest.fixture(scope="module")
def fall_recording() -> Path:
    from simulators.cache import cached_recording

    return cached_recording("walk_fall_forward", max_seconds=12.0, **SMALL)


@pytest.fixture(scope="module")
def quiet_recording() -> Path:
    from simulators.cache import cached_recording

    return cached_recording("quiet_room", max_seconds=2.0, **SMALL)


def _link(folder: Path, name: str, target: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / name
    link.symlink_to(target)
    return link


def _events(path: Path) -> list[tuple[str, str]]:
    return [(e.type.value, e.phase.value) for e in map(parse_event, path.read_bytes().splitlines())]


@pytest.mark.recordings
def test_out_dir_writes_one_file_per_recording_like_the_single_mode(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fall_recording: Path,
    quiet_recording: Path,
) -> None:
    recordings = [
        _link(tmp_path / "in", "ward 4 fall.db3", fall_recording),
        _link(tmp_path / "in", "quiet.db3", quiet_recording),
        _link(tmp_path / "in" / "more", "fall-again.db3", fall_recording),
    ]
    code = replay.main_many(recordings, tmp_path / "out", None, workers=2)
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "fall-again.jsonl",
        "quiet.jsonl",
        "ward 4 fall.jsonl",
    ]
    assert replay.main(fall_recording, tmp_path / "single.jsonl", None) == 0
    single = _events(tmp_path / "single.jsonl")
    assert ("fall", "start") in single and ("fall", "end") in single
    assert _events(tmp_path / "out" / "ward 4 fall.jsonl") == single
    assert _events(tmp_path / "out" / "fall-again.jsonl") == single
    rooms = {
        parse_event(x).room for x in (tmp_path / "out" / "ward 4 fall.jsonl").read_bytes().split()
    }
    assert rooms == {"ward-4-fall"}
    summary = capsys.readouterr().out.strip().splitlines()
    assert len(summary) == 1
    quiet = _events(tmp_path / "out" / "quiet.jsonl")
    assert ("fall", "start") not in quiet
    assert f"3 ok, 0 failed, {2 * len(single) + len(quiet)} events" in summary[0]


@pytest.mark.recordings
def test_bad_files_are_reported_and_skipped_and_the_rest_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fall_recording: Path
) -> None:
    broken = tmp_path / "in" / "broken.db3"
    good = _link(tmp_path / "in", "good.db3", fall_recording)
    broken.write_bytes(b"this is not a rosbag2 sqlite file" * 100)
    recordings = [broken, tmp_path / "in" / "missing.db3", good]
    code = replay.main_many(recordings, tmp_path / "out", None, workers=1)
    captured = capsys.readouterr()
    assert code == 1
    errors = captured.err.strip().splitlines()
    assert len(errors) == 2 and "Traceback" not in captured.err
    assert "broken.db3" in errors[0] and "missing.db3" in errors[1]
    assert "1 ok, 2 failed" in captured.out
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["good.jsonl"]  # no partial files
    good_events = _events(tmp_path / "out" / "good.jsonl")
    falls = [e for e in good_events if e[0] == "fall"]
    assert falls[0] == ("fall", "start") and falls[-1] == ("fall", "end")  # flushed, complete


@pytest.mark.recordings
def test_recordings_with_the_same_name_are_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], quiet_recording: Path
) -> None:
    recordings = [
        _link(tmp_path / "a", "room1.db3", quiet_recording),
        _link(tmp_path / "b", "room1.db3", quiet_recording),
        _link(tmp_path / "b", "room2.db3", quiet_recording),
    ]
    assert replay.main_many(recordings, tmp_path / "out", None) == 2
    assert "room1" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.recordings
def test_ctrl_c_stops_and_leaves_no_partial_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quiet_recording: Path
) -> None:
    def interrupted(job: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(replay, "_job", interrupted)
    recordings = [_link(tmp_path, "a.db3", quiet_recording)]
    assert replay.main_many(recordings, tmp_path / "out", None, workers=1) == 130
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["a.db3", "b.db3", "--out", "x.jsonl"],  # --out with two recordings
        ["a.db3", "--out", "x.jsonl", "--out-dir", "d"],  # both outputs
        ["a.db3"],  # neither
        ["a.db3", "--out-dir", "d", "--workers", "0"],
    ],
)
def test_cli_usage_errors_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    from ambient.cli import main as cli

    monkeypatch.chdir(tmp_path)
    try:
        code = cli(["edge", "replay", *args])
    except SystemExit as e:  # argparse's own usage errors
        code = int(e.code or 0)
    assert code == 2
    assert list(tmp_path.iterdir()) == []
