"""Roll-up arithmetic from hand-made events: what lands in which hour, day and counter."""

import uuid
from datetime import UTC, datetime
from typing import Any

from aggregator.analytics import keys
from aggregator.analytics.rollup import Ops, Rollup, RoomCarry, Shifts
from aggregator.store import Partition
from protocol import AnyEvent, event_adapter

PART = Partition("s1", "4west")
_seq = iter(range(1_000_000))


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def event(
    kind: str, at: str, data: dict[str, Any], *, phase: str = "instant", **extra: Any
) -> AnyEvent:
    ts = datetime.fromisoformat(at).replace(tzinfo=UTC)
    t = int(ts.timestamp() * 1000)
    return event_adapter.validate_python(
        {
            "schema": "ambient.event/1",
            "event_id": uuid.UUID(int=(t << 80) | (0x7 << 76) | (0b10 << 62) | next(_seq)),
            "episode_id": extra.pop("episode_id", uuid.uuid4()),
            "phase": phase,
            "site": PART.site,
            "unit": PART.unit,
            "room": extra.pop("room", "r1"),
            "bed": extra.pop("bed", None),
            "agent_id": "a1",
            "sensor_id": "a1-depth",
            "boot_id": uuid.uuid4(),
            "seq": 0,
            "ts": ts,
            "sent_ts": ts,
            "confidence": 0.9,
            "model": {"name": "m", "version": "1"},
            "type": kind,
            "data": data,
            **extra,
        }
    )


def run(*events: AnyEvent, shifts: Shifts | None = None) -> Ops:
    rollup = Rollup(PART, {}, shifts)
    for e in events:
        rollup.apply(e)
    return rollup.ops


def day(ops: Ops, family: str, date: str, metric: str, room: str = "r1") -> int:
    return ops.incr.get((keys.day_key(PART, family, date), f"{room}||{metric}"), 0)


def hour(ops: Ops, family: str, when: str, metric: str) -> int:
    return ops.incr.get((keys.hour_key(PART, family, when), f"r1||{metric}"), 0)


def hh(direction: str, used: bool, contact: bool | None = True) -> dict[str, Any]:
    return {
        "direction": direction,
        "track_id": 1,
        "dispenser_used": used,
        "dispenser_offset_s": 1.0 if used else None,
        "patient_contact": contact,
        "window_s": 10,
    }


def test_occupied_time_is_split_at_every_hour_and_at_midnight() -> None:
    ops = run(
        event("occupancy", "2026-01-01T23:30:00", {"count": 1}),
        event("occupancy", "2026-01-02T00:10:00", {"count": 3}),  # still occupied
        event("occupancy", "2026-01-02T01:15:00", {"count": 0}),
        event("occupancy", "2026-01-02T02:00:00", {"count": 0}),
    )
    assert day(ops, "occ", "2026-01-01", "occ_ms") == 30 * 60_000
    assert day(ops, "occ", "2026-01-02", "occ_ms") == 75 * 60_000
    assert hour(ops, "occ", "2026-01-02T00", "occ_ms") == 60 * 60_000
    assert hour(ops, "occ", "2026-01-02T01", "occ_ms") == 15 * 60_000
    assert ops.carry["r1"].people == 0
    assert ops.mins[(keys.firsts_key(PART), "r1|admit")] == ms("2026-01-01T23:30:00")


def test_a_late_occupancy_event_is_not_counted_backwards() -> None:
    ops = run(
        event("occupancy", "2026-01-01T10:00:00", {"count": 1}),
        event("occupancy", "2026-01-01T11:00:00", {"count": 0}),
        event("occupancy", "2026-01-01T10:30:00", {"count": 2}),  # replayed late
    )
    assert day(ops, "occ", "2026-01-01", "occ_ms") == 3_600_000
    assert ops.late == 1


