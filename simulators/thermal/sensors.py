"""The thermal arrays we model and where they hang: one spec per part, one mount per install.

Geometry and output format are datasheet figures (resolution, field of view, frame rate,
output step). The optics (point spread and halo), pixel noise, frame-wide flicker, output
filtering and frame-interval jitter of the Grid-EYE and the Omron 4×4 are calibrated against
real recordings of those parts (`simulators/thermal/real_stats.json`, checked by
`ambient sim thermal-check`); the 32×24 noise against a real 32×24 of unknown lens and rate.
The power-up ramp, drift and the other parts' optics are datasheet statements or plausible
values, labelled as such in docs/thermal-recordings.md. Pixel noise grows with the square
root of the frame rate (the noise bandwidth), so a part run faster is noisier.
"""

import math
from dataclasses import dataclass
from typing import Literal

from simulators.camera import CameraModel, CameraPose

MountKind = Literal["ceiling", "wall"]


@dataclass(frozen=True, slots=True)
class SensorSpec:
    """One thermal array part: optics, timing and its noise figures."""

    name: str
    width: int
    height: int
    hfov_deg: float
    vfov_deg: float
    fps: float
    """Default frame rate (Hz)."""
    fps_range: tuple[float, float]
    netd_c: float
    """Temporal pixel noise at the default frame rate (1 σ, °C, as the output shows it:
    after any output filter, before the output step)."""
    offset_sigma_c: float
    """Fixed per-pixel offset (1 σ, °C): residual non-uniformity after factory calibration."""
    bias_sigma_c: float
    """Whole-array absolute error (1 σ, °C), fixed for one power-up."""
    drift_c_per_sqrt_min: float
    """Slow common-mode drift: random walk step per √minute (°C)."""
    warmup_tau_s: float
    """Time constant of the per-pixel settling after power-up."""
    warmup_offset_c: float
    """Size (1 σ, °C) of the per-pixel transient offset at power-up; decays with warmup_tau_s."""
    invalid_frames: int
    """Frames after power-up that are garbage (subpages not yet filled, shutter not yet run)."""
    quantum_c: float
    """Output resolution (°C per count)."""
    blur_sigma_px: float
    """Optical point spread: Gaussian σ in pixels (0 for none)."""
    supersample: int
    """Rays per pixel side used to mix the footprint (k×k rays per pixel)."""
    ffc_period_s: float | None = None
    """Flat-field correction period: drift resets to zero every period (Lepton's shutter)."""
    halo_fraction: float = 0.0
    """Share of each pixel's response that comes from the whole view alike (lens scatter,
    the size-of-source effect of thermopile optics): it lowers a small warm target's peak
    without widening its blob, and lifts the whole frame a little while someone is in it."""
    flicker_c: float = 0.0
    """Frame-wide common-mode noise (1 σ, °C per frame), on top of the pixels' own."""
    lowpass_alpha: float = 1.0
    """First-order output filter y += α (x − y) (1: none). Frame-to-frame differences then
    understate the pixel noise; a pixel's lag-1 autocorrelation is 1 − α."""
    ramp_c: float = 0.0
    """Power-up ramp: the whole array reads this much low at power-up, recovering with
    ramp_tau_s (real arrays ramp up from a few °C low over their first 1-2 s)."""
    ramp_tau_s: float = 0.5
    bias_outlier_c: float = 0.0
    """Largest gross absolute error a unit can have (one power-up in BIAS_OUTLIER_CHANCE
    reads 2 °C to this much off; a real 32×32 array read 13 °C in a 21 °C room)."""
    interval_jitter: float = 0.0
    """Frame-interval jitter: relative σ of the time between frames (0: a perfect clock)."""

    def netd_at(self, fps: float) -> float:
        return self.netd_c * math.sqrt(fps / self.fps)


BIAS_OUTLIER_CHANCE = 0.05

