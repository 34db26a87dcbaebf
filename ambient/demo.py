"""The live demo: a simulated ward and a home, end to end, on one machine.

It starts its own Mosquitto and Redis as child processes on free ports in a temp dir, the
aggregator with the web feed, and one edge agent per simulated room, each replaying a
simulated RealSense recording in real time and in a loop through the same code a real
camera uses. Each agent is installed first as a real one would be: its bed zone drawn and
the empty room learned (floor calibration and empty-room reference), from the simulator's
rendering of the same room with nobody in it; so room 416, whose patient lies in bed from
the first frame, shows "in bed" within seconds. Ctrl-C (or SIGTERM) stops everything in
reverse order; children also get SIGTERM if this process dies, so nothing is left behind.
"""

import argparse
import contextlib
import ctypes
import logging
import multiprocessing
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
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
_INSTALL_TIMEOUT_S = 120.0
_EMPTY_ROOM_S = 4.0
"""Seconds of the empty room rendered for installation (the agent learns from 1.5 s)."""


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
            "auth": {"enabled": False, "cookie_secure": False},  # plain http on localhost
        },
    )


def device_config(workdir: Path, room: DemoRoom, recording: Path, broker_port: int) -> Path:
    """The agent's YAML: identity, the recording played live, and its bed as an installer
    would draw it (from the simulated room's geometry in the recording's labels)."""
    from models.evaluate.items import room_frame_zones
    from simulators.recording import read_labels

    agent = f"edge-{room.site}-{room.room}"
    state = workdir / agent
    state.mkdir(exist_ok=True)
    beds = room_frame_zones(read_labels(recording).meta).get("beds", [])
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
            "mqtt": {"host": "127.0.0.1", "port": broker_port},
            "outbox": {"path": str(state / "outbox.sqlite3")},
            "perception": {
                "calibration_file": str(state / "floor.json"),
                "zones": {"beds": beds},
            },
        },
    )


def learn_empty_room(room: DemoRoom, config: Path) -> None:
    """The installer's step: learn the floor and the empty room into the agent's state
    folder, from a few seconds of the room's own scenario rendered with nobody in it (same
    room, same camera and sensor mode as the recording the agent plays)."""
    import dataclasses

    from edge_agent.config import load_config
    from edge_agent.install import learn_empty_room as learn
    from simulators.scenarios import build
    from simulators.source import SimulatedSource

    scenario = build(room.scenario, room.seed)
    empty = dataclasses.replace(scenario, people=[], events=[], duration=_EMPTY_ROOM_S)
    source = SimulatedSource(
        empty, width=DEMO_SIZE["width"], height=DEMO_SIZE["height"], seed=room.seed + 1
    )
    learn(source, load_config(config).perception)


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
            config = device_config(workdir, room, recording, broker.port)
            _install(room, config)
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


def _install(room: DemoRoom, config: Path) -> None:
    """`learn_empty_room` in a short-lived process: the calibration pulls in open3d, which
    this long-running parent does not need to keep in memory."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        pool.submit(learn_empty_room, room, config).result(timeout=_INSTALL_TIMEOUT_S)


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
