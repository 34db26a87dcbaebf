"""The fault matrix: a bad day in a hospital, counted. Each test runs a real broker, Redis,
aggregator and an edge agent's outbox and link, breaks one thing while events flow, and
records sent / stored / duplicated / lost (printed at the end of the run).

The design promises zero lost and zero duplicated for every fault here but one: Redis
without AOF loses what it held when it is killed (the README says so). Durations are short in
CI; ``AMBIENT_FAULT_SCALE=long`` runs the full ones (Redis down 60 s, an edge cut off 10 min).
"""

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest

from aggregator.store import Partition
from tests.e2e.harness import wait_for
from tests.faults.rig import Edge, Rig, long_run

pytestmark = pytest.mark.faults


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    setup = Rig(tmp_path)
    yield setup
    setup.close()


def _sending(edge: Edge, count: int, per_s: float) -> threading.Thread:
    thread = threading.Thread(target=edge.send, args=(count, per_s), daemon=True)
    thread.start()
    return thread


def _started(rig: Rig) -> Rig:
    rig.aggregator.start()
    rig.edge.start()
    wait_for(lambda: rig.edge.link.ready, 20, "the edge to see the aggregator online")
    return rig


def test_aggregator_kill_9_ten_times_loses_and_duplicates_nothing(rig: Rig) -> None:
    _started(rig)
    sender = _sending(rig.edge, 3000, per_s=200)
    for _ in range(10):
        time.sleep(0.8)
        rig.aggregator.kill()
        rig.aggregator.start()
    sender.join()
    rig.wait_delivered()
    result = rig.tally("aggregator kill -9 x10")
    assert (result.lost, result.duplicated) == (0, 0), result.line()


@pytest.mark.parametrize("aof", [True, False], ids=["aof", "no-aof"])
def test_redis_kill_9(tmp_path: Path, aof: bool) -> None:
    rig = _started(Rig(tmp_path, appendonly=aof))
    try:
        sender = _sending(rig.edge, 1500, per_s=150)
        time.sleep(3)
        held = len(rig.stored_ids())
        rig.redis.kill()
        time.sleep(2)
        rig.redis.start()
        sender.join()
        rig.wait_delivered()
        if aof:
            result = rig.tally("redis kill -9, AOF everysec")
            assert (result.lost, result.duplicated) == (0, 0), result.line()
        else:
            result = rig.tally(
                "redis kill -9, no AOF", note="(what Redis held is gone: documented)"
            )
            # Without AOF the kill loses what Redis held, and only that: every event sent
            # after the crash is stored, once.
            assert result.duplicated == 0, result.line()
            assert 0 < result.lost <= held + 300, result.line()
            after = set(rig.stored_ids())
            assert set(rig.edge.sent[-500:]) <= after, result.line()
    finally:
        rig.close()


@pytest.mark.timeout(900)  # the long run waits 60 s down
def test_redis_down_for_a_minute_loses_nothing(rig: Rig) -> None:
    down_s = 60.0 if long_run() else 15.0
    _started(rig)
    sender = _sending(rig.edge, int((down_s + 6) * 20), per_s=20)
    time.sleep(3)
    rig.redis.stop()
    time.sleep(down_s)
    rig.redis.start()
    sender.join()
    rig.wait_delivered(timeout=90)
    result = rig.tally(f"redis down {down_s:.0f} s")
    assert (result.lost, result.duplicated) == (0, 0), result.line()


@pytest.mark.timeout(1200)  # the long run cuts the edge off for 10 min
def test_edge_cut_off_from_the_broker_sends_everything_when_it_is_back(tmp_path: Path) -> None:
    cut_s = 600.0 if long_run() else 20.0
    rig = _started(Rig(tmp_path, through_proxy=True))
    assert rig.proxy is not None
    try:
        sender = _sending(rig.edge, int((cut_s + 6) * 10), per_s=10)
        time.sleep(3)
        rig.proxy.cut()
        time.sleep(cut_s)
        held = rig.edge.outbox.depth()
        rig.proxy.heal()
        sender.join()
        rig.wait_delivered(timeout=120)
        result = rig.tally(f"edge partitioned {cut_s:.0f} s", note=f"({held} held)")
        assert held > 0
        assert (result.lost, result.duplicated) == (0, 0), result.line()
    finally:
        rig.close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 160 KiB file system (tmpfs) for the edge's outbox: full after a few hundred events."""
    where = tmp_path / "small-disk"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def test_edge_disk_full_loses_nothing(tmp_path: Path, small_disk: Path) -> None:
    rig = Rig(tmp_path, through_proxy=True)
    rig.edge.stop()
    assert rig.proxy is not None
    rig.edge = Edge(rig.site, rig.unit, rig.proxy.port, small_disk / "outbox.sqlite3")
    _started(rig)
    try:
        sender = _sending(rig.edge, 2000, per_s=200)
        time.sleep(2)
        rig.proxy.cut()  # the events pile up on a disk that fills
        time.sleep(4)
        rig.proxy.heal()
        sender.join()
        rig.wait_delivered()
        spilled = rig.edge.outbox.spilled
        free = shutil.disk_usage(small_disk).free
        result = rig.tally("edge disk full", note=f"({spilled} kept in memory)")
        assert spilled > 0 and free < 16 * 1024, "the disk never filled: the test proves nothing"
        assert (result.lost, result.duplicated) == (0, 0), result.line()
    finally:
        rig.close()


