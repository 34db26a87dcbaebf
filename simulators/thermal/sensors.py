"""The thermal arrays we model and where they hang: one spec per part, one mount per install.

Figures are the datasheet ones where a datasheet gives them (resolution, field of view, frame
rate, NETD, output resolution); warm-up amplitudes and drift rates are plausible values, not
measurements, and are labelled as such in docs/thermal-recordings.md. NETD grows with the
square root of the frame rate (the noise bandwidth), so a part run faster is noisier.
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
    """Temporal noise (1 σ, °C) at the default frame rate."""
    offset_sigma_c: float
    """Fixed per-pixel offset (1 σ, °C): residual non-uniformity after factory calibration."""
    bias_sigma_c: float
    """Whole-array absolute error (1 σ, °C), fixed for one power-up."""
    drift_c_per_sqrt_min: float
    """Slow common-mode drift: random walk step per √minute (°C)."""
    warmup_tau_s: float
    """Time constant of the power-up transient."""
    warmup_offset_c: float
    """Size (1 σ, °C) of the per-pixel transient offset at power-up; decays with warmup_tau_s."""
    invalid_frames: int
    """Frames after power-up that are garbage (subpages not yet filled, shutter not yet run)."""
    quantum_c: float
    """Output resolution (°C per count)."""
    blur_sigma_px: float
    """Optical cross-talk: Gaussian point spread, σ in pixels (0 for none)."""
    supersample: int
    """Rays per pixel side used to mix the footprint (k×k rays per pixel)."""
    ffc_period_s: float | None = None
    """Flat-field correction period: drift resets to zero every period (Lepton's shutter)."""
    interval_jitter: float = 0.0
    """Frame-interval jitter: relative σ of the time between frames (0: a perfect clock)."""

    def netd_at(self, fps: float) -> float:
        return self.netd_c * math.sqrt(fps / self.fps)


SENSORS: dict[str, SensorSpec] = {
    spec.name: spec
    for spec in (
        # Panasonic AMG8833: 8x8, 60°, 10 Hz, NETD 0.16 °C at 10 Hz, 0.25 °C output steps,
        # "output stable 15 s after power-up".
        SensorSpec(
            name="grideye",
            width=8,
            height=8,
            hfov_deg=60.0,
            vfov_deg=60.0,
            fps=10.0,
            fps_range=(1.0, 10.0),
            netd_c=0.16,
            offset_sigma_c=0.35,
            bias_sigma_c=1.0,
            drift_c_per_sqrt_min=0.05,
            warmup_tau_s=5.0,
            warmup_offset_c=2.0,
            invalid_frames=2,
            quantum_c=0.25,
            blur_sigma_px=0.6,
            supersample=12,
        ),
        # Omron D6T-44L-06: 4x4, 44.2°x45.7°, 0.1 °C output steps. Two real sets use it; it
        # refreshes at about 5 Hz (a host polling at 10 Hz reads every frame twice).
        SensorSpec(
            name="d6t44",
            width=4,
            height=4,
            hfov_deg=44.2,
            vfov_deg=45.7,
            fps=5.0,
            fps_range=(1.0, 5.0),
            netd_c=0.06,
            offset_sigma_c=0.3,
            bias_sigma_c=1.0,
            drift_c_per_sqrt_min=0.05,
            warmup_tau_s=10.0,
            warmup_offset_c=1.5,
            invalid_frames=2,
            quantum_c=0.1,
            blur_sigma_px=0.6,
            supersample=16,
        ),
        # 16x16 thermopile array (Omron D6T-1616L class): 44.2°x45.7°, 0.1 °C output steps.
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
            warmup_offset_c=1.5,
            invalid_frames=2,
            quantum_c=0.1,
            blur_sigma_px=0.6,
            supersample=8,
        ),
        # Melexis MLX90640BAB: 32x24, 110°x75°; NETD 0.1 K rms at 1 Hz for the BAA lens and
        # higher for BAB; two subpages, so the first frames after power-up are half-filled.
        SensorSpec(
            name="mlx90640",
            width=32,
            height=24,
            hfov_deg=110.0,
            vfov_deg=75.0,
            fps=8.0,
            fps_range=(4.0, 16.0),
            netd_c=0.35,
            offset_sigma_c=0.3,
            bias_sigma_c=0.7,
            drift_c_per_sqrt_min=0.04,
            warmup_tau_s=40.0,
            warmup_offset_c=1.5,
            invalid_frames=2,
            quantum_c=0.01,
            blur_sigma_px=0.5,
            supersample=4,
        ),
        # Melexis MLX90640BAA: the narrow 55°x35° lens.
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
        ),
        # FLIR Lepton 3.5: 160x120, 57°x44°, 8.7 Hz, NETD < 50 mK; the shutter runs a
        # flat-field correction at start-up and about every 3 minutes.
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


def supersampled_camera(spec: SensorSpec, pose: CameraPose, k: int) -> CameraModel:
    """A pinhole model of the k×k-per-pixel ray grid: ray (v, u) sits at a sub-pixel centre."""
    w, h = spec.width * k, spec.height * k
    fx = (w / 2.0) / math.tan(math.radians(spec.hfov_deg) / 2.0)
    fy = (h / 2.0) / math.tan(math.radians(spec.vfov_deg) / 2.0)
    return CameraModel(w, h, fx, fy, w / 2.0 - 0.5, h / 2.0 - 0.5, pose)
