"""Webhook signatures: HMAC-SHA256 over ``"{t}.{body}"``, sent as ``t=<unix>,v1=<hex>``.

The scheme of Stripe and Standard Webhooks: the timestamp inside the MAC stops replays of
old requests (the receiver rejects ``t`` outside a tolerance), and ``v1`` leaves room to
rotate the algorithm. The receiver must verify against the raw body bytes, before parsing.
"""

import hashlib
import hmac

from aggregator.errors import AggregatorError

SIGNATURE_HEADER = "X-Ambient-Signature"
ID_HEADER = "X-Ambient-Id"
ATTEMPT_HEADER = "X-Ambient-Attempt"
KIND_HEADER = "X-Ambient-Kind"


class SignatureError(AggregatorError, ValueError):
    """A signature header that does not verify."""


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"{timestamp}.{body}"``."""
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: bytes, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: bytes, header: str, body: bytes, now: float, tolerance_s: float = 300) -> int:
    """Check a header against the raw body; returns its timestamp or raises `SignatureError`."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError) as e:
        raise SignatureError("no timestamp") from e
    if abs(now - timestamp) > tolerance_s:
        raise SignatureError("timestamp outside tolerance")
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, got) for got in fields.get("v1", [])):
        raise SignatureError("signature mismatch")
    return timestamp
