"""`ambient edge learn-room`: the installer's step, through the device config's own source."""

from pathlib import Path

import pytest
import yaml

from ambient.cli import main
from simulators.cache import cached_recording

SIZE = {"width": 320, "height": 240}


def _device(tmp_path: Path, recording: Path) -> Path:
    config = {
        "identity": {"site": "s1", "unit": "u1", "room": "r1", "agent_id": "a1", "sensor_id": "d0"},
        "source": {"kind": "recording", "path": str(recording), "real_time": False},
        "mqtt": {"host": "127.0.0.1", "port": 1883},
        "perception": {"calibration_file": "state/floor.json"},  # relative to the config
    }
    path = tmp_path / "device.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.recordings
def test_learn_room_stores_the_floor_and_the_empty_room_beside_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device = _device(tmp_path, cached_recording("empty_room", seed=2, **SIZE))
    assert main(["edge", "learn-room", "--config", str(device)]) == 0
    assert (tmp_path / "state" / "floor.json").exists()
    assert (tmp_path / "state" / "floor.room.npz").exists()
    assert "floor.room.npz" in capsys.readouterr().out


@pytest.mark.recordings
def test_learn_room_with_someone_on_the_floor_is_refused_and_stores_nothing(
    tmp_path: Path,
) -> None:
    device = _device(tmp_path, cached_recording("start_on_floor", seed=0, **SIZE))
    assert main(["edge", "learn-room", "--config", str(device)]) == 1
    state = tmp_path / "state"
    assert not state.exists() or list(state.iterdir()) == []
