"""What a thermal array adds to the scene's true temperatures, frame by frame.

Five effects, in the order a reading picks them up (parameters per part in `sensors.py`):

1. a fixed per-pixel offset (residual non-uniformity) and a whole-array bias, drawn once per
   power-up;
2. slow common-mode drift: a random walk in °C per √minute, each pixel following it with its
   own gain (1 ± 0.2); parts with a shutter (Lepton) reset it at every flat-field correction;
3. the power-up transient: a per-pixel offset pattern of `warmup_offset_c` decaying with
   `warmup_tau_s`, with temporal noise inflated ×(1 + 2·e^(−t/τ)) while it lasts; the first
   `invalid_frames` frames are garbage (truth plus ±5 °C noise), like an MLX90640 whose second
   subpage is not yet filled or a Lepton before its first shutter cycle;
4. temporal noise, Gaussian with the part's NETD at the chosen frame rate;
5. quantisation to the part's output step (0.25 °C for a Grid-EYE).

Time is an argument (seconds since power-up), so the model is a pure function of its seed and
the frame times; it never reads a clock.
"""

import math

import numpy as np
import numpy.typing as npt

from simulators.thermal.sensors import SensorSpec

Array = npt.NDArray[np.float64]

GARBAGE_SIGMA_C = 5.0
DRIFT_GAIN_SIGMA = 0.2


class SensorNoise:
    """Noise state of one powered-up array; feed it frames in time order."""

    def __init__(self, spec: SensorSpec, fps: float, rng: np.random.Generator) -> None:
        shape = (spec.height, spec.width)
        self.spec = spec
        self.netd_c = spec.netd_at(fps)
        self._garbage_until_s = (spec.invalid_frames - 0.5) / fps
        self._rng = rng
        self.offsets = rng.normal(0.0, spec.offset_sigma_c, shape) + rng.normal(
            0.0, spec.bias_sigma_c
        )
        self._warm_pattern = rng.normal(0.0, spec.warmup_offset_c, shape)
        self._drift_gain = 1.0 + rng.normal(0.0, DRIFT_GAIN_SIGMA, shape)
        self.drift_c = 0.0
        self._last_t: float | None = None

    def apply(self, truth: Array, t_on_s: float) -> npt.NDArray[np.float32]:
        """The reading of one frame whose true temperatures are `truth`, `t_on_s` after power-up."""
        spec, rng = self.spec, self._rng
        self._step_drift(t_on_s)
        warm = math.exp(-t_on_s / spec.warmup_tau_s)
        reading = truth + self.offsets + self.drift_c * self._drift_gain
        reading += warm * self._warm_pattern
        reading += rng.normal(0.0, self.netd_c * (1.0 + 2.0 * warm), truth.shape)
        if t_on_s < self._garbage_until_s:
            reading += rng.normal(0.0, GARBAGE_SIGMA_C, truth.shape)
        quantised = np.round(reading / spec.quantum_c) * spec.quantum_c
        return quantised.astype(np.float32)

    def _step_drift(self, t_on_s: float) -> None:
        spec = self.spec
        if self._last_t is not None:
            dt = max(t_on_s - self._last_t, 0.0)
            period = spec.ffc_period_s
            if period is not None and math.floor(t_on_s / period) > math.floor(
                self._last_t / period
            ):
                self.drift_c = 0.0
            else:
                step = spec.drift_c_per_sqrt_min * math.sqrt(dt / 60.0)
                self.drift_c += float(self._rng.normal(0.0, step))
        self._last_t = t_on_s


def frame_times(n: int, fps: float, jitter: float, rng: np.random.Generator) -> Array:
    """Times (s from the first frame) of `n` frames at `fps` whose intervals jitter by a
    relative σ `jitter` (clipped to ±3σ and to half and twice the nominal, so time never
    stands still); exactly `index / fps` when `jitter` is 0."""
    if jitter <= 0.0 or n < 2:
        return np.arange(n, dtype=np.float64) / fps
    rel = np.clip(
        rng.normal(1.0, jitter, n - 1), max(0.5, 1 - 3 * jitter), min(2.0, 1 + 3 * jitter)
    )
    return np.concatenate([[0.0], np.cumsum(rel / fps)])
