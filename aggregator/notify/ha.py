"""Home Assistant MQTT discovery: what a home looks like to Home Assistant. Pure builders.

Per home, one device with an ``event`` entity (event types = notification kinds, so a fall
shows up as an event an automation can trigger on) and a ``binary_sensor`` "person on floor"
(device class ``safety``), both unavailable while the aggregator is offline. Device and
entity names carry the opaque site/unit ids only: the caregiver names them in Home Assistant.
"""

import json

from aggregator.notify.model import Notification, NotificationKind
from aggregator.notify.topics import (
    availability_topic,
    ha_config_topic,
    ha_event_topic,
    ha_node_id,
    ha_on_floor_topic,
)

EVENT_OBJECT = "alerts"
ON_FLOOR_OBJECT = "on_floor"
ON, OFF = "ON", "OFF"


def _common(site: str, unit: str) -> dict[str, object]:
    node = ha_node_id(site, unit)
    return {
        "availability": [
            {
                "topic": availability_topic(site),
                "value_template": "{{ value_json.state }}",
                "payload_available": "online",
                "payload_not_available": "offline",
            }
        ],
        "device": {
            "identifiers": [node],
            "name": f"Ambient {site}/{unit}",
            "manufacturer": "ambient",
            "model": "home ambient sensing",
        },
        "origin": {"name": "ambient"},
    }


def discovery_configs(prefix: str, site: str, unit: str) -> dict[str, bytes]:
    """Retained discovery topic -> config payload for one home."""
    node = ha_node_id(site, unit)
    event = {
        "name": "Alerts",
        "unique_id": f"{node}_{EVENT_OBJECT}",
        "state_topic": ha_event_topic(site, unit),
        "event_types": [kind.value for kind in NotificationKind],
        **_common(site, unit),
    }
    on_floor = {
        "name": "Person on floor",
        "unique_id": f"{node}_{ON_FLOOR_OBJECT}",
        "state_topic": ha_on_floor_topic(site, unit),
        "payload_on": ON,
        "payload_off": OFF,
        "device_class": "safety",
        **_common(site, unit),
    }
    return {
        ha_config_topic(prefix, "event", site, unit, EVENT_OBJECT): json.dumps(event).encode(),
        ha_config_topic(prefix, "binary_sensor", site, unit, ON_FLOOR_OBJECT): json.dumps(
            on_floor
        ).encode(),
    }


def event_payload(notification: Notification) -> bytes:
    """The event entity's message: ``event_type`` plus attributes (ids and times only)."""
    body = notification.model_dump(
        mode="json",
        include={"notification_id", "room", "ts", "escalation", "on_floor_s", "quiet_s"},
        exclude_none=True,
    )
    return json.dumps({"event_type": notification.kind.value, **body}).encode()


def on_floor_state(notification: Notification) -> str | None:
    """``ON`` while a fall is open, ``OFF`` when it ends; None for other kinds."""
    if notification.kind in (NotificationKind.FALL_DETECTED, NotificationKind.LONG_LIE):
        return ON
    if notification.kind is NotificationKind.FALL_RESOLVED:
        return OFF
    return None
