"""Only protocol events and statuses leave the device, and never an oversized one."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pytest

from edge_agent.detections import WireEvent
from edge_agent.privacy import PrivacyError, to_wire
from protocol import STATUS_SCHEMA, AgentState, AgentStatus, FallEvent, parse_event

MakeEvent = Callable[..., WireEvent]


def test_events_and_status_pass(make_event: MakeEvent) -> None:
    event = make_event()
    assert parse_event(to_wire(event)) == event
    status = AgentStatus(
        schema=STATUS_SCHEMA,
        state=AgentState.ONLINE,
        site="s",
        unit="u",
        room="r",
        agent_id="a",
        boot_id=uuid.uuid4(),
        ts=datetime.now(UTC),
        software_version="0.1.0",
        config_hash="0" * 64,
    )
    assert AgentStatus.model_validate_json(to_wire(status)) == status


@pytest.mark.parametrize(
    "payload",
    [
        np.zeros((4, 4), dtype=np.float32),
        {"type": "fall"},
        b"{}",
        "a string",
    ],
)
def test_anything_else_is_refused(payload: object) -> None:
    with pytest.raises(PrivacyError, match="not a protocol model"):
        to_wire(payload)


def test_a_subclass_with_extra_fields_is_refused(make_event: MakeEvent) -> None:

    class Leaky(FallEvent):
        depth_png: str = "iVBORw0KGgo="

    event = make_event()
    leaky = Leaky.model_validate(event.model_dump())
    with pytest.raises(PrivacyError):
        to_wire(leaky)


def test_oversized_payload_is_refused(
    monkeypatch: pytest.MonkeyPatch, make_event: MakeEvent
) -> None:
    # Valid protocol models stay far below the real cap; lower it to see the guard bite.
    event = make_event()
    monkeypatch.setattr("edge_agent.privacy.MAX_PAYLOAD_BYTES", len(to_wire(event)) - 1)
    with pytest.raises(PrivacyError, match="over the"):
        to_wire(event)
