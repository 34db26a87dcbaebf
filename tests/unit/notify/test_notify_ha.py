"""Home Assistant sees a home as a device with an event entity and a 'person on floor' sensor."""

import json
from datetime import UTC, datetime

from aggregator.notify.config import WebhookConfig
from aggregator.notify.ha import discovery_configs, event_payload, on_floor_state
from aggregator.notify.model import Notification, NotificationKind
from aggregator.notify.signing import SIGNATURE_HEADER, verify
from aggregator.notify.topics import notifications_topic
from aggregator.notify.webhook import WebhookChannel

NOTE = Notification(
    notification_id="8d0c3f4e-0000-5000-8000-000000000001",
    kind=NotificationKind.LONG_LIE,
    site="home7",
    unit="home",
    room="living",
    ts=datetime(2026, 3, 2, 9, tzinfo=UTC),
    episode_id="e1",
    escalation=1,
    on_floor_s=300.0,
)


def test_discovery_publishes_an_event_entity_and_a_binary_sensor() -> None:
    configs = discovery_configs("homeassistant", "home7", "home.a")
    assert sorted(configs) == [
        "homeassistant/binary_sensor/ambient_home7_home_a/on_floor/config",
        "homeassistant/event/ambient_home7_home_a/alerts/config",
    ]
    event = json.loads(configs["homeassistant/event/ambient_home7_home_a/alerts/config"])
    assert event["event_types"] == [
        "fall_detected",
        "long_lie",
        "fall_resolved",
        "not_seen",
        "inactivity",
    ]
    assert event["state_topic"] == "ambient/v1/home7/homes/home.a/ha/event"
    assert event["availability"][0]["topic"] == "ambient/v1/home7/aggregator/state"
    sensor = json.loads(configs["homeassistant/binary_sensor/ambient_home7_home_a/on_floor/config"])
    assert sensor["device_class"] == "safety" and sensor["payload_on"] == "ON"
    assert sensor["device"]["identifiers"] == event["device"]["identifiers"]


def test_event_payload_carries_the_type_and_opaque_attributes_only() -> None:
    payload = json.loads(event_payload(NOTE))
    assert payload["event_type"] == "long_lie"
    assert set(payload) == {
        "event_type",
        "notification_id",
        "room",
        "ts",
        "escalation",
        "on_floor_s",
    }


def test_on_floor_follows_the_fall() -> None:
    assert on_floor_state(NOTE) == "ON"
    done = NOTE.model_copy(update={"kind": NotificationKind.FALL_RESOLVED})
    assert on_floor_state(done) == "OFF"
    away = NOTE.model_copy(update={"kind": NotificationKind.NOT_SEEN})
    assert on_floor_state(away) is None


def test_topic_of_a_home() -> None:
    assert notifications_topic("home7", "home") == "ambient/v1/home7/homes/home/notifications"


def test_webhook_request_is_signed_and_carries_the_idempotency_key() -> None:
    hook = WebhookConfig(name="family", url="http://127.0.0.1:9/hook", secret="k")
    channel = WebhookChannel(hook, clock=lambda: 1_700_000_000.0)
    body, headers = channel.request(NOTE, attempt=3)
    assert headers["X-Ambient-Id"] == NOTE.notification_id
    assert headers["X-Ambient-Attempt"] == "3"
    assert verify(b"k", headers[SIGNATURE_HEADER], body, now=1_700_000_000) == 1_700_000_000
    assert Notification.load(body) == NOTE
