"""Temporal depth filter: holes are held briefly, still surfaces averaged, movement passed."""

import numpy as np

from edge_agent.perception.config import TemporalConfig
from edge_agent.perception.temporal import TemporalFilter

SHAPE = (40, 50)


def test_a_pixel_without_reading_keeps_its_last_value_for_the_hold_time_only() -> None:
    filt = TemporalFilter(TemporalConfig(hold_s=0.5))
    filt.step(np.full(SHAPE, 3.0, np.float32), 0.0, 0.1)
    held, n = filt.step(np.zeros(SHAPE, np.float32), 0.4, 0.1)
    assert np.all(held == 3.0) and np.all(n == 1)
    lost, n = filt.step(np.zeros(SHAPE, np.float32), 0.6, 0.1)
    assert np.all(lost == 0) and np.all(n == 0)


def test_a_still_surface_is_averaged_and_a_jump_is_followed_at_once() -> None:
    rng = np.random.default_rng(0)
    filt = TemporalFilter(TemporalConfig(max_frames=6))
    sigma = 0.05
    for i in range(30):
        depth = (4.0 + rng.normal(0, sigma, SHAPE)).astype(np.float32)
        out, n = filt.step(depth, i / 15, 3 * sigma)
    assert float(np.std(out - 4.0)) < 0.6 * sigma  # noise down by more than √3
    assert float(np.mean(n)) > 4
    out, n = filt.step(np.full(SHAPE, 3.0, np.float32), 2.0, 3 * sigma)  # someone stepped in
    assert np.all(out == 3.0) and np.all(n == 1)


def test_a_surface_moving_slowly_is_not_left_behind() -> None:
    filt = TemporalFilter(TemporalConfig(max_frames=6))
    for i in range(20):  # 4 cm a frame toward the camera, under the 10 cm restart step
        out, _ = filt.step(np.full(SHAPE, 4.0 - 0.04 * i, np.float32), i / 15, 0.1)
    assert np.all(np.abs(out - (4.0 - 0.04 * 19)) <= 0.06)
