"""Render a scenario once, reuse the recording: tests and the demo share one cache.

The cache key holds the simulator version and every option, so a change to either renders a
fresh file. Files land under ``$XDG_CACHE_HOME/ambient/recordings`` (``~/.cache`` by default);
recorders write under a temporary name and rename, so a killed run leaves nothing that looks
finished; a lock file per key makes concurrent callers render it only once.
"""

import fcntl
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ambient.cache import cache_root
from simulators import SIMULATOR_VERSION


def cache_dir() -> Path:
    return cache_root() / "recordings"


def cache_digest(*parts: Any, opts: dict[str, Any]) -> str:
    """Short stable hash of the key parts and options (datetimes as UTC ISO strings)."""
    key_opts = {
        k: (v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v)
        for k, v in sorted(opts.items())
    }
    key = json.dumps([*parts, key_opts], sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def cached_file(path: Path, render: Callable[[Path], object]) -> Path:
    """``path`` with its labels, rendered by ``render(path)`` once if either is missing."""
    from simulators.recording import labels_path

    if path.exists() and labels_path(path).exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    # One renderer per key: a second process waits for the first instead of rendering again.
    with path.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (path.exists() and labels_path(path).exists()):
            render(path)
    return path


def cached_recording(scenario: str, seed: int = 0, **opts: Any) -> Path:
    """Path of the recording of `scenario` (rendered now if not cached).

    `opts` are `record_scenario`'s keywords: fps, width, height, start_time (a datetime).
    The labels file sits next to it (`simulators.recording.labels_path`).
    """
    from simulators.recording import record_scenario

    digest = cache_digest(SIMULATOR_VERSION, scenario, seed, opts=opts)
    path = cache_dir() / f"{scenario}-s{seed}-{digest}.db3"
    return cached_file(path, lambda out: record_scenario(scenario, out, seed=seed, **opts))
