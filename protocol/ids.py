"""UUIDv7 (RFC 9562): time-ordered ids made at the edge, the idempotency key end to end.

Python 3.11 has no uuid7, so it is built here: 48 bits of Unix milliseconds, version 7,
12 random bits, variant, 62 random bits. Ids made in one process are strictly increasing
even within one millisecond (the random part of the counter is bumped), so sorting by id
is sorting by creation. A pinned time far in the past (replaying an old recording) is used
as given.
"""

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_last_rand_a = 0
_MAX_BORROW_MS = 10_000


def new_uuid7(unix_ms: int | None = None) -> uuid.UUID:
    """A new UUIDv7; ``unix_ms`` pins the timestamp part (tests, replays)."""
    global _last_ms, _last_rand_a
    with _lock:
        ms = int(time.time() * 1000) if unix_ms is None else unix_ms
        if 0 < _last_ms - ms <= _MAX_BORROW_MS:
            ms = _last_ms  # a counter that borrowed ahead, or a small clock step back
        rand_a = int.from_bytes(os.urandom(2), "big") & 0x0FFF
        if ms == _last_ms and rand_a <= _last_rand_a:
            rand_a = _last_rand_a + 1
            if rand_a > 0x0FFF:  # counter exhausted within this millisecond: borrow the next
                ms += 1
                rand_a = 0
        _last_ms, _last_rand_a = ms, rand_a
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


def uuid7_time(value: uuid.UUID) -> float:
    """Unix seconds encoded in a UUIDv7."""
    if value.version != 7:
        raise ValueError(f"not a UUIDv7: {value}")
    return (value.int >> 80) / 1000.0
