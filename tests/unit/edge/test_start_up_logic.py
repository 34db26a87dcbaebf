"""Start-up rules on their own: which shapes count as people, who owns a found person's
pixels and when they are let go, which posture labels are misreadings."""

from dataclasses import replace

import numpy as np
import pytest

from edge_agent.engines import Observation
from edge_agent.perception.background import BackgroundModel
from edge_agent.perception.blobs import Blob
from edge_agent.perception.config import BackgroundConfig, BodyConfig, StartupConfig
from edge_agent.perception.deproject import Deprojector
from edge_agent.perception.startup import StartUp, lying_like, without_misread_posture
from edge_agent.perception.startup_search import Seed, principal_extents, shape_of
from edge_agent.perception.tracker import Track
from edge_agent.sources.base import Intrinsics


def _blob(
    top: float,
    bottom: float,
    extent: tuple[float, float],
    footprint: float,
    mean: float | None = None,
) -> Blob:
    z = (top + bottom) / 2 if mean is None else mean
    return Blob(1.0, 2.0, z, top, bottom, *extent, footprint, 400, footprint)


@pytest.mark.parametrize(
    ("blob", "lying"),
    [
        (_blob(0.95, 0.66, (1.3, 1.7), 0.95), True),  # a patient in bed, bed in the background
        (_blob(0.32, 0.02, (0.5, 1.75), 0.7), True),  # someone on the floor
        (_blob(0.9, 0.0, (0.6, 0.6), 0.35), False),  # a chair pushed to a new place
        (_blob(0.95, 0.05, (1.0, 0.7), 0.6), False),  # a wheelchair: as tall as it is long
        (_blob(1.3, 0.0, (0.9, 0.7), 0.4), False),  # sitting: too short to be lying
        (_blob(0.45, 0.0, (2.2, 1.3), 2.6), False),  # a bed wheeled in
        (_blob(1.7, 0.0, (0.5, 0.3), 0.12), False),  # upright: a person anyway
    ],
)
def test_only_person_sized_lying_shapes_count_at_start_up(blob: Blob, lying: bool) -> None:
    assert lying_like(blob) is lying


@pytest.mark.parametrize(
    ("blob", "length_width", "kind"),
    [
        (_blob(1.7, 0.15, (0.5, 0.4), 0.15), (0.5, 0.35), "upright"),  # standing
        (_blob(1.3, 0.15, (0.9, 0.7), 0.4), (0.9, 0.6), "upright"),  # sitting, chair included
        (_blob(1.0, 0.15, (0.7, 0.7), 0.4), (0.7, 0.6), None),  # an empty armchair
        (_blob(0.28, 0.11, (1.6, 0.6), 0.75), (1.65, 0.5), "lying"),  # on the floor
        (_blob(0.45, 0.12, (1.0, 1.0), 0.5), (0.85, 0.6), None),  # a low table
        (_blob(0.45, 0.12, (1.2, 0.6), 0.7, mean=0.4), (1.2, 0.6), None),  # a coffee table
        (_blob(1.95, 0.3, (3.2, 0.4), 0.5), (3.2, 0.3), None),  # a strip of wall
    ],
)
def test_the_learned_background_search_tells_people_from_furniture_by_size(
    blob: Blob, length_width: tuple[float, float], kind: str | None
) -> None:
    assert shape_of(blob, *length_width, BodyConfig()) == kind


def test_lying_on_the_floor_at_start_up_means_the_body_sections_floor_heights() -> None:
    on_floor = _blob(0.28, 0.11, (1.6, 0.6), 0.75)
    assert shape_of(on_floor, 1.65, 0.5, BodyConfig()) == "lying"
    assert shape_of(on_floor, 1.65, 0.5, BodyConfig(floor_top_m=0.25)) is None
    assert shape_of(on_floor, 1.65, 0.5, BodyConfig(floor_clearance_m=0.1)) is None


def test_principal_extents_follow_a_diagonal_body() -> None:
    t = np.linspace(0.0, 1.7, 200, dtype=np.float32)
    x = (t * np.cos(0.7)).astype(np.float32)
    y = (t * np.sin(0.7)).astype(np.float32)
    length, width = principal_extents(x, y)
    assert length == pytest.approx(1.7, abs=0.01) and width < 0.01


def _track(track_id: int, x: float, y: float, *, extent: float = 0.5, born: float = 0.0) -> Track:
    return Track(track_id, x, y, 1.3, 0.0, 400, born, born, extent_m=extent, blob_index=0)


