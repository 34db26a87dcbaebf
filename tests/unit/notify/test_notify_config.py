"""The notify section: opt-in per home, checked references, secrets kept out of sight."""

from datetime import time

import pytest
from pydantic import BaseModel, ConfigDict

from aggregator.notify.config import NotifyConfig
from ambient.yamlconfig import ConfigError, parse_yaml_model


class Central(BaseModel):
    """Stands in for CentralConfig with the section added, as the integrator will."""

    model_config = ConfigDict(extra="forbid")
    notify: NotifyConfig = NotifyConfig()


GOOD = """
notify:
  homes:
    - home: home7/home
      timezone: Europe/Berlin
      not_seen_hours: 5
      webhooks: [family]
    - home: home9/home
  webhooks:
    - name: family
      url: https://example.org/hook
      secret_env: AMBIENT_WEBHOOK_FAMILY
    - name: carer
      url: http://10.0.0.2:8123/api/webhook/x
      secret: s3cret
"""


def test_homes_pick_their_channels_and_default_to_all() -> None:
    cfg = parse_yaml_model(GOOD, Central, "central.yaml").notify
    assert cfg.enabled
    h7, h9 = cfg.homes
    assert (h7.site, h7.unit, h7.not_seen_hours) == ("home7", "home", 5)
    assert cfg.channels_of(h7) == ["webhook:family", "mqtt"]
    assert cfg.channels_of(h9) == ["webhook:family", "webhook:carer", "mqtt"]
    assert cfg.home("home9", "home") is h9 and cfg.home("hosp1", "4west") is None
    assert "s3cret" not in cfg.model_dump_json()


def test_nothing_is_sent_unless_a_home_is_listed() -> None:
    assert not NotifyConfig().enabled


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "notify:\n  homes:\n    - home: home7/home\n      webhooks: [nobody]\n",
            "unknown webhook",
        ),
        ("notify:\n  homes:\n    - home: home7\n", r"central.yaml:3: notify.homes\[0\].home"),
        ("notify:\n  homes:\n    - home: a/b\n      timezone: Mars/Base\n", "unknown time zone"),
        (
            "notify:\n  webhooks:\n    - name: x\n      url: ftp://h/\n",
            r"central.yaml:4: notify.webhooks\[0\].url",
        ),
    ],
)
def test_mistakes_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_yaml_model(text, Central, "central.yaml")


def test_signing_secret_comes_from_the_environment_first(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = parse_yaml_model(GOOD, Central, "central.yaml").notify
    family, carer = cfg.webhooks
    monkeypatch.delenv("AMBIENT_WEBHOOK_FAMILY", raising=False)
    with pytest.raises(ValueError, match="AMBIENT_WEBHOOK_FAMILY"):
        family.signing_secret()
    monkeypatch.setenv("AMBIENT_WEBHOOK_FAMILY", "from-env")
    assert family.signing_secret() == b"from-env"
    assert carer.signing_secret() == b"s3cret"


def test_unquoted_times_of_day_read_as_written() -> None:
    text = "notify:\n  homes:\n    - home: a/b\n      day_start: 7:30\n      day_end: 22:00\n"
    (home,) = parse_yaml_model(text, Central, "central.yaml").notify.homes
    assert (home.day_start, home.day_end) == (time(7, 30), time(22, 0))
    quoted = "notify:\n  homes:\n    - home: a/b\n      day_start: '06:45'\n"
    assert parse_yaml_model(quoted, Central, "c.yaml").notify.homes[0].day_start == time(6, 45)
