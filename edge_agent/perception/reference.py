"""The empty-room reference: the depth background of the room with nobody in it, kept on disk.

A background learned from the first frames after a reboot learns whoever is in view then,
and an agent reboots with a patient in bed far more often than into an empty room. So, like
the floor calibration, the agent keeps what the empty room looks like: a compact per-pixel
file (depth and noise as float16, compressed: a few hundred KB) next to the calibration,
written only when it has seen the room empty (at installation, or after minutes with nothing
tracked). At start-up anything in front of it is foreground at once.

The file is bound to what it was measured with: the stream's intrinsics and pixel stride, and
the camera pose of the floor calibration. A new calibration (camera re-mounted) or another
stream mode makes it unusable, and `BackgroundModel.adopt` checks it against the live view
as well, so a camera knocked askew does not reuse a stale picture of the room.
"""

import io
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from edge_agent.calibration import Calibration
from edge_agent.errors import EdgeError
from edge_agent.sources.base import Intrinsics

logger = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]

_FORMAT = "ambient.room-reference/1"
_MAX_PX = 0.05
"""Intrinsics this close are the same lens (recordings store them as float32)."""
_MAX_TURN_DEG = 1.0
_MAX_SHIFT_M = 0.05
"""A calibration this close to the one the reference was made with is the same camera pose
(a floor fitted again from another background differs by a fraction of this)."""


class RoomReferenceError(EdgeError, RuntimeError):
    """An unreadable or incompatible empty-room reference file."""


def reference_path(calibration_file: Path) -> Path:
    """Where the reference of a floor calibration lives: ``floor.json`` → ``floor.room.npz``."""
    return calibration_file.with_suffix(".room.npz")


@dataclass(frozen=True, slots=True)
class RoomReference:
    """Depth background (m, 0 = no reading) and its per-pixel noise σ (m) of the empty room,
    on the pipeline's strided pixel grid, with what it was measured with."""

    depth: F32
    sigma: F32
    stride: int
    intrinsics: Intrinsics
    rotation: F32
    translation: F32

    def save(self, path: Path) -> None:
        """Write atomically (a temporary file renamed), so a crash leaves the old one."""
        intr = self.intrinsics
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            format=np.array(_FORMAT),
            depth=self.depth.astype(np.float16),
            sigma=self.sigma.astype(np.float16),
            stride=np.array(self.stride),
            intrinsics=np.array([intr.width, intr.height, intr.fx, intr.fy, intr.ppx, intr.ppy]),
            rotation=self.rotation.astype(np.float32),
            translation=self.translation.astype(np.float32),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(buf.getvalue())
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "RoomReference":
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["format"]) != _FORMAT:
                    raise RoomReferenceError(f"{path}: not an empty-room reference")
                w, h, fx, fy, ppx, ppy = (float(v) for v in data["intrinsics"])
                depth = data["depth"].astype(np.float32)
                sigma = data["sigma"].astype(np.float32)
                ref = cls(
                    depth=depth,
                    sigma=sigma,
                    stride=int(data["stride"]),
                    intrinsics=Intrinsics(int(w), int(h), fx, fy, ppx, ppy),
                    rotation=data["rotation"].astype(np.float32).reshape(3, 3),
                    translation=data["translation"].astype(np.float32).reshape(3),
                )
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise RoomReferenceError(f"cannot read empty-room reference {path}: {e}") from e
        if depth.shape != sigma.shape or depth.ndim != 2:
            raise RoomReferenceError(f"{path}: depth and noise maps do not match")
        return ref

    def mismatch(self, intrinsics: Intrinsics, stride: int, calibration: Calibration) -> str | None:
        """Why this reference cannot serve this stream and camera pose, or None if it can."""
        mine = self.intrinsics
        same_mode = (intrinsics.width, intrinsics.height, stride) == (
            mine.width,
            mine.height,
            self.stride,
        )
        lens = (
            intrinsics.fx - mine.fx,
            intrinsics.fy - mine.fy,
            intrinsics.ppx - mine.ppx,
            intrinsics.ppy - mine.ppy,
        )
        if not same_mode or max(abs(v) for v in lens) > _MAX_PX:
            return "made for another stream mode or pixel stride"
        cos = (float(np.trace(self.rotation.T @ calibration.rotation)) - 1.0) / 2.0
        turn = math.degrees(math.acos(min(1.0, max(-1.0, cos))))
        shift = float(np.linalg.norm(self.translation - calibration.translation))
        if turn > _MAX_TURN_DEG or shift > _MAX_SHIFT_M:
            return f"made with another camera pose ({turn:.1f}° and {shift:.2f} m away)"
        return None


def load_reference(
    path: Path, intrinsics: Intrinsics, stride: int, calibration: Calibration
) -> RoomReference | None:
    """The reference at ``path`` if there is one and it fits this stream and camera pose
    (a warning says why not otherwise)."""
    if not path.exists():
        return None
    try:
        reference = RoomReference.load(path)
    except RoomReferenceError as e:
        logger.warning("%s", e)
        return None
    why = reference.mismatch(intrinsics, stride, calibration)
    if why is not None:
        logger.warning("empty-room reference %s not used: %s", path, why)
        return None
    return reference


def make_reference(
    depth: F32, sigma: F32, stride: int, intrinsics: Intrinsics, calibration: Calibration
) -> RoomReference:
    return RoomReference(
        depth=depth.copy(),
        sigma=sigma.copy(),
        stride=stride,
        intrinsics=intrinsics,
        rotation=calibration.rotation,
        translation=calibration.translation,
    )


class EmptyRoomWatch:
    """Decides when the room has been empty long enough to store the background as the
    reference: nothing tracked (not even an object being absorbed) for ``empty_s`` on a
    healthy sensor, at most once per ``rewrite_s`` (drift and moved furniture get in)."""

    def __init__(self, empty_s: float, rewrite_s: float) -> None:
        self._empty_s = empty_s
        self._rewrite_s = rewrite_s
        self._empty_since: float | None = None
        self._written_t = -math.inf

    def step(self, t: float, empty: bool) -> bool:
        """True when the reference should be written now."""
        if not empty:
            self._empty_since = None
            return False
        if self._empty_since is None:
            self._empty_since = t
        if t - self._empty_since < self._empty_s or t - self._written_t < self._rewrite_s:
            return False
        self._written_t = t
        return True
