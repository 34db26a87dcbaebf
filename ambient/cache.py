"""Where rendered recordings, features and training clips are kept between runs.

Everything the project caches lives under one folder, ``$XDG_CACHE_HOME/ambient``
(``~/.cache/ambient`` by default), never inside the repository: simulated recordings for the
tests and the demo (``recordings/``, about 1.4 GB after a full test run), pipeline rows for
training (``features/``) and thermal training clips (``thermal-train/``). Anything in it can
be deleted at any time; it is rendered again when next needed.
"""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ambient"


@dataclass(frozen=True, slots=True)
class Usage:
    path: Path
    files: int
    bytes: int


def usage(root: Path | None = None) -> list[Usage]:
    """Files and bytes per top-level folder of the cache (empty when there is no cache)."""
    root = cache_root() if root is None else root
    if not root.is_dir():
        return []
    out = []
    for part in sorted(root.iterdir()):
        files = [part] if part.is_file() else [f for f in part.rglob("*") if f.is_file()]
        out.append(Usage(part, len(files), sum(f.stat().st_size for f in files)))
    return out


def clear(root: Path | None = None) -> int:
    """Delete the whole cache; return the bytes freed. Not while a render is running."""
    root = cache_root() if root is None else root
    freed = sum(u.bytes for u in usage(root))
    if root.is_dir():
        shutil.rmtree(root)
    return freed


def human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")
