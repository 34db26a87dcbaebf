"""`ambient edge replay` on simulated thermal recordings: falls found, timed by the
recording's clock, episodes closed at the end; a bad file is skipped, the rest written."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from edge_agent import replay
from protocol import parse_event
from simulators.thermal import record_thermal
from simulators.thermal.recording import read_thermal_labels

START = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def _fall_clip(tmp: Path, sensor: str, seed: int) -> tuple[Path, float]:
    """A 22 s walk-and-fall clip; returns it and the landing time on the recording clock."""
    out = tmp / f"fall-{sensor}.npz"
    record_thermal(
        "walk_fall_forward",
        out,
        sensor=sensor,
        seed=seed,
        start_time=START,
        max_seconds=22.0,
        powered_for_s=120.0,
    )
    fall = next(e for e in read_thermal_labels(out).events if e.get("event") == "fall")
    return out, START.timestamp() + float(fall["landing"])


@pytest.mark.parametrize(
    "sensor",
    [
        "mlx90640",
        pytest.param(
            "grideye",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known miss: an 8x8 ceiling array at calibrated (real) contrast finds 1 "
                "of 10 simulated walk-and-fall clips (README, weak points); strict, so a model "
                "that finds it makes this fail until the mark goes",
            ),
        ),
    ],
)
def test_a_simulated_fall_starts_within_10_s_of_landing(tmp_path: Path, sensor: str) -> None:
    recording, landing = _fall_clip(tmp_path, sensor, seed=5)
    out = tmp_path / "events.jsonl"
    assert replay.main(recording, out, None) == 0
    events = [parse_event(line) for line in out.read_bytes().splitlines()]
    falls = [e for e in events if e.type == "fall"]
    assert falls, "no fall reported"
    assert falls[0].phase == "start"
    assert 0.0 <= falls[0].ts.timestamp() - landing <= 10.0
    assert falls[-1].phase == "end"  # flushed at the end of the file
    assert len({e.episode_id for e in falls}) == 1
    assert {e.sensor_id for e in events} == {"thermal0"}
    assert all(START <= e.ts <= START.replace(second=7 + 22) for e in events)


def test_a_corrupt_npz_is_reported_and_skipped_and_the_other_file_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "in" / "good.npz"
    record_thermal(
        "walk_fall_forward", good, sensor="grideye", seed=1, start_time=START, max_seconds=6.0
    )
    broken = tmp_path / "in" / "broken.npz"
    broken.write_bytes(good.read_bytes()[:2000])
    code = replay.main_many([broken, good], tmp_path / "out", None, workers=1)
    captured = capsys.readouterr()
    assert code == 1
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and "broken.npz" in errors[0] and "Traceback" not in captured.err
    assert "1 ok, 1 failed" in captured.out
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["good.jsonl"]
    for line in (tmp_path / "out" / "good.jsonl").read_text().splitlines():
        assert json.loads(line)["room"] == "good"
