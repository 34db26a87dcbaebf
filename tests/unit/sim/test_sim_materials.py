"""Dark and shiny surfaces lose depth like a D4xx's, and matte scenes render as before."""

import math

import numpy as np
import numpy.typing as npt
import pytest

from simulators.body import standing
from simulators.camera import CameraModel, CameraPose
from simulators.motion import Posture, Script, Support
from simulators.noise import DepthNoise
from simulators.people import CLOTHING, Person
from simulators.raycast import MATERIALS, Box, Material
from simulators.render import DepthRenderer
from simulators.rooms import Room, Spot, room

Mask = npt.NDArray[np.bool_]
DARK, SHINY = MATERIALS.index("dark"), MATERIALS.index("shiny")


def _scene(furniture: dict[str, Box], pitch: float = 0.0) -> tuple[CameraModel, DepthRenderer]:
    """A bare 6 × 4 m room, the camera at 1.5 m on the x = 0 wall looking along +x."""
    pose = CameraPose((0.2, 2.0, 1.5), 0.0, pitch)
    r = Room("hospital", (6.0, 4.0, 3.0), furniture, pose, Spot(0.0, 0.0), 0.6, 0.45)
    camera = CameraModel.d435(pose, 320, 240)
    return camera, DepthRenderer(camera, r)


def _panels(left: Material, right: Material) -> dict[str, Box]:
    """Two side-by-side panels 2.8 m away (+y is the image's left)."""
    return {
        "left": Box((3.0, 2.0, 0.5), (3.05, 3.5, 2.5), left),
        "right": Box((3.0, 0.5, 0.5), (3.05, 2.0, 2.5), right),
    }


def _interior(mask: Mask, margin: int = 4) -> Mask:
    """Pixels at least `margin` pixels inside `mask` (away from silhouette effects)."""
    inner = mask.copy()
    for axis in (0, 1):
        for shift in range(1, margin + 1):
            inner &= np.roll(mask, shift, axis) & np.roll(mask, -shift, axis)
    return inner


def _component_sizes(holes: Mask) -> npt.NDArray[np.int64]:
    """Sizes of the 4-connected components of `holes` (label propagation, no scipy)."""
    big = np.iinfo(np.int64).max
    labels = np.where(holes, np.arange(holes.size).reshape(holes.shape), big)
    while True:
        padded = np.pad(labels, 1, constant_values=big)
        nearest = np.minimum.reduce(
            [labels, padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]]
        )
        nearest = np.where(holes, nearest, big)
        if np.array_equal(nearest, labels):
            break
        labels = nearest
    return np.unique(labels[holes], return_counts=True)[1]


def _lost(material_a: Material, material_b: Material, seed: int = 0) -> tuple[Mask, Mask, Mask]:
    camera, renderer = _scene(_panels(material_a, material_b))
    rendered = renderer.render_surfaces([])
    z16 = DepthNoise().apply(
        rendered.depth, camera.fx, np.random.default_rng(seed), rendered.surfaces
    )
    left = _interior(np.abs(rendered.depth - 2.8) < 0.05) & (np.arange(320) < 160)[None, :]
    right = _interior(np.abs(rendered.depth - 2.8) < 0.05) & (np.arange(320) >= 160)[None, :]
    return z16 == 0, left, right


@pytest.mark.recordings
def test_a_dark_surface_loses_far_more_depth_than_a_matte_one_at_the_same_distance() -> None:
    holes, dark, matte = _lost("dark", "matte")
    assert dark.sum() > 2000 and matte.sum() > 2000
    # 2.8 m: the model's 20 % at 1 m rising to 60 % at 4 m gives about 44 %.
    assert 0.3 < holes[dark].mean() < 0.6
    assert holes[matte].mean() < 0.01
    assert holes[dark].mean() > 30 * max(holes[matte].mean(), 1e-3)


def test_dark_surfaces_lose_more_with_distance() -> None:
    noise = DepthNoise()
    material = np.full((240, 320), DARK, dtype=np.uint8)
    cos = np.ones((240, 320), dtype=np.float32)
    near = noise.drop_probability(material, np.full((240, 320), 1.0, np.float32), cos)
    far = noise.drop_probability(material, np.full((240, 320), 4.0, np.float32), cos)
    assert near.mean() == pytest.approx(0.2)
    assert far.mean() == pytest.approx(0.6)


@pytest.mark.recordings
def test_dark_holes_are_blobs_not_salt_and_pepper() -> None:
    holes, dark, _ = _lost("dark", "matte", seed=3)
    sizes = _component_sizes(holes & dark)
    # Salt-and-pepper at the same rate (~44 %) gives components of ~4 pixels on average.
    assert sizes.mean() > 20
    # ... and leaves most hole pixels with a valid neighbour (all four lost: ~0.44⁴ ≈ 4 %).
    inner = holes & np.roll(holes, 1, 0) & np.roll(holes, -1, 0)
    inner &= np.roll(holes, 1, 1) & np.roll(holes, -1, 1)
    assert inner[dark].sum() / (holes & dark).sum() > 0.3


