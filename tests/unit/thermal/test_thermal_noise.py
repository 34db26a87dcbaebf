"""A simulated array behaves like a real one: garbage at power-up, then settles to its NETD."""

import numpy as np
import pytest

from simulators.thermal.noise import SensorNoise
from simulators.thermal.sensors import SENSORS, sensor


@pytest.mark.parametrize("name", sorted(SENSORS))
def test_first_frames_after_power_up_are_unstable_then_settle(name: str) -> None:
    spec = sensor(name)
    noise = SensorNoise(spec, spec.fps, np.random.default_rng(3))
    truth = np.full((spec.height, spec.width), 24.0)
    n = int(8 * spec.warmup_tau_s * spec.fps)
    frames = np.stack([noise.apply(truth, i / spec.fps) for i in range(n)])
    err = frames - truth
    # Garbage first: invalid frames are off by degrees.
    assert np.abs(err[: spec.invalid_frames]).mean() > 3.0
    # Still settling just after: the per-pixel pattern is far from its final value.
    settled = err[-20:].mean(axis=0)
    early = err[spec.invalid_frames : spec.invalid_frames + 5].mean(axis=0)
    assert np.abs(early - settled).mean() > 2 * np.abs(err[-40:-20].mean(axis=0) - settled).mean()
    # Settled: frame-to-frame noise is the part's NETD (quantisation adds q/√12).
    temporal = np.diff(err[-40:], axis=0).std() / np.sqrt(2)
    expected = np.hypot(spec.netd_c, spec.quantum_c / np.sqrt(12))
    assert temporal == pytest.approx(expected, rel=0.15)
    # Fixed offsets stay: each pixel keeps its own error, of the datasheet's size.
    spread = settled.std()
    assert spread == pytest.approx(spec.offset_sigma_c, rel=0.35, abs=0.05)


def test_netd_grows_with_frame_rate() -> None:
    spec = sensor("mlx90640")
    assert spec.netd_at(16.0) == pytest.approx(spec.netd_at(4.0) * 2.0)


def test_grideye_reads_in_quarter_degree_steps() -> None:
    spec = sensor("grideye")
    noise = SensorNoise(spec, spec.fps, np.random.default_rng(0))
    frame = noise.apply(np.full((8, 8), 22.3), 60.0)
    assert np.allclose(frame * 4, np.round(frame * 4))


def test_lepton_drift_resets_at_each_flat_field_correction() -> None:
    spec = sensor("lepton")
    assert spec.ffc_period_s is not None
    noise = SensorNoise(spec, spec.fps, np.random.default_rng(5))
    truth = np.full((spec.height, spec.width), 22.0)
    drift = []
    for i in range(int(2.5 * spec.ffc_period_s)):  # one frame a second
        noise.apply(truth, float(i))
        drift.append(noise.drift_c)
    period = int(spec.ffc_period_s)
    assert drift[period] == 0.0 and drift[2 * period] == 0.0
    assert abs(drift[period - 1]) > 0.0
