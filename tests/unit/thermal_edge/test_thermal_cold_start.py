"""Real arrays, real starts: a person already in view is found in the first frame, and noise
is measured right on arrays that low-pass their output."""

import numpy as np

from edge_agent.thermal.config import ThermalConfig
from edge_agent.thermal.geometry import SensorGeometry
from edge_agent.thermal.perception import ThermalPerception

ROOM_C = 21.0


def _perception(width: int = 8, height: int = 8) -> ThermalPerception:
    geometry = SensorGeometry(width, height, 60.0, 60.0, "ceiling", 2.5, 0.0)
    return ThermalPerception(geometry, ThermalConfig())


def test_a_person_in_view_at_the_first_frame_is_a_blob_at_once() -> None:
    rng = np.random.default_rng(0)
    perception = _perception()
    offsets = rng.normal(0.0, 0.15, (8, 8))
    person = np.zeros((8, 8))
    person[3:5, 2:4] = 2.0  # +2 °C: a clothed person at 2.5 m, seen by an 8×8 array
    found = []
    for i in range(30):
        frame = ROOM_C + offsets + person + rng.normal(0.0, 0.16, (8, 8))
        result = perception.step(frame.astype(np.float32), i * 0.1)
        found.append([(round(b.row), round(b.col)) for b in result.blobs])
    assert found[0] and all(f for f in found)  # from the first frame, and kept
    rows, cols = zip(*[rc for f in found for rc in f], strict=True)
    assert min(rows) >= 2 and max(rows) <= 5 and min(cols) >= 1 and max(cols) <= 4


def test_an_empty_room_at_start_makes_no_blob() -> None:
    rng = np.random.default_rng(1)
    perception = _perception()
    offsets = rng.normal(0.0, 0.3, (8, 8))  # fixed offsets as large as the noise
    blobs = 0
    for i in range(300):
        frame = ROOM_C + offsets + rng.normal(0.0, 0.16, (8, 8))
        blobs += len(perception.step(frame.astype(np.float32), i * 0.1).blobs)
    assert blobs <= 3


def test_noise_is_measured_per_pixel_on_a_low_passed_array() -> None:
    """An array that averages its output over ~5 frames: consecutive frames are alike, so a
    frame-to-frame estimate would say 0.07 °C; the pixels really wander by 0.2 °C."""
    rng = np.random.default_rng(2)
    perception = _perception(32, 24)
    state = np.zeros((24, 32))
    sigma = 0.2
    for i in range(600):  # 60 s at 10 fps
        # First-order low-pass of white noise, scaled so the output σ is `sigma`.
        a = 0.8
        state = a * state + np.sqrt(1 - a * a) * rng.normal(0.0, sigma, state.shape)
        perception.step((ROOM_C + state).astype(np.float32), i * 0.1)
    measured = float(np.median(perception.background.sigma_map))
    assert 0.15 <= measured <= 0.25
