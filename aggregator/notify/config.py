"""`NotifyConfig`: the ``notify:`` section of central.yaml (caregiver notifications of homes).

Nothing is sent unless a home is listed: notifications are opt-in per home, and each home
names the webhooks it goes to. Secrets are `SecretStr`, preferably read from the environment
(``secret_env``) so central.yaml can be committed.
"""

import os
from datetime import time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

__all__ = [
    "HomeNotifyConfig",
    "MqttOutConfig",
    "NotifyConfig",
    "RetryConfig",
    "WebhookConfig",
]

_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
HomeRef = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}/[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"),
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookConfig(_Section):
    name: str = Field(pattern=_NAME, description="Short name homes refer to; in logs and metrics.")
    url: str = Field(
        pattern=r"^https?://[^\s]+$", description="Endpoint that receives a JSON POST per event."
    )
    secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 signing secret; prefer `secret_env`."
    )
    secret_env: str | None = Field(
        default=None,
        pattern=r"^[A-Z_][A-Z0-9_]*$",
        description="Environment variable holding the signing secret (wins over `secret`).",
    )
    timeout_s: float = Field(default=5.0, gt=0, le=60, description="Per-attempt timeout.")

    def signing_secret(self) -> bytes:
        """The secret to sign with; a webhook without one is a config error at start."""
        value = os.environ.get(self.secret_env) if self.secret_env else None
        if value is None and self.secret is not None:
            value = self.secret.get_secret_value()
        if not value:
            where = f"environment variable {self.secret_env}" if self.secret_env else "secret"
            raise ValueError(f"notify.webhooks[{self.name}]: no signing secret ({where} unset)")
        return value.encode()


class RetryConfig(_Section):
    max_attempts: int = Field(
        default=10, ge=1, le=100, description="Attempts per delivery before it is dead-lettered."
    )
    base_s: float = Field(default=2.0, gt=0, description="Delay before the second attempt.")
    cap_s: float = Field(default=900.0, gt=0, description="Longest delay between attempts.")
    lease_s: float = Field(
        default=60.0,
        gt=0,
        description="A delivery taken but never finished (crash) is retried after this long.",
    )


class MqttOutConfig(_Section):
    enabled: bool = Field(default=True, description="Publish notifications over MQTT.")
    ha_discovery: bool = Field(
        default=False, description="Publish retained Home Assistant MQTT discovery configs."
    )
    discovery_prefix: str = Field(
        default="homeassistant",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Home Assistant discovery prefix.",
    )


class HomeNotifyConfig(_Section):
    home: HomeRef = Field(description="The home as `site/unit` (a home is one unit).")
    webhooks: list[str] | None = Field(
        default=None, description="Names of the webhooks to call; None: every webhook."
    )
    timezone: str = Field(default="UTC", description="IANA zone of the home, for its day.")
    day_start: time = Field(default=time(7, 0), description="Local start of the day window.")
    day_end: time = Field(default=time(22, 0), description="Local end of the day window.")
    not_seen_hours: float | None = Field(
        default=6.0,
        gt=0,
        le=72,
        description="Notify when nobody was seen for this many day-window hours; None: off.",
    )
    inactivity_hours: float | None = Field(
        default=3.0,
        gt=0,
        le=24,
        description="Someone present but no activity change for this long (day only); None: off.",
    )
    inactivity_factor: float = Field(
        default=2.0,
        ge=1,
        le=10,
        description="Once learned, also wait this many times the usual quiet gap at that hour.",
    )
    no_motion_min_s: float = Field(
        default=0.0, ge=0, description="Edge no-motion episodes shorter than this are not sent."
    )

    @property
    def site(self) -> str:
        return self.home.partition("/")[0]

    @property
    def unit(self) -> str:
        return self.home.partition("/")[2]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("day_start", "day_end", mode="before")
    @classmethod
    def _sexagesimal(cls, value: object) -> object:
        """YAML 1.1 reads an unquoted ``22:00`` as the number 1320 (base 60): read it back."""
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value < 24 * 60:
                raise ValueError("a time of day is HH:MM")
            return time(value // 60, value % 60)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {value!r}") from e
        return value

    @model_validator(mode="after")
    def _window(self) -> "HomeNotifyConfig":
        if self.day_start == self.day_end:
            raise ValueError("day_start and day_end must differ")
        return self


class NotifyConfig(_Section):
    """Caregiver notifications for homes: webhooks and MQTT (optionally Home Assistant)."""

    homes: list[HomeNotifyConfig] = Field(
        default_factory=list, description="Homes that send notifications; empty: notify is off."
    )
    webhooks: list[WebhookConfig] = Field(default_factory=list, description="Webhook targets.")
    mqtt: MqttOutConfig = Field(default_factory=MqttOutConfig, description="MQTT out.")
    retry: RetryConfig = Field(default_factory=RetryConfig, description="Delivery retries.")
    tick_s: float = Field(
        default=30.0, gt=0, le=3600, description="How often the not-seen/inactivity timers run."
    )
    stale_after_s: float = Field(
        default=6 * 3600,
        gt=0,
        description="Events older than this (sensor time) are not notified; first start skips "
        "older stream entries.",
    )
    dedupe_ttl_s: int = Field(
        default=30 * 24 * 3600, ge=3600, description="How long a sent notification id is kept."
    )

    @property
    def enabled(self) -> bool:
        return bool(self.homes)

    @model_validator(mode="after")
    def _references(self) -> "NotifyConfig":
        names = [w.name for w in self.webhooks]
        if len(set(names)) != len(names):
            raise ValueError("webhook names must be unique")
        homes = [h.home for h in self.homes]
        if len(set(homes)) != len(homes):
            raise ValueError("each home may be listed once")
        for home in self.homes:
            for name in home.webhooks or []:
                if name not in names:
                    raise ValueError(f"home {home.home}: unknown webhook {name!r}")
        return self

    def home(self, site: str, unit: str) -> HomeNotifyConfig | None:
        for home in self.homes:
            if home.site == site and home.unit == unit:
                return home
        return None

    def channels_of(self, home: HomeNotifyConfig) -> list[str]:
        """Delivery channels of one home: ``webhook:<name>`` per webhook, then ``mqtt``."""
        chosen = home.webhooks if home.webhooks is not None else [w.name for w in self.webhooks]
        out = [f"webhook:{name}" for name in chosen]
        if self.mqtt.enabled:
            out.append("mqtt")
        return out
