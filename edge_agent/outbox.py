"""Durable on-disk queue between the event engines and MQTT (SQLite in WAL mode).

paho's queue lives in memory; durability is ours. An event is written here before anything
tries to send it and deleted only after the broker's PUBACK, so a crash, a reboot or hours
offline lose nothing that fits the bound.

Bound policy (disk is finite): when the queue holds more than ``max_events`` events or
``max_bytes`` of payload, the oldest event of the lowest priority is dropped first
(occupancy and activity < sensor health and no-motion < hand hygiene and mobility <
bed_exit < fall, so falls go last). Every drop increments a persistent counter
per type and logs a warning; nothing is dropped silently. Events in flight are never dropped.

A corrupt outbox file (a power cut mid-write, a failing card) does not keep the agent from
starting, which would leave the room unwatched: the file is moved aside as
`<name>.corrupt-<n>`, a new outbox is opened, and every event still readable in the old one
is copied into it (held, so sent as historical).

Events held while the link was down (``held``) are re-stamped ``historical=True`` when they
are handed out for sending, so the aggregator does not page a nurse for a fall that ended
hours ago as if it were live.
"""

import logging
import sqlite3
import threading
from pathlib import Path

from edge_agent.detections import WireEvent
from protocol import EventType, dump_event, parse_event

logger = logging.getLogger(__name__)

