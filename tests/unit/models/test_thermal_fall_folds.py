"""Held-out protocols for the thermal fall model: every (set, group) is held out exactly once,
and a fold's validation groups come from its own training side."""

from collections import Counter

import numpy as np
import pytest

from edge_agent.thermal.fall_input import CHANNELS, FRAMES, PLANES
from models.thermal.fall_bags import SIM_SET, Bag, plan_folds, validation_keys
from models.thermal.fall_data import ClipTicks
from models.thermal.fall_train import shift_ticks, turn_ticks

TICKS = ClipTicks(
    np.zeros((1, 2, 12, 16), np.float16),
    np.zeros((2, 12, 16), np.float32),
    np.array([1], np.int32),
    np.array([0.0], np.float32),
)


def _bags() -> list[Bag]:
    out = []
    for set_name, groups in (("gridfall", 30), ("rosendo", 14), ("bruno", 5), ("yxiao", 26)):
        for g in range(groups):
            for i in range(3):
                out.append(Bag(f"{set_name}-{g}-{i}", set_name, f"g{g}", i % 2, TICKS))
    return out


@pytest.mark.parametrize("protocol", ["groups", "loso"])
def test_every_group_is_held_out_exactly_once(protocol: str) -> None:
    bags = _bags()
    folds = plan_folds(bags, protocol)
    held = Counter(key for fold in folds for key in fold.held_out)
    assert set(held) == {b.key for b in bags} and set(held.values()) == {1}
    if protocol == "loso":
        assert sorted(f.name for f in folds) == [
            "loso-bruno",
            "loso-gridfall",
            "loso-rosendo",
            "loso-yxiao",
        ]
    else:
        assert len(folds) == 5
        for fold in folds:  # every fold holds out part of every set with 5+ groups
            assert {s for s, _ in fold.held_out} == {"gridfall", "rosendo", "bruno", "yxiao"}


def test_validation_groups_are_a_share_of_each_set_and_only_of_the_training_side() -> None:
    bags = _bags()
    fold = plan_folds(bags, "groups")[0]
    train_side = [b for b in bags if b.key not in fold.held_out]
    train_keys = {b.key for b in train_side}
    val = validation_keys(train_side)
    assert val <= train_keys
    per_set = Counter(s for s, _ in val)
    assert per_set["gridfall"] == round(0.15 * sum(1 for s, _ in train_keys if s == "gridfall"))
    assert per_set["bruno"] == 1
    # A source that records a session per activity: the share comes from both kinds.
    pure = [
        Bag(f"p{g}-{i}", "pure", f"g{g}", int(g < 10), TICKS) for g in range(20) for i in range(2)
    ]
    chosen = validation_keys(pure)
    assert {int(g[1:]) < 10 for _, g in chosen} == {True, False}
    assert plan_folds(bags, "none")[0].held_out == frozenset()


def test_simulated_clips_are_never_validation() -> None:
    """The threshold is set on real arrays: the simulator's hard negatives are training only."""
    sim = [Bag(f"sim-{i}", SIM_SET, f"clip-{i}", i % 2, TICKS) for i in range(40)]
    chosen = validation_keys(_bags() + sim)
    assert chosen and all(s != SIM_SET for s, _ in chosen)


def test_a_shifted_window_moves_the_person_and_keeps_the_context() -> None:
    planes = FRAMES * PLANES
    windows = np.zeros((2, CHANNELS, 12, 16), np.float32)
    windows[:, :planes, 5, 7] = 4.0  # a warm cell in every tick
    windows[:, planes:] = 1.5  # the array's context planes
    moved = shift_ticks(windows.copy(), planes, 3, -4)
    assert np.all(moved[:, :planes, 8, 3] == 4.0)
    assert float(moved[:, :planes].sum()) == float(windows[:, :planes].sum())
    assert np.all(moved[:, planes:] == 1.5)
    # Shifted past the edge, the person leaves the view and the room fills in.
    gone = shift_ticks(windows.copy(), planes, -6, 0)
    assert float(gone[:, :planes].sum()) == 0.0


def test_a_turned_ceiling_window_lies_along_the_other_axis() -> None:
    planes = FRAMES * PLANES
    windows = np.zeros((1, CHANNELS, 12, 16), np.float32)
    windows[:, :planes, 5:7, 2:14] = 3.0  # somebody lying along the columns
    windows[:, planes:] = 1.5
    turned = turn_ticks(windows.copy(), planes)
    warm = np.argwhere(turned[0, 0] > 1.5)
    rows, cols = np.ptp(warm[:, 0]) + 1, np.ptp(warm[:, 1]) + 1
    assert rows > 2 * cols  # now along the rows
    assert np.all(turned[:, planes:] == 1.5)
