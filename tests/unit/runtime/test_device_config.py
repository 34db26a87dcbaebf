"""Device config: an installer's mistake is reported with file, line and key path."""

from pathlib import Path

import pytest

from edge_agent.config import ConfigError, config_hash, load_config

GOOD = """\
identity:
  site: st-mary
  unit: ward-4
  room: r412
  agent_id: edge-412
  sensor_id: d435-0001
source:
  kind: recording
  path: recordings/room.db3
  loop: true
mqtt:
  host: broker.local
  port: 8883
  username: edge-412
  password_env: TEST_AMBIENT_MQTT_PASSWORD
  tls:
    ca_file: certs/ca.pem
outbox:
  path: state/outbox.sqlite3
perception:
  calibration_file: floor.json
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "device.yaml"
    path.write_text(text)
    return path


def test_good_config_resolves_paths_and_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_AMBIENT_MQTT_PASSWORD", "s3cret")
    config = load_config(_write(tmp_path, GOOD))
    assert config.mqtt.client_id == "edge-412"  # defaults to the agent id
    assert config.source.path == tmp_path / "recordings/room.db3"
    assert config.source.real_time is True
    assert config.outbox.path == tmp_path / "state/outbox.sqlite3"
    assert config.mqtt.tls is not None and config.mqtt.tls.ca_file == tmp_path / "certs/ca.pem"
    assert config.perception.calibration_file == tmp_path / "floor.json"
    secret = config.mqtt.secret()
    assert secret is not None and secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(config)


def test_default_outbox_lives_next_to_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_AMBIENT_MQTT_PASSWORD", "x")
    text = GOOD.replace("outbox:\n  path: state/outbox.sqlite3\n", "")
    assert load_config(_write(tmp_path, text)).outbox.path == tmp_path / "outbox.sqlite3"


def test_unknown_key_names_key_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_AMBIENT_MQTT_PASSWORD", "x")
    path = _write(tmp_path, GOOD.replace("  port: 8883\n", "  prot: 8883\n"))
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert str(e.value) == f"{path}:13: mqtt.prot: unknown key"


def test_wrong_type_names_key_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_AMBIENT_MQTT_PASSWORD", "x")
    path = _write(tmp_path, GOOD.replace("  loop: true\n", "  loop: sometimes\n"))
    with pytest.raises(ConfigError, match=rf"^{path}:10: source\.loop: Input should be a valid"):
        load_config(path)


def test_missing_key_points_at_its_section(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("  room: r412\n", ""))
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert f"{path}:1: identity.room: required key missing" in str(e.value)


def test_names_are_refused_as_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_AMBIENT_MQTT_PASSWORD", "x")
    path = _write(tmp_path, GOOD.replace("room: r412", "room: Mrs Smith"))
    with pytest.raises(ConfigError, match=rf"{path}:4: identity\.room: String should match"):
        load_config(path)


def test_unset_password_env_fails_at_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_AMBIENT_MQTT_PASSWORD", raising=False)
    path = _write(tmp_path, GOOD)
    with pytest.raises(ConfigError, match=r":11: mqtt: .*TEST_AMBIENT_MQTT_PASSWORD is not set"):
        load_config(path)


def test_password_file_relative_to_config(tmp_path: Path) -> None:
    (tmp_path / "mqtt.pass").write_text("from-file\n")
    text = GOOD.replace("password_env: TEST_AMBIENT_MQTT_PASSWORD", "password_file: mqtt.pass")
    secret = load_config(_write(tmp_path, text)).mqtt.secret()
    assert secret is not None and secret.get_secret_value() == "from-file"


def test_recording_needs_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_AMBIENT_MQTT_PASSWORD", "x")
    path = _write(tmp_path, GOOD.replace("  path: recordings/room.db3\n", ""))
    with pytest.raises(ConfigError, match=rf"^{path}:7: source: kind recording needs a path$"):
        load_config(path)


def test_yaml_syntax_and_duplicate_keys(tmp_path: Path) -> None:
    path = _write(tmp_path, "identity:\n  site: [unclosed\n")
    with pytest.raises(ConfigError, match=rf"^{path}:\d+: invalid YAML"):
        load_config(path)
    path = _write(tmp_path, GOOD.replace("  unit: ward-4\n", "  unit: ward-4\n  site: x\n"))
    with pytest.raises(ConfigError, match=rf"^{path}:4: identity\.site: duplicate key$"):
        load_config(path)


def test_config_hash_follows_content_not_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_AMBIENT_MQTT_PASSWORD", "one")
    first = config_hash(load_config(_write(tmp_path, GOOD)))
    monkeypatch.setenv("TEST_AMBIENT_MQTT_PASSWORD", "two")
    assert config_hash(load_config(_write(tmp_path, GOOD))) == first
    changed = config_hash(load_config(_write(tmp_path, GOOD.replace("8883", "8884"))))
    assert changed != first and len(changed) == 64


def test_thermal_settings_come_from_the_config_and_a_wrong_one_names_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_AMBIENT_MQTT_PASSWORD", "x")
    text = GOOD + (
        "thermal:\n  background:\n    noise_k: 5.0\n  fall:\n    refractory_s: 20\n"
        "  rest:\n    state_file: state/thermal-rest.json\n"
    )
    config = load_config(_write(tmp_path, text))
    assert config.thermal.background.noise_k == 5.0 and config.thermal.fall.refractory_s == 20
    assert config.thermal.rest.state_file == tmp_path / "state/thermal-rest.json"
    bad = GOOD + "thermal:\n  background:\n    noise_sigma: 5.0\n"
    with pytest.raises(ConfigError, match=r"device.yaml:\d+: thermal.background.noise_sigma"):
        load_config(_write(tmp_path, bad))


def test_shipped_example_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMBIENT_MQTT_PASSWORD", "x")
    example = Path(__file__).parents[3] / "deploy" / "edge" / "device.yaml"
    config = load_config(example)
    assert config.source.kind == "realsense"
    assert config.mqtt.client_id == config.identity.agent_id
    assert [b.id for b in config.perception.zones.beds] == ["bed-a"]


def test_offline_use_does_not_need_the_device_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AMBIENT_MQTT_PASSWORD", raising=False)
    example = Path(__file__).parents[3] / "deploy" / "edge" / "device.yaml"
    with pytest.raises(ConfigError, match="AMBIENT_MQTT_PASSWORD is not set"):
        load_config(example)
    config = load_config(example, check_secrets=False)
    assert config.identity.agent_id
