"""The outbox keeps events across crashes, deletes only on PUBACK and bounds disk by priority."""

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from edge_agent.detections import WireEvent
from edge_agent.outbox import Outbox
from protocol import EventType

MakeEvent = Callable[..., WireEvent]


def test_pending_is_oldest_first_and_survives_a_crash(
    tmp_path: Path, make_event: MakeEvent
) -> None:
    path = tmp_path / "outbox.sqlite3"
    box = Outbox(path)
    events = [make_event() for _ in range(3)]
    for event in events:
        box.put(event)
    box.mark_inflight(str(events[0].event_id))  # handed to MQTT, then the process dies
    assert [e.event_id for e in box.pending(10)] == [e.event_id for e in events[1:]]
    # no close(): a crash. The reopened outbox offers every unacknowledged event again.
    again = Outbox(path)
    assert [e.event_id for e in again.pending(10)] == [e.event_id for e in events]
    assert again.depth() == 3
    again.close()
    box.close()


def test_only_delete_removes_an_event(tmp_path: Path, make_event: MakeEvent) -> None:
    path = tmp_path / "outbox.sqlite3"
    box = Outbox(path)
    first, second = make_event(), make_event()
    box.put(first)
    box.put(second)
    box.mark_inflight(str(first.event_id))
    box.mark_inflight(str(second.event_id))
    box.delete(str(first.event_id))  # PUBACK for the first only
    box.close()
    reopened = Outbox(path)
    assert [e.event_id for e in reopened.pending(10)] == [second.event_id]
    reopened.close()


def test_put_is_idempotent_per_event_id(tmp_path: Path, make_event: MakeEvent) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    event = make_event()
    box.put(event)
    box.put(event)
    assert box.depth() == 1
    box.close()


def test_bound_drops_oldest_low_priority_first_and_counts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, make_event: MakeEvent
) -> None:
    box = Outbox(tmp_path / "o.sqlite3", max_events=3)
    fall = make_event(EventType.FALL)
    occ_old = make_event(EventType.OCCUPANCY)
    bed_exit = make_event(EventType.BED_EXIT)
    occ_new = make_event(EventType.OCCUPANCY)
    for event in (fall, occ_old, bed_exit):
        box.put(event)
    with caplog.at_level(logging.WARNING, logger="edge_agent.outbox"):
        box.put(occ_new)  # over the bound: the oldest occupancy goes
        assert [e.event_id for e in box.pending(10)] == [
            fall.event_id,
            bed_exit.event_id,
            occ_new.event_id,
        ]
        box.put(make_event(EventType.FALL))  # occupancy again before bed_exit
        box.put(make_event(EventType.FALL))  # then bed_exit; the falls stay
    kinds = [e.type for e in box.pending(10)]
    assert kinds == [EventType.FALL, EventType.FALL, EventType.FALL]
    assert box.dropped() == {"occupancy": 2, "bed_exit": 1}
    assert sum("dropped the oldest" in r.getMessage() for r in caplog.records) == 3
    box.close()


def test_falls_are_dropped_last_but_never_silently(tmp_path: Path, make_event: MakeEvent) -> None:
    box = Outbox(tmp_path / "o.sqlite3", max_events=2)
    falls = [make_event(EventType.FALL) for _ in range(3)]
    for event in falls:
        box.put(event)
    assert [e.event_id for e in box.pending(10)] == [f.event_id for f in falls[1:]]
    assert box.dropped() == {"fall": 1}
    box.close()
    assert Outbox(tmp_path / "o.sqlite3").dropped() == {"fall": 1}  # the counter persists


