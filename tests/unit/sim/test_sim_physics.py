"""The simulated camera sees what a D435 would: right geometry, right noise."""

import math

import numpy as np
import pytest

from simulators import body
from simulators.camera import CameraModel
from simulators.noise import DepthNoise
from simulators.render import DepthRenderer
from simulators.rooms import room


@pytest.fixture(scope="module")
def hospital() -> tuple[CameraModel, DepthRenderer]:
    r = room("hospital")
    camera = CameraModel.d435(r.camera, 320, 240)
    return camera, DepthRenderer(camera, r)


@pytest.mark.recordings
def test_camera_hangs_high_in_a_corner_and_sees_the_floor(
    hospital: tuple[CameraModel, DepthRenderer],
) -> None:
    camera, renderer = hospital
    z = camera.pose.position[2]
    assert 2.4 <= z <= 2.6
    assert 30 <= camera.pose.pitch_deg <= 40
    points = camera.deproject(renderer.static_depth)
    on_floor = np.abs(points[..., 2]) < 0.01
    # The floor is a large part of the view and deprojects onto z = 0 with the known pose.
    assert on_floor.mean() > 0.3
    assert np.nanmin(points[..., 2]) > -0.005


def test_depth_noise_rms_grows_with_distance_squared_as_documented() -> None:
    noise = DepthNoise()
    fx = CameraModel.d435(room("hospital").camera).fx
    rng = np.random.default_rng(1)
    for z in (1.0, 2.0, 3.0, 4.0):
        perfect = np.full((240, 320), z, dtype=np.float32)
        measured = noise.apply(perfect, fx, rng).astype(np.float64) / 1000.0
        valid = measured > 0
        rms = math.sqrt(np.mean((measured[valid] - z) ** 2))
        expected = float(noise.sigma(z, fx))
        # Quantisation to 1 mm adds 1/sqrt(12) mm in quadrature.
        expected = math.hypot(expected, 0.001 / math.sqrt(12))
        assert rms == pytest.approx(expected, rel=0.05), z
    # D435 datasheet: under 2 % of distance at 2 m.
    assert float(noise.sigma(2.0, fx)) / 2.0 < 0.02


@pytest.mark.recordings
def test_noisy_frames_are_millimetre_z16_with_holes_like_the_camera(
    hospital: tuple[CameraModel, DepthRenderer],
) -> None:
    camera, renderer = hospital
    pose = body.standing(2.0, 1.5, 0.0, 1.75)
    depth, _ = renderer.render([body.capsules(pose, 1.75)])
    z16 = DepthNoise().apply(depth, camera.fx, np.random.default_rng(0))
    assert z16.dtype == np.uint16
    holes = z16 == 0
    assert 0.001 < holes.mean() < 0.05
    # The occlusion band: background just left of the person often has no depth (where the
    # disparity jump is at least a pixel), far more often than anywhere else.
    person = depth < renderer.static_depth - 0.1
    rows, cols = np.nonzero(person[:, 1:] & ~person[:, :-1])
    assert holes[rows, cols].mean() > 0.4
    assert holes[rows, cols].mean() > 20 * holes[~person].mean()
    # Flying pixels: right of the person, some background pixels read a depth in between.
    rows, cols = np.nonzero(person[:, :-1] & ~person[:, 1:])
    fg, bg = depth[rows, cols], depth[rows, cols + 1]
    read = z16[rows, cols + 1].astype(np.float32) / 1000.0
    between = (read > fg + 0.05) & (read < bg - 0.05)
    assert 0.05 < between.mean() < 0.5


@pytest.mark.parametrize(
    ("height", "where"), [(1.50, (2.0, 1.5)), (1.75, (1.0, 2.2)), (1.95, (3.3, 2.0))]
)
@pytest.mark.recordings
def test_standing_person_measures_their_height_after_deprojection(
    hospital: tuple[CameraModel, DepthRenderer], height: float, where: tuple[float, float]
) -> None:
    camera, renderer = hospital
    pose = body.standing(where[0], where[1], 0.3, height)
    depth, visible = renderer.render([body.capsules(pose, height)])
    assert visible[0] > 300
    person = depth < renderer.static_depth - 0.05
    perfect_top = np.nanmax(camera.deproject(depth)[..., 2][person])
    assert perfect_top == pytest.approx(height, abs=0.02)

    z16 = DepthNoise().apply(depth, camera.fx, np.random.default_rng(2))
    noisy = z16.astype(np.float32) / 1000.0
    heights = camera.deproject(noisy)[..., 2][person & (z16 > 0)]
    top = float(np.median(np.sort(heights)[-10:]))
    assert top == pytest.approx(height, abs=0.05)
    assert body.head_top(pose, height) == pytest.approx(height, abs=0.005)


@pytest.mark.recordings
def test_lying_person_is_low_and_hidden_behind_nothing(
    hospital: tuple[CameraModel, DepthRenderer],
) -> None:
    camera, renderer = hospital
    pose = body.BodyPose(2.0, 1.5, 0.065 * 1.7, 0.0, trunk=math.pi / 2, hip_l=-1.5, hip_r=-1.5)
    depth, visible = renderer.render([body.capsules(pose, 1.7)])
    person = depth < renderer.static_depth - 0.03
    heights = camera.deproject(depth)[..., 2][person]
    assert visible[0] > 200
    assert heights.max() < 0.35
