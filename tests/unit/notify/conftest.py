"""Fixtures of the notify unit tests."""

import pytest

from tests.unit.notify.notify_events import HomeEvents


@pytest.fixture
def home_events() -> HomeEvents:
    return HomeEvents()