def test_corrupt_outbox_file_the_agent_starts_and_sends_what_is_readable(rig: Rig) -> None:
    outbox_path = rig.edge.outbox.path
    rig.edge.start()  # the aggregator is not running: events are held
    rig.edge.send(400, per_s=1000)
    rig.edge.stop()
    data = bytearray(outbox_path.read_bytes())
    page = 4096
    for offset in range(8 * page, min(len(data), 12 * page)):  # a bad stretch mid-file
        data[offset] = 0xA5
    outbox_path.write_bytes(bytes(data))
    sent_before = list(rig.edge.sent)
    restarted = Edge(rig.site, rig.unit, rig.broker.port, outbox_path)
    restarted.sent = sent_before
    rig.edge = restarted
    _started(rig)
    salvaged = restarted.outbox.salvaged
    rig.edge.send(100, per_s=200)
    rig.wait_delivered()
    result = rig.tally("edge outbox file corrupted", note=f"({salvaged} salvaged)")
    assert restarted.outbox.set_aside is not None
    assert result.duplicated == 0, result.line()
    assert set(rig.edge.sent[-100:]) <= set(rig.stored_ids()), "live events after the restart"
    assert result.lost == 400 - salvaged, result.line()  # exactly the unreadable ones


@pytest.mark.parametrize("how", ["restart", "kill-9"])
@pytest.mark.parametrize(
    "aggregator_up",
    [
        pytest.param(True, id="aggregator-up"),
        pytest.param(False, id="aggregator-down"),
    ],
)
def test_broker_restart_or_crash(rig: Rig, how: str, aggregator_up: bool) -> None:
    _started(rig)
    sender = _sending(rig.edge, 1200, per_s=200)
    time.sleep(2)
    if not aggregator_up:
        rig.aggregator.stop()  # says offline: the edge holds events
        time.sleep(1)
    if how == "restart":
        rig.broker.stop()
    else:
        rig.broker.kill()
    time.sleep(1)
    rig.broker.start()
    if not aggregator_up:
        time.sleep(2)
        rig.aggregator.start()
    sender.join()
    rig.wait_delivered()
    state = "up" if aggregator_up else "down"
    result = rig.tally(f"broker {how}, aggregator {state}")
    assert (result.lost, result.duplicated) == (0, 0), result.line()


def test_edge_clock_an_hour_fast_still_delivers_on_the_aggregators_time(tmp_path: Path) -> None:
    rig = _started(Rig(tmp_path, edge_clock_off_s=3600.0))
    try:
        wait_for(lambda: rig.edge.link.skew.reported is not None, 20, "a live aggregator state")
        skew = rig.edge.link.skew.reported
        assert skew is not None and 3599.0 < skew < 3602.0
        rig.edge.send(300, per_s=100)
        rig.wait_delivered()
        result = rig.tally("edge clock 1 h fast", note=f"(skew {skew:+.1f} s measured)")
        assert (result.lost, result.duplicated) == (0, 0), result.line()
        key = Partition(rig.site, rig.unit).events
        entries = cast(list[tuple[bytes, dict[bytes, bytes]]], rig.store.xrange(key))
        times = [
            datetime.fromisoformat(json.loads(f[b"payload"])["ts"])
            for _, f in entries
            if f[b"kind"] == b"event"
        ]
        now = datetime.now(UTC)
        assert all(abs((now - t).total_seconds()) < 120 for t in times)  # on the ward's clock

        def reported_skew() -> float | None:
            status = rig.store.hget(f"ambient:agents:{rig.site}", "agent-1")
            return None if status is None else json.loads(status).get("clock_skew_s")

        assert 3599.0 < wait_for(reported_skew, 20, "the skew in the stored status") < 3602.0
    finally:
        rig.close()
