"""The broker as the test helper starts it really keeps sessions across its own restarts.

Run as root, Mosquitto drops to the ``mosquitto`` user; it once could not write its database
into the test's private temp dir and ran on without persistence, so every broker-restart test
passed without a persisted session to test.
"""

from pathlib import Path

import pytest

from ambient.services import mosquitto
from tests.integration.broker_clients import Publisher, Session, eventually

pytestmark = pytest.mark.integration


def test_queued_qos1_messages_of_a_persistent_session_survive_a_broker_restart(
    tmp_path: Path,
) -> None:
    broker = mosquitto(tmp_path / "broker").start()
    try:
        Session(broker.port, "ingest-1").connect("ambient/v1/s/agents/+/events/+").close()
        pub = Publisher(broker.port)
        sent = [f"event-{i}".encode() for i in range(10)]
        assert pub.publish_all("ambient/v1/s/agents/a1/events/fall", sent) == 10
        pub.close()

        broker.stop()
        broker.start()

        session = Session(broker.port, "ingest-1").connect()
        eventually(lambda: len(session.messages()) >= 10, what="the 10 queued messages")
        assert sorted(session.messages()) == sorted(sent)
        session.close()
    finally:
        broker.stop()
    log = broker.log_path.read_text()
    assert "Permission denied" not in log and "Error" not in log, log
