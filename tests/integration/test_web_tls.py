"""The nurse-station feed over https from the aggregator itself: with the session cookie
Secure by default, a ward without a TLS proxy in front still keeps its nurses signed in."""

import datetime as dt
import ipaddress
import os
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from aggregator.web.auth import hash_password
from ambient.services import Service, free_port

pytestmark = pytest.mark.integration


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "web.crt", tmp / "web.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def https_aggregator(
    tmp_path: Path, broker: Service, redis_service: Service
) -> Iterator[tuple[str, Path]]:
    cert, key = _self_signed(tmp_path)
    port, site = free_port(), f"t{uuid.uuid4().hex[:10]}"
    config = tmp_path / "central.yaml"
    config.write_text(
        f"sites: [{site}]\n"
        f"mqtt: {{host: 127.0.0.1, port: {broker.port}, client_id: agg-{site}}}\n"
        f"redis: {{url: '{redis_service.url}/0'}}\n"
        f"web: {{host: 127.0.0.1, port: {port}, tls_cert: '{cert}', tls_key: '{key}'}}\n"
        "auth:\n  enabled: true\n  users:\n"
        f"    - {{id: n-1, role: nurse, password_hash: '{hash_password('pw', iterations=1000)}'}}\n"
    )
    log = (tmp_path / "aggregator.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "aggregator", "run", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=os.environ | {"AMBIENT_SESSION_SECRET": "s" * 32, "PYTHONUNBUFFERED": "1"},
    )
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "aggregator.log").read_text()[-2000:]
            try:
                if httpx.get(
                    f"{url}/healthz", verify=ssl.create_default_context(cafile=cert), timeout=1
                ).is_success:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url, cert
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def test_the_feed_is_served_over_https_and_a_secure_session_works(
    https_aggregator: tuple[str, Path],
) -> None:
    url, cert = https_aggregator
    with httpx.Client(base_url=url, verify=ssl.create_default_context(cafile=cert)) as http:
        login = http.post("/api/login", json={"id": "n-1", "password": "pw"})
        assert login.status_code == 200
        assert "secure" in login.headers["set-cookie"].lower()
        assert http.get("/api/me").json()["id"] == "n-1"  # the Secure cookie comes back
    with pytest.raises(httpx.HTTPError):
        httpx.get(url.replace("https", "http") + "/healthz", timeout=2)  # no plain http
