"""Body thresholds live once (`perception.body`); an engine key from before that section still
overrides it for its own engine, so a deployed device.yaml keeps meaning what it meant."""

from pathlib import Path

import pytest

from edge_agent.config import load_config
from edge_agent.detections import Detection
from edge_agent.engines import EngineFrame, Observation
from edge_agent.engines.build import build_engines
from edge_agent.perception.config import BodyConfig, PerceptionConfig
from edge_agent.perception.zones import ZoneMap
from protocol import EventType, Phase

EXAMPLE = Path(__file__).parents[3] / "deploy" / "edge" / "device.yaml"
FALL_SECTION = "  fall:\n    escalation_s: [300, 900, 3600]\n"


def _device(tmp_path: Path, sections: str, fall_keys: str) -> PerceptionConfig:
    """The shipped example device.yaml with ``sections`` added under ``perception:`` and
    ``fall_keys`` to its fall section."""
    text = EXAMPLE.read_text()
    assert FALL_SECTION in text
    path = tmp_path / "device.yaml"
    path.write_text(text.replace(FALL_SECTION, sections + FALL_SECTION + fall_keys))
    return load_config(path, check_secrets=False).perception


def _starts(config: PerceptionConfig) -> set[EventType]:
    """Which episodes open when, in the example room, a patient in bed-a sits up to 1.15 m and
    a visitor whose head was at 1.15 m drops to the floor beside the bed."""
    zones, engines = ZoneMap(config.zones), build_engines(config, {})

    def seen(track: int, x: float, y: float, top: float, bottom: float) -> Observation:
        zone = zones.at(x, y)
        return Observation(
            track,
            x,
            y,
            top,
            bottom,
            is_person=True,
            born_t=0.0,
            zone_id=zone.id if zone else None,
            zone_kind=zone.kind if zone else None,
            fall_risk=zone.fall_risk if zone else False,
            zones=zones.kinds_at(x, y),
        )

    out: list[Detection] = []
    for i in range(80):
        t = i / 10
        up = t < 2.0
        frame = [
            seen(1, 0.9, 2.0, 0.8 if up else 1.15, 0.5),  # lies in bed, then sits up
            seen(2, 2.0, 2.2, 1.15 if up else 0.3, 0.0),  # stands (stooped), then on the floor
        ]
        out += engines.step(t, EngineFrame(frame, people=len(frame)))
    return {d.type for d in out if d.phase is Phase.START} & {EventType.FALL, EventType.BED_EXIT}


@pytest.mark.parametrize(
    ("sections", "fall_keys", "starts"),
    [
        ("", "", {EventType.FALL, EventType.BED_EXIT}),
        # A key from before `body` existed: still valid, and for the fall engine only.
        ("", "    standing_height_m: 1.2\n", {EventType.BED_EXIT}),
        # The shared value: every engine that reads it.
        ("  body:\n    upright_top_m: 1.2\n", "", set()),
        # An engine's own key wins over the shared value.
        (
            "  body:\n    upright_top_m: 1.2\n  bed_exit:\n    sit_top_m: 1.1\n",
            "",
            {EventType.BED_EXIT},
        ),
    ],
    ids=["defaults", "old-fall-key", "body", "body-and-bed-exit-key"],
)
def test_upright_height_from_body_or_an_engines_own_key(
    tmp_path: Path, sections: str, fall_keys: str, starts: set[EventType]
) -> None:
    assert _starts(_device(tmp_path, sections, fall_keys)) == starts


OLD_KEYS = {
    "fall": {
        "standing_height_m": ("upright_top_m", 1.2),
        "fallen_height_m": ("floor_top_m", 0.5),
        "max_floor_clearance_m": ("floor_clearance_m", 0.2),
    },
    "bed_exit": {
        "sit_top_m": ("upright_top_m", 1.0),
        "on_bed_bottom_m": ("mattress_bottom_m", 0.35),
        "edge_bottom_m": ("floor_clearance_m", 0.15),
        "posture_min_conf": ("posture_min_conf", 0.7),
    },
    "mobility": {
        "sit_top_m": ("upright_top_m", 1.05),
        "walk_speed_mps": ("walk_speed_mps", 0.3),
        "posture_min_conf": ("posture_min_conf", 0.8),
    },
    "activity": {
        "floor_top_m": ("floor_top_m", 0.55),
        "floor_bottom_m": ("floor_clearance_m", 0.3),
        "walk_speed_mps": ("walk_speed_mps", 0.2),
        "posture_min_conf": ("posture_min_conf", 0.5),
    },
}
"""Every engine key that repeated a body threshold: what it overrides, and a value to set."""


def test_every_old_engine_key_overrides_its_body_value_for_that_engine_only() -> None:
    defaults = BodyConfig()
    for section, keys in OLD_KEYS.items():
        config = PerceptionConfig.model_validate(
            {section: {key: value for key, (_, value) in keys.items()}}
        )
        for name in ("fall", "bed_exit", "mobility", "activity"):
            resolved = getattr(config, name).body_thresholds(config.body)
            expected = {body: value for body, value in keys.values()} if name == section else {}
            assert resolved == defaults.model_copy(update=expected), (section, name)


def test_unset_engine_keys_follow_the_shared_body_section() -> None:
    body = BodyConfig(
        upright_top_m=1.2,
        floor_top_m=0.5,
        floor_clearance_m=0.2,
        mattress_bottom_m=0.35,
        walk_speed_mps=0.3,
        posture_min_conf=0.7,
    )
    config = PerceptionConfig(body=body)
    for name in ("fall", "bed_exit", "mobility", "activity"):
        assert getattr(config, name).body_thresholds(config.body) == body
