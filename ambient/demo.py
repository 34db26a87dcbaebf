"""The live demo: a simulated ward and a home, end to end, on one machine.

It starts its own Mosquitto and Redis as child processes on free ports in a temp dir, the
aggregator with the web feed, and one edge agent per simulated room, each replaying a
simulated RealSense recording in real time and in a loop through the same code a real
camera uses. Ctrl-C (or SIGTERM) stops everything in reverse order; children also get
SIGTERM if this process dies, so nothing is left behind.
"""

import argparse
import contextlib
import ctypes
import logging
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import yaml

from ambient.services import Service, free_port, mosquitto, redis_server

logger = logging.getLogger(__name__)

HOSPITAL_SITE = "hosp1"
HOME_SITE = "home7"
WARD_FEED = f"/sites/{HOSPITAL_SITE}/units/4west"
HOME_FEED = f"/sites/{HOME_SITE}/units/home"
DEMO_SIZE = {"width": 320, "height": 240}
"""Quarter VGA: the first start renders four rooms in about a minute, ~140 MB each on disk."""


@dataclass(frozen=True)
class DemoRoom:
    """One simulated room: where it is and what happens in it."""

    site: str
    unit: str
    room: str
    scenario: str
    seed: int


ROOMS = (
    DemoRoom(HOSPITAL_SITE, "4west", "412", "walk_fall_forward", 1),
    DemoRoom(HOME_SITE, "home", "living", "home_fall", 2),
    DemoRoom(HOSPITAL_SITE, "4west", "414", "walk_sit_stand", 3),
    DemoRoom(HOSPITAL_SITE, "4west", "416", "quiet_room", 4),
)


class _StopRequestedError(Exception):
    """Raised from the SIGTERM handler to unwind like Ctrl-C."""


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM us if the demo process dies (PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


@dataclass
class Child:
    """A child `ambient` process that the demo restarts if it dies."""

    name: str
    argv: list[str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches only the demo, which stops us in order
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only a prctl call, no threads yet
            )

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop within %.0f s: killing it", self.name, timeout)
            self.proc.kill()
            self.proc.wait(timeout=timeout)


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def central_config(workdir: Path, broker: Service, redis: Service, web_port: int) -> Path:
    units = sorted({f"{r.site}/{r.unit}" for r in ROOMS})
    return _write_yaml(
        workdir / "central.yaml",
        {
            "sites": sorted({r.site for r in ROOMS}),
            "units": units,
            "mqtt": {"host": "127.0.0.1", "port": broker.port, "client_id": "aggregator-demo"},
            "redis": {"url": f"{redis.url}/0"},
            "web": {"host": "127.0.0.1", "port": web_port},
        },
    )


def device_config(workdir: Path, room: DemoRoom, recording: Path, broker: Service) -> Path:
    agent = f"edge-{room.site}-{room.room}"
    state = workdir / agent
    state.mkdir(exist_ok=True)
    return _write_yaml(
        workdir / f"{agent}.yaml",
        {
            "identity": {
                "site": room.site,
                "unit": room.unit,
                "room": room.room,
                "agent_id": agent,
                "sensor_id": "depth0",
            },
            "source": {
                "kind": "recording",
                "path": str(recording),
                "real_time": True,
                "loop": True,
            },
            "mqtt": {"host": "127.0.0.1", "port": broker.port},
            "outbox": {"path": str(state / "outbox.sqlite3")},
            "perception": {"calibration_file": str(state / "floor.json")},
        },
    )


def _ambient(*args: str) -> list[str]:
    return [sys.executable, "-m", "ambient.cli", *args]


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _StopRequestedError


def run_demo(args: argparse.Namespace) -> int:
    from simulators.cache import cached_recording

    signal.signal(signal.SIGTERM, _on_sigterm)
    workdir = Path(tempfile.mkdtemp(prefix="ambient-demo-"))
    web_port = args.port if _port_is_free(args.port) else free_port()
    services: list[Service] = []
    children: list[Child] = []
    try:
        broker = mosquitto(workdir / "mosquitto").start()
        services.append(broker)
        redis = redis_server(workdir / "redis").start()
        services.append(redis)
        aggregator = Child(
            "aggregator",
            _ambient(
                "aggregator",
                "run",
                "--config",
                str(central_config(workdir, broker, redis, web_port)),
            ),
            workdir / "aggregator.log",
        )
        aggregator.start()
        children.append(aggregator)
        url = f"http://localhost:{web_port}"
        print(
            f"\n  Nurse-station feed:  {url}{WARD_FEED}\n  Home feed:           {url}{HOME_FEED}\n"
        )
        print(f"  Logs and state in {workdir}. Ctrl-C stops everything.\n", flush=True)
        for room in ROOMS:
            print(f"  preparing room {room.room} ({room.scenario}) ...", flush=True)
            recording = cached_recording(room.scenario, seed=room.seed, **DEMO_SIZE)
            config = device_config(workdir, room, recording, broker)
            agent = Child(
                config.stem,
                _ambient("edge", "run", "--config", str(config)),
                workdir / f"{config.stem}.log",
            )
            agent.start()
            children.append(agent)
            print(f"  room {room.room}: edge agent running", flush=True)
        print(f"\n  All running. Open {url}{WARD_FEED}\n", flush=True)
        _supervise(children)
    except (KeyboardInterrupt, _StopRequestedError):
        print("\n  stopping ...", flush=True)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip clean-up
        for child in reversed(children):
            child.stop()
        for service in reversed(services):
            service.stop()
        if not getattr(args, "keep", False):
            shutil.rmtree(workdir, ignore_errors=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    print("  stopped.", flush=True)
    return 0


def _supervise(children: list[Child], max_restarts: int = 5) -> None:
    """Restart a child that died (a demo should survive one crash), with a log line."""
    while True:
        time.sleep(1.0)
        for child in children:
            if child.proc is not None and child.proc.poll() is not None:
                if child.restarts >= max_restarts:
                    raise RuntimeError(f"{child.name} keeps failing; see {child.log_path}")
                logger.warning(
                    "%s exited with code %s; restarting (log: %s)",
                    child.name,
                    child.proc.returncode,
                    child.log_path,
                )
                child.restarts += 1
                child.start()
