"""Feature windows: what training and the device both feed the models."""

import numpy as np
import pytest

from edge_agent.engines.observation import Observation
from edge_agent.inference.features import (
    DISPENSER_FAR_M,
    ROW_FEATURES,
    TrackBuffers,
    WindowSpec,
    rect_distance,
)


def _obs(track_id: int, t: float, top: float, x: float = 1.0) -> Observation:
    return Observation(
        track_id=track_id,
        x=x,
        y=2.0,
        top_m=top,
        bottom_m=0.0,
        is_person=True,
        born_t=0.0,
        centroid_m=top / 2,
        extent_m=0.5,
        speed_mps=0.1 * t,
    )


SPEC = WindowSpec(("top_m", "speed_mps", "dispenser_m"), frames=5, fps=5.0)


def test_window_resamples_a_15_hz_track_to_5_hz() -> None:
    buffers = TrackBuffers()
    for i in range(31):  # 2 s at 15 Hz, top rising 1 m/s
        t = i / 15
        buffers.update(t, [_obs(7, t, 1.0 + t)], lambda x, y: x - 0.5)
    ids, x = buffers.windows(2.0, SPEC, [7])
    assert ids == [7] and x.shape == (1, 5, 3)
    times = np.array([1.2, 1.4, 1.6, 1.8, 2.0])
    np.testing.assert_allclose(x[0, :, 0], 1.0 + times, atol=1e-5)
    np.testing.assert_allclose(x[0, :, 1], 0.1 * times, atol=1e-5)
    np.testing.assert_allclose(x[0, :, 2], 0.5, atol=1e-6)


def test_window_waits_for_enough_history_and_holds_the_first_row() -> None:
    buffers = TrackBuffers()
    buffers.update(10.0, [_obs(1, 10.0, 1.7)])
    assert buffers.windows(10.0, SPEC, [1])[0] == []  # span 0.8 s, needs 0.4 s seen
    buffers.update(10.4, [_obs(1, 10.4, 1.5)])
    ids, x = buffers.windows(10.4, SPEC, [1])
    assert ids == [1]
    np.testing.assert_allclose(x[0, :, 0], [1.7, 1.7, 1.7, 1.6, 1.5], atol=1e-5)
    assert x[0, 0, 2] == DISPENSER_FAR_M  # no dispenser configured


def test_gaps_are_interpolated_and_lost_tracks_forgotten() -> None:
    buffers = TrackBuffers()
    buffers.update(0.0, [_obs(1, 0.0, 1.0), _obs(2, 0.0, 1.0)])
    buffers.update(1.0, [_obs(1, 1.0, 2.0)])  # track 2 not seen
    _, x = buffers.windows(1.0, SPEC, [1])
    np.testing.assert_allclose(x[0, :, 0], [1.2, 1.4, 1.6, 1.8, 2.0], atol=1e-5)
    buffers.update(5.0, [_obs(1, 5.0, 2.0)])
    assert set(buffers.tracks) == {1}


def test_long_tracks_keep_recent_history_only() -> None:
    buffers = TrackBuffers()
    for i in range(2000):
        buffers.update(i / 30, [_obs(1, i / 30, 1.0 + (i % 2))])
    history = buffers.tracks[1]
    assert len(history) <= 512 and history.last_t == pytest.approx(1999 / 30)
    assert history.first_t < history.last_t - 4.0


def test_every_feature_is_named_once_and_rect_distance_is_euclidean() -> None:
    assert len(set(ROW_FEATURES)) == len(ROW_FEATURES)
    assert rect_distance(0.5, 0.5, (0, 0), (1, 1)) == 0.0
    assert rect_distance(4.0, 5.0, (0, 0), (1, 1)) == pytest.approx(5.0)
