"""Background model: keeps a still person, absorbs left objects, forgets who left."""

import numpy as np
import pytest

from edge_agent.perception.background import BackgroundModel
from edge_agent.perception.config import BackgroundConfig, PerceptionConfig
from edge_agent.pipeline import Pipeline
from tests.unit.edge.edge_scene import Box, Scene, Step, lying_floor, script, standing

QUICK = PerceptionConfig(background=BackgroundConfig(update_after_s=3.0))


def _pipeline_after(
    steps: list[Step], config: PerceptionConfig = QUICK, learn: list[Box] | None = None
) -> Pipeline:
    pipeline = Pipeline(config)
    frames = script(Scene(), steps)
    if learn is not None:  # someone in view while the background is learned
        scene = Scene()
        frames = [scene.frame(i, i * 0.1, learn) for i in range(20)] + [
            scene.frame(20 + i, 2.0 + i * 0.1, boxes) for i, boxes in enumerate(_expand(steps))
        ]
    for frame in frames:
        pipeline.process(frame)
    return pipeline


def _expand(steps: list[Step]) -> list[list[Box]]:
    return [
        list(boxes)
        for seconds, boxes in steps
        if not callable(boxes)
        for _ in range(round(seconds * 10))
    ]


@pytest.mark.recordings
def test_person_lying_still_far_longer_than_the_update_time_stays_visible() -> None:
    pipeline = _pipeline_after([(1.0, [standing(0.5, 3.0)]), (12.0, [lying_floor(0.5, 3.0)])])
    [track] = pipeline.tracks
    assert track.is_person and track.top_m < 0.5


@pytest.mark.recordings
def test_object_left_in_the_room_is_absorbed_after_the_update_time() -> None:
    chair: Box = (0.8, 1.3, 2.5, 3.0, 0.0, 0.9)  # never upright, never walked: furniture
    early = _pipeline_after([(2.0, [chair])])
    assert len(early.tracks) == 1 and not early.tracks[0].is_person
    late = _pipeline_after([(8.0, [chair])])  # absorbed after 3 s, track gone 3 s later
    assert late.tracks == []


@pytest.mark.recordings
def test_spot_of_a_person_seen_while_learning_is_relearned_once_they_left() -> None:
    # Learned with someone standing there; they leave; someone stands there again later.
    spot = standing(-0.5, 2.5)
    pipeline = _pipeline_after([(2.0, []), (1.0, [spot])], learn=[spot])
    [track] = pipeline.tracks
    assert abs(track.x + 0.5) < 0.3 and track.top_m > 1.5


def test_a_still_body_just_over_the_threshold_is_not_learned_during_a_long_lie() -> None:
    rng = np.random.default_rng(1)
    floor = np.full((60, 80), 3.0, dtype=np.float32)
    sigma = 0.0042 * 9.0
    body = np.zeros_like(floor, dtype=bool)
    body[20:40, 20:60] = True
    model = BackgroundModel(BackgroundConfig(update_after_s=120.0))
    t = 0.0
    while not model.learn(floor + rng.normal(0, sigma, floor.shape).astype(np.float32), t):
        t += 0.2
    lying = np.where(body, floor - 4 * sigma, floor)  # only a few σ above the floor
    protected = np.zeros_like(body)
    protected[15:45, 15:65] = True  # the pipeline's box around a tracked person
    for _ in range(1800):  # 30 minutes at 1 frame/s
        t += 1.0
        depth = (lying + rng.normal(0, sigma, floor.shape)).astype(np.float32)
        fg = model.foreground(depth)
        model.update(depth, fg, protected, t)
    assert fg[body].mean() > 0.5
    assert fg[~protected].mean() < 0.01


def test_far_walls_seen_at_quarter_vga_do_not_flicker_into_foreground() -> None:
    """At 320×240 the depth noise is twice the configured 640×480 figure; the room's own
    noise, measured while learning, sets the threshold, so a wall 5–6 m away stays room
    (its flicker would stick to anyone standing or lying near it)."""
    rng = np.random.default_rng(3)
    wall = np.repeat(np.linspace(6.0, 5.0, 60, dtype=np.float32)[:, None], 80, axis=1)
    sigma = np.float32(0.0084) * wall * wall
    model = BackgroundModel(BackgroundConfig())
    t = 0.0
    while not model.learn((wall + rng.standard_normal(wall.shape) * sigma).astype(np.float32), t):
        t += 1 / 15
    six = np.full(wall.shape, 6.0, dtype=np.float32)  # the temporal filter's average
    flicker = []
    for _ in range(100):
        frame = wall + rng.standard_normal(wall.shape) * sigma / np.sqrt(6)
        flicker.append(model.foreground(frame.astype(np.float32), six).mean())
    assert np.mean(flicker) < 0.001
