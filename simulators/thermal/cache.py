"""Render a thermal scenario once, reuse the recording: tests and demos share one cache.

Same rules as `simulators.cache` for depth: the key holds the simulator and thermal model
versions and every option; files land under ``$XDG_CACHE_HOME/ambient/recordings/thermal``;
a lock file per key makes concurrent callers render it only once.
"""

import fcntl
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from simulators import SIMULATOR_VERSION
from simulators.cache import cache_dir
from simulators.thermal import THERMAL_MODEL_VERSION


def cached_thermal(scenario: str, seed: int = 0, **opts: Any) -> Path:
    """Path of the thermal recording of `scenario` (rendered now if not cached).

    `opts` are `record_thermal`'s keywords (sensor, mount, height_m, tilt_deg, room_temp_c,
    start_time, fps, max_seconds, powered_for_s). The labels file sits next to it.
    """
    from simulators.recording import labels_path
    from simulators.thermal.recording import record_thermal

    key_opts = {
        k: (v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v)
        for k, v in sorted(opts.items())
    }
    key = json.dumps(
        [SIMULATOR_VERSION, THERMAL_MODEL_VERSION, scenario, seed, key_opts], sort_keys=True
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    sensor = str(opts.get("sensor", "mlx90640"))
    path = cache_dir() / "thermal" / f"{scenario}-{sensor}-s{seed}-{digest}.npz"
    if path.exists() and labels_path(path).exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (path.exists() and labels_path(path).exists()):
            record_thermal(scenario, path, seed=seed, **opts)
    return path
