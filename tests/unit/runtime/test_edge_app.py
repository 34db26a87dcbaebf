"""The app loop: recordings played live carry wall-clock times; start/stop are symmetric."""

import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from edge_agent.app import App, main
from edge_agent.calibration import CalibrationError
from edge_agent.detections import Detection, EventStamper, Identity, WireEvent
from edge_agent.outbox import Outbox
from edge_agent.sources.base import DepthFrame, Intrinsics
from protocol import EventType, FallData, ModelRef, OccupancyData, Phase


def detection(kind: EventType, ts: float) -> Detection:
    data: FallData | OccupancyData
    data = (
        FallData(on_floor_s=0, track_id=1, height_m=0.3)
        if kind is EventType.FALL
        else (OccupancyData(count=1))
    )
    model = ModelRef(name="rules", version="1.0.0")
    return Detection(kind, Phase.INSTANT, uuid.uuid4(), ts, 0.9, data, model)


_INTRINSICS = Intrinsics(4, 3, 1.0, 1.0, 2.0, 1.5)
REC_T0 = 1_600_000_000.0  # a recording made years ago
NOW = 1_780_000_000.0


class FakeSource:
    """A recording of ``n`` frames at 10 fps, played ``loops`` times."""

    def __init__(self, log: list[str], n: int = 5, loops: int = 1) -> None:
        self.log, self.n, self.loops = log, n, loops

    def frames(self) -> Iterator[DepthFrame]:
        depth = np.zeros((3, 4), dtype=np.float32)
        for _ in range(self.loops):
            for i in range(self.n):
                yield DepthFrame(i, REC_T0 + i / 10, depth, _INTRINSICS)

    def close(self) -> None:
        self.log.append("source.close")


class FakePipeline:
    """Emits one occupancy detection per frame at the frame's time; a fall on flush."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def process(self, frame: DepthFrame) -> list[Detection]:
        self.times.append(frame.t)
        return [detection(EventType.OCCUPANCY, frame.t)]

    def flush(self, t: float) -> list[Detection]:
        return [detection(EventType.FALL, t)]


class FakeLink:
    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.sent: list[WireEvent] = []

    def start(self) -> None:
        self.log.append("link.start")

    def send(self, event: WireEvent) -> None:
        self.sent.append(event)

    def stop(self) -> None:
        self.log.append("link.stop")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


def _app(
    tmp_path: Path, *, wall_clock: bool, loops: int = 1, bed: str | None = None
) -> tuple[App, FakePipeline, FakeLink, list[str]]:
    log: list[str] = []
    pipeline, link = FakePipeline(), FakeLink(log)
    stamper = EventStamper(Identity("s", "u", "r412", "a", "c"))
    app = App(
        FakeSource(log, loops=loops),
        pipeline,
        stamper,
        Outbox(tmp_path / "o.sqlite3"),
        link,
        wall_clock_frames=wall_clock,
        bed=bed,
        clock=Clock(),
    )
    return app, pipeline, link, log


def test_recording_played_live_carries_current_times(tmp_path: Path) -> None:
    app, pipeline, link, _ = _app(tmp_path, wall_clock=True, loops=2)
    app.start()
    assert app.run() == 0
    app.stop()
    assert len(pipeline.times) == 10
    first, second = pipeline.times[:5], pipeline.times[5:]
    assert abs(first[0] - NOW) < 0.01
    assert np.allclose(np.diff(first), 0.1)  # spacing of the recording kept
    assert second[0] > first[-1]  # the loop restart re-bases, time never runs backwards
    assert all(abs(e.ts.timestamp() - NOW) < 1 for e in link.sent)
    assert link.sent[-1].type is EventType.FALL  # flushed at the end of the source
    assert len(link.sent) == 11


def test_replay_keeps_the_recording_clock(tmp_path: Path) -> None:
    app, pipeline, link, _ = _app(tmp_path, wall_clock=False)
    app.start()
    app.run()
    app.stop()
    assert pipeline.times[0] == REC_T0
    assert link.sent[0].ts.timestamp() == REC_T0


def test_room_bed_fills_events_without_a_bed_zone(tmp_path: Path) -> None:
    app, _, link, _ = _app(tmp_path, wall_clock=False, bed="bed-a")
    app.start()
    app.run()
    app.stop()
    assert {e.bed for e in link.sent} == {"bed-a"}


def test_stop_undoes_start_in_reverse_and_is_idempotent(tmp_path: Path) -> None:
    app, _, _, log = _app(tmp_path, wall_clock=False)
    app.start()
    app.request_stop()
    assert app.run() == 0  # a stop requested before the first frame processes nothing
    app.stop()
    app.stop()
    assert log == ["link.start", "link.stop", "source.close"]
    assert app.frames == 0


def test_main_refuses_a_bad_config_with_its_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "device.yaml"
    path.write_text("identity:\n  site: s\nsorce: {}\n")
    assert main(path) == 2
    assert f"{path}:3: sorce: unknown key" in caplog.text


def test_heartbeat_logs_counts_and_outbox_depth(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app, _, _, _ = _app(tmp_path, wall_clock=False)
    app.heartbeat_s = 0.01
    with caplog.at_level(logging.INFO, logger="edge_agent.app"):
        app.start()
        app.run()
        deadline = time.monotonic() + 5
        while "health: 5 frames, 6 events" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
        app.stop()
    assert "health: 5 frames, 6 events, outbox depth 0, dropped none" in caplog.text


class FlakyCalibrationPipeline(FakePipeline):
    """Fails the floor calibration on its first two frames, as a blocked view would."""

    def process(self, frame: DepthFrame) -> list[Detection]:
        if len(self.times) < 2:
            self.times.append(frame.t)
            raise CalibrationError("no floor plane in view")
        return super().process(frame)


def test_a_failed_calibration_does_not_stop_the_agent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log: list[str] = []
    link = FakeLink(log)
    app = App(
        FakeSource(log),
        FlakyCalibrationPipeline(),
        EventStamper(Identity("s", "u", "r412", "a", "c")),
        Outbox(tmp_path / "o.sqlite3"),
        link,
        wall_clock_frames=False,
        clock=Clock(),
    )
    app.start()
    with caplog.at_level(logging.WARNING, logger="edge_agent.app"):
        assert app.run() == 0
    app.stop()
    assert app.frames == 5
    assert app.calibration_failures == 2
    assert "floor calibration failed" in caplog.text
    assert [e.type for e in link.sent] == [EventType.OCCUPANCY] * 3 + [EventType.FALL]
