"""People in the first learned background, for a start-up with no empty-room reference.

The first boot of an agent (or a reboot after the camera moved) may happen with someone in
view, and the background then learns them with the room. With no reference to compare with,
the only evidence is shape: the learned background is turned into room points once, and
what stands out of the floor and is shaped like a person is taken for one:

* **upright** (standing, or sitting in a chair, chair included): a compact object whose
  top is 1.15–2.1 m above the floor and narrower than its footprint (a head, not the flat
  top of a ventilator or a cabinet); an empty chair is lower, a wardrobe stands at a wall;
* **lying on the floor**: 1.0–2.3 m along its main axis, at most 0.8 m across, mostly
  below 0.3 m (a low table carries its surface higher), down at the floor (top below
  ``body.floor_top_m``, lowest points within ``body.floor_clearance_m``), outside beds;
* **in a bed zone**: what rises 0.08–1.0 m above the mattress (the most common height in
  the zone), away from the zone's outline, where headboards and rails are.

Walls are set aside first: floor cells whose points reach above 2.05 m (no person's head
does), with a cell around them, and the bed's own sides next to a bed zone. A candidate must
also stand in front of the room in the image: just above its outline the camera sees
something farther (a strip of wall cut off by the image edge does not). What this cannot
see, honestly: someone standing or lying against a wall or touching large furniture (one
blob with it), someone sitting in an armchair whose back reaches their head height, someone
in a bed with no bed zone configured; and an object shaped like a person (a coat stand) is
taken for one. Found pixels are held as foreground (`BackgroundModel.hold_pixels`) until the
person moves away, then the room behind them is learned. Runs once, not per frame.
"""

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from edge_agent.perception.blobs import Blob, find_blobs
from edge_agent.perception.config import BlobConfig, BodyConfig
from edge_agent.perception.deproject import Deprojector
from edge_agent.perception.zones import ZoneMap, distance_to_outline, points_in_polygon

SeedKind = Literal["upright", "lying", "in_bed"]

_LOW_M = 0.10
"""Points lower than this are floor (a median background is far better than a frame)."""
_WALL_M = 2.05
_UPRIGHT_M = (1.15, 2.1)
_UPRIGHT_MAX_EXTENT_M = 1.2
_UPRIGHT_FOOTPRINT_M2 = (0.06, 1.2)
_UPRIGHT_MAX_TOP_CELLS = 0.6
"""At most this share of an upright object's floor cells reach within `_TOP_BAND_M` of its
top: a person's head is a small part of their footprint (measured 0.12-0.42, sitting or
standing), equipment and cabinets have a top as wide as they are (0.79-1.0)."""
_TOP_BAND_M = 0.1
_LYING_MAX_MEAN_M = 0.3
"""A body on the floor is mostly low; a table or a stool carries its surface up high."""
_LYING_LENGTH_M = (1.0, 2.3)
_LYING_MAX_WIDTH_M = 0.8
_LYING_FOOTPRINT_M2 = (0.2, 1.5)
_BED_BIN_M = 0.02
_BED_MIN_M = 0.25
_BED_ABOVE_M = (0.08, 1.0)
_BED_EDGE_M = 0.12
_BED_MIN_EXTENT_M = 0.5
_BED_MIN_FOOTPRINT_M2 = 0.12
_BED_AROUND_M = 0.15
"""Outside a bed zone but this close to it: the bed's sides and base, not the open floor."""
_ABOVE_PX = 3
_JUMP_M = 0.15
_MIN_IN_FRONT = 0.5
"""An object stands in front of the room when, in at least half of its image columns, the
pixel a little above its top edge is this much farther (what is behind it)."""


F32 = npt.NDArray[np.float32]
_Found = tuple[Blob, npt.NDArray[np.intp], tuple[F32, F32, F32]]
"""A blob, its pixels (flat indices) and its points' x, y and height."""


@dataclass(frozen=True, slots=True)
class Seed:
    """A person found in the learned background."""

    kind: SeedKind
    x: float
    y: float
    """Floor position of the found pixels' centroid (room metres)."""
    pixels: npt.NDArray[np.intp]
    """Flat indices into the pipeline's strided image."""


