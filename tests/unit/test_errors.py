"""Errors raised on purpose share one root per package, and the command shows them as one
line: a nurse's IT team should read "outbox /var/... cannot be opened", not a traceback."""

import argparse
import ast
from pathlib import Path

import pytest

from ambient import cli
from ambient.errors import AmbientError
from edge_agent.outbox import OutboxError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["ambient", "protocol", "edge_agent", "aggregator", "simulators", "models"]
ROOTS = {
    "AmbientError",
    "EdgeError",
    "AggregatorError",
    "SimulatorError",
    "ModelsError",
    "WireError",
}


def _error_classes() -> dict[str, tuple[str, list[str]]]:
    """Every public ``...Error`` class of the packages: name -> (file, base names)."""
    found: dict[str, tuple[str, list[str]]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name.endswith("Error")
                    and not node.name.startswith("_")
                ):
                    bases = [ast.unparse(b).split(".")[-1] for b in node.bases]
                    found[node.name] = (str(path.relative_to(ROOT)), bases)
    return found


def test_every_project_error_descends_from_its_package_root() -> None:
    classes = _error_classes()
    assert len(classes) > 20
    ours = ROOTS | set(classes)
    orphans = [
        f"{name} ({where})"
        for name, (where, bases) in classes.items()
        if name not in ROOTS and not any(b in ours for b in bases)
    ]
    assert orphans == []


def test_an_error_raised_on_purpose_ends_the_command_as_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fails(_args: argparse.Namespace) -> int:
        raise OutboxError("cannot open outbox /data/outbox.sqlite3:\n  disk I/O error")

    parser = argparse.ArgumentParser(prog="ambient")
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("edge").set_defaults(handler=fails)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    assert cli.main(["edge"]) == 1
    err = capsys.readouterr().err
    assert err == "ambient edge: cannot open outbox /data/outbox.sqlite3: disk I/O error\n"
    assert issubclass(OutboxError, AmbientError) and issubclass(OutboxError, RuntimeError)


def test_a_bug_still_shows_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(_args: argparse.Namespace) -> int:
        raise KeyError("not ours to hide")

    parser = argparse.ArgumentParser(prog="ambient")
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("edge").set_defaults(handler=bug)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    with pytest.raises(KeyError):
        cli.main(["edge"])
