"""Floor calibration: recovers the camera pose from an empty room, persists, fails clearly."""

import math
from pathlib import Path

import numpy as np
import pytest

from edge_agent.calibration import Calibration, CalibrationError, calibrate_floor
from edge_agent.perception.config import PerceptionConfig
from edge_agent.perception.deproject import Deprojector
from edge_agent.pipeline import Pipeline
from tests.unit.edge.edge_scene import Scene, script, standing


def _camera_points(scene: Scene) -> np.ndarray:
    depth = scene.render([])
    deproj = Deprojector(scene.intr, 1)
    return deproj.camera_points(depth, np.flatnonzero(depth > 0))


@pytest.mark.parametrize(("height", "tilt"), [(2.6, 35.0), (2.2, 50.0), (3.0, 20.0)])
@pytest.mark.recordings
def test_recovers_camera_height_and_tilt(height: float, tilt: float) -> None:
    scene = Scene(height_m=height, tilt_deg=tilt)
    calib = calibrate_floor(_camera_points(scene))
    assert calib.camera_height_m == pytest.approx(height, abs=0.03)
    assert calib.tilt_deg == pytest.approx(tilt, abs=0.5)
    assert abs(calib.roll_deg) < 1.0


@pytest.mark.recordings
def test_floor_points_map_to_height_zero_and_furniture_to_its_height() -> None:
    bed = (-2.0, -1.1, 2.0, 4.0, 0.0, 0.55)
    scene = Scene(furniture=[bed], noise=0.0)
    calib = calibrate_floor(_camera_points(scene))
    # A ray through the middle of the image hits the floor 2.6/sin(35°) ahead.
    d = 2.6 / math.sin(math.radians(35.0))
    floor = calib.to_room(np.array([[0.0, 0.0, d]], dtype=np.float32))[0]
    assert floor[2] == pytest.approx(0.0, abs=0.03)
    assert math.hypot(floor[0], floor[1]) == pytest.approx(
        2.6 / math.tan(math.radians(35)), rel=0.03
    )


@pytest.mark.recordings
def test_no_floor_in_view_is_a_clear_error() -> None:
    # Camera level and facing a wall 1.5 m away: only a vertical plane.
    scene = Scene(height_m=1.5, tilt_deg=0.0, room=(-3, 3, -0.5, 1.5, -5.0, 8.0))
    with pytest.raises(CalibrationError, match="no floor plane"):
        calibrate_floor(_camera_points(scene))


@pytest.mark.recordings
def test_saved_calibration_is_reused_without_recalibrating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "calib" / "floor.json"
    scene = Scene()
    frames = script(scene, [(0.5, [standing(0.3, 3.0)])])
    first = Pipeline(PerceptionConfig(calibration_file=path))
    for frame in frames:
        first.process(frame)
    assert first.calibration is not None and path.exists()

    def no_ransac(*_: object, **__: object) -> Calibration:
        raise AssertionError("calibrated again although a calibration file exists")

    monkeypatch.setattr("edge_agent.pipeline.calibrate_floor", no_ransac)
    second = Pipeline(PerceptionConfig(), calibration_path=path)
    for frame in frames:
        second.process(frame)
    assert second.ready
    assert second.calibration is not None
    assert second.calibration.camera_height_m == pytest.approx(first.calibration.camera_height_m)
    assert [round(t.top_m, 1) for t in second.tracks] == [round(t.top_m, 1) for t in first.tracks]


def test_corrupt_calibration_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "floor.json"
    path.write_text("{not json")
    with pytest.raises(CalibrationError, match=r"floor\.json"):
        Pipeline(PerceptionConfig(calibration_file=path))


@pytest.mark.recordings
def test_pipeline_without_a_floor_in_view_raises_then_learns_again() -> None:
    scene = Scene(height_m=1.5, tilt_deg=0.0, room=(-3, 3, -0.5, 1.5, -5.0, 8.0))
    pipeline = Pipeline(PerceptionConfig())
    failures = 0
    for frame in script(scene, [(3.0, [])]):  # 2 s learning, then 3 s more
        try:
            assert pipeline.process(frame) == []
        except CalibrationError:
            failures += 1
    assert failures >= 2  # every 1.5 s of frames: learned, no floor, start again
    assert not pipeline.ready


@pytest.mark.recordings
def test_camera_looking_straight_down_over_a_bed_finds_the_floor_not_the_bed() -> None:
    bed = (-1.2, 1.2, -0.45, 1.45, 0.0, 0.6)  # right under the camera, half the view
    scene = Scene(height_m=2.7, tilt_deg=90.0, furniture=[bed])
    points = _camera_points(scene)
    for mount in ("auto", "ceiling"):
        calib = calibrate_floor(points, mount=mount)
        assert calib.camera_height_m == pytest.approx(2.7, abs=0.03)
        assert calib.tilt_deg == pytest.approx(90.0, abs=1.0)
    with pytest.raises(CalibrationError, match="no floor plane found for mount 'wall'"):
        calibrate_floor(points, mount="wall")


@pytest.mark.recordings
def test_room_frame_of_a_ceiling_mount_points_y_along_image_up() -> None:
    scene = Scene(height_m=2.7, tilt_deg=80.0)
    calib = calibrate_floor(_camera_points(scene))
    # The top image row (camera -y) is ahead of the camera along room +y.
    ahead = calib.to_room(np.array([[0.0, -1.0, 2.6]], dtype=np.float32))[0]
    assert ahead[1] > 0.5
    assert abs(ahead[0]) < 0.05
