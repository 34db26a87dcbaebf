"""The device config: one YAML file per sensor box, loaded once in `main()` and passed down.

An installer edits this file by hand, so a mistake must be easy to find: every error names
the file, the line and the key path (``device.yaml:12: mqtt.prot: unknown key``). Relative
paths resolve against the config file's folder, so a config and its calibration travel
together. Secrets come from the file, an environment variable or a separate file and are
never logged; `config_hash` lets the aggregator see which config a device runs.
"""

import hashlib
import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ambient.yamlconfig import ConfigError, load_yaml_model
from edge_agent.perception.config import PerceptionConfig
from edge_agent.thermal.config import ThermalConfig
from protocol.common import OpaqueId

__all__ = ["ConfigError", "DeviceConfig", "config_hash", "load_config"]


def _resolve(path: Path, info: ValidationInfo) -> Path:
    base = info.context.get("base_dir") if isinstance(info.context, dict) else None
    path = path.expanduser()
    return path if path.is_absolute() or base is None else Path(base) / path


ConfigPath = Annotated[Path, AfterValidator(_resolve)]
"""A path; relative ones are relative to the config file's folder."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IdentityConfig(_Section):
    site: OpaqueId = Field(description="Opaque site id (hospital or home), first topic level.")
    unit: OpaqueId = Field(description="Opaque unit/ward id; alerts fan out per unit.")
    room: OpaqueId = Field(description="Opaque room id.")
    bed: OpaqueId | None = Field(
        default=None, description="Opaque bed id for events with no bed zone of their own."
    )
    agent_id: OpaqueId = Field(description="This agent; also its MQTT client id by default.")
    sensor_id: OpaqueId = Field(description="The camera this agent reads.")


class SourceConfig(_Section):
    kind: Literal["realsense", "recording", "thermal_recording"] = Field(
        description="`realsense`: a live camera; `recording`: a .db3/.bag file played as live; "
        "`thermal_recording`: a thermal .npz recording (docs/thermal-recordings.md) played as "
        "live, sensor geometry from its meta."
    )
    path: ConfigPath | None = Field(default=None, description="Recording file (kind recording).")
    serial: str | None = Field(
        default=None, description="Camera serial number; first camera found when omitted."
    )
    real_time: bool = Field(
        default=True, description="Recording: play at recorded speed (false: as fast as read)."
    )
    loop: bool = Field(default=False, description="Recording: start again at the end.")

    @model_validator(mode="after")
    def _path_matches_kind(self) -> Self:
        if self.kind in ("recording", "thermal_recording") and self.path is None:
            raise ValueError(f"kind {self.kind} needs a path")
        if self.kind == "realsense" and self.path is not None:
            raise ValueError("kind realsense reads a live camera: remove path")
        return self


class TlsConfig(_Section):
    ca_file: ConfigPath | None = Field(
        default=None,
        description="CA bundle of the broker certificate (system CAs if omitted).",
    )
    cert_file: ConfigPath | None = Field(default=None, description="Client certificate (PEM).")
    key_file: ConfigPath | None = Field(default=None, description="Client private key (PEM).")

    @model_validator(mode="after")
    def _cert_and_key(self) -> Self:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together")
        return self


class MqttConfig(_Section):
    host: str = Field(description="Broker host name or address.")
    port: int = Field(default=1883, ge=1, le=65535, description="Broker port (8883 for TLS).")
    client_id: str = Field(
        default="", max_length=64, description="MQTT client id; defaults to identity.agent_id."
    )
    username: str | None = Field(default=None, description="Per-device user name.")
    password: SecretStr | None = Field(default=None, description="Password, inline.")
    password_env: str | None = Field(
        default=None, description="Name of an environment variable holding the password."
    )
    password_file: ConfigPath | None = Field(
        default=None, description="File holding the password (trailing newline ignored)."
    )
    tls: TlsConfig | None = Field(default=None, description="TLS settings; plain TCP if omitted.")
    keepalive_s: int = Field(default=30, ge=5, le=3600, description="MQTT keepalive seconds.")
    reconnect_min_s: int = Field(default=1, ge=1, description="First reconnect delay.")
    reconnect_max_s: int = Field(default=60, ge=1, description="Reconnect backoff ceiling.")
    max_inflight: int = Field(
        default=20, ge=1, le=1000, description="Events published and not yet acknowledged."
    )
    timeout_s: float = Field(
        default=5.0, gt=0, description="Limit for every blocking MQTT call (stop, final status)."
    )
    send_rate_per_s: float = Field(
        default=10.0,
        gt=0,
        description="Events sent per second at most, on average (a replay of held events "
        "included): keep below the aggregator's ingest.agent_rate_per_s.",
    )
    send_burst: int = Field(
        default=100,
        ge=1,
        description="Events sent at once before send_rate_per_s applies: keep below the "
        "aggregator's ingest.agent_burst.",
    )

    @model_validator(mode="after")
    def _one_password_source(self, info: ValidationInfo) -> Self:
        given = [self.password, self.password_env, self.password_file]
        if sum(x is not None for x in given) > 1:
            raise ValueError("give only one of password, password_env, password_file")
        context = info.context if isinstance(info.context, dict) else {}
        if context.get("check_secrets", True):
            self.secret()  # fail at load time, not at the first connect
        return self

    def secret(self) -> SecretStr | None:
        """The password from wherever the config says it lives (read now)."""
        if self.password_env is not None:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ValueError(f"environment variable {self.password_env} is not set")
            return SecretStr(value)
        if self.password_file is not None:
            try:
                return SecretStr(self.password_file.read_text().rstrip("\r\n"))
            except OSError as e:
                raise ValueError(f"cannot read password_file: {e.strerror}") from e
        return self.password


class OutboxConfig(_Section):
    path: ConfigPath = Field(
        default=Path("outbox.sqlite3"),
        validate_default=True,
        description="SQLite file of events not yet acknowledged by the broker.",
    )
    max_events: int = Field(
        default=100_000, ge=1, description="Bound: beyond it the oldest low-priority are dropped."
    )
    max_bytes: int = Field(
        default=100_000_000, ge=1024, description="Bound on stored payload bytes, same policy."
    )


class DeviceConfig(_Section):
    """Everything one edge agent needs."""

    identity: IdentityConfig = Field(description="Who and where this agent is (opaque ids).")
    source: SourceConfig = Field(description="Where frames come from.")
    mqtt: MqttConfig = Field(description="Broker connection.")
    outbox: OutboxConfig = Field(
        default_factory=OutboxConfig, description="Durable queue of unsent events."
    )
    perception: PerceptionConfig = Field(
        default_factory=PerceptionConfig, description="Perception and event-engine settings."
    )
    thermal: ThermalConfig = Field(
        default_factory=ThermalConfig,
        description="Thermal array settings (background, noise, blobs, tracking, the fall "
        "rule, health); used when the source is a thermal array.",
    )
    heartbeat_s: float = Field(
        default=60.0, gt=0, description="Seconds between health log lines (frames, events)."
    )

    @model_validator(mode="before")
    @classmethod
    def _client_id_defaults_to_agent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {"outbox": {}, **data}  # built here, not by a factory, so paths resolve
            identity, mqtt = data.get("identity"), data.get("mqtt")
            if isinstance(identity, dict) and isinstance(mqtt, dict) and not mqtt.get("client_id"):
                data = {**data, "mqtt": {**mqtt, "client_id": identity.get("agent_id")}}
        return data

    @field_validator("perception")
    @classmethod
    def _resolve_calibration(
        cls, value: PerceptionConfig, info: ValidationInfo
    ) -> PerceptionConfig:
        if value.calibration_file is None:
            return value
        return value.model_copy(update={"calibration_file": _resolve(value.calibration_file, info)})

    @field_validator("thermal")
    @classmethod
    def _resolve_rest_state(cls, value: ThermalConfig, info: ValidationInfo) -> ThermalConfig:
        state = value.rest.state_file
        if state is None:
            return value
        rest = value.rest.model_copy(update={"state_file": _resolve(state, info)})
        return value.model_copy(update={"rest": rest})


def config_hash(config: DeviceConfig) -> str:
    """sha256 of the normalised config (secrets masked), reported in the status birth."""
    normal = json.dumps(config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(normal.encode()).hexdigest()


def load_config(path: Path, *, check_secrets: bool = True) -> DeviceConfig:
    """Read and validate a device YAML file; raises `ConfigError` naming file, line and key.

    ``check_secrets=False`` skips reading the MQTT password (offline replay never connects,
    and a site validating clips should not need the device's secrets).
    """
    context = {"base_dir": path.parent.absolute(), "check_secrets": check_secrets}
    return load_yaml_model(path, DeviceConfig, context)