SENSORS: dict[str, SensorSpec] = {
    spec.name: spec
    for spec in (
        # Panasonic AMG8833: 8x8, 60°, 10 Hz, 0.25 °C steps, "stable 15 s after power-up"
        # (settling τ 5 s), ±2.5 °C accuracy. Measured on two real sets: pixel σ 0.24 °C
        # with the steps (datasheet NETD 0.16), flicker 0.04-0.08 °C, no output filter on
        # natfaulk's unit (gridfall's shows a light one, lag-1 autocorrelation 0.18), frame
        # intervals ±9 % (1st-99th percentile). Optics calibrated on natfaulk's walkers.
        SensorSpec(
            name="grideye",
            width=8,
            height=8,
            hfov_deg=60.0,
            vfov_deg=60.0,
            fps=10.0,
            fps_range=(1.0, 10.0),
            netd_c=0.23,
            offset_sigma_c=0.35,
            bias_sigma_c=1.0,
            drift_c_per_sqrt_min=0.05,
            warmup_tau_s=5.0,
            warmup_offset_c=1.0,
            invalid_frames=0,
            quantum_c=0.25,
            blur_sigma_px=0.5,
            supersample=12,
            halo_fraction=0.5,
            flicker_c=0.07,
            ramp_c=3.0,
            bias_outlier_c=4.0,
            interval_jitter=0.038,
        ),
        # Omron D6T-44L-06: 4x4, 44.2°x45.7°, 0.1 °C steps, ±1.5 °C accuracy; refreshes at
        # about 5 Hz (a host polling at 10 Hz reads every frame twice). Measured on two real
        # sets: pixel σ 0.04 °C, a light output filter (lag-1 autocorrelation 0.15), flicker
        # 0.04 °C, intervals ±4-8 %. Optics calibrated on bruno's postures.
        SensorSpec(
            name="d6t44",
            width=4,
            height=4,
            hfov_deg=44.2,
            vfov_deg=45.7,
            fps=5.0,
            fps_range=(1.0, 5.0),
            netd_c=0.03,
            offset_sigma_c=0.2,
            bias_sigma_c=0.5,
            drift_c_per_sqrt_min=0.05,
            warmup_tau_s=10.0,
            warmup_offset_c=0.5,
            invalid_frames=0,
            quantum_c=0.1,
            blur_sigma_px=0.3,
            supersample=16,
            flicker_c=0.04,
            lowpass_alpha=0.6,
            ramp_c=3.0,
            interval_jitter=0.021,
        ),
        # Omron D6T-1616L: 16x16, 44.2°x45.7°, 0.1 °C steps. No real recordings: the 4x4's
        # noise and output filter (same maker); point spread as before.
        SensorSpec(
            name="array16",
            width=16,
            height=16,
            hfov_deg=44.2,
            vfov_deg=45.7,
            fps=8.0,
            fps_range=(1.0, 16.0),
            netd_c=0.15,
            offset_sigma_c=0.3,
            bias_sigma_c=1.0,
            drift_c_per_sqrt_min=0.05,
            warmup_tau_s=10.0,
            warmup_offset_c=1.0,
            invalid_frames=0,
            quantum_c=0.1,
            blur_sigma_px=0.6,
            supersample=8,
            flicker_c=0.04,
            lowpass_alpha=0.6,
            ramp_c=3.0,
            interval_jitter=0.03,
        ),
        # Melexis MLX90640BAB: 32x24, 110°x75°; two subpages, so the first frames after
        # power-up are half-filled and each frame refreshes half the pixels (a real 32x24
        # shows lag-1 autocorrelation 0.42 and pixel σ 0.55 °C: its rate and lens are not
        # stated; the datasheet's 0.1 K at 1 Hz is the narrow lens).
        SensorSpec(
            name="mlx90640",
            width=32,
            height=24,
            hfov_deg=110.0,
            vfov_deg=75.0,
            fps=8.0,
            fps_range=(4.0, 16.0),
            netd_c=0.55,
            offset_sigma_c=0.3,
            bias_sigma_c=0.7,
            drift_c_per_sqrt_min=0.04,
            warmup_tau_s=40.0,
            warmup_offset_c=1.5,
            invalid_frames=2,
            quantum_c=0.01,
            blur_sigma_px=0.5,
            supersample=4,
            flicker_c=0.1,
            lowpass_alpha=0.58,
            ramp_c=3.0,
            bias_outlier_c=8.0,
            interval_jitter=0.03,
        ),
        # Melexis MLX90640BAA: the narrow 55°x35° lens, NETD 0.1 K at 1 Hz (0.28 at 8 Hz).
        SensorSpec(
            name="mlx90640_narrow",
            width=32,
            height=24,
            hfov_deg=55.0,
            vfov_deg=35.0,
            fps=8.0,
            fps_range=(4.0, 16.0),
            netd_c=0.28,
            offset_sigma_c=0.3,
            bias_sigma_c=0.7,
            drift_c_per_sqrt_min=0.04,
            warmup_tau_s=40.0,
            warmup_offset_c=1.5,
            invalid_frames=2,
            quantum_c=0.01,
            blur_sigma_px=0.5,
            supersample=6,
            flicker_c=0.1,
            lowpass_alpha=0.58,
            ramp_c=3.0,
            bias_outlier_c=8.0,
            interval_jitter=0.03,
        ),
        # FLIR Lepton 3.5: 160x120, 57°x44°, 8.7 Hz, NETD < 50 mK; the shutter runs a
        # flat-field correction at start-up and about every 3 minutes (a microbolometer:
        # no thermopile ramp).
        SensorSpec(
            name="lepton",
            width=160,
            height=120,
            hfov_deg=57.0,
            vfov_deg=44.0,
            fps=8.7,
            fps_range=(8.7, 8.7),
            netd_c=0.05,
            offset_sigma_c=0.1,
            bias_sigma_c=1.0,
            drift_c_per_sqrt_min=0.15,
            warmup_tau_s=10.0,
            warmup_offset_c=3.0,
            invalid_frames=3,
            quantum_c=0.01,
            blur_sigma_px=0.4,
            supersample=2,
            ffc_period_s=180.0,
            flicker_c=0.02,
            interval_jitter=0.01,
        ),
    )
}


