"""Provision one device: registry entry, broker password, ACL, and optionally a certificate.

Everything a device needs to be let in, made in one step so the registry, the password file
and the ACL cannot disagree. The password is returned once, to be shown once; only its hash
is written. Re-provisioning an agent moves it to the given place and rotates its password.
"""

from dataclasses import dataclass
from pathlib import Path

import yaml

from aggregator.provision import ProvisionError
from aggregator.provision.acl import write_acl
from aggregator.provision.ca import Issued, issue
from aggregator.provision.passwords import new_password, set_password
from aggregator.registry import Device, Registry, load_registry, reserved_clash


@dataclass(frozen=True, slots=True)
class BrokerFiles:
    passwd: Path
    acl: Path
    central_user: str
    central_client_id: str


@dataclass(frozen=True, slots=True)
class Provisioned:
    agent_id: str
    password: str
    certificate: Issued | None


def _write_registry(path: Path, registry: Registry) -> None:
    """Rewrite the registry, keeping the comment block at the top of the file."""
    old = path.read_text().splitlines() if path.exists() else []
    header = []
    for line in old:
        if not line.startswith("#"):
            break
        header.append(line)
    data = registry.model_dump(mode="json")
    body = yaml.safe_dump(data, sort_keys=True, default_flow_style=None)
    path.write_text("\n".join([*header, body]) if header else body)


def provision_device(
    registry_path: Path,
    agent_id: str,
    device: Device,
    broker: BrokerFiles,
    *,
    ca_dir: Path | None = None,
    cert_dir: Path | None = None,
) -> Provisioned:
    clash = reserved_clash(agent_id, broker.central_user, broker.central_client_id)
    if clash:
        raise ProvisionError(f"refused: {clash}")
    registry = load_registry(registry_path) if registry_path.exists() else Registry()
    try:
        registry = registry.with_device(agent_id, device)
    except ValueError as e:
        raise ProvisionError(f"invalid agent id {agent_id!r}: {e}") from e
    password = new_password()
    certificate = None
    if ca_dir is not None:
        certificate = issue(ca_dir, agent_id, cert_dir or Path.cwd())
    _write_registry(registry_path, registry)
    set_password(broker.passwd, agent_id, password)
    write_acl(broker.acl, registry, broker.central_user)
    return Provisioned(agent_id, password, certificate)