@pytest.mark.recordings
def test_shiny_surfaces_lose_more_at_grazing_angles_than_head_on() -> None:
    # Head-on: a shiny panel facing the camera; grazing: a shiny side wall along the view.
    camera, head_on = _scene({"panel": Box((3.0, 1.2, 0.8), (3.05, 2.8, 2.2), "shiny")})
    _, grazing = _scene({"wall": Box((3.5, 3.3, 0.5), (5.9, 3.35, 2.5), "shiny")})
    lost = []
    for renderer in (head_on, grazing):
        rendered = renderer.render_surfaces([])
        shiny = _interior(rendered.surfaces.material == SHINY)
        assert shiny.sum() > 1500
        z16 = DepthNoise().apply(
            rendered.depth, camera.fx, np.random.default_rng(5), rendered.surfaces
        )
        lost.append(float((z16 == 0)[shiny].mean()))
        if renderer is head_on:
            centre = rendered.surfaces.cos_incidence[120, 160]
            assert centre == pytest.approx(1.0, abs=1e-3)
            assert rendered.surfaces.cos_incidence[shiny].min() > math.cos(math.radians(30))
        else:
            assert rendered.surfaces.cos_incidence[shiny].max() < math.cos(math.radians(65))
    assert lost[0] < 0.25
    assert lost[1] > 2 * lost[0]


@pytest.mark.recordings
def test_shiny_surfaces_read_some_wrong_farther_depths() -> None:
    camera, renderer = _scene(_panels("shiny", "matte"))
    rendered = renderer.render_surfaces([])
    z16 = DepthNoise().apply(rendered.depth, camera.fx, np.random.default_rng(8), rendered.surfaces)
    read = z16.astype(np.float32) / 1000.0
    # 0.3 m is ~4.5 sigma of the ordinary noise at 2.8 m and 320 px: reflections, not noise.
    wrong = read > rendered.depth + 0.3
    panel = _interior(np.abs(rendered.depth - 2.8) < 0.05)
    shiny = panel & (rendered.surfaces.material == SHINY)
    matte = panel & (rendered.surfaces.material == 0)
    assert shiny.sum() > 2000 and matte.sum() > 2000
    assert 0.01 < wrong[shiny].mean() < 0.05
    assert wrong[matte].mean() < 0.001


@pytest.mark.recordings
def test_matte_scenes_render_exactly_as_without_materials() -> None:
    r = room("hospital")
    camera = CameraModel.d435(r.camera, 320, 240)
    renderer = DepthRenderer(camera, r)
    height = 1.7
    script = Script(height, standing(2.0, 1.5, 0.3, height))
    script.hold(1.0, "standing", Posture.STANDING, Support.FEET)
    person = Person(1, "visitor", height, script)
    person.hair, person.clothing_material = "matte", "matte"
    caps, surfaces = person.solids(*person.script.at(0.0))
    depth, visible = renderer.render([caps])
    rendered = renderer.render_surfaces([caps], [person.materials(surfaces)])
    assert np.array_equal(rendered.depth, depth) and rendered.visible == visible
    assert not rendered.surfaces.material.any()
    plain = DepthNoise().apply(depth, camera.fx, np.random.default_rng(4))
    tagged = DepthNoise().apply(depth, camera.fx, np.random.default_rng(4), rendered.surfaces)
    assert np.array_equal(plain, tagged)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.recordings
def test_person_in_black_still_measures_their_height(seed: int) -> None:
    r = room("hospital")
    camera = CameraModel.d435(r.camera, 320, 240)
    renderer = DepthRenderer(camera, r)
    height = 1.75
    script = Script(height, standing(2.0, 1.5, 0.3, height))
    script.hold(1.0, "standing", Posture.STANDING, Support.FEET)
    person = Person(1, "visitor", height, script, clothing=CLOTHING["long_sleeves"])
    person.hair, person.clothing_material = "matte", "dark"
    state = person.at(0.5)
    assert state.materials.count("dark") == len(state.materials) - 2  # all but head and neck
    rendered = renderer.render_surfaces([state.capsules], [state.materials])
    z16 = DepthNoise().apply(
        rendered.depth, camera.fx, np.random.default_rng(seed), rendered.surfaces
    )
    body = rendered.depth < renderer.static_depth - 0.05
    clothed = body & (rendered.surfaces.material == DARK)
    assert (z16 == 0)[clothed].mean() > 0.2  # the clothes really lose depth
    heights = camera.deproject(z16.astype(np.float32) / 1000.0)[..., 2][body & (z16 > 0)]
    top = float(np.median(np.sort(heights)[-10:]))
    assert top == pytest.approx(height, abs=0.05)


def test_hair_and_clothing_colour_are_seeded_by_the_person() -> None:
    script = Script(1.7, standing(1.0, 1.0, 0.0, 1.7))

    def people(style: str) -> list[Person]:
        return [Person(i, "visitor", 1.7, script, clothing=CLOTHING[style]) for i in range(1, 201)]

    looks = [p.appearance() for p in people("long_sleeves")]
    assert looks == [p.appearance() for p in people("long_sleeves")]
    dark_hair = sum(hair == "dark" for hair, _ in looks) / len(looks)
    dark_clothes = sum(clothes == "dark" for _, clothes in looks) / len(looks)
    assert 0.35 < dark_hair < 0.65
    assert 0.15 < dark_clothes < 0.45
    assert all(clothes == "matte" for _, clothes in (p.appearance() for p in people("gown")))
