"""Session fixtures: a real Mosquitto and a real Redis on free ports in temp dirs, and the
folder of real thermal recordings when one is given.

Tests may kill and restart them (``service.kill()``, ``service.start()``): they come back on
the same port with their persistence, as after a crash.

The real recordings are never part of the repository: give their folder with
``--real-thermal DIR`` or ``AMBIENT_REAL_THERMAL=DIR``; tests that need it are skipped, and say
so, without it.
"""

import os
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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--real-thermal",
        default=os.environ.get("AMBIENT_REAL_THERMAL"),
        help="folder of labelled real thermal recordings (index.csv); default "
        "$AMBIENT_REAL_THERMAL; tests that need it are skipped without it",
    )


@pytest.fixture(scope="session")
def real_thermal(request: pytest.FixtureRequest) -> Path:
    value = request.config.getoption("--real-thermal")
    if not value:
        pytest.skip("no real thermal recordings given (--real-thermal DIR or AMBIENT_REAL_THERMAL)")
    path = Path(value)
    if not (path / "index.csv").is_file():
        pytest.skip(f"real thermal recordings folder {path} has no index.csv")
    return path
