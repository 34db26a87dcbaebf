"""`CentralConfig`: the one typed settings object of the central aggregator process.

Loaded once from YAML in `main()` and passed down. Unknown keys are errors, and every error
names the key path and, when the YAML parser knows it, the line, so an installer can fix the
file without reading code.
"""

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from aggregator.alerts.model import AlertKind
from aggregator.analytics.config import AnalyticsConfig
from aggregator.notify.config import NotifyConfig
from ambient.yamlconfig import ConfigError, load_yaml_model, parse_yaml_model
from protocol import MAX_PAYLOAD_BYTES

__all__ = ["CentralConfig", "ConfigError", "load_config", "parse_config"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MqttConfig(_Section):
    host: str = Field(default="127.0.0.1", description="Broker host name or address.")
    port: int = Field(default=1883, ge=1, le=65535, description="Broker port.")
    username: str | None = Field(default=None, description="Broker user of the aggregator.")
    password: SecretStr | None = Field(
        default=None,
        description="Broker password; unset: read AMBIENT_MQTT_PASSWORD from the environment.",
    )
    client_id: str = Field(
        default="ambient-aggregator-1",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="Fixed client id: the broker keeps this session's queue while we are down.",
    )
    session_expiry_s: int = Field(
        default=7 * 24 * 3600,
        ge=60,
        description="How long the broker keeps our session and queued QoS 1 messages offline.",
    )
    keepalive_s: int = Field(default=30, ge=5, le=600, description="MQTT keepalive interval.")
    tls_ca: Path | None = Field(default=None, description="CA file; set to connect with TLS.")
    shared_subscription: bool = Field(
        default=False,
        description="Subscribe to events as `$share/aggregator/...` so N ingest processes "
        "split them. Off (one ingest process): a plain subscription, which Mosquitto 2.0 "
        "keeps across its restarts; it does not keep shared ones, so with this on, events "
        "sent while the aggregator is down across a broker restart are lost.",
    )


class RedisConfig(_Section):
    url: str = Field(default="redis://127.0.0.1:6379/0", description="Redis URL.")


class WebConfig(_Section):
    host: str = Field(default="127.0.0.1", description="Address the web feed listens on.")
    port: int = Field(default=8080, ge=0, le=65535, description="Web feed port (0: any free).")
    tls_cert: Path | None = Field(
        default=None, description="PEM certificate (chain): serve https (needs tls_key)."
    )
    tls_key: Path | None = Field(default=None, description="PEM private key of tls_cert.")
    forwarded_allow_ips: list[str] = Field(
        default_factory=lambda: ["127.0.0.1"],
        description="Proxies whose X-Forwarded-For/-Proto are believed (sign-in limits count "
        "the address they name); list the TLS proxy's address when it runs on another host.",
    )

    @model_validator(mode="after")
    def _tls_pair(self) -> "WebConfig":
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("web: tls_cert and tls_key go together")
        return self


UserRole = Literal["nurse", "charge_nurse", "quality", "monitor", "admin"]
"""What a signed-in person or API client may do (see `aggregator.web.auth`)."""
_LOGIN_ID = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$"


class AuthUser(_Section):
    id: str = Field(pattern=_LOGIN_ID, description="Login id, recorded as the actor of changes.")
    role: UserRole
    password_hash: str = Field(
        pattern=r"^pbkdf2_sha256\$[0-9]+\$[A-Za-z0-9+/=_-]+\$[A-Za-z0-9+/=_-]+$",
        description="From `ambient aggregator hash-password`; never the password itself.",
    )


class ApiToken(_Section):
    id: str = Field(pattern=_LOGIN_ID, description="Client name, recorded as the actor.")
    role: UserRole
    token_hash: str = Field(
        pattern=r"^sha256\$[0-9a-f]{64}$", description="sha256$<hex of the token's SHA-256>."
    )


class AuthConfig(_Section):
    enabled: bool = Field(
        default=False, description="Off: the feed and API are open (demo, a closed network)."
    )
    users: list[AuthUser] = Field(default_factory=list, description="People who sign in.")
    api_tokens: list[ApiToken] = Field(
        default_factory=list, description="`Authorization: Bearer` clients of the API."
    )
    session_ttl_h: float = Field(
        default=12, gt=0, le=24 * 7, description="A sign-in lasts this long (a shift)."
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Key signing session cookies; unset: AMBIENT_SESSION_SECRET, else a "
        "random key per start (everyone signs in again after a restart).",
    )
    cookie_secure: bool = Field(
        default=True,
        description="Mark the session cookie Secure: browsers send it over HTTPS only, so "
        "it never crosses the network in clear. Turn off only for plain http on localhost "
        "(the demo, tests); the aggregator then serves behind a TLS proxy or not at all.",
    )
    login_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Passwords checked at once (PBKDF2, in threads off the event loop); more "
        "sign-ins wait their turn, so a burst of them leaves the feed and the other "
        "threaded work (notifications, report catch-up) their share of the machine.",
    )
    login_limit_per_user: int = Field(
        default=10,
        ge=1,
        le=10_000,
        description="Sign-in attempts of one user id per `login_window_s`; past it every "
        "attempt, the right password included, gets 429 until the window ends. A success "
        "clears the count.",
    )
    login_limit_per_address: int = Field(
        default=50,
        ge=1,
        le=100_000,
        description="Failed sign-in attempts from one client address per `login_window_s` "
        "(behind a proxy, the address the proxy forwards); past it: 429 as above.",
    )
    login_window_s: int = Field(
        default=900,
        ge=10,
        le=24 * 3600,
        description="Window of the sign-in limits, from the first attempt counted; kept in "
        "Redis, so every aggregator process shares it.",
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> "AuthConfig":
        ids = [u.id for u in self.users] + [t.id for t in self.api_tokens]
        if len(ids) != len(set(ids)):
            raise ValueError("auth: user and token ids must be unique")
        if self.enabled and not ids:
            raise ValueError("auth: enabled with no users and no api_tokens")
        return self


class IngestConfig(_Section):
    max_payload_bytes: int = Field(
        default=MAX_PAYLOAD_BYTES,
        ge=256,
        description="Payloads larger than this are dead-lettered, never parsed.",
    )
    dedupe_ttl_s: int = Field(
        default=7 * 24 * 3600,
        ge=60,
        description="How long an event_id is remembered; longer than any edge outbox replay.",
    )
    stream_maxlen: int | None = Field(
        default=1_000_000,
        ge=1000,
        description="Approximate cap on each partition stream (None: never trim).",
    )
    batch_size: int = Field(
        default=200, ge=1, le=5000, description="Messages written to Redis per round trip."
    )
    max_future_s: float = Field(
        default=300,
        ge=0,
        le=24 * 3600,
        description="Events and statuses dated further ahead of the aggregator's clock are "
        "dead-lettered (`future`): edge clocks drift, they do not live in 2300.",
    )
    max_age_s: float = Field(
        default=6 * 24 * 3600,
        ge=60,
        description="Events dated further back are dead-lettered (`too_old`), historical "
        "replays included; with max_future_s at most dedupe_ttl_s, so a replay is never "
        "stored twice. Edge outboxes hold events by count, not age: a quiet room's outbox "
        "outlasts this, so an agent offline longer loses its oldest events to dead letters.",
    )
    agent_rate_per_s: float = Field(
        default=20,
        gt=0,
        description="Messages a second one agent may send on average; beyond its burst the "
        "rest are dead-lettered (`rate_limited`). Edge agents pace themselves below this.",
    )
    agent_burst: int = Field(
        default=400,
        ge=1,
        description="Messages one agent may send at once before its rate applies (a replay "
        "of held events, a backlog queued by the broker while we were down).",
    )
    max_open_alerts_per_room: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="Open alerts one room may have; further ones are recorded as suppressed "
        "(`room_alert_cap`), counted and logged, never put on the feed.",
    )
    state_republish_s: float = Field(
        default=30,
        ge=1,
        le=3600,
        description="How often the aggregator's retained online state is published again: "
        "edge agents compare its time with their clock to report their clock skew.",
    )

    @model_validator(mode="after")
    def _window_within_dedupe(self) -> "IngestConfig":
        if self.max_age_s + self.max_future_s > self.dedupe_ttl_s:
            raise ValueError(
                f"max_age_s + max_future_s ({self.max_age_s + self.max_future_s:.0f} s) "
                f"exceeds dedupe_ttl_s ({self.dedupe_ttl_s} s): an event replayed after its "
                "dedupe marker expired would be stored twice"
            )
        return self


