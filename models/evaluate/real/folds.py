"""Which model evaluates which real clip: never one that trained or was tuned on it.

Every thermal model's sidecar lists the real recordings its training saw, by set and group
(`training.real`: {"gridfall": ["fall1", "walk2", ...]}). A clip is evaluated by a models
directory none of whose thermal models saw the clip's (set, group):

- without folds, the given models directory (e.g. the shipped one, trained on simulated data
  only), clip by clip;
- with a folds directory (one models directory per fold, as `ambient models train --real ...
  --folds` writes them), the one fold that held the clip out. Two folds that both held a clip
  out make the protocol ambiguous, and that is an error, not a choice.

A clip no candidate held out is not evaluated, and the report counts it as such.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from edge_agent.inference.sidecar import SidecarError, load_sidecar
from models.errors import ModelsError
from models.evaluate.real.index import RealClip


class ProtocolError(ModelsError, ValueError):
    """The models cannot be assigned to the clips without testing on what they saw."""


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    models_dir: Path
    seen: Mapping[str, frozenset[str]]
    """Real groups per set that any thermal model here trained or was tuned on."""

    def saw(self, clip: RealClip) -> bool:
        return clip.group in self.seen.get(clip.set, frozenset())


def candidate(models_dir: Path, name: str | None = None) -> Candidate:
    """The real groups the thermal models of `models_dir` saw."""
    seen: dict[str, set[str]] = {}
    sidecars = sorted(models_dir.glob("*/model.json"))
    thermal = 0
    for path in sidecars:
        try:
            side = load_sidecar(path)
        except SidecarError as e:
            raise ProtocolError(f"{path}: {e}") from e
        if side.sensor != "thermal":
            continue
        thermal += 1
        real = side.training.get("real", {})
        if not isinstance(real, dict):
            raise ProtocolError(f"{path}: training.real must map a set to its groups")
        for set_name, groups in real.items():
            seen.setdefault(str(set_name), set()).update(str(g) for g in groups)
    if thermal == 0:
        raise ProtocolError(f"no thermal model in {models_dir}")
    return Candidate(
        name or models_dir.name, models_dir, {k: frozenset(v) for k, v in seen.items()}
    )


def folds(root: Path) -> list[Candidate]:
    """One candidate per fold directory under `root` (each a models directory)."""
    dirs = sorted(p for p in root.iterdir() if p.is_dir() and any(p.glob("*/model.json")))
    if not dirs:
        raise ProtocolError(f"no fold directories with models under {root}")
    return [candidate(d) for d in dirs]


def assign(
    clips: Sequence[RealClip], candidates: Sequence[Candidate], *, one_fold: bool
) -> tuple[dict[str, Candidate], list[RealClip]]:
    """Clip id → the candidate that evaluates it, and the clips nobody held out.

    `one_fold`: the candidates are folds of one protocol, so exactly one may hold a clip out.
    Otherwise the first candidate that never saw the clip evaluates it.
    """
    chosen: dict[str, Candidate] = {}
    orphans: list[RealClip] = []
    for clip in clips:
        unseen = [c for c in candidates if not c.saw(clip)]
        if not unseen:
            orphans.append(clip)
            continue
        if one_fold and len(unseen) > 1:
            names = ", ".join(c.name for c in unseen)
            raise ProtocolError(
                f"{clip.id} ({clip.set}/{clip.group}) is held out by several folds ({names}): "
                "a protocol holds each clip out once"
            )
        chosen[clip.id] = unseen[0]
    return chosen, orphans