def shape_of(blob: Blob, length_m: float, width_m: float, body: BodyConfig) -> SeedKind | None:
    """Upright or lying on the floor, by size alone; None when neither (see module doc).

    ``length_m``, ``width_m``: the blob's extent along and across its main axis on the floor;
    ``body``: what down at the floor means.
    """
    lo, hi = _UPRIGHT_M
    if (
        lo <= blob.top_m <= hi
        and length_m <= _UPRIGHT_MAX_EXTENT_M
        and _UPRIGHT_FOOTPRINT_M2[0] <= blob.footprint_m2 <= _UPRIGHT_FOOTPRINT_M2[1]
    ):
        return "upright"
    if (
        blob.top_m <= body.floor_top_m
        and blob.z <= _LYING_MAX_MEAN_M
        and blob.bottom_m <= body.floor_clearance_m
        and _LYING_LENGTH_M[0] <= length_m <= _LYING_LENGTH_M[1]
        and width_m <= _LYING_MAX_WIDTH_M
        and _LYING_FOOTPRINT_M2[0] <= blob.footprint_m2 <= _LYING_FOOTPRINT_M2[1]
    ):
        return "lying"
    return None


def principal_extents(
    x: npt.NDArray[np.float32], y: npt.NDArray[np.float32]
) -> tuple[float, float]:
    """Extent of floor points along their main axis and across it (metres)."""
    if x.size < 3:
        return 0.0, 0.0
    xy = np.stack([x - x.mean(), y - y.mean()]).astype(np.float64)
    _, vecs = np.linalg.eigh(xy @ xy.T)
    along = vecs[:, 1] @ xy  # eigh sorts ascending: the last vector is the main axis
    across = vecs[:, 0] @ xy
    return float(np.ptp(along)), float(np.ptp(across))


def find_people(
    background: npt.NDArray[np.float32],
    deproj: Deprojector,
    zones: ZoneMap,
    config: BlobConfig,
    body: BodyConfig,
) -> list[Seed]:
    """People-shaped objects in a learned background (strided image, room transform set)."""
    idx = np.flatnonzero(background.ravel() > 0)
    if idx.size == 0:
        return []
    d = background.ravel()[idx]
    pts = deproj.room_points_at(d, idx)
    areas = d * d * np.float32(deproj.pixel_area)
    x, y, z = pts[0], pts[1], pts[2]
    seeds: list[Seed] = []
    by_bed = np.zeros(idx.size, dtype=bool)
    for bed in zones.of_kind("bed"):
        inside = points_in_polygon(x, y, bed.polygon)
        by_bed |= inside | (distance_to_outline(x, y, bed.polygon) < _BED_AROUND_M)
        seeds += _in_bed(pts, areas, idx, inside=inside, polygon=bed.polygon, config=config)
    rest = ~by_bed & (z > _LOW_M) & (z < config.max_height_m)
    rest &= ~_at_walls(x, y, z, config.cell_m)
    for blob, pixels, (bx, by, bz) in _blobs(pts, areas, idx, rest, config):
        kind = shape_of(blob, *principal_extents(bx, by), body)
        if kind == "upright" and _top_cells(bx, by, bz, blob.top_m, config.cell_m) > (
            _UPRIGHT_MAX_TOP_CELLS
        ):
            continue  # flat-topped: a cabinet, a ventilator, a pump stand
        if kind is not None:
            seeds.append(Seed(kind, blob.x, blob.y, pixels))
    return [s for s in seeds if _in_front(s.pixels, background)]


def _top_cells(x: F32, y: F32, z: F32, top: float, cell: float) -> float:
    """Share of the object's floor cells whose highest point is within `_TOP_BAND_M` of its
    top."""
    ix = np.floor(x / cell).astype(np.int64)
    iy = np.floor(y / cell).astype(np.int64)
    key = (iy - iy.min()) * (int(ix.max() - ix.min()) + 1) + (ix - ix.min())
    cells, inverse = np.unique(key, return_inverse=True)
    highest = np.full(cells.size, -np.inf)
    np.maximum.at(highest, inverse, z)
    return float(np.mean(highest >= top - _TOP_BAND_M))


