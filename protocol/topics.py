"""Topic builders and parsers: everything lives under ``ambient/v1/{site}/``.

Agents publish under ``agents/{agent_id}/``; the aggregator checks that the agent named in a
payload is the one named in its topic (a broker ACL restricts each device to its own prefix).
"""

import re
from dataclasses import dataclass
from typing import Literal

from protocol.errors import WireError

TOPIC_ROOT = "ambient/v1"
SHARE_GROUP = "aggregator"

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class TopicError(WireError, ValueError):
    """A topic that is not part of the contract."""


def _check(value: str, what: str) -> str:
    if not _ID.match(value):
        raise TopicError(f"invalid {what} in topic: {value!r}")
    return value


def agent_status_topic(site: str, agent_id: str) -> str:
    return f"{TOPIC_ROOT}/{_check(site, 'site')}/agents/{_check(agent_id, 'agent')}/status"


def event_topic(site: str, agent_id: str, event_type: str) -> str:
    return (
        f"{TOPIC_ROOT}/{_check(site, 'site')}/agents/{_check(agent_id, 'agent')}"
        f"/events/{_check(event_type, 'event type')}"
    )


def state_topic(site: str, agent_id: str, name: str) -> str:
    return (
        f"{TOPIC_ROOT}/{_check(site, 'site')}/agents/{_check(agent_id, 'agent')}"
        f"/state/{_check(name, 'state name')}"
    )


def aggregator_state_topic(site: str) -> str:
    return f"{TOPIC_ROOT}/{_check(site, 'site')}/aggregator/state"


def unit_alerts_topic(site: str, unit: str) -> str:
    return f"{TOPIC_ROOT}/{_check(site, 'site')}/units/{_check(unit, 'unit')}/alerts"


def events_subscription(site: str = "+", shared: bool = True) -> str:
    """Filter for every agent's events; ``shared`` lets N ingest workers split the load, but
    Mosquitto 2.0 forgets shared subscriptions when it restarts (plain ones it keeps)."""
    topic = f"{TOPIC_ROOT}/{site}/agents/+/events/+"
    return f"$share/{SHARE_GROUP}/{topic}" if shared else topic


def status_subscription(site: str = "+") -> str:
    return f"{TOPIC_ROOT}/{site}/agents/+/status"


@dataclass(frozen=True, slots=True)
class AgentTopic:
    site: str
    agent_id: str
    kind: Literal["status", "events", "state", "cmd"]
    name: str | None


def parse_agent_topic(topic: str) -> AgentTopic:
    """Split an agent topic; raises TopicError for anything outside the contract."""
    parts = topic.split("/")
    if len(parts) < 5 or f"{parts[0]}/{parts[1]}" != TOPIC_ROOT or parts[3] != "agents":
        raise TopicError(f"not an agent topic: {topic!r}")
    site, agent_id, kind = _check(parts[2], "site"), _check(parts[4], "agent"), parts[5:]
    if kind == ["status"]:
        return AgentTopic(site, agent_id, "status", None)
    if len(kind) == 2 and kind[0] in ("events", "state", "cmd"):
        return AgentTopic(site, agent_id, kind[0], _check(kind[1], kind[0]))  # type: ignore[arg-type]  # checked by the `in` test above
    raise TopicError(f"not an agent topic: {topic!r}")
