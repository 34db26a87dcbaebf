"""Several people at once: ids through crossings, merges and short occlusions; speeds.

Blob sequences are synthetic (no rendering), so each test runs in milliseconds; people are
moved on the floor at known speeds and heights, with a few centimetres of centroid jitter
as a real blob has. The last test checks the same features on rendered depth.
"""

import math
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from edge_agent.perception.blobs import Blob
from edge_agent.perception.config import PerceptionConfig, TrackingConfig
from edge_agent.perception.tracker import Tracker, assign
from edge_agent.pipeline import Pipeline
from tests.unit.edge.edge_scene import T0, Scene, Step, falling, lying_floor, script, standing

Path = Callable[[float], tuple[float, float] | None]
"""Time → floor position, or None while the person is hidden."""


@dataclass
class Walker:
    name: str
    top_m: float
    path: Path


def _line(start: tuple[float, float], end: tuple[float, float], t0: float, t1: float) -> Path:
    (x0, y0), (x1, y1) = start, end

    def at(t: float) -> tuple[float, float]:
        u = min(1.0, max(0.0, (t - t0) / (t1 - t0)))
        return x0 + u * (x1 - x0), y0 + u * (y1 - y0)

    return at


def _hidden(path: Path, t0: float, t1: float) -> Path:
    return lambda t: None if t0 <= t < t1 else path(t)


def _blob(x: float, y: float, top: float, ex: float = 0.45, ey: float = 0.35) -> Blob:
    return Blob(x, y, 0.55 * top, top, 0.02, ex, ey, ex * ey, 800, 0.6)


def _frame(
    walkers: list[Walker], t: float, rng: random.Random, merge_m: float = 0.55
) -> tuple[list[Blob], list[list[str]]]:
    """Blobs of everyone visible; people closer than ``merge_m`` form one blob (the union
    of their outlines, the highest top), as on a real floor grid."""
    seen = []
    for w in walkers:
        pos = w.path(t)
        if pos is not None:
            jitter = (rng.gauss(0, 0.02), rng.gauss(0, 0.02))
            seen.append(([w.name], pos[0] + jitter[0], pos[1] + jitter[1], w.top_m))
    groups: list[list[tuple[list[str], float, float, float]]] = []
    for item in seen:
        near = [g for g in groups if any(math.dist(item[1:3], o[1:3]) < merge_m for o in g)]
        for g in near:
            groups.remove(g)
        groups.append([item] + [o for g in near for o in g])
    blobs, names = [], []
    for g in groups:
        xs = [o[1] for o in g]
        ys = [o[2] for o in g]
        ex = max(xs) - min(xs) + 0.45
        ey = max(ys) - min(ys) + 0.35
        blobs.append(_blob(sum(xs) / len(g), sum(ys) / len(g), max(o[3] for o in g), ex, ey))
        names.append([n for o in g for n in o[0]])
    return blobs, names


def _run(walkers: list[Walker], seconds: float, fps: float = 15.0) -> dict[str, set[int]]:
    """Ids each person's blob got while that person was seen alone."""
    rng = random.Random(3)
    tracker = Tracker(TrackingConfig())
    ids: dict[str, set[int]] = {w.name: set() for w in walkers}
    for i in range(round(seconds * fps)):
        t = i / fps
        blobs, names = _frame(walkers, t, rng)
        for track in tracker.update(blobs, t):
            if track.blob_index >= 0 and len(names[track.blob_index]) == 1:
                ids[names[track.blob_index][0]].add(track.id)
    return ids


def test_assignment_is_optimal_where_greedy_nearest_pairs_are_not() -> None:
    # Greedy takes the cheapest pair (0, 0) first and must then pay 10 for (1, 1).
    cost = [[1.0, 2.0], [1.5, 10.0]]
    assert sorted(assign(cost)) == [(0, 1), (1, 0)]
    # Rectangular either way round: every row of the smaller side gets a column.
    assert sorted(assign([[5.0, 1.0, 3.0]])) == [(0, 1)]
    assert sorted(assign([[5.0], [1.0], [3.0]])) == [(1, 0)]


