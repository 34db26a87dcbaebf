"""Thermal background: slow room drift makes no people, a warm object put down is absorbed
by the documented time, a person lying still for an hour is not."""

import numpy as np
import pytest

from edge_agent.thermal.config import ThermalConfig
from edge_agent.thermal.geometry import SensorGeometry
from edge_agent.thermal.perception import PerceptionResult, ThermalPerception

ROOM_C = 22.0


def _geometry(width: int, height: int) -> SensorGeometry:
    fov = (60.0, 60.0) if width == 8 else (110.0, 75.0)
    return SensorGeometry(width, height, fov[0], fov[1], "ceiling", 2.5, 0.0)


class Room:
    """A synthetic array: fixed per-pixel offsets, a room temperature, Gaussian noise."""

    def __init__(self, width: int, height: int, noise_c: float, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.shape = (height, width)
        self.offsets = self.rng.normal(0.0, 0.3, self.shape).astype(np.float32)
        self.noise_c = noise_c
        self.perception = ThermalPerception(_geometry(width, height), ThermalConfig())

    def frame(self, room_c: float, warm: dict[tuple[int, int], float] | None = None) -> np.ndarray:
        img = room_c + self.offsets + self.rng.normal(0.0, self.noise_c, self.shape)
        for (r, c), excess in (warm or {}).items():
            img[r, c] += excess
        return img.astype(np.float32)

    def step(
        self, t: float, room_c: float, warm: dict[tuple[int, int], float] | None = None
    ) -> PerceptionResult:
        return self.perception.step(self.frame(room_c, warm), t)


@pytest.mark.parametrize(("width", "height", "noise"), [(8, 8, 0.16), (32, 24, 0.35)])
def test_two_degrees_of_drift_over_an_hour_makes_no_person(
    width: int, height: int, noise: float
) -> None:
    room = Room(width, height, noise)
    blob_frames = 0
    for i in range(3600):  # 1 Hz for an hour, the room warming by 2 °C
        result = room.step(float(i), ROOM_C + 2.0 * i / 3600.0)
        blob_frames += bool(result.blobs)
        assert not [tr for tr in result.tracks if tr.is_person], f"a person at {i} s"
    assert blob_frames <= 5  # at most a rare noise pixel, never a lasting blob


def test_heating_coming_on_one_degree_a_minute_makes_no_blob_on_an_8x8_array() -> None:
    # Faster than any per-pixel follower keeps up with (the 8×8 threshold is ~0.6 °C):
    # the room-wide offset has to take it.
    room = Room(8, 8, 0.16, seed=3)
    results = [room.step(i * 0.5, ROOM_C + min(3.0, i * 0.5 / 60.0)) for i in range(720)]
    assert sum(bool(r.blobs) for r in results) <= 3


def test_a_warm_object_is_absorbed_by_the_documented_time() -> None:
    absorb_s = ThermalConfig().background.absorb_s
    room = Room(32, 24, 0.35, seed=1)
    mug = {(10, 12): 6.0, (10, 13): 6.0, (11, 12): 6.0, (11, 13): 6.0}
    for i in range(10):
        room.step(float(i), ROOM_C)
    put_down = 10.0
    seen_at: list[float] = []
    t = put_down
    while t <= put_down + absorb_s + 30.0:
        result = room.step(t, ROOM_C, mug)
        if any(b.pixels >= 2 and 9 <= b.row <= 12 and 11 <= b.col <= 14 for b in result.blobs):
            seen_at.append(t)
        t += 1.0
    assert seen_at[0] == put_down  # seen at once
    assert max(seen_at) >= put_down + absorb_s - 30.0  # still there shortly before
    assert max(seen_at) <= put_down + absorb_s + 2.0  # gone by the documented time


def test_a_person_lying_still_for_an_hour_is_not_absorbed() -> None:
    room = Room(32, 24, 0.35, seed=2)
    t = 0.0
    for _ in range(20):
        room.step(t, ROOM_C)
        t += 0.25
    # Walks in along row 12 (0.25 s steps), then lies down across columns 10–15.
    for col in range(2, 12):
        for _ in range(2):
            room.step(t, ROOM_C, {(r, c): 7.0 for r in (11, 12) for c in (col, col + 1)})
            t += 0.25
    lying = {(r, c): 5.0 for r in (12, 13) for c in range(10, 16)}
    start = t
    while t < start + 3600.0:
        result = room.step(t, ROOM_C, lying)
        t += 2.0
    assert len(result.blobs) == 1 and result.blobs[0].pixels >= 10
    assert [tr.is_person for tr in result.tracks if tr.blob_index >= 0] == [True]
