"""The empty-room reference: stored compactly, bound to its camera pose, refused by a view
that disagrees with it, written only once the room has been empty for a while."""

import math
from pathlib import Path

import numpy as np
import pytest

from edge_agent.calibration import from_floor_plane
from edge_agent.perception.background import BackgroundModel
from edge_agent.perception.config import BackgroundConfig
from edge_agent.perception.reference import (
    EmptyRoomWatch,
    RoomReference,
    RoomReferenceError,
    load_reference,
    make_reference,
    reference_path,
)
from edge_agent.sources.base import Intrinsics

INTR = Intrinsics(80, 60, 48.0, 48.0, 39.5, 29.5)
CALIB = from_floor_plane((0.0, -0.82, -0.57), 2.5)
SIGMA_AT_3M = 0.0084 * 9.0
"""320×240-like noise at 3 m."""


def _room() -> np.ndarray:
    """A slanted floor: 2 m at the bottom of the image to 5 m at the top."""
    rows = np.linspace(5.0, 2.0, 60, dtype=np.float32)[:, None]
    return np.repeat(rows, 80, axis=1)


def _learned(view: np.ndarray, seed: int = 0) -> BackgroundModel:
    """A background learned from 2 s of noisy frames of ``view``."""
    rng = np.random.default_rng(seed)
    model = BackgroundModel(BackgroundConfig())
    t = 0.0
    while not model.learn(view + rng.normal(0, SIGMA_AT_3M, view.shape).astype(np.float32), t):
        t += 1 / 15
    return model


