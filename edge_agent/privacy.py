"""The privacy guard: the single door through which anything leaves the device.

Only `protocol` event and agent-status models may pass (checked by exact type, so a subclass
carrying extra fields cannot sneak through), they are serialised by `protocol` itself, and the
bytes are re-parsed against the contract and size-capped. Frames, arrays, dicts and strings
are refused with `PrivacyError`; callers never serialise a payload any other way.
"""

from pydantic import ValidationError

from edge_agent.errors import EdgeError
from protocol import (
    EVENT_CLASSES,
    MAX_PAYLOAD_BYTES,
    AgentStatus,
    AnyEvent,
    dump_event,
    parse_event,
)

Publishable = AnyEvent | AgentStatus

_EVENT_TYPES = tuple(EVENT_CLASSES.values())


class PrivacyError(EdgeError, ValueError):
    """A payload that must not leave the device."""


def to_wire(payload: object) -> bytes:
    """Serialise an allowed payload for MQTT; raises `PrivacyError` for anything else."""
    kind = type(payload)
    try:
        if isinstance(payload, _EVENT_TYPES) and kind in _EVENT_TYPES:
            data = dump_event(payload)
            parse_event(data)
        elif isinstance(payload, AgentStatus) and kind is AgentStatus:
            data = payload.model_dump_json(by_alias=True).encode()
            AgentStatus.model_validate_json(data)
        else:
            raise PrivacyError(f"refusing to publish a {kind.__name__}: not a protocol model")
    except ValidationError as e:
        raise PrivacyError(f"{kind.__name__} does not round-trip the wire contract: {e}") from e
    if len(data) > MAX_PAYLOAD_BYTES:
        raise PrivacyError(
            f"{kind.__name__} payload is {len(data)} bytes, over the {MAX_PAYLOAD_BYTES} cap"
        )
    return data
