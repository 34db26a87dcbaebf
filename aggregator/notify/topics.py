"""MQTT topics of home notifications, and Home Assistant discovery topics.

Kept here until the protocol grows a ``home_notifications_topic``; ids are checked with the
protocol's opaque-id rule, so a bad id fails loudly instead of making a wild topic.
"""

import re

from protocol import TOPIC_ROOT, aggregator_state_topic
from protocol.topics import TopicError

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _check(value: str, what: str) -> str:
    if not _ID.match(value):
        raise TopicError(f"invalid {what} in topic: {value!r}")
    return value


def home_topic(site: str, unit: str, *rest: str) -> str:
    return "/".join([TOPIC_ROOT, _check(site, "site"), "homes", _check(unit, "unit"), *rest])


def notifications_topic(site: str, unit: str) -> str:
    """Every notification of one home, as its JSON (QoS 1, not retained)."""
    return home_topic(site, unit, "notifications")


def ha_event_topic(site: str, unit: str) -> str:
    """Home Assistant event entity payloads (``{"event_type": ...}``), not retained."""
    return home_topic(site, unit, "ha", "event")


def ha_on_floor_topic(site: str, unit: str) -> str:
    """Home Assistant ``binary_sensor`` state ``ON``/``OFF``, retained."""
    return home_topic(site, unit, "ha", "on_floor")


def availability_topic(site: str) -> str:
    """The aggregator's own retained online/offline state: Home Assistant's availability."""
    return aggregator_state_topic(site)


def ha_node_id(site: str, unit: str) -> str:
    """Discovery node id: only ``[A-Za-z0-9_-]`` is allowed, so dots become underscores."""
    return f"ambient_{site}_{unit}".replace(".", "_")


def ha_config_topic(prefix: str, component: str, site: str, unit: str, object_id: str) -> str:
    return f"{prefix}/{component}/{ha_node_id(site, unit)}/{object_id}/config"
