"""Recordings are rendered once and reused; the CLI writes a recording and its labels."""

import os
from pathlib import Path

import pytest

from ambient.cli import main
from simulators.cache import cached_recording
from simulators.recording import labels_path, read_labels


@pytest.mark.recordings
def test_cached_recording_renders_once_per_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    opts = {"width": 320, "height": 240, "max_seconds": 1.0}
    first = cached_recording("quiet_room", 0, **opts)
    assert first.is_relative_to(tmp_path / "ambient" / "recordings")
    assert first.suffix == ".db3" and labels_path(first).exists()
    stamp = first.stat().st_mtime_ns
    assert cached_recording("quiet_room", 0, **opts) == first
    assert first.stat().st_mtime_ns == stamp
    other = cached_recording("quiet_room", 1, **opts)
    assert other != first
    leftovers = [p.name for p in first.parent.iterdir() if ".tmp" in p.name]
    assert leftovers == []


@pytest.mark.recordings
def test_cli_records_a_scenario_with_labels(tmp_path: Path) -> None:
    out = tmp_path / "bed.db3"
    code = main(
        [
            "sim",
            "record",
            "--scenario",
            "bed_exit",
            "--out",
            str(out),
            "--seed",
            "2",
            "--width",
            "320",
            "--height",
            "240",
            "--fps",
            "10",
            "--seconds",
            "2",
            "--start-time",
            "2026-03-01T12:00:00Z",
        ]
    )
    assert code == 0
    labels = read_labels(out)
    assert labels.meta["scenario"] == "bed_exit"
    assert labels.meta["seed"] == 2
    assert labels.meta["start_time"] == "2026-03-01T12:00:00Z"
    assert len(labels.frames) == 20
    person = labels.frames[0]["persons"][0]
    assert person["activity"] == "lying_bed" and person["posture"] == "lying"
    assert person["visible_px"] > 100
    assert os.path.getsize(out) > 10_000


def test_cli_refuses_formats_the_sdk_cannot_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.bag"
    assert main(["sim", "record", "--scenario", "quiet_room", "--out", str(out)]) == 2
    assert ".db3" in capsys.readouterr().out
    assert not out.exists()
