"""The shipped Mosquitto config (deploy/mosquitto/mosquitto.conf) with credentials the test
makes: its own CA and broker certificate, device and central password files, an ACL.

Tests of the broker's trust boundaries run against exactly what ships, so a change to the
shipped file that opens a hole fails here.
"""

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt

from aggregator.provision.acl import render_acl
from aggregator.provision.ca import CA_CERT, init_ca, issue
from aggregator.provision.passwords import new_password, set_password
from aggregator.registry import Registry
from ambient.services import Service, mosquitto_shipped

REPO = Path(__file__).resolve().parents[2]
SHIPPED_CONF = REPO / "deploy/mosquitto/mosquitto.conf"
DEVICE_LISTENER, CENTRAL_LISTENER = 8883, 8884
CENTRAL_USER = "aggregator"


@dataclass
class SecureBroker:
    service: Service
    ports: dict[int, int]
    ca_dir: Path
    etc: Path
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def device_port(self) -> int:
        return self.ports[DEVICE_LISTENER]

    @property
    def central_port(self) -> int:
        return self.ports[CENTRAL_LISTENER]

    @property
    def ca_cert(self) -> Path:
        return self.ca_dir / CA_CERT

    def tls(self) -> Callable[[mqtt.Client], None]:
        """Configures a paho client to verify the broker against the test's CA."""
        ca = str(self.ca_cert)
        return lambda client: client.tls_set(ca_certs=ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)

    def add_device(self, agent_id: str) -> str:
        password = new_password()
        set_password(self.etc / "passwd", agent_id, password)
        self.passwords[agent_id] = password
        return password

    def stop(self) -> None:
        self.service.stop()


def start_secure_broker(tmp: Path, registry: Registry, acl: str | None = None) -> SecureBroker:
    """Start the shipped config with the devices of ``registry`` and the central user
    provisioned, and the ACL generated from the registry (or ``acl``)."""
    ca_dir, etc = tmp / "ca", tmp / "etc"
    init_ca(ca_dir)
    issued = issue(ca_dir, "broker", etc / "certs", server_names=["127.0.0.1", "localhost"])
    issued.cert.rename(etc / "certs" / "broker.crt")
    issued.key.rename(etc / "certs" / "broker.key")
    (etc / "certs" / "ca.crt").write_bytes((ca_dir / CA_CERT).read_bytes())
    (etc / "acl").write_text(acl if acl is not None else render_acl(registry, CENTRAL_USER))
    service, ports = mosquitto_shipped(SHIPPED_CONF, tmp / "broker", etc)
    broker = SecureBroker(service, ports, ca_dir, etc)
    central = new_password()
    set_password(etc / "passwd-central", CENTRAL_USER, central)
    broker.passwords[CENTRAL_USER] = central
    (etc / "passwd").touch(mode=0o600)
    for agent_id in registry.devices:
        broker.add_device(agent_id)
    service.start()
    return broker
