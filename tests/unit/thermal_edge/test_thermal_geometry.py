"""Sensor geometry: pixels land on the floor where the simulator put the person."""

import math

import numpy as np
import pytest

from edge_agent.thermal.geometry import SensorGeometry
from edge_agent.thermal.window import Resampler


def test_ceiling_pixel_to_floor_and_back() -> None:
    g = SensorGeometry(32, 24, 110.0, 75.0, "ceiling", 2.5, 0.0)
    x, y, rng = g.floor_point(11.5, 15.5) or (9.0, 9.0, 9.0)
    assert (abs(x), abs(y), rng) == pytest.approx((0.0, 0.0, 2.5), abs=1e-9)  # nadir
    for row, col in ((2.0, 3.0), (20.0, 28.0), (12.3, 7.7)):
        p = g.floor_point(row, col)
        assert p is not None
        assert g.project((p[0], p[1], 0.0)) == pytest.approx((row, col), abs=1e-6)
    # The top image edge looks along +y, half the vertical field of view off nadir.
    edge = g.floor_point(-0.5, 15.5)
    assert edge is not None
    assert edge[1] == pytest.approx(2.5 * math.tan(math.radians(37.5)), rel=1e-6)


def test_wall_mount_lowest_pixel_and_body_height() -> None:
    g = SensorGeometry(32, 24, 110.0, 75.0, "wall", 2.3, 30.0)
    assert g.floor_point(0.0, 15.5) is None  # the top rows see the far wall, not the floor
    foot = (0.4, 2.0, 0.0)
    head = (0.4, 2.0, 1.7)
    rf, cf = g.project(foot) or (0.0, 0.0)
    rh, ch = g.project(head) or (0.0, 0.0)
    ground = g.floor_point(rf, cf)
    assert ground is not None and ground[:2] == pytest.approx((0.4, 2.0), abs=1e-6)
    assert g.top_height(rh, ch, math.hypot(0.4, 2.0)) == pytest.approx(1.7, abs=1e-6)


@pytest.mark.parametrize(("h", "w"), [(8, 8), (16, 16), (24, 32), (120, 160)])
def test_every_array_maps_to_the_model_grid_keeping_the_mean_excess(h: int, w: int) -> None:
    img = np.random.default_rng(0).uniform(0.0, 5.0, (h, w)).astype(np.float32)
    out = Resampler(h, w)(img)
    assert out.shape == (12, 16) and out.dtype == np.float32
    assert float(out.mean()) == pytest.approx(float(img.mean()), rel=0.05)
