"""The real-sensor table the simulator is held to: measured right, and current.

The statistics are checked on synthetic frames with known noise, flicker and filtering (so a
wrong estimator cannot hide behind real data), and the committed table is recomputed from the
real recordings when the folder is there (skipped, with the reason, when it is not).
"""

from pathlib import Path

import numpy as np
import pytest

from simulators.thermal import calibration, stats


def _frames(
    rng: np.random.Generator, n: int, sigma: float, flicker: float, alpha: float = 1.0
) -> np.ndarray:
    """n 8x8 frames: white pixel noise σ, a frame-wide flicker, optionally a first-order
    low-pass (y += α (x - y)) scaled so the output σ is still `sigma`."""
    white = rng.normal(0.0, sigma * np.sqrt((2 - alpha) / alpha), (n, 8, 8))
    out = np.empty_like(white)
    out[0] = white[0]
    for i in range(1, n):
        out[i] = out[i - 1] + alpha * (white[i] - out[i - 1])
    return 20.0 + out + rng.normal(0.0, flicker, (n, 1, 1))


def test_quiet_noise_separates_pixel_noise_flicker_and_filtering() -> None:
    rng = np.random.default_rng(1)
    white = stats.quiet_noise(_frames(rng, 4000, 0.25, 0.1), fps=10.0)
    assert white.sigma_c == pytest.approx(0.25, rel=0.05)
    assert white.lag1_sigma_c == pytest.approx(0.25, rel=0.05)
    assert white.flicker_c == pytest.approx(0.1, rel=0.15)
    assert abs(white.lag1_autocorr) < 0.05
    filtered = stats.quiet_noise(_frames(rng, 4000, 0.25, 0.0, alpha=0.5), fps=10.0)
    # A filter hides the noise from frame-to-frame differences, not from the σ.
    assert filtered.sigma_c == pytest.approx(0.25, rel=0.08)
    assert filtered.lag1_sigma_c < 0.75 * filtered.sigma_c
    assert filtered.lag1_autocorr == pytest.approx(0.5, abs=0.06)
    assert filtered.flicker_c < 0.03


def test_intervals_and_output_step() -> None:
    rng = np.random.default_rng(2)
    t = np.cumsum(0.1 * (1 + rng.uniform(-0.25, 0.25, 2000)))
    found = stats.intervals(t)
    assert found["rel_p1"] == pytest.approx(0.76, abs=0.03)
    assert found["rel_p99"] == pytest.approx(1.24, abs=0.03)
    assert found["gaps_over_1_5x"] == 0.0
    assert stats.quantum(np.round(rng.normal(22, 1, (50, 8, 8)) * 4) / 4) == 0.25


def test_the_command_says_plainly_when_the_folder_is_absent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ambient.cli import main

    missing = tmp_path / "nowhere"
    assert main(["sim", "thermal-stats", str(missing), "--out", str(tmp_path / "x.json")]) == 2
    assert f"real thermal data folder not found: {missing}" in capsys.readouterr().out
    assert not (tmp_path / "x.json").exists()


@pytest.mark.recordings  # reads 1,733 real recordings: the slow tier
def test_committed_table_is_current(real_thermal_dir: Path) -> None:
    committed = calibration.load()
    fresh = calibration.measure(real_thermal_dir)
    changed = calibration.differences(committed, fresh)
    assert not changed, (
        "simulators/thermal/real_stats.json is out of date; rerun "
        "`ambient sim thermal-stats DIR`:\n" + "\n".join(changed[:20])
    )