def _in_front(pixels: npt.NDArray[np.intp], background: npt.NDArray[np.float32]) -> bool:
    """Is there something farther just above the object's top edge in the image?

    A person stands (or lies) in front of the room: above their outline the camera sees
    what is behind them. A strip of wall cut off by the image edge, or the lower part of a
    wall, continues upwards in the image at about the same depth.
    """
    h, w = background.shape
    rows, cols = pixels // w, pixels % w
    top = np.full(w, h, dtype=np.int64)
    np.minimum.at(top, cols, rows)
    seen = np.flatnonzero(top < h)
    above = top[seen] - _ABOVE_PX
    ok = above >= 0
    here = background[top[seen][ok], seen[ok]]
    behind = background[above[ok], seen[ok]]
    farther = np.count_nonzero((here > 0) & (behind > here + _JUMP_M))
    return bool(farther >= _MIN_IN_FRONT * seen.size)


def _blobs(
    pts: npt.NDArray[np.float32],
    areas: npt.NDArray[np.float32],
    idx: npt.NDArray[np.intp],
    keep: npt.NDArray[np.bool_],
    config: BlobConfig,
) -> list[_Found]:
    """Blobs of the kept points, each with its pixels and its points' x, y and height."""
    kept_pts = pts[:, keep]
    blobs, point_blob = find_blobs(kept_pts, areas[keep], config)
    kept = idx[keep]
    out: list[_Found] = []
    for k, blob in enumerate(blobs):
        mine = point_blob == k
        out.append((blob, kept[mine], (kept_pts[0][mine], kept_pts[1][mine], kept_pts[2][mine])))
    return out


def _at_walls(
    x: npt.NDArray[np.float32], y: npt.NDArray[np.float32], z: npt.NDArray[np.float32], cell: float
) -> npt.NDArray[np.bool_]:
    """Points in floor cells next to (or in) a cell that reaches above any person's head."""
    tall = z > _WALL_M
    if not tall.any():
        return np.zeros(x.shape, dtype=bool)
    ix = np.floor(x / cell).astype(np.int64)
    iy = np.floor(y / cell).astype(np.int64)
    ix -= int(ix.min()) - 1  # a free cell on every side, so neighbour codes never wrap
    iy -= int(iy.min()) - 1
    width = int(ix.max()) + 2
    code = iy * width + ix
    around = np.array([dy * width + dx for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
    near = (np.unique(code[tall])[:, None] + around[None, :]).ravel()
    found: npt.NDArray[np.bool_] = np.isin(code, near)
    return found


def _in_bed(
    pts: npt.NDArray[np.float32],
    areas: npt.NDArray[np.float32],
    idx: npt.NDArray[np.intp],
    *,
    inside: npt.NDArray[np.bool_],
    polygon: npt.NDArray[np.float64],
    config: BlobConfig,
) -> list[Seed]:
    """What lies or sits on the mattress of one bed zone."""
    z = pts[2]
    heights = z[inside & (z > _BED_MIN_M)]
    if heights.size < 50:
        return []
    bins = np.arange(_BED_MIN_M, float(heights.max()) + 2 * _BED_BIN_M, _BED_BIN_M)
    counts, edges = np.histogram(heights, bins=bins)
    mattress = float(edges[int(np.argmax(counts))]) + _BED_BIN_M / 2
    lo, hi = _BED_ABOVE_M
    band = inside & (z > mattress + lo) & (z < mattress + hi)
    band[band] = distance_to_outline(pts[0][band], pts[1][band], polygon) >= _BED_EDGE_M
    seeds = []
    for blob, pixels, _ in _blobs(pts, areas, idx, band, config):
        extent = max(blob.extent_x_m, blob.extent_y_m)
        if extent >= _BED_MIN_EXTENT_M and blob.footprint_m2 >= _BED_MIN_FOOTPRINT_M2:
            seeds.append(Seed("in_bed", blob.x, blob.y, pixels))
    return seeds
