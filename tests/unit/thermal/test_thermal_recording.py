"""Thermal recordings round-trip: the simulator writes what ThermalRecordingSource replays."""

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from edge_agent.sources.thermal import ThermalRecordingSource
from simulators.scenarios import build
from simulators.thermal import cached_thermal, record_thermal
from simulators.thermal.cli import register
from simulators.thermal.recording import read_thermal_labels

START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def test_record_and_replay_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "walk.npz"
    info = record_thermal(
        "walk_fall_forward",
        out,
        sensor="mlx90640",
        seed=2,
        mount="wall",
        height_m=2.2,
        tilt_deg=25.0,
        room_temp_c=21.0,
        start_time=START,
        max_seconds=4.0,
        fps=4.0,
        jitter=0.0,
    )
    assert info.frames == 16 and info.labels.exists()
    source = ThermalRecordingSource(out)
    frames = list(source.frames())
    assert [f.index for f in frames] == list(range(16))
    assert frames[0].t == START.timestamp()
    assert np.allclose(np.diff([f.t for f in frames]), 0.25)
    assert frames[0].temps_c.shape == (24, 32) and frames[0].temps_c.dtype == np.float32
    meta = frames[0].meta
    assert (meta.sensor, meta.width, meta.height, meta.mount) == ("mlx90640", 32, 24, "wall")
    assert (meta.fov_deg, meta.height_m, meta.tilt_deg, meta.fps) == ((110.0, 75.0), 2.2, 25.0, 4.0)
    assert meta.start_time == START
    # The room reads near the requested temperature, give or take the unit's own absolute
    # error (some units are grossly off, as real ones are), once it has settled a little.
    labels = read_thermal_labels(out)
    bias = labels.meta["noise"]["bias_c"]
    assert abs(float(np.median(frames[-1].temps_c)) - bias - 21.0) < 2.5
    assert labels.meta["sensor"] == "mlx90640" and len(labels.frames) == 16
    present = [line["persons"] for line in labels.frames if line["persons"]]
    assert present and present[-1][0]["role"] == "patient"
    assert [e["event"] for e in labels.events] == ["fall"]


def test_a_person_walking_in_warms_the_view(tmp_path: Path) -> None:
    scenario = build("walk_sit_stand", 0)
    out = tmp_path / "sit.npz"
    record_thermal(
        scenario, out, sensor="lepton", room_temp_c=22.0, max_seconds=12.0, powered_for_s=600.0
    )
    labels = read_thermal_labels(out)
    frames = list(ThermalRecordingSource(out).frames())
    inside = [
        i
        for i, line in enumerate(labels.frames)
        if line["persons"] and line["persons"][0]["position"][1] > 0.5
    ]
    assert inside, "the person should walk into the room within 12 s"
    background = frames[0].temps_c
    later = frames[inside[-1]].temps_c
    # On a Lepton a person fills whole pixels: several degrees above the empty room.
    assert float((later - background).max()) > 4.0


def test_loop_keeps_time_moving_and_real_time_paces(tmp_path: Path) -> None:
    out = tmp_path / "empty.npz"
    record_thermal("empty_room", out, sensor="grideye", max_seconds=1.0, jitter=0.0)
    slept: list[float] = []
    clock = [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    source = ThermalRecordingSource(
        out, loop=True, real_time=True, sleep=sleep, monotonic=lambda: clock[0]
    )
    times = []
    for frame in source.frames():
        times.append(frame.t)
        if len(times) == 25:
            source.close()
    assert len(times) == 25
    assert np.all(np.diff(times) > 0)
    assert times[20] - times[0] == pytest.approx(2.0)
    assert sum(slept) == pytest.approx(times[-1] - times[0])


def test_cache_renders_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = cached_thermal("empty_room", sensor="grideye", max_seconds=0.5)
    stamp = first.stat().st_mtime_ns
    assert cached_thermal("empty_room", sensor="grideye", max_seconds=0.5) == first
    assert first.stat().st_mtime_ns == stamp
    assert cached_thermal("empty_room", sensor="array16", max_seconds=0.5) != first


def test_cli_records_and_rejects_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    out = tmp_path / "cli.npz"
    args = parser.parse_args(
        [
            "thermal",
            "--scenario",
            "bed_exit",
            "--sensor",
            "array16",
            "--out",
            str(out),
            "--seconds",
            "1",
            "--mount",
            "wall",
            "--start-time",
            "2026-02-01T00:00:00Z",
        ]
    )
    assert args.handler(args) == 0
    with np.load(out) as data:
        meta = json.loads(str(data["meta"]))
    assert meta["start_time"] == "2026-02-01T00:00:00Z" and meta["sensor"] == "array16"
    bad = parser.parse_args(
        ["thermal", "--scenario", "bed_exit", "--out", str(tmp_path / "x.npz"), "--fps", "30"]
    )
    assert bad.handler(bad) == 2
    assert "4.0–16.0 Hz" in capsys.readouterr().out
    wrong = parser.parse_args(["thermal", "--scenario", "bed_exit", "--out", str(tmp_path / "x")])
    assert wrong.handler(wrong) == 2
