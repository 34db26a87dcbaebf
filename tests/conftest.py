"""Session fixtures: a real Mosquitto and a real Redis on free ports in temp dirs, and the
folder of real thermal recordings when there is one.

Tests may kill and restart the services (``service.kill()``, ``service.start()``): they come
back on the same port with their persistence, as after a crash.

Real thermal recordings are third-party data that never enter the repository. Tests that
need them take the folder from ``--real-thermal DIR``, else ``$AMBIENT_REAL_THERMAL``, else
``../shared/data/real-thermal`` next to the repository when that exists, and are skipped with
the reason when none of these is a folder.

Property tests and fuzzing (hypothesis, schemathesis) run under a hypothesis profile chosen by
``$HYPOTHESIS_PROFILE``: ``ci`` (the default) is short and derandomised, so the tiers stay fast
and a failure reproduces on every run; ``long`` is the documented long fuzz (CONTRIBUTING.md).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from ambient.services import Service, mosquitto, redis_server

REAL_THERMAL_ENV = "AMBIENT_REAL_THERMAL"
REAL_THERMAL_DEFAULT = Path(__file__).resolve().parents[1] / ".." / "shared/data/real-thermal"

settings.register_profile("ci", max_examples=100, derandomize=True, database=None, deadline=None)
settings.register_profile("long", max_examples=5_000, database=None, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--real-thermal",
        metavar="DIR",
        default=None,
        help=f"folder of real thermal recordings (index.csv + .npz); else ${REAL_THERMAL_ENV}",
    )


@pytest.fixture(scope="session")
def real_thermal_dir(pytestconfig: pytest.Config) -> Path:
    """The real thermal recordings folder; the test is skipped, saying why, without one."""
    given = pytestconfig.getoption("--real-thermal") or os.environ.get(REAL_THERMAL_ENV)
    if given:
        path = Path(given)
        if not (path / "index.csv").is_file():
            pytest.skip(f"--real-thermal / ${REAL_THERMAL_ENV}: no index.csv in {path}")
        return path
    if (REAL_THERMAL_DEFAULT / "index.csv").is_file():
        return REAL_THERMAL_DEFAULT.resolve()
    pytest.skip(f"no real thermal recordings: pass --real-thermal DIR or set ${REAL_THERMAL_ENV}")


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