def test_hand_hygiene_counts_by_direction_contact_and_local_shift() -> None:
    events = (
        event("hand_hygiene", "2026-01-01T18:30:00", hh("entry", True)),
        event("hand_hygiene", "2026-01-01T18:40:00", hh("exit", False)),
        event("hand_hygiene", "2026-01-01T06:59:59", hh("entry", False, None)),
    )
    utc = run(*events)
    assert day(utc, "hh", "2026-01-01", "opp.entry.contact.day") == 1
    assert day(utc, "hh", "2026-01-01", "used.entry.contact.day") == 1
    assert day(utc, "hh", "2026-01-01", "opp.exit.contact.day") == 1
    assert day(utc, "hh", "2026-01-01", "used.exit.contact.day") == 0
    assert day(utc, "hh", "2026-01-01", "opp.entry.unknown.night") == 1
    berlin = run(*events, shifts=Shifts(tz="Europe/Berlin"))  # 19:30 local: night shift
    assert day(berlin, "hh", "2026-01-01", "opp.entry.contact.night") == 1
    assert day(berlin, "hh", "2026-01-01", "opp.entry.unknown.day") == 1  # 07:59 local


def test_a_fall_counts_on_the_day_it_landed_and_keeps_its_time_on_the_floor() -> None:
    episode = uuid.uuid4()
    base = {"track_id": 1, "height_m": 0.3}
    ops = run(
        event(
            "fall",
            "2026-01-02T00:00:02",
            {**base, "on_floor_s": 3.0},
            phase="start",
            episode_id=episode,
        ),
        event(
            "fall",
            "2026-01-02T01:06:39",
            {**base, "on_floor_s": 4000.0, "recovered": True},
            phase="end",
            episode_id=episode,
        ),
        event(
            "fall", "2026-01-02T00:00:02", {**base, "on_floor_s": 3.0}, phase="start", shadow=True
        ),
    )
    assert day(ops, "falls", "2026-01-01", "falls") == 1  # landed 23:59:59
    assert day(ops, "falls", "2026-01-02", "falls") == 0  # the shadow one is not counted
    assert day(ops, "falls", "2026-01-01", "long_lies") == 1
    floor = keys.day_key(PART, "falls", "2026-01-01"), f"r1||floor_ms.{episode}"
    assert ops.sets[floor] == 4_000_000


def test_mobility_keeps_the_highest_level_and_the_first_times_out_of_bed() -> None:
    def mob(state: str, level: int, **more: Any) -> dict[str, Any]:
        return {
            "track_id": 1,
            "state": state,
            "staff_count": 2,
            "duration_s": 60,
            "ims_level": level,
            **more,
        }

    ops = run(
        event("mobility", "2026-01-01T10:00:00", mob("standing", 4), phase="update", bed="A"),
        event("mobility", "2026-01-01T10:05:00", mob("walking", 7), phase="update", bed="A"),
        event(
            "mobility",
            "2026-01-01T10:09:00",
            mob("in_bed", 7, active_s=150.5),
            phase="end",
            bed="A",
        ),
        event(
            "mobility", "2026-01-01T15:00:00", mob("in_bed", 3, active_s=0), phase="end", bed="A"
        ),
    )
    key = keys.day_key(PART, "mob", "2026-01-01")
    assert ops.maxes[(key, "r1|A|max_ims")] == 7
    assert ops.incr[(key, "r1|A|sessions")] == 2
    assert ops.incr[(key, "r1|A|active_ms")] == 150_500
    assert ops.incr[(key, "r1|A|staff_sum")] == 4
    assert ops.mins[(keys.firsts_key(PART), "r1|oob")] == ms("2026-01-01T10:00:00")
    assert ops.mins[(keys.firsts_key(PART), "r1|walk")] == ms("2026-01-01T10:05:00")


