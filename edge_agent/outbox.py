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

A full disk (or a failing card that refuses writes) does not lose an event either: an event
that cannot be written is kept in memory (``spilled``, bounded by ``max_spilled`` with the
same priority policy) and still sent; spilled events go to the file as soon as it takes
writes again. Which events are in flight is kept in memory (a restart offers them all again
anyway), so a PUBACK never needs a write to be honoured: a delete that cannot be written is
remembered and retried.

Events held while the link was down (``held``) are re-stamped ``historical=True`` when they
are handed out for sending, so the aggregator does not page a nurse for a fall that ended
hours ago as if it were live.
"""

import logging
import sqlite3
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from edge_agent.detections import WireEvent
from edge_agent.errors import EdgeError
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
CREATE INDEX IF NOT EXISTS outbox_priority ON outbox (priority, seq);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class OutboxError(EdgeError, RuntimeError):
    """The outbox file cannot be opened or written."""


def _cannot_write(error: sqlite3.OperationalError) -> bool:
    """SQLite says the disk is full or the file cannot be written (I/O error): may pass."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return "full" in str(error) or "disk I/O" in str(error)
    return code & 0xFF in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR)


@dataclass(slots=True)
class _Spilled:
    """An event kept in memory because the outbox file would not take it."""

    type: str
    priority: int
    size: int
    payload: bytes
    held: bool


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


_SALVAGE_PROBES = 100_000
"""Lookups spent stepping over damaged pages while salvaging (each fails fast)."""


def _readable_rows(src: sqlite3.Connection) -> list[tuple[str, str, int, int, bytes]]:
    """Every row of a damaged outbox that can still be read, oldest first: read in order
    until a bad page, then step the sequence number past it and read on."""
    select = "SELECT seq, event_id, type, priority, size, payload FROM outbox WHERE seq > ?"
    try:
        top = src.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
        highest = int(top[0]) if top else 0
    except sqlite3.Error:
        highest = 0
    rows: list[tuple[str, str, int, int, bytes]] = []
    last, probes = 0, 0
    while probes < _SALVAGE_PROBES:
        try:
            cursor = src.execute(select + " ORDER BY seq", (last,))
            while (row := cursor.fetchone()) is not None:
                rows.append(row[1:])
                last = row[0]
            return rows
        except sqlite3.DatabaseError:
            pass
        while probes < _SALVAGE_PROBES:  # the next sequence number that reads again
            probes += 1
            last += 1
            if highest and last > highest:
                return rows
            try:
                src.execute(select + " ORDER BY seq LIMIT 1", (last,)).fetchone()
                break
            except sqlite3.DatabaseError:
                continue
    return rows


