"""Write a thermal `.npz` frame by frame, so an hour of Lepton frames never sits in memory.

An `.npz` is a zip of `.npy` members; `numpy.savez` needs every array in memory, so
long recordings (a Lepton hour is ~2.4 GB of float32) are streamed instead: the `frames`
member's header is written for the known frame count, then each frame's bytes as it is
rendered. The result is an ordinary uncompressed `.npz` that `numpy.load` reads.
"""

import zipfile
from pathlib import Path
from types import TracebackType
from typing import IO

import numpy as np
import numpy.typing as npt


class NpzFrameWriter:
    """`frames` (n, height, width) float32 streamed, then `t` and `meta` at `finish`."""

    def __init__(self, path: Path, n: int, height: int, width: int) -> None:
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True)
        self._member: IO[bytes] = self._zip.open("frames.npy", "w", force_zip64=True)
        header = {"descr": "<f4", "fortran_order": False, "shape": (n, height, width)}
        np.lib.format.write_array_header_1_0(self._member, header)
        self._shape = (height, width)
        self._expected = n
        self.written = 0

    def write(self, frame: npt.NDArray[np.float32]) -> None:
        if frame.shape != self._shape or self.written >= self._expected:
            raise ValueError(f"frame {self.written} of shape {frame.shape} does not fit")
        self._member.write(np.ascontiguousarray(frame, dtype="<f4").tobytes())
        self.written += 1

    def finish(self, t: npt.NDArray[np.float64], meta_json: str) -> None:
        if self.written != self._expected:
            raise ValueError(f"wrote {self.written} of {self._expected} frames")
        self._member.close()
        with self._zip.open("t.npy", "w") as member:
            np.lib.format.write_array(member, np.asarray(t, dtype="<f8"), allow_pickle=False)
        with self._zip.open("meta.npy", "w") as member:
            np.lib.format.write_array(member, np.array(meta_json), allow_pickle=False)
        self._zip.close()

    def close(self) -> None:
        if not self._member.closed:
            self._member.close()
        self._zip.close()

    def __enter__(self) -> "NpzFrameWriter":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
