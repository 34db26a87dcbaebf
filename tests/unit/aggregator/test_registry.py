"""A device identity is bound to its place: registry checks at ingest and the generated ACL."""

import json
import time
import uuid
from pathlib import Path

import pytest

from aggregator import samples
from aggregator.ingest.validate import Accepted, DeadReason, Rejected, classify
from aggregator.provision.acl import render_acl
from aggregator.registry import Device, Registry, RegistryFile, load_registry, reserved_clash
from protocol import AgentState, Phase, agent_status_topic, dump_event, event_topic

REPO = Path(__file__).resolve().parents[3]
REGISTRY = Registry(
    devices={"edge-r412": Device(site="st-mary", unit="ward-4", rooms=["r412"], sensors=["s-1"])}
)


def _fall(sensor_id: str = "s-1", **place: str) -> tuple[str, bytes]:
    where = {"site": "st-mary", "unit": "ward-4", "room": "r412", "agent_id": "edge-r412"}
    where |= place
    st = samples.stamper(**where)
    event = json.loads(dump_event(samples.fall(st, Phase.START, uuid.uuid4(), time.time())))
    event["sensor_id"] = sensor_id
    return event_topic(where["site"], where["agent_id"], "fall"), json.dumps(event).encode()


def _verdict(topic: str, payload: bytes) -> DeadReason | None:
    verdict = classify(topic, payload, 4096, registry=REGISTRY)
    return verdict.reason if isinstance(verdict, Rejected) else None


def test_an_event_from_the_agents_own_place_is_accepted() -> None:
    assert isinstance(classify(*_fall(), 4096, registry=REGISTRY), Accepted)


@pytest.mark.parametrize(
    "place",
    [{"room": "r414"}, {"unit": "ward-5"}, {"site": "st-john"}, {"sensor_id": "s-2"}],
)
def test_an_event_for_a_place_not_the_agents_is_dead_lettered(place: dict[str, str]) -> None:
    assert _verdict(*_fall(**place)) is DeadReason.PLACE_MISMATCH


def test_an_event_from_an_unregistered_agent_is_dead_lettered() -> None:
    assert _verdict(*_fall(agent_id="edge-r999")) is DeadReason.NOT_REGISTERED


def test_a_status_for_another_room_is_dead_lettered() -> None:
    st = samples.stamper(site="st-mary", unit="ward-4", room="r414", agent_id="edge-r412")
    status = samples.agent_status(st, AgentState.ONLINE, time.time())
    topic = agent_status_topic("st-mary", "edge-r412")
    payload = status.model_dump_json(by_alias=True).encode()
    assert _verdict(topic, payload) is DeadReason.PLACE_MISMATCH


def test_without_a_registry_places_are_not_checked() -> None:
    assert isinstance(classify(*_fall(room="r414"), 4096), Accepted)


def test_the_acl_pins_each_device_to_its_own_site() -> None:
    acl = render_acl(REGISTRY)
    assert "pattern" not in acl  # a pattern applies to every user, with `+` for any site
    device = acl[acl.index("user edge-r412") :].splitlines()
    assert device[1:] == [
        "topic write ambient/v1/st-mary/agents/edge-r412/#",
        "topic read ambient/v1/st-mary/agents/edge-r412/cmd/#",
        "topic read ambient/v1/st-mary/aggregator/state",
    ]


def test_the_shipped_acl_is_the_one_generated_from_the_shipped_registry() -> None:
    registry = load_registry(REPO / "deploy/central/devices.yaml")
    assert (REPO / "deploy/mosquitto/acl").read_text() == render_acl(registry)


def test_device_ids_that_name_a_central_connection_are_refused() -> None:
    assert reserved_clash("aggregator", "aggregator", "ambient-aggregator-1")
    assert reserved_clash("ambient-aggregator-1-notify", "aggregator", "ambient-aggregator-1")
    assert reserved_clash("edge-r412", "aggregator", "ambient-aggregator-1") is None


def test_a_device_added_to_the_file_is_seen_without_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "devices.yaml"
    path.write_text("devices:\n  edge-1: {site: s, unit: u, rooms: [r1]}\n")
    source = RegistryFile(path)
    assert list(source.current().devices) == ["edge-1"]
    path.write_text(
        "devices:\n  edge-1: {site: s, unit: u, rooms: [r1]}\n"
        "  edge-2: {site: s, unit: u, rooms: [r2]}\n"
    )
    assert list(source.current().devices) == ["edge-1", "edge-2"]


def test_a_registry_file_broken_while_running_keeps_the_last_good_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "devices.yaml"
    path.write_text("devices:\n  edge-1: {site: s, unit: u, rooms: [r1]}\n")
    source = RegistryFile(path)
    path.write_text("devices:\n  edge-1: {site: s, unit: u, room: r1}\n")  # a typo
    assert list(source.current().devices) == ["edge-1"]
    assert "not reloaded" in caplog.text
