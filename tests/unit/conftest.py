"""Keeps the fast tier fast: a unit test that renders depth frames (the simulator's or a
box scene's) or opens a RealSense recording must say so with ``@pytest.mark.recordings``.

`./scripts/test` runs ``tests/unit -m "not recordings"`` first (pure logic, well under a
minute) and the recording tier after it. Without this guard a new test that renders a scene
would quietly slow the first tier down; with it, the test fails at once and names the marker.
The guard is set before any fixture of the test is made (module fixtures included) and taken
away after its teardown.
"""

from collections.abc import Generator
from typing import Any

import pytest

from edge_agent.sources.realsense import RealSenseSource
from simulators.render import DepthRenderer
from tests.unit.edge.edge_scene import Scene

_patch = pytest.StashKey[pytest.MonkeyPatch]()


def _refuse(what: str) -> Any:
    def refused(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError(
            f"this test {what}: mark it @pytest.mark.recordings (the slow tier of ./scripts/test)"
        )

    return refused


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    if item.get_closest_marker("recordings") is None:
        patch = item.stash[_patch] = pytest.MonkeyPatch()
        patch.setattr(DepthRenderer, "__init__", _refuse("renders depth frames"))
        patch.setattr(Scene, "render", _refuse("renders depth frames of a box scene"))
        patch.setattr(RealSenseSource, "__init__", _refuse("opens a RealSense recording"))
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    try:
        return (yield)
    finally:
        if _patch in item.stash:
            item.stash[_patch].undo()
