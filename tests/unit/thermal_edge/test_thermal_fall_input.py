"""The fall model's input: the same 3 s at 5 Hz whatever the array's rate, a decision from
the first second, and training windows equal to the device's."""

import json
from pathlib import Path

import numpy as np
import pytest

from edge_agent.thermal.fall_input import CHANNELS, FRAMES, MIN_TICKS, FallSampler, FallStream
from edge_agent.thermal.window import GRID
from models.thermal.fall_data import clip_ticks


def _frame(value: float, shape: tuple[int, int] = (8, 8)) -> tuple[np.ndarray, np.ndarray]:
    return np.full(shape, value, np.float32), np.full(shape, 0.2, np.float32)


@pytest.mark.parametrize("fps", [2.5, 4.0, 10.0])
def test_ticks_are_5_hz_sample_and_hold_whatever_the_array_rate(fps: float) -> None:
    sampler = FallSampler(8, 8, "ceiling", 60.0)
    for i in range(int(6 * fps)):  # 6 s of frames whose excess is their own time
        sampler.push(*_frame(i / fps), i / fps)
    window = sampler.window()
    assert window.shape == (CHANNELS, *GRID)
    held = window[1 : 2 * FRAMES : 2, 0, 0]  # the excess plane of each tick
    ticks = np.round(np.arange(FRAMES) * 0.2 + (sampler.count - FRAMES) * 0.2, 6)
    # Each tick holds the latest frame at or before its time.
    expected = np.floor(ticks * fps + 1e-6) / fps
    assert np.allclose(held, np.minimum(expected, 8.0), atol=1e-5)


def test_a_decision_comes_after_one_second_with_the_oldest_tick_repeated() -> None:
    stream = FallStream(FallSampler(4, 4, "wall", 44.2))
    due, windows = [], []
    for i in range(20):  # 2 s of a 10 fps array
        due.append(stream.push(*_frame(i * 0.5, (4, 4)), i * 0.1))
        windows.append(stream.sampler.window())
    first = due.index(True)
    assert first == (MIN_TICKS - 1) * 2  # 5 ticks at 5 Hz from 10 fps frames: t = 0.8 s
    held = windows[first][1 : 2 * FRAMES : 2, 0, 0]
    assert (held[: FRAMES - MIN_TICKS + 1] == 0.0).all()  # the first tick, repeated in front
    assert held[-1] == pytest.approx(first * 0.5)
    assert sum(due) == 3  # then every 0.4 s: at 0.8, 1.2 and 1.6 s


def test_training_windows_are_the_windows_the_device_decides_on(tmp_path: Path) -> None:
    from edge_agent.sources.thermal import ThermalRecordingSource
    from edge_agent.thermal.config import ThermalConfig
    from edge_agent.thermal.geometry import SensorGeometry
    from edge_agent.thermal.perception import ThermalPerception

    rng = np.random.default_rng(0)
    frames = (21.0 + 0.2 * rng.standard_normal((80, 8, 8))).astype(np.float32)
    frames[30:, 2:4, 3:5] += 3.0
    t = np.cumsum(rng.uniform(0.075, 0.125, 80))  # ±25 % jitter, as real arrays do
    meta = {
        "sensor": "amg8833",
        "width": 8,
        "height": 8,
        "fov_deg": [60.0, 60.0],
        "mount": "ceiling",
        "height_m": 2.5,
        "tilt_deg": 0.0,
        "fps": 10.0,
        "start_time": "2026-01-01T00:00:00+00:00",
    }
    path = tmp_path / "clip.npz"
    np.savez(path, frames=frames, t=t - t[0], meta=np.array(json.dumps(meta)))
    source = ThermalRecordingSource(path)
    geometry = SensorGeometry.from_meta(source.meta)
    perception = ThermalPerception(geometry, ThermalConfig())
    stream = FallStream(FallSampler(8, 8, "ceiling", 60.0))
    device = [
        stream.sampler.window()
        for f in source.frames()
        if stream.push(*_planes(perception.step(f.temps_c, f.t)), f.t)
    ]
    trained = clip_ticks(path).windows()
    assert len(device) == len(trained) > 10
    assert np.allclose(np.stack(device), trained, atol=2e-2)  # float16 ticks in the cache


def _planes(result: object) -> tuple[np.ndarray, np.ndarray]:
    return result.excess, result.sigma  # type: ignore[attr-defined]
