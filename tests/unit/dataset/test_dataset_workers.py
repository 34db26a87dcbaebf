"""Parallel builds finish every job, and stop with a reason when a job fails or a worker dies."""

import os
import time

import pytest

from simulators.dataset.workers import WorkerError, run_parallel


def _square(n: int) -> int:
    return n * n


def _fail_on_three(n: int) -> int:
    if n == 3:
        raise ValueError("three is not allowed")
    return n


def _die_on_two(n: int) -> int:
    if n == 2:
        os._exit(3)
    return n


def test_every_job_is_done_once() -> None:
    done: list[int] = []
    run_parallel(_square, list(range(10)), 2, done.append)
    assert sorted(done) == [n * n for n in range(10)]


def test_a_failed_job_stops_the_build_with_its_reason() -> None:
    with pytest.raises(WorkerError, match="three is not allowed"):
        run_parallel(_fail_on_three, list(range(6)), 2, lambda _: None)


def test_a_dead_worker_stops_the_build_instead_of_hanging() -> None:
    began = time.monotonic()
    with pytest.raises(WorkerError, match="exit code 3"):
        run_parallel(_die_on_two, [2, 1, 1, 1], 2, lambda _: None)
    assert time.monotonic() - began < 30