def test_activity_time_night_bed_exits_and_bathroom_visits() -> None:
    def act(state: str, previous: str | None, seconds: float, zone: str | None) -> dict[str, Any]:
        return {
            "track_id": 1,
            "state": state,
            "previous": previous,
            "duration_s": seconds,
            "zone": zone,
        }

    ops = run(
        event("activity", "2026-01-01T22:00:00", act("in_bed", None, 0, "bed")),
        event("activity", "2026-01-02T02:00:00", act("standing", "in_bed", 4 * 3600, "bathroom")),
        event("activity", "2026-01-02T02:05:00", act("in_bed", "standing", 300, "bed")),
        event(
            "activity", "2026-01-02T08:00:00", act("sitting", "in_bed", 5 * 3600 + 55 * 60, None)
        ),
    )
    assert day(ops, "act", "2026-01-01", "in_bed_ms") == 2 * 3_600_000
    assert day(ops, "act", "2026-01-02", "in_bed_ms") == (2 * 60 + 5 * 60 + 55) * 60_000
    assert day(ops, "act", "2026-01-02", "up_ms") == 300_000
    assert day(ops, "act", "2026-01-02", "night_bed_exits") == 1  # 08:00 is morning
    assert day(ops, "act", "2026-01-02", "bathroom_visits") == 1
    assert ops.carry["r1"].activity == "sitting"


def test_room_carry_round_trips_through_its_stored_form() -> None:
    carry = RoomCarry(2, 123, "sitting", "chair", 456)
    assert RoomCarry.from_json(carry.to_json()) == carry


def mobility_day(day: str, ims: int, sessions: int, active_s: float) -> dict[str, Any]:
    return {
        "day": day,
        "max_ims_level": ims,
        "active_s": active_s,
        "sessions": sessions,
        "out_of_bed": ims >= 4,
        "max_staff": 2,
    }


def test_an_edge_day_summary_counts_on_the_day_it_names_keeping_the_fullest_copy() -> None:
    rollup = Rollup(PART, {})
    # Sent just after midnight for the day before, then re-sent less complete after a restart.
    rollup.apply(
        event("mobility_day", "2026-01-03T00:00:05", mobility_day("2026-01-02", 5, 3, 600))
    )
    rollup.apply(event("mobility_day", "2026-01-03T02:00:00", mobility_day("2026-01-02", 4, 1, 60)))
    got = {
        name: v
        for (key, name), v in rollup.ops.maxes.items()
        if key == keys.day_key(PART, "mob", "2026-01-02")
    }
    assert got == {
        "r1||day_max_ims": 5,
        "r1||day_sessions": 3,
        "r1||day_active_ms": 600_000,
        "r1||day_staff_max": 2,
    }
    # A summary is not a session (only the per-model event count of the `models` family).
    assert not [
        key
        for key, _ in rollup.ops.incr
        if ":an:day:models:" not in key and ":an:hour:models:" not in key
    ]


def test_shadow_events_are_compared_per_model_version_but_never_counted_in_figures() -> None:
    from datetime import date

    from aggregator import samples
    from aggregator.analytics.keys import split_field
    from aggregator.analytics.query import ReportQuery, UnitData
    from aggregator.reports import models as models_report
    from protocol import ModelRef, Phase, new_uuid7

    st = samples.stamper(site="s1", unit="4west", room="r1")
    live = samples.fall(st, Phase.START, uuid.uuid4(), 1_767_225_600.0 + 3600)
    shadow = live.model_copy(
        update={"shadow": True, "model": ModelRef(name="fall", version="1.1.0")}
    )
    rollup = Rollup(Partition("s1", "4west"), {})
    rollup.apply(live)
    rollup.apply(shadow)
    rollup.apply(shadow.model_copy(update={"event_id": new_uuid7()}))
    days = {key.rsplit(":", 1)[1] for key, _ in rollup.ops.incr if ":an:day:models:" in key}
    assert days == {"2026-01-01"}
    counters = {
        split_field(field): n
        for (key, field), n in rollup.ops.incr.items()
        if ":an:day:models:" in key
    }
    falls = {field: n for (key, field), n in rollup.ops.incr.items() if ":an:day:falls:" in key}
    assert sum(falls.values()) >= 1 and all(n == 1 for n in falls.values())  # live only
    data = UnitData(ReportQuery("s1", "4west", date(2026, 1, 1), date(2026, 1, 2)))
    data.days["models"] = {date(2026, 1, 1): counters}
    report = models_report.build(data)
    rows = {(r[0], r[1]): (r[2], r[3]) for r in report.tables[0].rows}
    assert rows[("fall.start", f"{live.model.name}@{live.model.version}")] == (1, 0)
    assert rows[("fall.start", "fall@1.1.0")] == (0, 2)
