"""An edge agent replaying held events paces itself below the aggregator's per-agent limit
(real Mosquitto; the agent's monotonic clock is driven by the test)."""

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ambient.services import Service
from edge_agent.config import IdentityConfig, MqttConfig
from edge_agent.mqtt import MqttLink, StatusInfo
from edge_agent.outbox import Outbox
from protocol import AggregatorState, events_subscription
from tests.integration.test_edge_mqtt import Watcher, _events, eventually, set_aggregator

pytestmark = pytest.mark.integration


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.sqlite3")
    yield box
    box.close()


def _settled(watcher: Watcher, n: int) -> None:
    """Exactly ``n`` events arrive, and no more within a second."""
    watcher.wait_events(n)
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        assert len(watcher.events()) == n
        time.sleep(0.05)


def test_a_replay_is_sent_at_the_configured_rate_and_burst(broker: Service, outbox: Outbox) -> None:
    site = f"pace-{uuid.uuid4().hex[:8]}"
    identity = IdentityConfig(site=site, unit="u1", room="r1", agent_id="agent-p", sensor_id="c")
    now = [1000.0]
    config = MqttConfig(
        host="127.0.0.1", port=broker.port, client_id=f"p-{site}", send_rate_per_s=1, send_burst=10
    )
    link = MqttLink(
        config,
        identity,
        outbox,
        StatusInfo(uuid.uuid4(), "0.1.0", "ab" * 32),
        monotonic=lambda: now[0],
    )
    for event in _events(identity, 40):
        outbox.put(event, held=True)
    watcher = Watcher(broker.port, [events_subscription(site, shared=False)])
    set_aggregator(broker.port, site, AggregatorState.ONLINE)
    link.start()
    try:
        _settled(watcher, 10)  # the burst
        assert outbox.depth() == 30, "the rest waits in the outbox, not lost"
        now[0] += 5
        _settled(watcher, 15)  # five seconds at one a second
        now[0] += 1000
        _settled(watcher, 25)  # a long pause saves up one burst, not more
        assert all(e.historical for e in watcher.events())
        eventually(lambda: outbox.depth() == 15, what="acknowledged events deleted")
    finally:
        link.stop()
        watcher.close()
