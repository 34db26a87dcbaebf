"""A broken thermal recording fails at open with one clear line, never halfway through."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from edge_agent.sources.base import SourceError
from edge_agent.sources.thermal import ThermalRecordingSource, ThermalSource

META = {
    "sensor": "grideye",
    "width": 8,
    "height": 8,
    "fov_deg": [60.0, 60.0],
    "mount": "ceiling",
    "height_m": 2.5,
    "tilt_deg": 0.0,
    "fps": 10.0,
    "start_time": "2026-01-01T03:00:00Z",
}


def _write(path: Path, **arrays: Any) -> Path:
    with path.open("wb") as f:
        np.savez(f, **arrays)
    return path


def _good(**changes: Any) -> dict[str, Any]:
    arrays: dict[str, Any] = {
        "frames": np.full((3, 8, 8), 22.0, dtype=np.float32),
        "t": np.array([0.0, 0.1, 0.2]),
        "meta": np.array(json.dumps(META)),
    }
    arrays.update(changes)
    return arrays


def _meta(**changes: Any) -> Any:
    return np.array(json.dumps({**META, **changes}))


def _without(key: str) -> Any:
    return np.array(json.dumps({k: v for k, v in META.items() if k != key}))


def test_a_valid_file_plays_and_is_a_thermal_source(tmp_path: Path) -> None:
    source: ThermalSource = ThermalRecordingSource(_write(tmp_path / "ok.npz", **_good()))
    frames = list(source.frames())
    assert len(frames) == 3 and frames[2].t == pytest.approx(1767236400.2)
    source.close()


def test_a_compressed_file_plays_too(tmp_path: Path) -> None:
    arrays = _good(frames=np.arange(192, dtype=np.float32).reshape(3, 8, 8))
    path = tmp_path / "small.npz"
    with path.open("wb") as f:
        np.savez_compressed(f, **arrays)
    frames = list(ThermalRecordingSource(path).frames())
    assert [float(f.temps_c[0, 0]) for f in frames] == [0.0, 64.0, 128.0]


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing": (lambda d: d / "nope.npz", "not found"),
    "text": (lambda d: _text(d / "x.npz", "hello"), "not a thermal recording"),
    "bare npy": (lambda d: _npy(d / "x.npz"), "bare .npy"),
    "truncated": (lambda d: _truncated(d / "x.npz"), "not a thermal recording"),
    "no frames": (lambda d: _write(d / "x.npz", t=np.zeros(1), meta=_meta()), "lacks frames"),
    "float64 frames": (
        lambda d: _write(d / "x.npz", **_good(frames=np.zeros((3, 8, 8)))),
        "float32",
    ),
    "2-d frames": (
        lambda d: _write(d / "x.npz", **_good(frames=np.zeros((8, 8), np.float32))),
        "(N, H, W)",
    ),
    "size vs meta": (
        lambda d: _write(d / "x.npz", **_good(meta=_meta(width=16))),
        "but meta says 16x8",
    ),
    "t length": (lambda d: _write(d / "x.npz", **_good(t=np.array([0.0, 0.1]))), "t must be"),
    "t mostly backwards": (
        lambda d: _write(d / "x.npz", **_good(t=np.array([0.3, 0.2, 0.1]))),
        "mostly unusable (2 of 3",
    ),
    "meta not json": (
        lambda d: _write(d / "x.npz", **_good(meta=np.array("{oops"))),
        "bad meta",
    ),
    "meta lacks fps": (lambda d: _write(d / "x.npz", **_good(meta=_without("fps"))), "'fps'"),
    "bad mount": (
        lambda d: _write(d / "x.npz", **_good(meta=_meta(mount="floor"))),
        "mount must be",
    ),
    "naive start": (
        lambda d: _write(d / "x.npz", **_good(meta=_meta(start_time="2026-01-01T03:00:00"))),
        "UTC offset",
    ),
}


def _text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _npy(path: Path) -> Path:
    with path.open("wb") as f:
        np.save(f, np.zeros((3, 8, 8), np.float32))
    return path


def _truncated(path: Path) -> Path:
    _write(path, **_good())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_files_raise_source_error_with_one_clear_line(tmp_path: Path, case: str) -> None:
    make, message = CASES[case]
    with pytest.raises(SourceError) as info:
        ThermalRecordingSource(make(tmp_path))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("t", "kept"),
    [
        ([0.0, 0.1, -6.4e10, 0.3, 0.4], [0.0, 0.1, 0.3, 0.4]),  # a corrupt read, seen on a D6T
        ([0.0, -6.4e10, 0.2, 0.3, 0.4], [0.2, 0.3, 0.4]),  # ...right after the first frame
        ([0.0, 0.1, 6.4e10, 0.3, 0.4], [0.0, 0.1, 0.3, 0.4]),  # far ahead and back
        ([0.0, float("nan"), 0.2, 0.2, 0.3], [0.0, 0.2, 0.3]),  # not a number, a repeat
        ([0.0, 0.1, 0.2, 500.0, 500.1], [0.0, 0.1, 0.2, 500.0, 500.1]),  # a pause goes on
    ],
)
def test_frames_with_unusable_times_are_skipped_and_counted(
    tmp_path: Path, t: list[float], kept: list[float]
) -> None:
    frames = np.arange(len(t) * 64, dtype=np.float32).reshape(len(t), 8, 8)
    path = _write(tmp_path / "x.npz", **_good(frames=frames, t=np.array(t)))
    source = ThermalRecordingSource(path)
    got = list(source.frames())
    start = source.meta.start_time.timestamp()
    assert [round(f.t - start, 3) for f in got] == kept
    assert source.dropped == len(t) - len(kept)
    # Each frame keeps its own image (the index is the frame's, not a shifted one).
    assert [int(f.temps_c[0, 0]) // 64 for f in got] == [t.index(k) for k in kept]