def test_byte_bound_applies_the_same_policy(tmp_path: Path, make_event: MakeEvent) -> None:
    fall = make_event(EventType.FALL)
    size = len(fall.model_dump_json(by_alias=True))
    box = Outbox(tmp_path / "o.sqlite3", max_bytes=2 * size + size // 2)
    box.put(make_event(EventType.OCCUPANCY))
    box.put(fall)
    box.put(make_event(EventType.FALL))
    assert [e.type for e in box.pending(10)] == [EventType.FALL, EventType.FALL]
    assert box.dropped() == {"occupancy": 1}
    box.close()


def test_in_flight_events_are_never_dropped(tmp_path: Path, make_event: MakeEvent) -> None:
    box = Outbox(tmp_path / "o.sqlite3", max_events=1)
    occ = make_event(EventType.OCCUPANCY)
    box.put(occ)
    box.mark_inflight(str(occ.event_id))  # published, PUBACK not yet back
    box.put(make_event(EventType.OCCUPANCY))
    assert box.depth() == 1
    assert box.pending(10) == []  # the newcomer was the only droppable one
    assert box.dropped() == {"occupancy": 1}
    box.delete(str(occ.event_id))  # the PUBACK still finds its event
    assert box.depth() == 0
    box.close()


def test_held_events_are_sent_historical(tmp_path: Path, make_event: MakeEvent) -> None:
    path = tmp_path / "o.sqlite3"
    box = Outbox(path)
    live, offline = make_event(), make_event()
    box.put(live)
    box.put(offline, held=True)
    first, second = box.pending(10)
    assert (first.historical, second.historical) == (False, True)
    assert second.model_copy(update={"historical": False}) == offline
    box.hold_all()  # the link went down
    assert [e.historical for e in box.pending(10)] == [True, True]
    box.close()
    later = make_event()
    reopened = Outbox(path)  # held through a restart
    reopened.put(later)
    assert [e.historical for e in reopened.pending(10)] == [True, True, False]
    reopened.close()


def test_every_event_type_has_a_drop_priority_and_falls_go_last() -> None:
    from edge_agent.outbox import PRIORITY
    from protocol import EventType

    assert set(PRIORITY) == set(EventType)
    assert max(PRIORITY, key=lambda t: PRIORITY[t]) is EventType.FALL
    assert PRIORITY[EventType.HAND_HYGIENE] > PRIORITY[EventType.OCCUPANCY]


def test_a_file_that_is_not_a_database_is_set_aside_and_the_agent_starts(
    tmp_path: Path, make_event: MakeEvent, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "outbox.sqlite3"
    path.write_bytes(b"\x00garbage after a power cut" * 200)
    with caplog.at_level(logging.ERROR, logger="edge_agent.outbox"):
        box = Outbox(path)  # once, this refused to start: a crash loop, the room unwatched
    assert box.set_aside == tmp_path / "outbox.sqlite3.corrupt-1"
    assert box.set_aside.read_bytes().startswith(b"\x00garbage")  # kept for inspection
    assert "corrupt" in caplog.text
    event = make_event()
    box.put(event)
    assert [e.event_id for e in box.pending(10)] == [event.event_id]
    box.close()


def test_events_still_readable_in_a_damaged_outbox_are_recovered(
    tmp_path: Path, make_event: MakeEvent
) -> None:
    path = tmp_path / "outbox.sqlite3"
    box = Outbox(path)
    events = [make_event() for _ in range(400)]
    for event in events:
        box.put(event)
    box.close()
    data = bytearray(path.read_bytes())
    page = 4096
    tail = len(data) - 3 * page  # the last pages of the table: overwritten
    data[tail : tail + page] = b"\xff" * page
    path.write_bytes(bytes(data))
    again = Outbox(path)
    assert again.set_aside is not None
    assert 0 < again.salvaged < len(events)
    recovered = [e.event_id for e in again.pending(1000)]
    assert len(recovered) == again.salvaged
    assert recovered == [e.event_id for e in events if e.event_id in set(recovered)]  # in order
    assert recovered[-1] == events[-1].event_id  # read on past the damaged page
    assert all(e.historical for e in again.pending(1000))  # held: the aggregator will not page live
    again.close()


def test_a_damaged_index_is_found_at_start_not_at_a_later_write(
    tmp_path: Path, make_event: MakeEvent
) -> None:
    path = tmp_path / "outbox.sqlite3"
    box = Outbox(path)
    events = [make_event() for _ in range(400)]
    for event in events:
        box.put(event)
    box.close()
    data = bytearray(path.read_bytes())
    page = 4096
    data[2 * page : 3 * page] = b"\xa5" * page  # page 3: the event_id index, not the table
    path.write_bytes(bytes(data))
    again = Outbox(path)
    assert again.set_aside is not None
    assert again.salvaged == len(events)
    again.put(later := make_event())  # the write that would have met the damaged index
    assert [e.event_id for e in again.pending(1000)] == [e.event_id for e in [*events, later]]
    again.close()


def _fill_the_disk(box: Outbox) -> None:
    """SQLite's own page limit: the file refuses every write that needs a new page, exactly as
    on a full disk (SQLITE_FULL)."""
    pages = box._db.execute("PRAGMA page_count").fetchone()[0]
    box._db.execute(f"PRAGMA max_page_count = {pages}")


def _free_the_disk(box: Outbox) -> None:
    box._db.execute("PRAGMA max_page_count = 1073741823")


def test_a_full_disk_keeps_events_in_memory_and_sends_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, make_event: MakeEvent
) -> None:
    path = tmp_path / "outbox.sqlite3"
    box = Outbox(path)
    before = make_event()
    box.put(before)
    _fill_the_disk(box)
    with caplog.at_level(logging.ERROR, logger="edge_agent.outbox"):
        during = [make_event() for _ in range(200)]  # far more than the last page holds
        for event in during:
            box.put(event)
    assert box.spilled > 0
    assert "cannot be written" in caplog.text
    assert box.depth() == 201  # nothing lost
    offered = box.pending(1000)
    assert [e.event_id for e in offered] == [e.event_id for e in [before, *during]]
    for event in offered[:150]:  # sent and acknowledged while the disk is still full
        box.mark_inflight(str(event.event_id))
        box.delete(str(event.event_id))
    assert box.depth() == 51
    assert [e.event_id for e in box.pending(1000)] == [e.event_id for e in during[149:]]
    _free_the_disk(box)
    box.put(after := make_event())  # the next write stores what waited in memory
    box.close()
    reopened = Outbox(path)
    assert [e.event_id for e in reopened.pending(1000)] == [
        e.event_id for e in [*during[149:], after]
    ]
    reopened.close()


def test_memory_for_a_full_disk_is_bounded_and_drops_low_priority_first(
    tmp_path: Path, make_event: MakeEvent
) -> None:
    box = Outbox(tmp_path / "outbox.sqlite3", max_spilled=5)
    box.put(make_event())
    _fill_the_disk(box)
    falls = [make_event(EventType.FALL) for _ in range(3)]
    for event in [*falls[:1], make_event(EventType.OCCUPANCY), *falls[1:]]:
        box.put(event)
    for _ in range(200):
        box.put(make_event(EventType.OCCUPANCY))
    offered = {e.event_id for e in box.pending(10_000)}
    assert {e.event_id for e in falls} <= offered
    assert box.dropped().get("occupancy", 0) > 0
    box.close()