class _Room:
    """A flat floor seen straight down from 2 m: pixel (r, c) is room (c/10, r/10)."""

    def __init__(self) -> None:
        self.intr = Intrinsics(60, 40, 20.0, 20.0, 0.0, 0.0)
        self.deproj = Deprojector(self.intr)
        down = np.array([[1, 0, 0], [0, 1, 0], [0, 0, -1]], dtype=np.float32)
        self.deproj.set_room_transform(down, np.array([0, 0, 2.0], dtype=np.float32))
        self.background = BackgroundModel(BackgroundConfig())
        self.view = np.full((40, 60), 2.0, np.float32)
        t = 0.0
        while not self.background.learn(self.view, t):
            t += 0.1

    def seed(self, rows: slice, cols: slice) -> Seed:
        mask = np.zeros((40, 60), dtype=bool)
        mask[rows, cols] = True
        pixels = np.flatnonzero(mask)
        x, y = float(np.mean(pixels % 60)) / 10, float(np.mean(pixels // 60)) / 10
        self.background.hold_pixels([pixels])
        return Seed("upright", x, y, pixels)

    def look(self) -> BackgroundModel:
        """The background after this frame's foreground test (what `StartUp.step` reads)."""
        self.background.foreground(self.view)
        return self.background


def test_a_found_person_owns_their_seed_and_what_they_leave_behind_is_let_go() -> None:
    room = _Room()
    chair = room.seed(slice(10, 20), slice(10, 20))  # chair and sitter, around (1.45, 1.45)
    start = StartUp(StartupConfig(window_s=10.0))
    start.begin(0.0, [chair], room.background, room.deproj)
    blob, chair_moved = _blob(1.3, 0.0, (0.9, 0.7), 0.4), _blob(0.9, 0.0, (0.6, 0.6), 0.35)
    sitter, stranger = _track(1, 1.5, 1.4, extent=0.9), _track(2, 4.5, 3.0)
    stranger.blob_index = 1
    assert start.step(1.0, [sitter, stranger], [blob, chair_moved], room.look()).size == 0
    assert sitter.found_at_start and not stranger.found_at_start
    assert start.step(12.0, [sitter], [blob], room.look()).size == 0  # still sitting
    assert start.held == 1
    sitter.x, sitter.extent_m = 2.1, 0.5  # stood up and stepped away from the chair
    released = start.step(13.0, [sitter], [blob], room.look())
    room.background.release(released)
    assert released.size > 0 and set(released) < set(chair.pixels)
    sitter.x = 4.0  # walked off: nothing of the seed is theirs any more
    rest = start.step(14.0, [sitter], [blob], room.look())
    assert set(rest) | set(released) == set(chair.pixels)
    assert start.held == 0 and not start.active


def test_once_the_person_found_has_visibly_moved_what_they_sat_on_is_room_at_once() -> None:
    room = _Room()
    chair = room.seed(slice(10, 20), slice(10, 20))
    start = StartUp(StartupConfig(window_s=10.0))
    start.begin(0.0, [chair], room.background, room.deproj)
    sitter = _track(1, 1.5, 1.4, extent=0.9)
    blob = _blob(1.3, 0.0, (0.9, 0.7), 0.4)
    assert start.step(1.0, [sitter], [blob], room.look()).size == 0
    # Still in the window and beside the chair, they fell: half of the seed now reads
    # closer (the body in front of where they sat); the chair that still reads as learned
    # must not stay foreground with them, or the fallen body's blob keeps its height.
    room.view.ravel()[chair.pixels[: chair.pixels.size // 2]] = 1.5
    released = start.step(2.0, [sitter], [blob], room.look())
    assert set(released) == set(chair.pixels) and start.held == 0
    room.background.release(released)
    fg = room.background.foreground(room.view)
    assert fg.ravel()[chair.pixels].sum() == chair.pixels.size // 2  # the body, not the chair


def test_a_person_found_who_only_breathes_stays_held() -> None:
    room = _Room()
    bed = room.seed(slice(20, 30), slice(5, 25))
    start = StartUp(StartupConfig(window_s=10.0))
    start.begin(0.0, [bed], room.background, room.deproj)
    lying = _track(1, 1.45, 2.45, extent=2.0)
    for i in range(200):
        room.view.ravel()[bed.pixels] = 2.0 - 0.01 * np.sin(i / 5)  # a centimetre of chest
        assert (
            start.step(1.0 + i / 10, [lying], [_blob(0.9, 0.65, (2.0, 0.5), 0.9)], room.look()).size
            == 0
        )
    assert start.held == 1


def test_a_seed_nobody_turned_out_to_be_in_is_let_go_after_the_window() -> None:
    room = _Room()
    coat_stand = room.seed(slice(5, 8), slice(40, 43))
    start = StartUp(StartupConfig(window_s=10.0))
    start.begin(0.0, [coat_stand], room.background, room.deproj)
    assert start.step(5.0, [], [], room.look()).size == 0
    assert set(start.step(10.5, [], [], room.look())) == set(coat_stand.pixels)


def test_tracks_born_after_the_window_are_not_presumed_people() -> None:
    room, start = _Room(), StartUp(StartupConfig(window_s=10.0))
    start.begin(0.0, [], room.background, room.deproj)
    lying = _blob(0.95, 0.66, (1.3, 1.7), 0.95)
    early, late = _track(1, 1.0, 2.0, born=3.0), _track(2, 2.0, 2.0, born=20.0)
    start.step(3.0, [early], [lying], room.look())
    start.step(20.0, [late], [lying], room.look())
    assert early.found_at_start and not late.found_at_start


def test_the_posture_model_is_not_believed_standing_for_someone_found_lying() -> None:
    found = Observation(3, 0.0, 4.0, 0.95, 0.66, is_person=True, born_t=0.0, found_at_start=True)
    standing = replace(found, posture="standing", posture_conf=0.9)
    body = BodyConfig()
    assert without_misread_posture(standing, body).posture is None
    lying = replace(found, posture="lying", posture_conf=0.9)
    assert without_misread_posture(lying, body).posture == "lying"
    walked_in = replace(standing, found_at_start=False)
    assert without_misread_posture(walked_in, body).posture == "standing"
    short = BodyConfig(upright_top_m=0.9)  # `perception.body`: upright starts lower here
    assert without_misread_posture(standing, short).posture == "standing"