@pytest.mark.parametrize("seed", range(20))
def test_assignment_matches_brute_force_on_small_matrices(seed: int) -> None:
    import itertools

    rng = random.Random(seed)
    n = rng.randint(1, 6)
    cost = [[rng.uniform(0, 5) for _ in range(n)] for _ in range(n)]
    best = min(sum(cost[i][p[i]] for i in range(n)) for p in itertools.permutations(range(n)))
    got = sum(cost[r][c] for r, c in assign(cost))
    assert got == pytest.approx(best)


def test_four_people_crossing_paths_keep_their_ids() -> None:
    walkers = [
        # A and B walk towards each other on nearly the same line and pass close: their
        # blobs merge for about half a second.
        Walker("A", 1.85, _line((-2.0, 2.0), (2.0, 2.1), 0.5, 4.5)),
        Walker("B", 1.60, _line((2.0, 2.15), (-2.0, 2.0), 0.5, 4.5)),
        # C crosses both their paths at right angles, behind them.
        Walker("C", 1.75, _line((0.3, 0.5), (0.3, 4.0), 1.0, 5.0)),
        # D stands by the window, hidden behind someone for 1.5 s.
        Walker("D", 1.70, _hidden(_line((1.5, 4.2), (1.5, 4.2), 0, 1), 2.0, 3.5)),
    ]
    ids = _run(walkers, 6.0)
    assert all(len(v) == 1 for v in ids.values()), ids
    assert len(set.union(*ids.values())) == 4


def test_a_walker_hidden_for_one_and_a_half_seconds_keeps_their_id() -> None:
    walkers = [
        Walker("A", 1.80, _hidden(_line((-2.5, 3.0), (2.3, 3.0), 0.0, 4.0), 1.2, 2.7)),  # 1.2 m/s
        Walker("B", 1.65, _line((-1.0, 1.0), (-1.0, 1.0), 0, 1)),
    ]
    ids = _run(walkers, 5.0)
    assert len(ids["A"]) == 1 and len(ids["B"]) == 1 and ids["A"] != ids["B"]


def test_two_people_standing_together_then_parting_get_their_own_ids_back() -> None:
    # A tall nurse comes to a shorter patient, they stand together 5 s (one blob), then the
    # nurse walks away to the left and the patient to the right.
    nurse = Walker(
        "nurse",
        1.85,
        lambda t: (
            (-2.0 + 0.9 * min(t, 2.0) - 0.9 * max(0.0, t - 7.0), 2.5)
            if t < 9.0
            else (-2.0 + 1.8 - 1.8, 2.5)
        ),
    )
    patient = Walker(
        "patient", 1.55, lambda t: (0.1 + 0.5 * max(0.0, t - 7.0), 2.6) if t < 9 else (1.1, 2.6)
    )
    ids = _run([nurse, patient], 10.0)
    assert len(ids["nurse"]) == 1 and len(ids["patient"]) == 1
    assert ids["nurse"] != ids["patient"]


def test_merged_people_count_as_two_live_tracks() -> None:
    tracker = Tracker(TrackingConfig())
    rng = random.Random(0)
    walkers = [
        Walker("A", 1.8, _line((-1.0, 2.0), (-0.1, 2.0), 0.0, 1.0)),
        Walker("B", 1.6, _line((1.0, 2.0), (0.1, 2.0), 0.0, 1.0)),
    ]
    for i in range(60):  # 4 s, together from 1 s on
        blobs, _ = _frame(walkers, i / 15, rng)
        tracks = tracker.update(blobs, i / 15)
    assert len(blobs) == 1
    assert len(tracks) == 2 and all(tr.merged and tr.is_person for tr in tracks)


def _walk_speeds(fps: float) -> tuple[float, float]:
    """Speed read after 2 s walking at 1 m/s, and after 2 s standing still."""
    rng = random.Random(1)
    tracker = Tracker(TrackingConfig())
    walking = standing = math.nan
    for i in range(round(4 * fps)):
        t = i / fps
        x = min(t, 2.0)
        [track] = tracker.update([_blob(x + rng.gauss(0, 0.02), 3.0 + rng.gauss(0, 0.02), 1.7)], t)
        if i == round(2 * fps) - 1:
            walking = track.speed_mps
        standing = track.speed_mps
    return walking, standing


@pytest.mark.parametrize("fps", [6.0, 15.0, 30.0])
def test_speed_reads_metres_per_second_at_any_frame_rate(fps: float) -> None:
    walking, standing = _walk_speeds(fps)
    assert walking == pytest.approx(1.0, abs=0.15)
    assert standing < 0.15


