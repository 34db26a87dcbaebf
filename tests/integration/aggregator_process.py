"""`python -m aggregator run` in a subprocess with a config the test writes, for broker tests.

Unlike the session fixtures, broker tests start their own Mosquitto (they restart, kill and
lock it down), so the aggregator's MQTT settings are the test's to choose.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from ambient.services import free_port


class AggregatorProcess:
    """One aggregator; ``config`` is the central.yaml content as a dict (written as JSON)."""

    def __init__(self, tmp: Path, config: dict[str, Any], env: dict[str, str] | None = None):
        self.port = free_port()
        self.config_path = tmp / "central.yaml"
        self.log = tmp / "aggregator.log"
        config = config | {"web": {"host": "127.0.0.1", "port": self.port}}
        self.config_path.write_text(json.dumps(config))
        self.env = os.environ | {"PYTHONUNBUFFERED": "1"} | (env or {})
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "AggregatorProcess":
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "aggregator", "run", "--config", str(self.config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
            )
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if time.monotonic() > deadline:
                raise AssertionError(f"aggregator not healthy: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)
        return self

    def healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"aggregator exited: {self.log.read_text()[-2000:]}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(20)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
