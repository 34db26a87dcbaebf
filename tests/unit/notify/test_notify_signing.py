"""A receiver can tell our webhook requests from forged or replayed ones."""

import hashlib
import hmac

import pytest

from aggregator.notify.signing import SignatureError, signature_header, verify

SECRET = b"whsec-test"
BODY = b'{"kind":"fall_detected","site":"home7"}'


def test_a_signed_body_verifies_and_returns_its_timestamp() -> None:
    header = signature_header(SECRET, 1_700_000_000, BODY)
    assert header.startswith("t=1700000000,v1=")
    assert verify(SECRET, header, BODY, now=1_700_000_010) == 1_700_000_000


@pytest.mark.parametrize(
    ("secret", "body", "now", "why"),
    [
        (SECRET, BODY.replace(b"home7", b"home8"), 1_700_000_000, "mismatch"),
        (b"another-secret", BODY, 1_700_000_000, "mismatch"),
        (SECRET, BODY, 1_700_000_000 + 301, "tolerance"),
    ],
)
def test_tampered_body_wrong_secret_or_replay_is_rejected(
    secret: bytes, body: bytes, now: float, why: str
) -> None:
    header = signature_header(SECRET, 1_700_000_000, BODY)
    with pytest.raises(SignatureError, match=why):
        verify(secret, header, body, now=now)


def test_header_without_timestamp_is_rejected() -> None:
    with pytest.raises(SignatureError, match="timestamp"):
        verify(SECRET, "v1=abc", BODY, now=0)


def test_any_of_several_v1_signatures_may_match_during_secret_rotation() -> None:
    header = signature_header(SECRET, 1_700_000_000, BODY)
    rotated = f"t=1700000000,v1={'0' * 64},{header.split(',')[1]}"
    assert verify(SECRET, rotated, BODY, now=1_700_000_000) == 1_700_000_000


def test_the_documented_ten_line_receiver_check_agrees() -> None:
    """The verification example in deploy/central/notifications.md, verbatim in spirit."""
    header = signature_header(SECRET, 1_700_000_000, BODY)

    def receiver_ok(secret: bytes, header: str, body: bytes, now: int) -> bool:
        parts = dict(p.split("=", 1) for p in header.split(","))
        t = int(parts["t"])
        expected = hmac.new(secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        return abs(now - t) <= 300 and hmac.compare_digest(expected, parts["v1"])

    assert receiver_ok(SECRET, header, BODY, 1_700_000_100)
    assert not receiver_ok(SECRET, header, BODY + b" ", 1_700_000_100)
