"""Run item jobs on N spawned processes, with the two failure modes a long build meets.

`multiprocessing.Pool` replaces a worker that dies and waits forever for its job;
`ProcessPoolExecutor` keeps rendering queued jobs after Ctrl-C. Here a dead worker or a
failed job stops the build with its reason, and Ctrl-C (or any error) terminates every worker
at once. Workers ignore SIGINT themselves, so only the parent decides. Workers are spawned, not
forked: the camera SDK and open3d do not promise to survive a fork.
"""

import multiprocessing
import queue
import signal
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.process import BaseProcess
from typing import Any

from simulators.errors import SimulatorError

POLL_S = 0.5


class WorkerError(SimulatorError, RuntimeError):
    """A job raised, or a worker process died, during a parallel build."""


def _loop(fn: Callable[[Any], Any], tasks: Any, results: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while (task := tasks.get()) is not None:
        index, job = task
        try:
            results.put(("ok", index, fn(job)))
        except Exception:
            results.put(("error", index, traceback.format_exc()))


def run_parallel(
    fn: Callable[[Any], Any],
    jobs: Sequence[Any],
    workers: int,
    on_done: Callable[[Any], None],
) -> None:
    """Call `fn(job)` for every job on `workers` processes; `on_done(result)` as each ends.

    `fn` must be a module-level function (it is pickled by name into the workers).
    """
    context = multiprocessing.get_context("spawn")
    tasks: Any = context.Queue()
    results: Any = context.Queue()
    for task in enumerate(jobs):
        tasks.put(task)
    for _ in range(workers):
        tasks.put(None)
    procs: list[BaseProcess] = [
        context.Process(target=_loop, args=(fn, tasks, results), daemon=True)
        for _ in range(workers)
    ]
    for proc in procs:
        proc.start()
    finished = False
    try:
        remaining = len(jobs)
        while remaining:
            try:
                kind, index, value = results.get(timeout=POLL_S)
            except queue.Empty:
                dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
                if dead:
                    raise WorkerError(f"a render worker died (exit code {dead[0]})") from None
                continue
            if kind == "error":
                raise WorkerError(f"job {jobs[index]!r} failed:\n{value}")
            remaining -= 1
            on_done(value)
        finished = True
    finally:
        for proc in procs:
            if not finished:
                proc.terminate()
            proc.join(timeout=10)
        tasks.cancel_join_thread()
