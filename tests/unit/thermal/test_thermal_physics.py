"""A thermal pixel reads the area-weighted mix of its footprint, so contrast falls with distance.

The prediction here is independent of the renderer: the person's silhouette is rasterised
from the capsule geometry (each capsule projected onto the plane at the person's distance is,
to first order, a 2-D stadium), cut into each
pixel's footprint at the person's distance, and the pixel's predicted excess is
(silhouette fraction of the footprint) × (body − room).
"""

import math

import numpy as np
import numpy.typing as npt
import pytest

from simulators import body
from simulators.camera import CameraPose
from simulators.people import CLOTHING
from simulators.raycast import Box
from simulators.thermal import adapter
from simulators.thermal.render import ThermalRenderer
from simulators.thermal.scene import BedHeat, BodyTemps, ThermalEnvironment
from simulators.thermal.sensors import Mount, sensor

Array = npt.NDArray[np.float64]
ROOM_C, BODY_C = 22.0, 32.0
FLAT = ThermalEnvironment(
    room_c=ROOM_C,
    vertical_gradient_c_per_m=0.0,
    floor_offset_c=0.0,
    ceiling_offset_c=0.0,
    furniture_offset_c=0.0,
)
HALL = (9.0, 8.0, 3.0)
CAMERA = CameraPose((0.1, 4.0, 1.0), 0.0, 0.0)  # on a wall at 1 m, looking along +x


def _person(
    x: float, y: float, temps: BodyTemps, clothing: str = "long_sleeves"
) -> adapter.PersonState:
    """A standing person facing the -x wall; `clothing` names a `simulators.people` outfit."""
    height = 1.75
    caps = body.capsules(body.standing(x, y, math.pi, height), height)
    surfaces = tuple(CLOTHING[clothing].surface(part) for part in body.CAPSULE_PARTS)
    return adapter.PersonState(
        caps,
        adapter.part_temps(surfaces, temps, ROOM_C, style=clothing),
        temps.hair_c_at(ROOM_C),
        None,
        {},
    )


def _uniform_person(x: float, y: float) -> adapter.PersonState:
    """A standing person at BODY_C all over (hair, skin, clothes, hands alike)."""
    person = _person(x, y, BodyTemps.uniform(BODY_C))
    return adapter.PersonState(
        person.capsules, np.full(len(person.temps_c), BODY_C), BODY_C, None, {}
    )


def _silhouette_fractions(name: str, person: adapter.PersonState, distance: float) -> Array:
    """Per pixel, the share of its footprint (at `distance`) the person's silhouette covers."""
    spec = sensor(name)
    m = 8  # sample points per pixel side, on the plane at `distance`
    half_w = distance * math.tan(math.radians(spec.hfov_deg) / 2)
    half_h = distance * math.tan(math.radians(spec.vfov_deg) / 2)
    cam = np.asarray(CAMERA.position)
    # Camera right is -y and camera down is -z: column 0 is at y = cam_y + half_w.
    ys = cam[1] + half_w - (np.arange(spec.width * m) + 0.5) / (spec.width * m) * 2 * half_w
    zs = cam[2] + half_h - (np.arange(spec.height * m) + 0.5) / (spec.height * m) * 2 * half_h
    yy, zz = np.meshgrid(ys, zs)
    inside = np.zeros(yy.shape, dtype=bool)
    a, b, r = person.capsules
    for k in range(len(r)):  # distance from each point to the projected segment
        # Perspective onto the plane at `distance`: scale about the camera by distance/depth.
        s0, s1 = distance / (a[k, 0] - cam[0]), distance / (b[k, 0] - cam[0])
        p0, p1 = cam[1:] + (a[k, 1:] - cam[1:]) * s0, cam[1:] + (b[k, 1:] - cam[1:]) * s1
        radius = r[k] * (s0 + s1) / 2
        d = p1 - p0
        u = np.clip(((yy - p0[0]) * d[0] + (zz - p0[1]) * d[1]) / max(d @ d, 1e-12), 0, 1)
        inside |= (yy - p0[0] - u * d[0]) ** 2 + (zz - p0[1] - u * d[1]) ** 2 <= radius**2
    fractions: Array = inside.reshape(spec.height, m, spec.width, m).mean(axis=(1, 3))
    return fractions