class Outbox:
    """A bounded, crash-safe FIFO of wire events; thread-safe (one lock, short statements)."""

    def __init__(
        self,
        path: Path,
        max_events: int = 100_000,
        max_bytes: int = 100_000_000,
        max_spilled: int = 10_000,
    ):
        if max_events < 1 or max_bytes < 1 or max_spilled < 1:
            raise ValueError("outbox bounds must be positive")
        self.path = path
        self.max_events = max_events
        self.max_bytes = max_bytes
        self.max_spilled = max_spilled
        self._lock = threading.Lock()
        self._inflight: set[str] = set()
        self._spill: dict[str, _Spilled] = {}
        """Events the file would not take, oldest first (see the module docstring)."""
        self._undeleted: set[str] = set()
        """Acknowledged events whose delete could not be written yet."""
        self._held_upto = 0
        """Rows up to this seq are held even if the file could not be told so."""
        self._spill_dropped: Counter[str] = Counter()
        self.spilled = 0
        """Events that had to be kept in memory since start (the disk would not take them)."""
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
            # A damaged page may sit in an index that opening never reads: check them all
            # now (one pass over the file) rather than fail on some later write.
            problem = self._db.execute("PRAGMA quick_check(1)").fetchone()[0]
            if problem != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {problem}")
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
                rows = _readable_rows(src)
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
        """Store an event durably; enforces the bound (may drop older, lower-priority ones).
        When the file cannot take it (disk full), the event is kept in memory instead."""
        payload = dump_event(event)
        event_id = str(event.event_id)
        priority = PRIORITY[event.type]
        with self._lock:
            if event_id in self._spill:
                return
            try:
                self._write_back()
                cur = self._db.execute(
                    "INSERT OR IGNORE INTO outbox (event_id, type, priority, size, payload, held)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (event_id, event.type.value, priority, len(payload), payload, int(held)),
                )
            except sqlite3.OperationalError as e:
                if not _cannot_write(e):
                    raise
                self._spill_event(
                    event_id, _Spilled(event.type.value, priority, len(payload), payload, held), e
                )
                return
            if cur.rowcount:
                self._count += 1
                self._bytes += len(payload)
                self._enforce_bound()

    def _spill_event(self, event_id: str, spilled: _Spilled, error: Exception) -> None:
        if not self._spill:
            logger.error(
                "outbox %s cannot be written (%s): keeping events in memory (up to %d) until"
                " it can",
                self.path,
                error,
                self.max_spilled,
            )
        self._spill[event_id] = spilled
        self.spilled += 1
        while len(self._spill) > self.max_spilled:
            victims = [k for k in self._spill if k not in self._inflight]
            if not victims:
                return
            gone = min(victims, key=lambda k: self._spill[k].priority)  # oldest of the lowest
            kind = self._spill.pop(gone).type
            self._spill_dropped[kind] += 1
            logger.warning(
                "outbox full on disk and in memory (%d events): dropped the oldest %s event",
                self.max_spilled,
                kind,
            )

    def _write_back(self) -> None:
        """Retry what the file refused before: acknowledged deletes, then spilled events
        (oldest first). Raises the file's error when it still refuses (lock held)."""
        for event_id in list(self._undeleted):
            self._delete_row(event_id)
            self._undeleted.discard(event_id)
        for event_id, spilled in list(self._spill.items()):
            if event_id in self._inflight:
                continue  # its PUBACK may come any moment: no need to write it at all
            cur = self._db.execute(
                "INSERT OR IGNORE INTO outbox (event_id, type, priority, size, payload, held)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (event_id, spilled.type, spilled.priority, spilled.size, spilled.payload, 1),
            )
            del self._spill[event_id]
            if cur.rowcount:
                self._count += 1
                self._bytes += spilled.size
            if not self._spill:
                logger.warning("outbox %s takes writes again: spilled events stored", self.path)

    def pending(self, limit: int) -> list[WireEvent]:
        """Up to ``limit`` events not in flight, oldest first; held ones marked historical."""
        with self._lock:
            skip = self._inflight | self._undeleted
            rows = self._db.execute(
                "SELECT seq, event_id, payload, held FROM outbox ORDER BY seq LIMIT ?",
                (limit + len(skip),),
            ).fetchall()
            chosen = [
                (payload, bool(held) or seq <= self._held_upto)
                for seq, event_id, payload, held in rows
                if event_id not in skip
            ][:limit]
            for event_id, spilled in self._spill.items():
                if len(chosen) >= limit:
                    break
                if event_id not in self._inflight:
                    chosen.append((spilled.payload, spilled.held))
        events = []
        for payload, held in chosen:
            event = parse_event(payload)
            events.append(event.model_copy(update={"historical": True}) if held else event)
        return events

    def mark_inflight(self, event_id: str) -> None:
        """Handed to MQTT: not offered again by `pending` until released or reopened."""
        with self._lock:
            self._inflight.add(event_id)

    def release(self, event_id: str) -> None:
        """The broker refused it: offer it again."""
        with self._lock:
            self._inflight.discard(event_id)

    def hold_all(self) -> None:
        """The link went down: everything still queued will be sent as historical."""
        with self._lock:
            for spilled in self._spill.values():
                spilled.held = True
            last = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetchone()[0]
            self._held_upto = max(self._held_upto, int(last))
            try:
                self._db.execute("UPDATE outbox SET held = 1")
            except sqlite3.OperationalError as e:
                if not _cannot_write(e):
                    raise  # else: held in memory until the next start

    def delete(self, event_id: str) -> None:
        """Acknowledged by the broker (PUBACK): gone for good."""
        with self._lock:
            self._inflight.discard(event_id)
            if self._spill.pop(event_id, None) is not None:
                return
            try:
                self._delete_row(event_id)
            except sqlite3.OperationalError as e:
                if not _cannot_write(e):
                    raise
                self._undeleted.add(event_id)

    def _delete_row(self, event_id: str) -> None:
        row = self._db.execute(
            "DELETE FROM outbox WHERE event_id = ? RETURNING size", (event_id,)
        ).fetchone()
        if row is not None:
            self._count -= 1
            self._bytes -= row[0]

    def depth(self) -> int:
        """Events waiting for a PUBACK, on disk and in memory."""
        with self._lock:
            return int(self._count) - len(self._undeleted) + len(self._spill)

    def dropped(self) -> dict[str, int]:
        """Events dropped by the bound policy since the file was created, per type."""
        with self._lock:
            rows = self._db.execute(
                "SELECT name, value FROM counters WHERE name LIKE 'dropped.%'"
            ).fetchall()
        counts = {name.removeprefix("dropped."): value for name, value in rows}
        for kind, n in self._spill_dropped.items():
            counts[kind] = counts.get(kind, 0) + n
        return counts

    def close(self) -> None:
        """Close the file, after one last try to store the events kept in memory."""
        with self._lock:
            if self._spill or self._undeleted:
                try:
                    self._write_back()
                except sqlite3.OperationalError as e:
                    if not _cannot_write(e):
                        raise
                    logger.error(
                        "outbox %s still cannot be written (%s): %d events kept in memory are"
                        " lost at this stop",
                        self.path,
                        e,
                        len(self._spill),
                    )
            self._db.close()

    def _enforce_bound(self) -> None:
        """Drop over the bound; a file that refuses the drop keeps it for the next write."""
        try:
            self._drop_over_bound()
        except sqlite3.OperationalError as e:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if not _cannot_write(e):
                raise

    def _drop_over_bound(self) -> None:
        while self._count > self.max_events or self._bytes > self.max_bytes:
            skip = self._inflight | self._undeleted
            rows = self._db.execute(
                "SELECT seq, event_id, type, size FROM outbox ORDER BY priority, seq LIMIT ?",
                (len(skip) + 1,),
            ).fetchall()
            victims = [row for row in rows if row[1] not in skip]
            if not victims:  # everything left is in flight: the bound waits for PUBACKs
                return
            seq, _, kind, size = victims[0]
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
