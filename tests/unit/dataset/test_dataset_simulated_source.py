"""SimulatedSource renders, on the fly, exactly the frames a recording of the same spec holds."""

import itertools
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from edge_agent.sources.base import DepthFrame, SourceError
from edge_agent.sources.realsense import RealSenseSource
from simulators.dataset.plan import GENERATED
from simulators.dataset.spec import ItemSpec, clip_spec, day_spec
from simulators.dataset.writer import item_paths, write_item
from simulators.recording import record_scenario
from simulators.scenarios import build
from simulators.source import SimulatedSource


def _read(path: Path) -> list[DepthFrame]:
    source = RealSenseSource(path)
    try:
        return list(source.frames())
    finally:
        source.close()


def _assert_same(recorded: list[DepthFrame], simulated: list[DepthFrame]) -> None:
    assert len(simulated) == len(recorded) > 0
    for a, b in zip(recorded, simulated, strict=True):
        assert b.index == a.index
        assert b.t == pytest.approx(a.t, abs=1e-3)
        assert b.intrinsics.width == a.intrinsics.width
        assert b.intrinsics.fx == pytest.approx(a.intrinsics.fx, rel=1e-5)
        assert b.intrinsics.ppy == pytest.approx(a.intrinsics.ppy, rel=1e-5)
        assert b.depth_m.dtype == np.float32 and b.depth_m.shape == a.depth_m.shape
        assert float(np.abs(b.depth_m - a.depth_m).max()) <= 0.001
        assert np.array_equal(b.depth_m > 0, a.depth_m > 0)


@pytest.mark.recordings
def test_spec_frames_equal_its_recording(tmp_path: Path) -> None:
    spec = clip_spec(
        5, 0, width=320, height=240, fps_choices=(15,), duration_s=1.5, generator=GENERATED
    )
    write_item(tmp_path, spec)
    recording, _ = item_paths(tmp_path, spec)
    recorded = _read(recording)
    assert len(recorded) == 22
    _assert_same(recorded, list(SimulatedSource(spec).frames()))
    assert recorded[0].t == spec.start_ms / 1000.0
    # A person is in view: the frames are not just the empty room.
    assert not np.array_equal(recorded[0].depth_m, recorded[-1].depth_m)


@pytest.mark.recordings
def test_scenario_frames_equal_record_scenario(tmp_path: Path) -> None:
    out = tmp_path / "bed.db3"
    start = datetime(2026, 2, 1, 22, 0, tzinfo=UTC)
    record_scenario(
        "bed_exit", out, seed=4, width=320, height=240, start_time=start, max_seconds=1.0
    )
    recorded = _read(out)
    source = SimulatedSource(
        build("bed_exit", 4), width=320, height=240, fps=15, seed=4, start_time=start
    )
    _assert_same(recorded, list(itertools.islice(source.frames(), len(recorded))))


@pytest.mark.recordings
def test_a_day_spec_file_plays_for_hours_without_a_recording(tmp_path: Path) -> None:
    spec = day_spec(5, 0, width=320, height=240, fps=15, hours=3.0, generator=GENERATED)
    write_item(tmp_path, spec)
    path, _ = item_paths(tmp_path, spec)
    assert ItemSpec.read(path) == spec
    source = SimulatedSource(path)
    assert source.frame_count == 3 * 3600 * 15
    first = list(itertools.islice(source.frames(), 20))
    source.close()
    assert [f.index for f in first] == list(range(20))
    assert first[0].t == spec.start_ms / 1000.0
    assert np.diff([f.t for f in first]) == pytest.approx(np.full(19, 1 / 15), abs=1e-5)
    assert all(f.depth_m.shape == (240, 320) and f.depth_m.max() > 1.0 for f in first)


def test_bad_input_is_a_source_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.spec.json"
    junk.write_text('{"format": "something-else"}')
    with pytest.raises(SourceError, match="not an item spec"):
        SimulatedSource(junk)
    with pytest.raises(SourceError, match="cannot read"):
        SimulatedSource(tmp_path / "missing.spec.json")
    spec = day_spec(1, 0, width=320, height=240, fps=15, hours=1.0, generator=GENERATED)
    with pytest.raises(SourceError, match="320x240, not 640x480"):
        SimulatedSource(spec, width=640, height=480)
    with pytest.raises(SourceError, match="not a simulator spec"):
        SimulatedSource(42)


def test_importing_the_source_does_not_load_the_renderer() -> None:
    code = (
        "import sys\nimport simulators.source\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('simulators', 'open3d')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "['simulators', 'simulators.source']"