Role = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
"""A recipient role (``primary_nurse``, ``charge_nurse``, ``caregiver``): never a person."""


class EscalationStep(_Section):
    after_s: float = Field(
        gt=0, le=24 * 3600, description="Seconds after the alert was raised, unacknowledged."
    )
    to: Role = Field(description="Role told when this step is reached.")


def _default_escalation() -> dict[AlertKind, list[EscalationStep]]:
    return {
        AlertKind.FALL: [
            EscalationStep(after_s=60, to="charge_nurse"),
            EscalationStep(after_s=180, to="unit_manager"),
        ],
        AlertKind.BED_EXIT: [EscalationStep(after_s=120, to="charge_nurse")],
        AlertKind.NO_MOTION: [EscalationStep(after_s=300, to="charge_nurse")],
    }


class SuppressionConfig(_Section):
    staff_present_count: int = Field(
        default=2,
        ge=2,
        le=50,
        description="People in the room from which someone besides the patient is there: "
        "bed-exit alerts are then suppressed (recorded, not raised).",
    )
    max_snooze_minutes: int = Field(
        default=120, ge=1, le=24 * 60, description="Longest per-room snooze of advisories."
    )


class RulesConfig(_Section):
    fall_risk_beds: list[str] | None = Field(
        default=None,
        description="Beds whose exits raise an alert; None: every bed with bed-exit sensing.",
    )
    primary_recipient: Role = Field(
        default="primary_nurse", description="Role told first when an alert is raised."
    )
    escalation: dict[AlertKind, list[EscalationStep]] = Field(
        default_factory=_default_escalation,
        description="Per alert kind, steps (increasing `after_s`) taken while nobody "
        "acknowledges; a kind not listed never escalates by time.",
    )
    escalation_tick_s: float = Field(
        default=1.0, gt=0, le=60, description="How often due escalations are looked for."
    )
    suppression: SuppressionConfig = Field(
        default_factory=SuppressionConfig, description="When alerts are held back."
    )
    claim_idle_ms: int = Field(
        default=30_000,
        ge=1000,
        description="Pending stream entries idle this long are claimed from dead consumers.",
    )

    @field_validator("escalation")
    @classmethod
    def _steps_in_order(
        cls, value: dict[AlertKind, list[EscalationStep]]
    ) -> dict[AlertKind, list[EscalationStep]]:
        for kind, steps in value.items():
            times = [step.after_s for step in steps]
            if times != sorted(set(times)):
                raise ValueError(f"escalation.{kind.value}: after_s must strictly increase")
        return value


