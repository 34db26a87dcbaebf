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
