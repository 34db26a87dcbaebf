"""True (noise-free) thermal images: each pixel is the area-weighted mix of its footprint.

A pixel of a thermal array integrates the radiance of everything inside its footprint, so a
person who fills a tenth of a pixel adds a tenth of their excess temperature to it. That is
modelled by supersampling: k×k rays per pixel, each ray takes the temperature of the surface
it hits, and the pixel is their mean (equal solid angle per ray to within the pinhole's
tangent spacing). A Gaussian point spread stands for the optics: cheap thermopile lenses
spread each pixel's view well beyond its nominal cell (σ calibrated per part against real
arrays), so rays are also cast for a margin of pixels around the field of view and the
blurred image is cropped back.

The room never moves, so its rays are cast once (hit point, surface temperature, and which
rays land on the mattress top); per frame only the rays in each capsule's projected box are
cast against the body, as in the depth renderer.
"""

import math

import numpy as np
import numpy.typing as npt

from simulators import raycast
from simulators.camera import CameraPose
from simulators.raycast import Box
from simulators.render import capsule_rois
from simulators.thermal.adapter import HEAD, PersonState
from simulators.thermal.scene import BedHeat, ThermalEnvironment, WarmObject
from simulators.thermal.sensors import SensorSpec, supersampled_camera

Array = npt.NDArray[np.float64]


class ThermalRenderer:
    """Noise-free temperatures (°C) of one array in one room."""

    def __init__(
        self,
        spec: SensorSpec,
        pose: CameraPose,
        room_size: tuple[float, float, float],
        furniture: dict[str, Box],
        *,
        env: ThermalEnvironment,
        warm: list[WarmObject] | None = None,
        bed: str | None = None,
        supersample: int | None = None,
        blur_sigma_px: float | None = None,
        halo: float | None = None,
    ) -> None:
        self.spec = spec
        self.pose = pose
        self.env = env
        self.k = supersample or spec.supersample
        self.blur_sigma_px = spec.blur_sigma_px if blur_sigma_px is None else blur_sigma_px
        self.halo = spec.halo_fraction if halo is None else halo
        self.margin = math.ceil(2.0 * self.blur_sigma_px) if self.blur_sigma_px > 0 else 0
        self.camera = supersampled_camera(spec, pose, self.k, self.margin)
        self._origin = np.asarray(pose.position, dtype=np.float64)
        self._rotation = pose.rotation()
        self._dirs, _ = self.camera.pixel_rays()

        names = list(furniture)
        solids = [furniture[n] for n in names] + [w.box for w in warm or []]
        t_room = raycast.room_interior(self._origin, self._dirs, room_size)
        t_solids = np.stack(
            [np.full(t_room.shape, np.inf)]
            + [raycast.boxes(self._origin, self._dirs, [b]) for b in solids]
        )
        which = np.argmin(t_solids, axis=0) - 1  # -1: no solid
        t_best = np.min(t_solids, axis=0)
        on_solid = t_best < t_room
        self.static_t = np.where(on_solid, t_best, t_room)
        points = self._origin + self._dirs * self.static_t[..., None]
        temps = env.air_c(points, room_size)
        solid_temps = np.array(
            [env.room_c + env.furniture_offset_c] * len(names) + [w.temp_c for w in warm or []]
        )
        if solids:
            temps = np.where(on_solid, solid_temps[np.maximum(which, 0)], temps)
        self.static_temps = temps
        self._bed_rays: tuple[npt.NDArray[np.intp], ...] | None = None
        if bed is not None:
            top = furniture[bed].hi[2]
            mask = on_solid & (which == names.index(bed)) & (np.abs(points[..., 2] - top) < 1e-3)
            self._bed_rays = np.nonzero(mask)
            self._bed_points = points[mask]

    def render(self, people: list[PersonState], bed_heat: BedHeat | None = None) -> Array:
        """True temperature of every pixel, (height, width) °C."""
        temps = self.static_temps.copy()
        hidden = any(p.covered for p in people)  # a blanket lies over the mattress
        if bed_heat is not None and self._bed_rays is not None and not hidden:
            temps[self._bed_rays] = bed_heat.surface_c(self._bed_points, self.env.room_c)
        t_best = self.static_t.copy()
        for person in people:
            self._cast_person(person, temps, t_best)
        k, spec, m = self.k, self.spec, self.margin
        h, w = spec.height + 2 * m, spec.width + 2 * m
        mixed: Array = temps.reshape(h, k, w, k).mean(axis=(1, 3))
        if self.blur_sigma_px > 0:
            mixed = gaussian_blur(mixed, self.blur_sigma_px)
        if self.halo > 0:
            # Scatter: a share of every pixel's response comes from the whole view alike.
            mixed = (1.0 - self.halo) * mixed + self.halo * float(temps.mean())
        return mixed[m : h - m, m : w - m]

    def _cast_person(self, person: PersonState, temps: Array, t_best: Array) -> None:
        a, b, r = person.capsules
        for index, (v0, v1, u0, u1) in enumerate(self._rois(a, b, r)):
            if v0 >= v1 or u0 >= u1:
                continue
            dirs = self._dirs[v0:v1, u0:u1]
            t = raycast.capsule(self._origin, dirs, a[index], b[index], float(r[index]))
            window_t = t_best[v0:v1, u0:u1]
            nearer = t < window_t
            window_t[nearer] = t[nearer]
            value = np.full(t.shape, person.temps_c[index])
            if index == HEAD:
                # The crown is hair, not skin: the upper part of the head reads cooler.
                axis = (b[index] - a[index]) / np.linalg.norm(b[index] - a[index])
                centre = (a[index] + b[index]) / 2
                points = self._origin + dirs * np.where(np.isfinite(t), t, 0.0)[..., None]
                crown = (points - centre) @ axis > 0.3 * float(r[index])
                value = np.where(crown, person.hair_c, value)
            temps[v0:v1, u0:u1][nearer] = value[nearer]

    def _rois(self, a: Array, b: Array, r: Array) -> list[tuple[int, int, int, int]]:
        """Per capsule, the ray rows and columns that can see it (all, if it is behind)."""
        return capsule_rois(self.camera, a, b, r, origin=self._origin, rotation=self._rotation)


def gaussian_blur(image: Array, sigma_px: float) -> Array:
    """Separable Gaussian blur with edge padding (the point spread of cheap IR optics)."""
    radius = max(1, math.ceil(3 * sigma_px))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / sigma_px) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(image, radius, mode="edge")
    rows = sum(w * padded[:, i : i + image.shape[1]] for i, w in enumerate(kernel))
    out = sum(w * rows[i : i + image.shape[0], :] for i, w in enumerate(kernel))
    return np.asarray(out, dtype=np.float64)
