"""An installer's typo in central.yaml is reported with the key and the line."""

from pathlib import Path

import pytest

from aggregator.config import CentralConfig, ConfigError, load_config, parse_config


def test_defaults_are_usable() -> None:
    cfg = parse_config("")
    assert cfg == CentralConfig()
    assert cfg.sites == ["demo"] and cfg.web.port == 8080 and cfg.ingest.max_payload_bytes == 2048


def test_unknown_key_names_key_and_line() -> None:
    text = "sites: [a]\nmqtt:\n  host: broker\n  prot: 1883\n"
    with pytest.raises(ConfigError) as err:
        parse_config(text, "central.yaml")
    assert "central.yaml:4: mqtt.prot: unknown key" in str(err.value)


def test_bad_value_names_key_and_line() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config("web:\n  port: eighty\n")
    assert "<config>:2: web.port" in str(err.value)


def test_password_is_secret_and_not_printed() -> None:
    cfg = parse_config("mqtt:\n  username: aggregator\n  password: hunter2\n")
    assert cfg.mqtt.password is not None
    assert cfg.mqtt.password.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(cfg) and "hunter2" not in cfg.model_dump_json()


def test_not_yaml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        parse_config("mqtt: [unclosed\n")
    with pytest.raises(ConfigError):
        load_config(tmp_path / "missing.yaml")


def test_shipped_example_loads() -> None:
    example = Path(__file__).parents[3] / "deploy" / "central" / "central.yaml"
    cfg = load_config(example)
    assert cfg.mqtt.session_expiry_s > 0


def test_a_time_window_longer_than_the_dedupe_memory_is_a_config_error() -> None:
    """A replay older than its dedupe marker would be stored twice."""
    text = "ingest:\n  dedupe_ttl_s: 86400\n  max_age_s: 86400\n"
    with pytest.raises(ConfigError) as err:
        parse_config(text, "central.yaml")
    assert "ingest" in str(err.value) and "dedupe_ttl_s" in str(err.value)
    assert parse_config("ingest:\n  dedupe_ttl_s: 86400\n  max_age_s: 86000\n").ingest
