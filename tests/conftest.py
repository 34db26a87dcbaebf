"""Session fixtures: a real Mosquitto and a real Redis on free ports in temp dirs.

Tests may kill and restart them (``service.kill()``, ``service.start()``): they come back on
the same port with their persistence, as after a crash.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ambient.services import Service, mosquitto, redis_server


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = mosquitto(Path(tmp_path_factory.mktemp("mosquitto"))).start()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def redis_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = redis_server(Path(tmp_path_factory.mktemp("redis"))).start()
    yield service
    service.stop()
