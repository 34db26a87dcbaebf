"""One way to read a YAML config into a pydantic settings model, for every role.

An installer edits these files by hand, so a mistake must be easy to find: every error names
the file, the line and the key path (``device.yaml:12: mqtt.prot: unknown key``); duplicate
keys and YAML syntax errors are reported the same way. Depends on pydantic and PyYAML only,
which every role installs.
"""

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ambient.errors import AmbientError

Model = TypeVar("Model", bound=BaseModel)
KeyPath = tuple[str | int, ...]


class ConfigError(AmbientError, ValueError):
    """A config that cannot be used; the message names file, line and key."""


def load_yaml_model(path: Path, model: type[Model], context: dict[str, Any] | None = None) -> Model:
    """Read ``path`` and validate it as ``model``; raises `ConfigError`."""
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from e
    return parse_yaml_model(text, model, str(path), context)


def parse_yaml_model(
    text: str, model: type[Model], source: str, context: dict[str, Any] | None = None
) -> Model:
    """Validate YAML ``text`` as ``model``; ``source`` names it in errors."""
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise ConfigError(f"{where}: invalid YAML: {getattr(e, 'problem', e)}") from e
    if data is None:
        data, node = {}, None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: the config must be a mapping of sections")
    lines: dict[KeyPath, int] = {(): 1}
    if node is not None:
        _map_lines(node, (), lines, source)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as e:
        found = sorted(_describe(err, lines) for err in e.errors())
        raise ConfigError("\n".join(f"{source}:{line}: {msg}" for line, msg in found)) from e


def _map_lines(node: yaml.Node, at: KeyPath, lines: dict[KeyPath, int], source: str) -> None:
    """Key path → 1-based line of the key (or list item) in the YAML text."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*at, str(key.value))
            if child in lines:
                raise ConfigError(
                    f"{source}:{key.start_mark.line + 1}: {dotted(child)}: duplicate key"
                )
            lines[child] = key.start_mark.line + 1
            _map_lines(value, child, lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*at, index)] = item.start_mark.line + 1
            _map_lines(item, (*at, index), lines, source)


def _describe(err: Any, lines: dict[KeyPath, int]) -> tuple[int, str]:
    loc = tuple(err["loc"])
    known = loc
    while known not in lines:  # missing keys and union branches: nearest enclosing key
        known = known[:-1]
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    elif err["type"] == "missing":
        msg = "required key missing"
    else:
        msg = str(err["msg"]).removeprefix("Value error, ")
    return lines[known], f"{dotted(loc) or '(top level)'}: {msg}"


def dotted(loc: KeyPath) -> str:
    """``("mqtt", "tls", 0)`` → ``mqtt.tls[0]``."""
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in loc).replace(".[", "[")