class SupervisionConfig(_Section):
    """How the background tasks (rules, roll-ups, notifier, web server) are kept alive."""

    restart_base_s: float = Field(
        default=0.5, gt=0, le=60, description="First delay before restarting a crashed task."
    )
    restart_cap_s: float = Field(
        default=30.0, gt=0, le=3600, description="Longest delay between restarts (doubling)."
    )
    max_restarts: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Crashes in a row after which the aggregator gives up and exits non-zero.",
    )
    healthy_after_s: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="A restarted task counts as running again (health green) after this long.",
    )
    dead_letter_after: int = Field(
        default=3,
        ge=1,
        le=100,
        description="Failures of one stored stream entry before a reader sets it aside in the "
        "dead-letter stream.",
    )

    @model_validator(mode="after")
    def _cap_above_base(self) -> "SupervisionConfig":
        if self.restart_cap_s < self.restart_base_s:
            raise ValueError("supervision: restart_cap_s must be at least restart_base_s")
        return self


UnitRef = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}/[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"),
]
"""A unit within its site, written `site/unit`: unit ids repeat across sites (every home)."""


class RetentionConfig(_Section):
    """How long stored data is kept (`ambient data expire` applies it; see docs/security.md).

    Roll-up counts per room and hour are kept until the place is forgotten
    (`ambient data forget`): they hold no event, and reports compare months."""

    events_days: int = Field(
        default=90, ge=1, description="Events and statuses in the unit streams, snooze log."
    )
    dead_letters_days: int = Field(default=30, ge=1, description="Rejected messages.")
    resolved_alerts_days: int = Field(
        default=730, ge=1, description="Resolved alerts with their audit trail; open ones stay."
    )


