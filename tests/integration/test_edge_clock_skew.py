"""An edge agent whose clock is off reports it: the aggregator republishes its state live,
the agent compares, and its retained status carries the skew (real Mosquitto)."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aggregator.config import MqttConfig as CentralMqtt
from aggregator.ingest.presence import Presence
from ambient.services import Service
from edge_agent.config import IdentityConfig, MqttConfig
from edge_agent.mqtt import MqttLink, StatusInfo
from edge_agent.outbox import Outbox
from protocol import agent_status_topic
from tests.integration.test_edge_mqtt import Watcher, eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.sqlite3")
    yield box
    box.close()


def test_an_agent_ninety_seconds_ahead_reports_its_skew(broker: Service, outbox: Outbox) -> None:
    site = f"skew-{uuid.uuid4().hex[:8]}"
    identity = IdentityConfig(site=site, unit="u1", room="r1", agent_id="agent-s", sensor_id="c")
    presence = Presence(
        CentralMqtt(host="127.0.0.1", port=broker.port, client_id=f"agg-{site}"),
        site,
        republish_s=1,
    )
    link = MqttLink(
        MqttConfig(host="127.0.0.1", port=broker.port, client_id=f"agent-{site}"),
        identity,
        outbox,
        StatusInfo(uuid.uuid4(), "0.1.0", "ab" * 32),
        clock=lambda: datetime.now(UTC) + timedelta(seconds=90),
    )
    watcher = Watcher(broker.port, [agent_status_topic(site, "agent-s")])
    presence.start()
    link.start()
    try:

        def skewed() -> float | None:
            known = [s.clock_skew_s for s in watcher.statuses() if s.clock_skew_s is not None]
            return known[-1] if known else None

        skew = eventually(skewed, timeout=15, what="a status with the clock skew")
        assert 89.5 <= skew <= 92.0
        assert watcher.statuses()[0].clock_skew_s is None, "unknown before the first live state"
    finally:
        link.stop()
        presence.stop()
        watcher.close()