def sensor(name: str) -> SensorSpec:
    """The named spec; raises KeyError naming the known ones."""
    try:
        return SENSORS[name]
    except KeyError:
        raise KeyError(f"unknown thermal sensor {name!r}; known: {', '.join(SENSORS)}") from None


@dataclass(frozen=True, slots=True)
class Mount:
    """Where the array hangs: on the ceiling looking down, or high on a wall looking in.

    `tilt_deg` is measured from the mount's natural axis: for a ceiling mount, away from
    straight down (towards the room's far corner); for a wall mount, the downward tilt below
    horizontal.
    """

    kind: MountKind
    height_m: float
    tilt_deg: float

    def pose(self, room_size: tuple[float, float, float]) -> CameraPose:
        sx, sy, _ = room_size
        yaw = math.degrees(math.atan2(sy, sx))
        if self.kind == "ceiling":
            # Centre of the room; tilt leans the axis from nadir towards the far corner.
            return CameraPose((sx / 2, sy / 2, self.height_m), yaw, 90.0 - self.tilt_deg)
        return CameraPose((0.12, 0.12, self.height_m), yaw, self.tilt_deg)


def default_mount(kind: MountKind) -> Mount:
    return Mount("ceiling", 2.5, 0.0) if kind == "ceiling" else Mount("wall", 2.3, 30.0)


def supersampled_camera(spec: SensorSpec, pose: CameraPose, k: int, margin: int = 0) -> CameraModel:
    """A pinhole model of the k×k-per-pixel ray grid: ray (v, u) sits at a sub-pixel centre.

    `margin` whole pixels are added on every side, beyond the field of view: a pixel near the
    edge is blurred with what lies just outside it, as a real array's are.
    """
    w, h = spec.width * k, spec.height * k
    fx = (w / 2.0) / math.tan(math.radians(spec.hfov_deg) / 2.0)
    fy = (h / 2.0) / math.tan(math.radians(spec.vfov_deg) / 2.0)
    pad = margin * k
    return CameraModel(
        w + 2 * pad, h + 2 * pad, fx, fy, w / 2.0 - 0.5 + pad, h / 2.0 - 0.5 + pad, pose
    )
