"""The broker ACL, generated whole from the registry: each device under its own site only.

A hand-kept ACL drifts from the registry; worse, the ``pattern write ambient/v1/+/agents/%u/#``
it used to hold let a device publish under any site. Generating the file from the registry
gives every device ``user`` lines naming its site, and rewriting the whole file on each
provisioning leaves no stale entry behind.
"""

from pathlib import Path

from aggregator.registry import Registry
from protocol.topics import TOPIC_ROOT

CENTRAL_RULES = """\
# --- the aggregator (central listener) ---------------------------------------------------
user {user}
topic read {root}/#
# shared-subscription form of the same filter, for N ingest workers
topic read $share/aggregator/{root}/#
topic write {root}/+/aggregator/state
topic write {root}/+/units/+/alerts
topic write {root}/+/agents/+/cmd/#
# caregiver notifications of homes, and Home Assistant discovery/state (aggregator/notify)
topic write {root}/+/homes/#
topic write homeassistant/#
"""


def render_acl(registry: Registry, central_user: str = "aggregator") -> str:
    """The whole ACL file for ``registry``."""
    parts = [
        "# Mosquitto ACL for ambient, generated from the device registry by\n"
        "# `ambient aggregator provision-device`: edit the registry, not this file.\n",
        CENTRAL_RULES.format(user=central_user, root=TOPIC_ROOT),
    ]
    for agent_id, device in sorted(registry.devices.items()):
        prefix = f"{TOPIC_ROOT}/{device.site}"
        parts.append(
            f"# {device.site}/{device.unit} rooms {', '.join(device.rooms)}\n"
            f"user {agent_id}\n"
            f"topic write {prefix}/agents/{agent_id}/#\n"
            f"topic read {prefix}/agents/{agent_id}/cmd/#\n"
            f"topic read {prefix}/aggregator/state\n"
        )
    return "\n".join(parts)


def write_acl(path: Path, registry: Registry, central_user: str = "aggregator") -> None:
    path.write_text(render_acl(registry, central_user))
