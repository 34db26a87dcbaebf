"""A device configured with a thermal recording runs the thermal pipeline as a live agent:
the fall it sees goes out as a protocol event, timed on the agent's clock."""

from datetime import UTC, datetime
from pathlib import Path

import yaml

from edge_agent.app import build_app
from edge_agent.config import load_config
from edge_agent.detections import WireEvent
from edge_agent.thermal.pipeline import ThermalPipeline
from simulators.thermal import record_thermal

START = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


class Link:
    def __init__(self) -> None:
        self.sent: list[WireEvent] = []

    def start(self) -> None: ...

    def send(self, event: WireEvent) -> None:
        self.sent.append(event)

    def stop(self) -> None: ...


def test_thermal_recording_agent_sends_the_fall(tmp_path: Path) -> None:
    clip = tmp_path / "fall.npz"
    record_thermal(
        "walk_fall_forward",
        clip,
        sensor="mlx90640",
        seed=5,
        start_time=START,
        max_seconds=22.0,
        powered_for_s=120.0,
    )
    config = tmp_path / "device.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "identity": {
                    "site": "home7",
                    "unit": "home",
                    "room": "living",
                    "agent_id": "edge-home7",
                    "sensor_id": "thermal0",
                },
                "source": {"kind": "thermal_recording", "path": str(clip), "real_time": False},
                "mqtt": {"host": "127.0.0.1"},
                "outbox": {"path": str(tmp_path / "outbox.sqlite3")},
                "thermal": {"fall": {"refractory_s": 30.0}},
            }
        )
    )
    app = build_app(load_config(config))
    assert isinstance(app.pipeline, ThermalPipeline)
    assert app.pipeline.config.fall.refractory_s == 30.0  # the device's own setting
    link = Link()
    app.link = link
    app.start()
    try:
        assert app.run() == 0
    finally:
        app.stop()
    falls = [e for e in link.sent if e.type == "fall"]
    assert [e.phase for e in falls][:1] == ["start"]
    assert falls[-1].phase == "end"
    assert all(e.sensor_id == "thermal0" and e.room == "living" for e in link.sent)
