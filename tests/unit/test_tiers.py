"""The fast tier refuses slow work: rendering or opening a recording needs the marker."""

from pathlib import Path

import pytest

from edge_agent.sources.realsense import RealSenseSource
from tests.unit.edge.edge_scene import Scene


def test_an_unmarked_test_cannot_render_or_open_a_recording(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"mark it @pytest.mark.recordings"):
        RealSenseSource(tmp_path / "room.db3")
    with pytest.raises(RuntimeError, match=r"mark it @pytest.mark.recordings"):
        Scene().render([])


@pytest.mark.recordings
def test_a_marked_test_renders() -> None:
    assert Scene().render([]).shape == (240, 320)