PRIORITY: dict[EventType, int] = {
    EventType.OCCUPANCY: 0,
    EventType.ACTIVITY: 0,
    EventType.SENSOR_HEALTH: 1,
    EventType.NO_MOTION: 1,
    # Analytics a quality team reports on: kept over live-only state, below safety alerts.
    EventType.HAND_HYGIENE: 2,
    EventType.MOBILITY: 2,
    EventType.MOBILITY_DAY: 2,
    EventType.BED_EXIT: 3,
    EventType.FALL: 4,
}
"""Lower is dropped first when the outbox is over its bound."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    priority INTEGER NOT NULL,
    size INTEGER NOT NULL,
    payload BLOB NOT NULL,
    held INTEGER NOT NULL DEFAULT 0,
    inflight INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_drop ON outbox (inflight, priority, seq);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class OutboxError(RuntimeError):
    """The outbox file cannot be opened or written."""


def _set_aside(path: Path) -> Path:
    """Move a corrupt outbox (and its WAL and shared-memory files) out of the way, kept for
    inspection: `<name>.corrupt-<n>`."""
    n = 1
    while path.with_name(f"{path.name}.corrupt-{n}").exists():
        n += 1
    aside = path.with_name(f"{path.name}.corrupt-{n}")
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.replace(aside.with_name(aside.name + suffix))
    path.replace(aside)
    return aside


class Outbox:
    """A bounded, crash-safe FIFO of wire events; thread-safe (one lock, short statements)."""

    def __init__(self, path: Path, max_events: int = 100_000, max_bytes: int = 100_000_000):
        if max_events < 1 or max_bytes < 1:
            raise ValueError("outbox bounds must be positive")
        self.path = path
        self.max_events = max_events
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self.set_aside: Path | None = None
        """Where a corrupt outbox file was moved at start (None: it opened cleanly)."""
        self.salvaged = 0
        """Events read back from that file into the new outbox."""
        try:
            self._open(path)
        except sqlite3.OperationalError as e:  # locked, read-only, no such folder: not ours
            raise OutboxError(f"cannot open outbox {path}: {e}") from e
        except sqlite3.DatabaseError as e:  # not a database, malformed: set aside, start anew
            try:
                self.set_aside = _set_aside(path)
            except OSError as moved:
                raise OutboxError(f"outbox {path} is corrupt ({e}) and stays: {moved}") from e
            logger.error("outbox %s is corrupt (%s): moved to %s", path, e, self.set_aside)
            try:
                self._open(path)
            except sqlite3.Error as again:
                raise OutboxError(f"cannot open outbox {path}: {again}") from again
            self.salvaged = self._salvage(self.set_aside)
        if self._count:
            logger.info("outbox %s reopened with %d pending events", path, self._count)

    def _open(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OutboxError(f"cannot open outbox {path}: {e}") from e
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            # Whatever survived a previous run was held through it and is pending again.
            self._db.execute("UPDATE outbox SET inflight = 0, held = 1")
            self._count, self._bytes = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM outbox"
            ).fetchone()
        except sqlite3.Error:
            self._db.close()
            raise

    def _salvage(self, old: Path) -> int:
        """Copy the events still readable in a corrupt file into this (new) outbox, held."""
        rows: list[tuple[str, str, int, int, bytes]] = []
        try:
            src = sqlite3.connect(f"file:{old}?mode=ro", uri=True)
            try:
                cursor = src.execute(
                    "SELECT event_id, type, priority, size, payload FROM outbox ORDER BY seq"
                )
                while batch := cursor.fetchmany(256):  # a bad page ends it: keep what came
                    rows.extend(batch)
            finally:
                src.close()
        except sqlite3.Error as e:
            logger.error("outbox %s: read back %d events before %s", old, len(rows), e)
        with self._lock:
            for row in rows:
                self._db.execute(
                    "INSERT OR IGNORE INTO outbox (event_id, type, priority, size, payload, held)"
                    " VALUES (?, ?, ?, ?, ?, 1)",
                    row,
                )
            self._count, self._bytes = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM outbox"
            ).fetchone()
        if rows:
            logger.warning("outbox: %d events recovered from %s", len(rows), old)
        return len(rows)

    def put(self, event: WireEvent, *, held: bool = False) -> None:
        """Store an event durably; enforces the bound (may drop older, lower-priority ones)."""
        payload = dump_event(event)
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO outbox (event_id, type, priority, size, payload, held)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    str(event.event_id),
                    event.type.value,
                    PRIORITY[event.type],
                    len(payload),
                    payload,
                    int(held),
                ),
            )
            if cur.rowcount:
                self._count += 1
                self._bytes += len(payload)
                self._enforce_bound()

    def pending(self, limit: int) -> list[WireEvent]:
        """Up to ``limit`` events not in flight, oldest first; held ones marked historical."""
        with self._lock:
            rows = self._db.execute(
                "SELECT payload, held FROM outbox WHERE inflight = 0 ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
        events = []
        for payload, held in rows:
            event = parse_event(payload)
            events.append(event.model_copy(update={"historical": True}) if held else event)
        return events

    def mark_inflight(self, event_id: str) -> None:
        """Handed to MQTT: not offered again by `pending` until released or reopened."""
        self._set_inflight(event_id, 1)

    def release(self, event_id: str) -> None:
        """The broker refused it: offer it again."""
        self._set_inflight(event_id, 0)

    def hold_all(self) -> None:
        """The link went down: everything still queued will be sent as historical."""
        with self._lock:
            self._db.execute("UPDATE outbox SET held = 1 WHERE inflight = 0")

    def delete(self, event_id: str) -> None:
        """Acknowledged by the broker (PUBACK): gone for good."""
        with self._lock:
            row = self._db.execute(
                "DELETE FROM outbox WHERE event_id = ? RETURNING size", (event_id,)
            ).fetchone()
            if row is not None:
                self._count -= 1
                self._bytes -= row[0]

    def depth(self) -> int:
        with self._lock:
            return int(self._count)

    def dropped(self) -> dict[str, int]:
        """Events dropped by the bound policy since the file was created, per type."""
        with self._lock:
            rows = self._db.execute(
                "SELECT name, value FROM counters WHERE name LIKE 'dropped.%'"
            ).fetchall()
        return {name.removeprefix("dropped."): value for name, value in rows}

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _set_inflight(self, event_id: str, value: int) -> None:
        with self._lock:
            self._db.execute("UPDATE outbox SET inflight = ? WHERE event_id = ?", (value, event_id))

    def _enforce_bound(self) -> None:
        while self._count > self.max_events or self._bytes > self.max_bytes:
            row = self._db.execute(
                "SELECT seq, type, size FROM outbox WHERE inflight = 0"
                " ORDER BY priority, seq LIMIT 1"
            ).fetchone()
            if row is None:  # everything left is in flight: the bound waits for PUBACKs
                return
            seq, kind, size = row
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
            total = self._db.execute(
                "INSERT INTO counters (name, value) VALUES (?, 1)"
                " ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
                (f"dropped.{kind}",),
            ).fetchone()[0]
            self._db.execute("COMMIT")
            self._count -= 1
            self._bytes -= size
            logger.warning(
                "outbox over its bound (%d events, %d bytes max): dropped the oldest %s event"
                " (%d %s dropped so far)",
                self.max_events,
                self.max_bytes,
                kind,
                total,
                kind,
            )
