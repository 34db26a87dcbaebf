"""The device registry: which site, unit, rooms and sensors each agent may speak for.

A device identity is bound to a place. The broker ACL (generated from this registry by
`aggregator.provision.acl`) keeps a device under its own site's topics; ingest checks the rest
with `Registry.check`, a pure function, so a device registered for room r412 cannot raise a
fall in room r414 or in another unit, even with a schema-valid payload.
"""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ambient.yamlconfig import ConfigError, load_yaml_model
from protocol.common import OpaqueId

__all__ = [
    "Device",
    "Mismatch",
    "Place",
    "Registry",
    "RegistryFile",
    "load_registry",
    "reserved_clash",
]

logger = logging.getLogger(__name__)


class Device(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    site: OpaqueId = Field(description="Site the device is installed at (first topic level).")
    unit: OpaqueId = Field(description="Unit its alerts go to.")
    rooms: list[OpaqueId] = Field(min_length=1, description="Rooms it watches.")
    sensors: list[OpaqueId] = Field(
        default_factory=list, description="Its sensor ids; empty: any sensor id is accepted."
    )


class Registry(BaseModel):
    """``devices``: agent id → its place. An agent not listed is not let in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    devices: dict[OpaqueId, Device] = Field(
        default_factory=dict, description="Every provisioned edge agent, by agent id."
    )

    def check(self, place: "Place") -> "Mismatch | None":
        """None when ``place`` is one the agent is registered for; else why not."""
        device = self.devices.get(place.agent_id)
        if device is None:
            return Mismatch("not_registered", f"agent {place.agent_id} is not in the registry")
        wrong = [
            what
            for what, ok in (
                ("site", place.site == device.site),
                ("unit", place.unit == device.unit),
                ("room", place.room in device.rooms),
                (
                    "sensor",
                    place.sensor_id is None
                    or not device.sensors
                    or place.sensor_id in device.sensors,
                ),
            )
            if not ok
        ]
        if wrong:
            return Mismatch("place_mismatch", f"not the agent's registered {', '.join(wrong)}")
        return None

    def with_device(self, agent_id: str, device: Device) -> "Registry":
        """A copy with ``agent_id`` added or moved; raises ValueError for a bad agent id."""
        return Registry(devices=self.devices | {agent_id: device})


@dataclass(frozen=True, slots=True)
class Place:
    """Where a payload says it comes from."""

    agent_id: str
    site: str
    unit: str
    room: str
    sensor_id: str | None = None


@dataclass(frozen=True, slots=True)
class Mismatch:
    reason: Literal["not_registered", "place_mismatch"]
    detail: str


def reserved_clash(agent_id: str, central_user: str, central_client_id: str) -> str | None:
    """Why ``agent_id`` may not be a device id, or None.

    A device's broker client id is its agent id (``use_username_as_clientid``) and client ids
    are one namespace across listeners: a device named like a central connection would take
    over that session. The aggregator's connections use its client id and ids derived from
    it (``-presence-<site>``, ``-notify``), and its user name.
    """
    if agent_id == central_user:
        return f"{agent_id!r} is the central services' broker user"
    if agent_id.startswith(central_client_id):
        return f"{agent_id!r} starts with the aggregator's client id {central_client_id!r}"
    return None


def load_registry(path: Path) -> Registry:
    """Read devices.yaml; errors name the file, line and key (`ConfigError`)."""
    return load_yaml_model(path, Registry)


class RegistryFile:
    """The registry as the file says now: a device provisioned while the aggregator runs is
    let in without a restart. The file is stat'ed on each call (once per ingest batch, about
    a microsecond) and read again when it changed; a file that no longer reads keeps the
    last good registry in force (and is logged), so a typo does not shut every device out."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp = self._mtime()
        self._registry = load_registry(path)

    def _mtime(self) -> tuple[int, int]:
        try:
            stat = self._path.stat()
        except OSError:
            return (-1, -1)
        return (stat.st_mtime_ns, stat.st_size)

    def current(self) -> Registry:
        stamp = self._mtime()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._registry = load_registry(self._path)
                logger.info("device registry reloaded: %d devices", len(self._registry.devices))
            except ConfigError as e:
                logger.error("device registry not reloaded, keeping the last one: %s", e)
        return self._registry
