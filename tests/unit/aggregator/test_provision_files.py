"""Broker password lines and certificates made without Mosquitto's own tools."""

import base64
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from aggregator.provision import ProvisionError
from aggregator.provision.ca import init_ca, issue
from aggregator.provision.passwords import password_line, set_password


def test_password_line_is_what_mosquitto_passwd_writes() -> None:
    # `mosquitto_passwd -b file dev1 secret` (Mosquitto 2.0.11) wrote this line.
    salt = base64.b64decode("kXaWf7JsSi0a5oAz")
    assert password_line("dev1", "secret", salt) == (
        "dev1:$7$101$kXaWf7JsSi0a5oAz$GiVPhklcz0lnI5sClnmLaeL98Wj5n7bp1A9V+MjhV3r5qVxTF1hLfoG7gw"
        "hcvDoTK6WFU5nW8d4VNyHuEjyK/Q=="
    )


def test_set_password_replaces_the_users_line_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "passwd"
    set_password(path, "a", "one")
    set_password(path, "b", "two")
    first_b = path.read_text().splitlines()[1]
    set_password(path, "a", "three")
    lines = path.read_text().splitlines()
    assert [line.partition(":")[0] for line in lines] == ["b", "a"]
    assert lines[0] == first_b
    assert path.stat().st_mode & 0o077 == 0


def test_a_device_certificate_is_a_client_certificate_signed_by_the_ca(tmp_path: Path) -> None:
    ca = x509.load_pem_x509_certificate(init_ca(tmp_path / "ca").read_bytes())
    issued = issue(tmp_path / "ca", "edge-r412", tmp_path / "out")
    cert = x509.load_pem_x509_certificate(issued.cert.read_bytes())
    cert.verify_directly_issued_by(ca)
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert "CN=edge-r412" in cert.subject.rfc4514_string()
    assert issued.key.stat().st_mode & 0o077 == 0


def test_init_ca_refuses_to_replace_a_ca(tmp_path: Path) -> None:
    init_ca(tmp_path / "ca")
    with pytest.raises(ProvisionError, match="orphan"):
        init_ca(tmp_path / "ca")
