"""A simulated array behaves like a real one: it ramps up and settles after power-up, then
shows its measured pixel noise, flicker, output filter and output steps, on a jittery clock."""

import numpy as np
import pytest

from simulators.thermal import stats
from simulators.thermal.noise import SensorNoise, frame_times
from simulators.thermal.sensors import SENSORS, sensor


def _settled(name: str, n: int, *, seed: int = 3, **kwargs: float) -> np.ndarray:
    spec = sensor(name)
    noise = SensorNoise(spec, spec.fps, np.random.default_rng(seed), **kwargs)
    truth = np.full((spec.height, spec.width), 24.0)
    start = 10 * spec.warmup_tau_s
    return np.stack([noise.apply(truth, start + i / spec.fps) for i in range(n)]).astype(float)


@pytest.mark.parametrize("name", sorted(SENSORS))
def test_power_up_ramps_and_settles(name: str) -> None:
    spec = sensor(name)
    noise = SensorNoise(spec, spec.fps, np.random.default_rng(3))
    truth = np.full((spec.height, spec.width), 24.0)
    n = int(8 * spec.warmup_tau_s * spec.fps)
    err = np.stack([noise.apply(truth, i / spec.fps) for i in range(n)]) - truth
    level = np.median(err.reshape(n, -1), axis=1) - noise.bias_c
    after_2s = int(2 * spec.fps)
    if spec.invalid_frames:
        # Garbage first: invalid frames are off by degrees.
        assert np.abs(err[: spec.invalid_frames]).mean() > 3.0
    if spec.ramp_c > 0:
        # A thermopile starts a few degrees low and has ramped up within 2 s.
        assert level[spec.invalid_frames] < -1.0
        assert abs(level[after_2s]) < 0.5
    # Each pixel then settles onto its own fixed offset, of the part's size.
    settled = err[-20:].mean(axis=0)
    early = err[after_2s : after_2s + 5].mean(axis=0)
    assert np.abs(early - settled).mean() > 2 * np.abs(err[-40:-20].mean(axis=0) - settled).mean()
    spread = settled.std()
    assert spread == pytest.approx(spec.offset_sigma_c, rel=0.35, abs=0.06)


@pytest.mark.parametrize("name", ["grideye", "mlx90640", "lepton"])
def test_settled_noise_is_the_parts_measured_sigma_and_flicker(name: str) -> None:
    spec = sensor(name)
    found = stats.quiet_noise(_settled(name, 1500 if spec.width <= 32 else 400), spec.fps)
    expected = np.hypot(spec.netd_c, spec.quantum_c / np.sqrt(12))
    assert found.sigma_c == pytest.approx(expected, rel=0.12)
    assert found.flicker_c == pytest.approx(spec.flicker_c, abs=0.03)


def test_an_output_filter_hides_noise_from_frame_differences() -> None:
    filtered = stats.quiet_noise(_settled("mlx90640", 1500), 8.0)
    assert filtered.lag1_autocorr == pytest.approx(1 - sensor("mlx90640").lowpass_alpha, abs=0.08)
    assert filtered.lag1_sigma_c < 0.8 * filtered.sigma_c
    plain = stats.quiet_noise(_settled("mlx90640", 1500, lowpass_alpha=1.0), 8.0)
    assert abs(plain.lag1_autocorr) < 0.08
    assert plain.sigma_c == pytest.approx(filtered.sigma_c, rel=0.12)
    with pytest.raises(ValueError, match="lowpass_alpha"):
        SensorNoise(sensor("grideye"), 10.0, np.random.default_rng(0), lowpass_alpha=0.0)


def test_netd_grows_with_frame_rate() -> None:
    spec = sensor("mlx90640")
    assert spec.netd_at(16.0) == pytest.approx(spec.netd_at(4.0) * 2.0)


def test_grideye_reads_in_quarter_degree_steps() -> None:
    spec = sensor("grideye")
    noise = SensorNoise(spec, spec.fps, np.random.default_rng(0))
    frame = noise.apply(np.full((8, 8), 22.3), 60.0)
    assert np.allclose(frame * 4, np.round(frame * 4))


def test_some_units_are_grossly_off_in_absolute_terms() -> None:
    spec = sensor("mlx90640")
    biases = np.array(
        [SensorNoise(spec, 8.0, np.random.default_rng(seed)).bias_c for seed in range(400)]
    )
    off = np.abs(biases) > 3.0
    assert 0.02 < off.mean() < 0.1
    assert np.abs(biases).max() <= spec.bias_outlier_c + 4 * spec.bias_sigma_c


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


def test_frame_times_jitter_without_drifting() -> None:
    rng = np.random.default_rng(4)
    assert np.array_equal(frame_times(5, 4.0, 0.0, rng), np.arange(5) / 4.0)
    times = frame_times(5000, 10.0, 0.1, rng)
    rel = np.diff(times) * 10.0
    assert times[0] == 0.0 and np.all(rel > 0)
    assert rel.std() == pytest.approx(0.1, rel=0.1)
    # A late frame is followed by an early one: the clock stays on its nominal time.
    assert np.abs(times - np.arange(5000) / 10.0).max() <= 0.04 + 1e-12