def test_vertical_speed_is_strongly_negative_in_a_fall_and_zero_lying_still() -> None:
    tracker = Tracker(TrackingConfig())
    fps = 15.0
    vspeeds = []
    for i in range(round(4 * fps)):
        t = i / fps
        # Standing 1 s, falls from 1.7 m to 0.3 m within 0.8 s (accelerating), then lies.
        u = min(1.0, max(0.0, (t - 1.0) / 0.8))
        top = 1.7 - 1.4 * u * u
        [track] = tracker.update([_blob(0.0, 3.0 + 0.8 * u, top)], t)
        vspeeds.append(track.vspeed_mps)
    assert min(vspeeds) < -1.5
    assert abs(vspeeds[round(0.9 * fps)]) < 0.1  # standing
    assert abs(vspeeds[-1]) < 0.1  # lying still
    assert track.top_m < 0.35 and track.centroid_m < 0.25


@pytest.mark.recordings
def test_features_through_the_pipeline_walk_then_fall() -> None:
    """Rendered depth, the whole pipeline: a person walking at 1 m/s across the room reads
    about 1 m/s with their height; falling, strongly negative vertical speed; lying, a low
    centroid and a body-long extent."""
    steps: list[Step] = [
        (2.0, lambda f: [standing(-1.0 + 2.0 * f, 3.0, 1.75)]),  # 2 m in 2 s
        (0.7, lambda f: [falling(1.0, 3.0, f)]),
        (2.0, [lying_floor(1.0, 3.0)]),
    ]
    pipeline = Pipeline(PerceptionConfig())
    seen: list[tuple[float, float, float, float, float, float]] = []
    for frame in script(Scene(), steps):
        pipeline.process(frame)
        for tr in pipeline.tracks:
            seen.append(
                (frame.t - T0, tr.speed_mps, tr.vspeed_mps, tr.top_m, tr.centroid_m, tr.extent_m)
            )
    assert len({tr.id for tr in pipeline.tracks}) == 1
    walking = [s for s in seen if 3.0 <= s[0] <= 4.0]
    assert statistics.median(s[1] for s in walking) == pytest.approx(1.0, abs=0.2)
    assert statistics.median(s[3] for s in walking) == pytest.approx(1.75, abs=0.1)
    assert min(s[2] for s in seen if 4.0 <= s[0] <= 5.0) < -1.0
    _, speed, vspeed, top, centroid, extent = seen[-1]
    assert top < 0.45 and centroid < 0.3 and extent > 1.3
    assert speed < 0.2 and abs(vspeed) < 0.2


@pytest.mark.recordings
def test_two_people_standing_together_are_both_observed_and_part_with_their_ids() -> None:
    """A nurse (1.85 m) walks up to a patient (1.55 m) and stands right beside them: one blob
    on the floor, yet the engines still see two people; then the nurse walks away."""
    patient = standing(0.0, 3.0, 1.55)
    steps: list[Step] = [
        (1.0, [patient, standing(-1.5, 3.0, 1.85)]),  # seconds 2-3 (after learning)
        (1.2, lambda f: [patient, standing(-1.5 + 1.05 * f, 3.0, 1.85)]),
        (3.0, [patient, standing(-0.45, 3.0, 1.85)]),  # 4.2-7.2: side by side
        (1.5, lambda f: [patient, standing(-0.45 - 1.2 * f, 3.0, 1.85)]),
    ]
    pipeline = Pipeline(PerceptionConfig())
    observed: list[int] = []
    merged = False
    nurse_id = -1
    for frame in script(Scene(), steps):
        pipeline.process(frame)
        t = frame.t - T0
        if t > 2.5:
            observed.append(len(pipeline.observations))
        if abs(t - 2.9) < 0.05:
            nurse_id = max(pipeline.tracks, key=lambda tr: tr.top_m).id
        if 5.0 < t < 7.0:
            merged = merged or any(tr.merged for tr in pipeline.tracks)
    assert merged  # close enough to form one blob on the floor
    assert min(observed) == 2
    nurse, patient_track = sorted(pipeline.tracks, key=lambda tr: -tr.top_m)
    assert patient_track.x > nurse.x + 0.8  # apart again
    assert nurse.id == nurse_id and {nurse.id, patient_track.id} == {0, 1}
