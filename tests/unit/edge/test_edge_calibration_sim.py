"""Floor calibration on the simulator's rooms: every room kind, corner and ceiling mounts.

Empty-room frames are rendered with the simulator's ray caster and D435 noise model at
320×240, combined per pixel by median like the pipeline's background model, and deprojected
with the camera's intrinsics. The recovered camera height and tilt must match the room's
camera pose: a wall, a bed or a table taken for the floor would be off by decimetres or tens
of degrees.
"""

import functools

import numpy as np
import numpy.typing as npt
import pytest

from edge_agent.calibration import CalibrationError, Mount, calibrate_floor
from edge_agent.perception.deproject import Deprojector
from edge_agent.sources.base import Intrinsics
from simulators.camera import CameraModel
from simulators.noise import DepthNoise
from simulators.render import DepthRenderer
from simulators.rooms import ROOM_KINDS, Room, RoomKind, room

F32 = npt.NDArray[np.float32]

MOUNTS: list[tuple[str, float, int]] = [
    ("corner", 25.0, 0),
    ("corner", 45.0, 2),
    ("ceiling", 0.0, 0),
    ("ceiling", 20.0, 0),
]
"""(mount, tilt, corner): corner tilt is below horizontal, ceiling tilt off vertical."""

CASES = [(kind, *mount) for kind in ROOM_KINDS for mount in MOUNTS]
FRAMES = 5
HEIGHT_TOL_M = 0.03
TILT_TOL_DEG = 1.5


def _room(kind: RoomKind, mount: str, tilt: float, corner: int) -> Room:
    return room(kind).with_camera(
        "corner" if mount == "corner" else "ceiling", None, tilt, corner=corner
    )


@functools.cache
def _scene(kind: RoomKind, mount: str, tilt: float, corner: int) -> tuple[Room, CameraModel, F32]:
    """The room, its camera and the camera-frame points of its median background."""
    r = _room(kind, mount, tilt, corner)
    cam = CameraModel.d435(r.camera, 320, 240)
    depth = DepthRenderer(cam, r).static_depth
    rng = np.random.default_rng(7)
    stack = np.stack([DepthNoise().apply(depth, cam.fx, rng) for _ in range(FRAMES)])
    mm = np.where(stack > 0, stack.astype(np.float32), np.nan)
    seen = (stack > 0).any(axis=0)
    background = np.zeros(depth.shape, dtype=np.float32)
    background[seen] = np.nanmedian(mm[:, seen], axis=0) / 1000.0
    deproj = Deprojector(Intrinsics(cam.width, cam.height, cam.fx, cam.fy, cam.ppx, cam.ppy))
    return r, cam, deproj.camera_points(background, np.flatnonzero(background > 0))


def _hint(mount: str) -> Mount:
    return "wall" if mount == "corner" else "ceiling"


@pytest.mark.parametrize("hint", ["auto", "given"])
@pytest.mark.parametrize(("kind", "mount", "tilt", "corner"), CASES)
@pytest.mark.recordings
def test_recovers_camera_height_and_tilt_in_every_room_and_mount(
    kind: RoomKind, mount: str, tilt: float, corner: int, hint: str
) -> None:
    r, _, points = _scene(kind, mount, tilt, corner)
    calib = calibrate_floor(points, mount="auto" if hint == "auto" else _hint(mount))
    assert calib.camera_height_m == pytest.approx(r.camera.position[2], abs=HEIGHT_TOL_M)
    assert calib.tilt_deg == pytest.approx(r.camera.pitch_deg, abs=TILT_TOL_DEG)


@pytest.mark.parametrize("kind", ["hospital_single", "bathroom"])
@pytest.mark.recordings
def test_room_heights_of_a_ceiling_mount_match_the_world(kind: RoomKind) -> None:
    """Beds, sinks and the floor come out at their real heights in the calibrated frame."""
    r, cam, points = _scene(kind, "ceiling", 20.0, 0)
    calib = calibrate_floor(points)
    depth = DepthRenderer(cam, r).static_depth
    world = cam.deproject(depth).reshape(-1, 3)
    seen = np.flatnonzero(depth.ravel() > 0)
    deproj = Deprojector(Intrinsics(cam.width, cam.height, cam.fx, cam.fy, cam.ppx, cam.ppy))
    room_z = calib.to_room(deproj.camera_points(depth, seen))[:, 2]
    error = np.abs(room_z - world[seen, 2])
    assert float(np.percentile(error, 95)) < 0.03


@pytest.mark.parametrize("kind", ["hospital", "icu_bay", "living_room", "bathroom"])
@pytest.mark.parametrize(
    ("mount", "tilt", "corner", "wrong"),
    [
        ("corner", 45.0, 2, "ceiling"),
        ("ceiling", 20.0, 0, "wall"),
    ],
)
@pytest.mark.recordings
def test_a_wrong_mount_hint_finds_the_floor_or_says_so(
    kind: RoomKind, mount: str, tilt: float, corner: int, wrong: Mount
) -> None:
    r, _, points = _scene(kind, mount, tilt, corner)
    try:
        calib = calibrate_floor(points, mount=wrong)
    except CalibrationError as e:
        assert f"no floor plane found for mount {wrong!r}" in str(e)
        return
    assert calib.camera_height_m == pytest.approx(r.camera.position[2], abs=HEIGHT_TOL_M)
    assert calib.tilt_deg == pytest.approx(r.camera.pitch_deg, abs=TILT_TOL_DEG)
