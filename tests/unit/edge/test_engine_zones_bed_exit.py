"""Zones (doors, dispensers, bathroom doors) from config, and the bed-exit early warning."""

import pytest
from pydantic import ValidationError

from edge_agent.detections import Detection
from edge_agent.engines import BedExitEngine, EngineFrame, Observation
from edge_agent.perception.config import BedExitConfig, BedZone, PerceptionConfig, ZonesConfig
from edge_agent.perception.zones import ZoneMap
from protocol import BedExitData, Phase

SQUARE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]


def test_every_zone_kind_loads_from_a_config_dict_and_is_found_by_position() -> None:
    zones = ZonesConfig.model_validate(
        {
            "beds": [{"id": "bed-a", "polygon": [[2, 2], [3, 2], [3, 4], [2, 4]]}],
            "doors": [{"id": "door", "polygon": [[0, 0], [1, 0], [1, 0.6], [0, 0.6]]}],
            "dispensers": [
                {"id": "rub-in", "polygon": [[0.8, 0.4], [1.4, 0.4], [1.4, 1.0], [0.8, 1.0]]},
                {"id": "rub-out", "where": "outside", "polygon": [[0, -1], [1, -1], [1, -0.5]]},
            ],
            "bathrooms": [{"id": "wc", "polygon": [[4, 0], [5, 0], [5, 1], [4, 1]]}],
        }
    )
    zmap = ZoneMap(zones)
    assert zmap.kinds_at(0.9, 0.5) == ("door", "dispenser_in")  # a dispenser beside the door
    assert zmap.kinds_at(0.9, -0.9) == ("dispenser_out",)
    assert zmap.kinds_at(4.5, 0.5) == ("bathroom",)
    assert zmap.at(0.9, 0.5) is None  # doors are not where lying is normal
    bed = zmap.at(2.5, 3.0)
    assert bed is not None and bed.id == "bed-a" and zmap.kinds_at(2.5, 3.0) == ("bed",)


def test_zone_config_mistakes_are_named() -> None:
    with pytest.raises(ValidationError, match="'x' is used twice"):
        ZonesConfig.model_validate(
            {"beds": [{"id": "x", "polygon": SQUARE}], "doors": [{"id": "x", "polygon": SQUARE}]}
        )
    with pytest.raises(ValidationError, match=r"less than 0\.01 m²"):
        ZonesConfig.model_validate({"doors": [{"id": "d", "polygon": [[0, 0], [1, 1], [2, 2]]}]})
    with pytest.raises(ValidationError, match="where"):
        ZonesConfig.model_validate(
            {"dispensers": [{"id": "d", "polygon": SQUARE, "where": "hallway"}]}
        )
    with pytest.raises(ValidationError, match="extra"):
        PerceptionConfig.model_validate({"hand_hygiene": {"window": 30}})


BED = BedZone(id="bed-7", polygon=[(0.0, 0.0), (1.0, 0.0), (1.0, 2.0), (0.0, 2.0)], fall_risk=True)


def _patient(
    top: float, x: float = 0.5, bottom: float = 0.6, posture: str | None = None
) -> Observation:
    inside = 0.0 <= x <= 1.0
    return Observation(
        3,
        x,
        1.0,
        top,
        bottom,
        is_person=True,
        born_t=0.0,
        zone_id="bed-7" if inside else None,
        zone_kind="bed" if inside else None,
        fall_risk=inside,
        posture=posture,
        posture_conf=0.9 if posture else 0.0,
    )


def _run(engine: BedExitEngine, timeline: list[tuple[int, int, Observation]]) -> list[Detection]:
    return [
        d
        for start, end, obs in timeline
        for i in range(start * 10, end * 10)
        for d in engine.step(i / 10, EngineFrame([obs]))
    ]


def test_legs_over_the_side_warns_before_the_patient_sits_up_high() -> None:
    # Rolls to the edge and swings the legs down without ever raising the head above 1.1 m.
    engine = BedExitEngine(BedExitConfig(), [BED])
    out = _run(engine, [(0, 10, _patient(0.8)), (10, 20, _patient(1.0, x=1.15, bottom=0.1))])
    [warning] = out
    assert isinstance(warning.data, BedExitData) and warning.data.stage == "predicted"
    assert 10.0 <= warning.ts < 10.2


def test_the_posture_model_saying_sitting_warns_with_more_confidence() -> None:
    engine = BedExitEngine(BedExitConfig(), [BED])
    out = _run(engine, [(0, 10, _patient(0.8)), (10, 12, _patient(1.0, posture="sitting"))])
    assert [d.confidence for d in out] == [0.9]
    plain = _run(
        BedExitEngine(BedExitConfig(), [BED]), [(0, 10, _patient(0.8)), (10, 12, _patient(1.4))]
    )
    assert [d.confidence for d in plain] == [0.8]


def test_no_warning_while_untrusted_and_flush_closes_an_open_exit() -> None:
    engine = BedExitEngine(BedExitConfig(), [BED])
    sitting_up = EngineFrame([_patient(1.4)], trusted=False)
    quiet = [d for i in range(50) for d in engine.step(i / 10, sitting_up)]
    assert quiet == []
    out = _run(engine, [(5, 10, _patient(1.4)), (10, 20, _patient(1.7, x=1.8, bottom=0.0))])
    out += engine.flush(20.0)
    stages = [(d.phase, d.data.stage) for d in out if isinstance(d.data, BedExitData)]
    assert stages == [(Phase.START, "predicted"), (Phase.UPDATE, "exit"), (Phase.END, "exit")]