def _render(name: str, person: adapter.PersonState) -> Array:
    spec = sensor(name)
    k = max(4, 256 // spec.width)  # 32 rays per side for 8x8, 8 for 32x24, 4 for a Lepton
    renderer = ThermalRenderer(
        spec, CAMERA, HALL, {}, env=FLAT, supersample=k, blur_sigma_px=0.0, halo=0.0
    )
    return renderer.render([person])


@pytest.mark.parametrize("name", ["grideye", "mlx90640", "lepton"])
@pytest.mark.parametrize("distance", [2.0, 3.0])
def test_pixel_excess_is_silhouette_fraction_times_body_excess(name: str, distance: float) -> None:
    person = _uniform_person(CAMERA.position[0] + distance, 4.0)
    predicted = _silhouette_fractions(name, person, distance) * (BODY_C - ROOM_C)
    excess = _render(name, person) - ROOM_C
    # Agreement within the ray sampling and the stadium approximation of a capsule's
    # perspective silhouette (up to half a Lepton pixel at the top of the head).
    assert excess.max() == pytest.approx(predicted.max(), rel=0.10, abs=0.2)
    assert excess.sum() == pytest.approx(predicted.sum(), rel=0.05)
    on_person = (predicted > 0.05) | (excess > 0.05)
    assert np.abs(excess - predicted)[on_person].mean() < 0.06 * (BODY_C - ROOM_C)


def test_contrast_falls_with_distance_and_with_pixel_size() -> None:
    peaks: dict[tuple[str, float], float] = {}
    for name in ("grideye", "mlx90640", "lepton"):
        for distance in (2.0, 3.0):
            person = _uniform_person(CAMERA.position[0] + distance, 4.0)
            peaks[name, distance] = float(_render(name, person).max()) - ROOM_C
    # Coarse arrays lose contrast with distance; a Lepton still has pixels fully on the body.
    assert peaks["grideye", 3.0] < peaks["grideye", 2.0]
    assert peaks["mlx90640", 3.0] < peaks["mlx90640", 2.0]
    assert peaks["lepton", 3.0] == pytest.approx(BODY_C - ROOM_C, abs=0.05)
    for distance in (2.0, 3.0):
        assert peaks["grideye", distance] < peaks["mlx90640", distance] <= peaks["lepton", distance]
    assert peaks["mlx90640", 3.0] < peaks["lepton", 3.0]
    # A Grid-EYE pixel at 3 m is ~0.35 m wide: a person never fills one.
    assert peaks["grideye", 3.0] < 0.8 * (BODY_C - ROOM_C)


def test_ceiling_array16_sees_a_standing_person_as_a_small_blob_cooler_than_skin() -> None:
    """16x16 (D6T-1616L, 44.2°x45.7°) on a 2.5 m ceiling: the head is only ~0.8 m away, so
    hair and shoulders fill whole pixels (several °C), but blur and mixing keep every pixel
    below the hair's own excess, and the person covers well under a third of the image."""
    spec = sensor("array16")
    pose = Mount("ceiling", 2.5, 0.0).pose((9.0, 8.0, 2.6))
    renderer = ThermalRenderer(spec, pose, (9.0, 8.0, 2.6), {}, env=FLAT)
    clothing = BodyTemps()  # skin 33.5, hair 30, clothing 28.5
    for dx, most_pixels in ((0.0, 80), (0.8, 80)):
        image = renderer.render([_person(4.5 + dx, 4.0, clothing)])
        warm = image - ROOM_C
        assert 1.0 < warm.max() < clothing.skin_c - ROOM_C
        assert 3 <= (warm > 0.5).sum() <= most_pixels  # of 256
    empty = renderer.render([]) - ROOM_C
    assert np.abs(empty).max() < 0.05


def test_warm_bed_cools_exponentially_after_the_person_leaves() -> None:
    spec = sensor("lepton")
    bed_top = 0.6
    furniture = {"bed": Box((1.5, 2.5, 0.0), (2.5, 4.5, bed_top))}
    pose = Mount("ceiling", 2.5, 0.0).pose((4.0, 7.0, 2.8))
    renderer = ThermalRenderer(
        spec, pose, (4.0, 7.0, 2.8), furniture, env=FLAT, bed="bed", blur_sigma_px=0.0
    )
    heat = BedHeat(tau_warm_s=600.0, tau_cool_s=300.0, peak_c=31.0)
    footprint = (1.6, 2.7, 2.4, 4.4)
    for _ in range(120):  # an hour in bed, in 30 s steps
        heat.step(footprint, 30.0)
    assert heat.level > 0.99
    image = renderer.render([], heat)
    imprint = image > ROOM_C + 0.9 * (31.0 - ROOM_C)
    assert imprint.sum() > 100
    excess = []
    for _ in range(10):  # ten minutes after the exit, once a minute
        excess.append(float(renderer.render([], heat)[imprint].mean()) - ROOM_C)
        heat.step(None, 60.0)
    slope = np.polyfit(np.arange(10) * 60.0, np.log(excess), 1)[0]
    assert -1.0 / slope == pytest.approx(300.0, rel=0.02)
    assert excess[5] / excess[0] == pytest.approx(math.exp(-1.0), rel=0.02)
