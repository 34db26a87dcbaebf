"""What a thermal array adds to the scene's true temperatures, frame by frame, and its clock.

The effects, in the order a reading picks them up (parameters per part in `sensors.py`):

1. a fixed per-pixel offset (residual non-uniformity) and a whole-array bias, drawn once per
   power-up; one power-up in `BIAS_OUTLIER_CHANCE` is grossly off (up to `bias_outlier_c`),
   as real units sometimes are, so only differences from a learned background mean anything;
2. slow common-mode drift: a random walk in °C per √minute, each pixel following it with its
   own gain (1 ± 0.2); parts with a shutter (Lepton) reset it at every flat-field correction;
3. power-up: the whole array starts `ramp_c` low (drawn per power-up, ±50 %) and ramps up
   with `ramp_tau_s` (real arrays: from a few °C low over the first 1-2 s), while a
   per-pixel pattern of `warmup_offset_c` settles with `warmup_tau_s` and temporal noise is
   inflated ×(1 + 2·e^(−t/τ)); the first `invalid_frames` frames are garbage (truth plus
   ±5 °C), like an MLX90640 whose second subpage is not yet filled or a Lepton before its
   first shutter cycle;
4. temporal noise: per-pixel Gaussian (the part's NETD at the chosen frame rate) and a
   frame-wide flicker common to all pixels;
5. the output filter some parts apply (first order, `lowpass_alpha`): the noise is drawn
   larger before it so that the output σ is the part's, as measured, while frame-to-frame
   differences shrink, as on the real parts;
6. quantisation to the part's output step (0.25 °C for a Grid-EYE).

Frame times jitter around `index / fps` (`frame_times`): each time stamp is off by a small
random amount, so intervals jitter by `interval_jitter` while the clock never drifts away.

Time is an argument (seconds since power-up), so the model is a pure function of its seed and
the frame times; it never reads a clock.
"""

import math

import numpy as np
import numpy.typing as npt

from simulators.thermal.sensors import BIAS_OUTLIER_CHANCE, SensorSpec

Array = npt.NDArray[np.float64]

GARBAGE_SIGMA_C = 5.0
DRIFT_GAIN_SIGMA = 0.2


class SensorNoise:
    """Noise state of one powered-up array; feed it frames in time order.

    `lowpass_alpha` overrides the part's output filter (1: none).
    """

    def __init__(
        self,
        spec: SensorSpec,
        fps: float,
        rng: np.random.Generator,
        *,
        lowpass_alpha: float | None = None,
    ) -> None:
        shape = (spec.height, spec.width)
        self.spec = spec
        self.alpha = spec.lowpass_alpha if lowpass_alpha is None else lowpass_alpha
        if not 0.0 < self.alpha <= 1.0:
            raise ValueError(f"lowpass_alpha must be in (0, 1], not {self.alpha}")
        self.netd_c = spec.netd_at(fps)
        # A first-order filter passes α / (2 − α) of white noise's variance: draw it larger.
        self._gain = math.sqrt((2.0 - self.alpha) / self.alpha)
        self._garbage_until_s = (spec.invalid_frames - 0.5) / fps
        self._rng = rng
        self.bias_c = float(rng.normal(0.0, spec.bias_sigma_c))
        if spec.bias_outlier_c > 2.0 and rng.random() < BIAS_OUTLIER_CHANCE:
            self.bias_c += float(rng.choice((-1.0, 1.0)) * rng.uniform(2.0, spec.bias_outlier_c))
        self.offsets = rng.normal(0.0, spec.offset_sigma_c, shape) + self.bias_c
        self._warm_pattern = rng.normal(0.0, spec.warmup_offset_c, shape)
        self._ramp_c = spec.ramp_c * float(rng.uniform(0.5, 1.5))
        self._drift_gain = 1.0 + rng.normal(0.0, DRIFT_GAIN_SIGMA, shape)
        self.drift_c = 0.0
        self._last_t: float | None = None
        self._filtered: Array | None = None

    def apply(self, truth: Array, t_on_s: float) -> npt.NDArray[np.float32]:
        """The reading of one frame whose true temperatures are `truth`, `t_on_s` after power-up."""
        spec, rng = self.spec, self._rng
        self._step_drift(t_on_s)
        warm = math.exp(-t_on_s / spec.warmup_tau_s)
        reading = truth + self.offsets + self.drift_c * self._drift_gain
        reading += warm * self._warm_pattern
        reading -= self._ramp_c * math.exp(-t_on_s / spec.ramp_tau_s)
        sigma = self.netd_c * (1.0 + 2.0 * warm) * self._gain
        reading += rng.normal(0.0, sigma, truth.shape)
        reading += rng.normal(0.0, spec.flicker_c * self._gain)
        if self.alpha < 1.0:
            if self._filtered is not None:
                reading = self._filtered + self.alpha * (reading - self._filtered)
            self._filtered = reading
        if t_on_s < self._garbage_until_s:
            reading = reading + rng.normal(0.0, GARBAGE_SIGMA_C, truth.shape)
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
    relative σ `jitter`.

    Each time stamp after the first is off its nominal `index / fps` by a Gaussian of σ
    `jitter / √2` periods (clipped to ±0.4 of a period, so times keep increasing): a late
    frame is followed by a short interval, as with a host polling on a timer, and the clock
    never drifts from the nominal. Exactly `index / fps` when `jitter` is 0.
    """
    nominal = np.arange(n, dtype=np.float64) / fps
    if jitter <= 0.0 or n < 2:
        return nominal
    off = np.clip(rng.normal(0.0, jitter / math.sqrt(2.0), n), -0.4, 0.4) / fps
    off[0] = 0.0
    times: Array = nominal + off
    return times
