"""Each role imports only its own stack: no camera SDK on the central server, no web stack
on the sensor box (the extras in pyproject.toml depend on it)."""

import subprocess
import sys

CAMERA_STACK = {"pyrealsense2", "open3d", "onnxruntime", "edge_agent", "simulators"}
"""numpy is not here: the central reports use it too (it is in both extras)."""
WEB_STACK = {"fastapi", "uvicorn", "starlette", "redis"}
THIRD_PARTY_HEAVY = {"numpy", "pyrealsense2", "open3d", "onnxruntime", "torch"} | WEB_STACK


def _imported(modules: list[str], watch: set[str]) -> set[str]:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & {watch!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(out.stdout.split())


def test_aggregator_loads_no_camera_stack() -> None:
    modules = ["aggregator.app", "aggregator.web.api", "aggregator.ingest.mqtt", "aggregator.cli"]
    assert _imported(modules, CAMERA_STACK) == set()


def test_edge_agent_loads_no_web_stack() -> None:
    modules = ["edge_agent.app", "edge_agent.replay", "edge_agent.pipeline"]
    assert _imported(modules, WEB_STACK) == set()


def test_the_command_line_loads_neither_stack() -> None:
    """`ambient --help` works on any role's install: subcommands import their work lazily."""
    code = (
        "import sys\nfrom ambient.cli import build_parser\n"
        f"build_parser()\nheavy = {{m.split('.')[0] for m in sys.modules}} & "
        f"{THIRD_PARTY_HEAVY!r}\nprint(' '.join(sorted(heavy)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == []


def test_the_edge_never_loads_training_evaluation_or_the_simulator() -> None:
    """The device installs onnxruntime and the model files: no training code, no torch, no
    simulator (the edge may read the models folder's files, not import its code)."""
    modules = ["edge_agent.app", "edge_agent.replay", "edge_agent.pipeline"]
    modules += ["edge_agent.thermal.pipeline", "edge_agent.inference.track_models"]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print(' '.join(sorted(m for m in sys.modules if m == 'models' or "
        "m.startswith(('models.', 'simulators', 'torch')))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == []
