"""One cache folder for everything rendered: shown with its size, cleared on request."""

from pathlib import Path

import pytest

from ambient.cli import main
from models.thermal.clips import default_dir
from simulators.cache import cache_dir
from simulators.thermal.cache import cached_thermal


def test_every_cache_lives_under_one_folder_that_the_command_sizes_and_clears(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    root = tmp_path / "ambient"
    assert cache_dir().is_relative_to(root) and default_dir().is_relative_to(root)
    clip = cached_thermal("quiet_room", 0, sensor="grideye", max_seconds=2.0)
    assert clip.is_relative_to(root)
    (root / "features").mkdir()
    (root / "features" / "rows.npz").write_bytes(b"x" * 2_000_000)

    assert main(["cache"]) == 0
    shown = capsys.readouterr().out
    assert str(root) in shown and "ambient cache --clear" in shown
    assert "features/" in shown and "2.0 MB" in shown and "recordings/" in shown

    assert main(["cache", "--clear"]) == 0
    assert "freed" in capsys.readouterr().out
    assert not root.exists()
    assert main(["cache"]) == 0
    assert "0 B" in capsys.readouterr().out
