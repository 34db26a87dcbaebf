"""Child `mosquitto` and `redis-server` processes on free ports in a temp dir.

Used by the demo and by the test fixtures, so both run the same broker and store settings:
the broker queues enough QoS 1 messages for a burst during an outage (Mosquitto's default of
1000 drops silently), keeps sessions across its own restarts, and Redis keeps an append-only
file with fsync every second.
"""

import logging
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ambient.errors import AmbientError

logger = logging.getLogger(__name__)

BROKER_MAX_QUEUED_MESSAGES = 1_000_000
"""Per-client queue bound at the broker: worst burst × longest aggregator outage, with margin."""
BROKER_AUTOSAVE_S = 1
"""Seconds between saves of the broker's database: a kill -9 loses what came in since the last."""


class ServiceError(AmbientError, RuntimeError):
    """A child service could not be started."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServiceError(f"{name} exited with code {proc.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise ServiceError(f"{name} did not listen on port {port} within {timeout:.0f} s")


@dataclass
class Service:
    """A child server process that can be stopped, killed and started again on its port."""

    name: str
    argv: list[str]
    port: int
    workdir: Path
    log_path: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self, timeout: float = 10.0) -> "Service":
        if shutil.which(self.argv[0]) is None:
            raise ServiceError(f"{self.argv[0]} is not installed (apt-get install {self.name})")
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        _wait_for_port(self.port, self.proc, self.name, timeout)
        logger.info("%s listening on 127.0.0.1:%d", self.name, self.port)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL, as a crash would; ``start()`` brings it back on the same port."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    @property
    def url(self) -> str:
        scheme = "redis" if self.name == "redis-server" else "mqtt"
        return f"{scheme}://127.0.0.1:{self.port}"


def mosquitto(
    workdir: Path, port: int | None = None, *, autosave_s: int = BROKER_AUTOSAVE_S
) -> Service:
    """A Mosquitto broker for tests and the demo: loopback only, anonymous, big queues.

    Started as root, Mosquitto drops to the ``mosquitto`` user, which cannot write into a
    private temp dir: it logs "Permission denied" and runs on without persistence, so a
    restart test would pass without testing anything. ``user`` keeps it as whoever runs us.
    The database is saved every ``autosave_s`` seconds (by time, not by number of changes, so
    the last few events of a quiet hour are not left unsaved), and on a clean stop.
    """
    port = port or free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "mosquitto.conf"
    conf.write_text(
        "\n".join(
            [
                f"user {pwd.getpwuid(os.getuid()).pw_name}",
                "per_listener_settings false",
                f"listener {port} 127.0.0.1",
                "allow_anonymous true",
                "persistence true",
                f"persistence_location {workdir}/",
                f"autosave_interval {autosave_s}",
                "autosave_on_changes false",
                "persistent_client_expiration 14d",
                f"max_queued_messages {BROKER_MAX_QUEUED_MESSAGES}",
                "max_queued_bytes 0",
                "max_inflight_messages 100",
                "max_packet_size 65536",
                "log_dest stdout",
                "log_type error",
                "log_type warning",
                "log_type notice",
                "",
            ]
        )
    )
    return Service("mosquitto", ["mosquitto", "-c", str(conf)], port, workdir, workdir / "log")


def redis_server(workdir: Path, port: int | None = None, *, appendonly: bool = True) -> Service:
    """A Redis server with AOF (everysec) in its own directory, loopback only; without AOF
    (``appendonly=False``) and without snapshots, a kill loses everything it held."""
    port = port or free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    argv = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(workdir),
        "--save",
        "",
        "--appendonly",
        "yes" if appendonly else "no",
        "--appendfsync",
        "everysec",
        "--daemonize",
        "no",
    ]
    return Service("redis-server", argv, port, workdir, workdir / "log")


SHIPPED_ETC = "/etc/mosquitto/"


def mosquitto_shipped(conf: Path, workdir: Path, etc_dir: Path) -> tuple[Service, dict[int, int]]:
    """The production ``mosquitto.conf`` as shipped, run here: so tests check what ships.

    Each ``listener PORT`` moves to a free loopback port (the map is returned), paths under
    /etc/mosquitto/ point into ``etc_dir`` (certificates, password files and ACL the test
    made), the database goes to ``workdir`` and the log to a file. Nothing else changes.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    ports: dict[int, int] = {}
    lines = [f"user {pwd.getpwuid(os.getuid()).pw_name}"]
    for shipped in conf.read_text().splitlines():
        words = shipped.split()
        line = shipped.replace(SHIPPED_ETC, f"{etc_dir}/")
        if words[:1] == ["listener"]:
            ports[int(words[1])] = free_port()
            line = f"listener {ports[int(words[1])]} 127.0.0.1"
        elif words[:1] == ["persistence_location"]:
            line = f"persistence_location {workdir}/"
        elif words[:1] == ["log_dest"]:
            line = "log_dest stdout"
        lines.append(line)
    if not ports:
        raise ServiceError(f"{conf} has no listener")
    rendered = workdir / "mosquitto.conf"
    rendered.write_text("\n".join(lines) + "\n")
    first = next(iter(ports.values()))
    argv = ["mosquitto", "-c", str(rendered)]
    return Service("mosquitto", argv, first, workdir, workdir / "log"), ports