class CentralConfig(_Section):
    """Everything the central aggregator process needs."""

    sites: list[str] = Field(
        default_factory=lambda: ["demo"],
        min_length=1,
        description="Sites served: the aggregator's retained online state is published on each.",
    )
    units: list[UnitRef] | None = Field(
        default=None,
        description="`site/unit` pairs listed first on the index page (others are discovered).",
    )

    def listed_units(self) -> list[tuple[str, str]]:
        """`units` as (site, unit) pairs."""
        return [(ref.partition("/")[0], ref.partition("/")[2]) for ref in self.units or []]

    mqtt: MqttConfig = Field(default_factory=MqttConfig, description="Broker connection.")
    registry: Path | None = Field(
        default=None,
        description="devices.yaml: each agent's site, unit, rooms and sensors; events and "
        "statuses from elsewhere are dead-lettered. Relative to this file. Unset: not checked.",
    )
    redis: RedisConfig = Field(default_factory=RedisConfig, description="Redis connection.")
    web: WebConfig = Field(default_factory=WebConfig, description="Nurse-station web feed.")
    auth: AuthConfig = Field(
        default_factory=AuthConfig, description="Sign-in and roles for the web feed and API."
    )
    ingest: IngestConfig = Field(default_factory=IngestConfig, description="Ingest limits.")
    rules: RulesConfig = Field(default_factory=RulesConfig, description="Alert rules.")
    analytics: AnalyticsConfig = Field(
        default_factory=AnalyticsConfig, description="Report roll-ups: unit time zones."
    )
    notify: NotifyConfig = Field(
        default_factory=NotifyConfig, description="Caregiver notifications of homes."
    )
    retention: RetentionConfig = Field(
        default_factory=RetentionConfig, description="How long stored data is kept."
    )
    supervision: SupervisionConfig = Field(
        default_factory=SupervisionConfig,
        description="Restarts of crashed background tasks and dead letters of stored entries.",
    )

    @model_validator(mode="after")
    def _notify_sites_served(self) -> "CentralConfig":
        for home in self.notify.homes:
            if home.site not in self.sites:
                raise ValueError(f"notify: home {home.home} is not on a served site (sites)")
        return self


def parse_config(text: str, source: str = "<config>") -> CentralConfig:
    """Validate YAML text; errors name the file, line and key path."""
    return parse_yaml_model(text, CentralConfig, source)


def load_config(path: Path | str) -> CentralConfig:
    """Load central.yaml; a relative ``registry`` path is taken from the file's folder."""
    config = load_yaml_model(Path(path), CentralConfig)
    if config.registry is not None and not config.registry.is_absolute():
        config = config.model_copy(update={"registry": Path(path).parent / config.registry})
    return config