def _seen(model: BackgroundModel, view: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Foreground of two frames in a row, each the temporal filter's mean of 6 readings
    (a stray pixel or two is noise; blobs need dozens)."""
    six = np.full(view.shape, 6.0, dtype=np.float32)
    fg = np.zeros(view.shape, dtype=bool)
    for _ in range(2):
        frame = view + rng.normal(0, SIGMA_AT_3M / math.sqrt(6), view.shape)
        fg = model.foreground(frame.astype(np.float32), six)
    return fg


def test_a_reference_survives_the_round_trip_to_disk_within_millimetres(tmp_path: Path) -> None:
    depth = _room()
    sigma = np.full_like(depth, 0.02)
    path = reference_path(tmp_path / "floor.json")
    assert path.name == "floor.room.npz"
    make_reference(depth, sigma, 2, INTR, CALIB).save(path)
    back = RoomReference.load(path)
    assert np.abs(back.depth - depth).max() < 0.005
    assert back.stride == 2 and back.intrinsics == INTR
    assert back.mismatch(INTR, 2, CALIB) is None
    assert path.stat().st_size < depth.nbytes  # float16, compressed


def test_a_reference_of_another_camera_pose_or_stream_mode_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "floor.room.npz"
    make_reference(_room(), np.zeros((60, 80), np.float32), 1, INTR, CALIB).save(path)
    tilted = from_floor_plane((0.0, -0.82 + math.radians(3), -0.57), 2.5)
    lowered = from_floor_plane((0.0, -0.82, -0.57), 2.3)
    refit = from_floor_plane((0.001, -0.8201, -0.5699), 2.502)  # the same pose fitted again
    reference = RoomReference.load(path)
    assert reference.mismatch(INTR, 1, refit) is None
    assert "camera pose" in (reference.mismatch(INTR, 1, tilted) or "")
    assert "camera pose" in (reference.mismatch(INTR, 1, lowered) or "")
    assert "stream mode" in (reference.mismatch(INTR, 2, CALIB) or "")
    other = Intrinsics(160, 120, 96.0, 96.0, 79.5, 59.5)
    assert load_reference(path, other, 1, CALIB) is None
    assert load_reference(path, INTR, 1, CALIB) is not None
    assert load_reference(tmp_path / "missing.room.npz", INTR, 1, CALIB) is None


def test_an_unreadable_reference_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "floor.room.npz"
    path.write_bytes(b"not a numpy file")
    with pytest.raises(RoomReferenceError, match="cannot read"):
        RoomReference.load(path)
    assert load_reference(path, INTR, 1, CALIB) is None


def test_with_a_reference_a_patient_learned_with_the_room_is_foreground_at_once() -> None:
    room = _room()
    patient = np.zeros(room.shape, dtype=bool)
    patient[30:40, 20:60] = True  # lying on a bed 3.5 m away, 0.3 m in front of it
    view = np.where(patient, room - 0.3, room).astype(np.float32)
    reference = _learned(room, seed=1)
    model = _learned(view)
    rng = np.random.default_rng(2)
    assert _seen(model, view, rng)[patient].mean() < 0.01  # learned with the room: invisible
    assert model.adopt(reference.depth, reference.sigma, min_agree=0.6)  # type: ignore[arg-type]
    fg = _seen(model, view, rng)
    assert fg[patient].mean() > 0.9 and fg[~patient].mean() < 0.01


def test_a_reference_the_view_disagrees_with_is_refused_and_changes_nothing() -> None:
    room = _room()
    moved = np.roll(room, 12, axis=0)  # the camera was knocked: the floor slid in the image
    moved[:12] = 5.5
    reference = _learned(room, seed=1)
    model = _learned(moved)
    before = model.depth.copy()  # type: ignore[union-attr]
    assert not model.adopt(reference.depth, reference.sigma, min_agree=0.6)  # type: ignore[arg-type]
    assert np.array_equal(model.depth, before)  # type: ignore[arg-type]


def test_what_was_taken_away_since_the_reference_leaves_no_hole() -> None:
    room = _room()
    chair = np.zeros(room.shape, dtype=bool)
    chair[20:30, 10:20] = True
    with_chair = np.where(chair, room - 0.8, room).astype(np.float32)
    reference = _learned(with_chair, seed=1)  # stored while a chair stood there
    model = _learned(room)  # the chair has gone since
    assert model.adopt(reference.depth, reference.sigma, min_agree=0.6)  # type: ignore[arg-type]
    assert _seen(model, room, np.random.default_rng(3)).mean() < 0.005  # noise, not a blob
    assert np.abs(model.depth[chair] - room[chair]).max() < 0.1  # type: ignore[index]


def test_held_pixels_are_foreground_until_the_room_behind_them_is_seen() -> None:
    room = _room()
    person = np.zeros(room.shape, dtype=bool)
    person[25:45, 30:40] = True
    view = np.where(person, room - 1.2, room).astype(np.float32)  # standing, learned along
    model = _learned(view)
    model.hold_pixels([np.flatnonzero(person)])
    model.foreground(view)
    assert model.foreground(view)[person].all()
    # They walk away: the room behind them reads farther; it is learned within a second
    # and nothing stays foreground (no ghost where they stood).
    t, fg = 10.0, None
    no_one = np.zeros(room.shape, dtype=bool)
    for _ in range(15):
        fg = model.foreground(room)
        model.update(room, fg, no_one, t)
        t += 0.2
    assert fg is not None and not fg.any()
    assert model.held is None
    assert np.abs(model.depth[person] - room[person]).max() < 0.1  # type: ignore[index]


def test_released_pixels_are_room_again() -> None:
    view = _room()
    model = _learned(view)
    chair = np.arange(100, 140)
    model.hold_pixels([chair])
    model.foreground(view)
    assert model.foreground(view).ravel()[chair].all()
    model.release(chair)
    assert model.held is None and not model.foreground(view).any()


def test_the_reference_is_written_after_the_room_has_been_empty_for_a_while() -> None:
    watch = EmptyRoomWatch(empty_s=300.0, rewrite_s=3600.0)
    writes = [t for t in range(0, 8000, 10) if watch.step(float(t), empty=not 1000 <= t < 1200)]
    # empty from 0: written at 300 s; someone in 1000-1200 s; empty again from 1200 s, but
    # the next write waits for the hour since the last one.
    assert writes == [300, 3900, 7500]
    busy = EmptyRoomWatch(empty_s=300.0, rewrite_s=3600.0)
    assert not any(busy.step(float(t), empty=t % 200 != 0) for t in range(0, 8000, 10))
