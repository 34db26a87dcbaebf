"""Broker passwords in Mosquitto 2.0's password-file format, made without `mosquitto_passwd`.

The central host that provisions devices need not have Mosquitto installed. The format is
``user:$7$<iterations>$<base64 salt>$<base64 PBKDF2-SHA512>``, what `mosquitto_passwd` writes
(tests check the broker accepts it). Only the hash is stored; the password is shown once.
"""

import base64
import hashlib
import secrets
from pathlib import Path

ITERATIONS = 101
"""Mosquitto 2.0's own default: the broker hashes each CONNECT, so this stays its value."""


def new_password() -> str:
    return secrets.token_urlsafe(24)


def password_line(user: str, password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS, 64)
    b64 = base64.b64encode
    return f"{user}:$7${ITERATIONS}${b64(salt).decode()}${b64(digest).decode()}"


def set_password(path: Path, user: str, password: str) -> None:
    """Add or replace ``user`` in the password file (created 0600 if absent)."""
    lines = path.read_text().splitlines() if path.exists() else []
    kept = [line for line in lines if line.partition(":")[0] != user]
    kept.append(password_line(user, password))
    path.touch(mode=0o600, exist_ok=True)
    path.write_text("\n".join(kept) + "\n")
