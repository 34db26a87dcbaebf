"""Depth images of a room with people in it, by ray casting from the camera.

The room never moves, so its depth image is cast once; per frame only the rays inside the
person's projected bounding box are cast against the body's capsules and merged by nearest
depth. That keeps a 640×480 frame to a few milliseconds.

`render_surfaces` also reports, from the same cast, which material every pixel sees and at
what incidence angle, which the sensor model needs for dark and shiny surfaces
(`simulators.noise`); `render` skips that bookkeeping and returns depth only.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulators import raycast
from simulators.camera import CameraModel
from simulators.raycast import MATERIALS, Material, SurfaceImage
from simulators.rooms import Room

Array = npt.NDArray[np.float64]
Capsules = tuple[Array, Array, Array]
_MATERIAL_ID = {name: index for index, name in enumerate(MATERIALS)}


@dataclass(frozen=True, slots=True)
class Rendered:
    """One perfect frame: depth (metres), visible pixels per body and the surfaces hit."""

    depth: npt.NDArray[np.float32]
    visible: list[int]
    surfaces: SurfaceImage


class DepthRenderer:
    """Perfect (noise-free) depth in metres for one camera in one room."""

    def __init__(self, camera: CameraModel, room: Room) -> None:
        self.camera = camera
        dirs, z_per_t = camera.pixel_rays()
        self._origin = np.asarray(camera.pose.position, dtype=np.float64)
        self._rotation = camera.pose.rotation()
        self._dirs = dirs
        self._z_per_t = z_per_t
        solids = list(room.furniture.values())
        t_room, room_axis = raycast.room_interior_hit(self._origin, dirs, room.size)
        t_box, which, box_axis = raycast.boxes_hit(self._origin, dirs, solids)
        self.static_depth = (np.minimum(t_room, t_box) * z_per_t).astype(np.float32)
        on_box = t_box < t_room
        box_material = np.array([_MATERIAL_ID[box.material] for box in solids] + [0], np.uint8)
        self.static_material = np.where(on_box, box_material[which], 0).astype(np.uint8)
        """Material id per pixel of the empty room (walls, floor and ceiling are matte)."""
        axis = np.where(on_box, box_axis, room_axis)
        cos = np.abs(np.take_along_axis(dirs, axis[..., None], axis=-1)[..., 0])
        self.static_cos = cos.astype(np.float32)
        """|cos| of the incidence angle per pixel of the empty room (faces are axis-aligned)."""

    def render(self, bodies: list[Capsules]) -> tuple[npt.NDArray[np.float32], list[int]]:
        """Depth image and, per body, how many pixels of it are visible."""
        depth, visible, _ = self._cast(bodies, None)
        return depth, visible

    def render_surfaces(
        self, bodies: list[Capsules], materials: Sequence[Sequence[Material]] | None = None
    ) -> Rendered:
        """Like `render`, plus the surface image; `materials` gives one per capsule per body
        (default: all matte). Depth and visible counts are exactly `render`'s."""
        ids = [
            [_MATERIAL_ID[m] for m in per_body]
            for per_body in (materials if materials is not None else [[] for _ in bodies])
        ]
        if len(ids) != len(bodies):
            raise ValueError(f"materials for {len(ids)} bodies, but {len(bodies)} bodies")
        depth, visible, surfaces = self._cast(bodies, ids)
        assert surfaces is not None
        return Rendered(depth, visible, surfaces)

    def _cast(
        self, bodies: list[Capsules], material_ids: list[list[int]] | None
    ) -> tuple[npt.NDArray[np.float32], list[int], SurfaceImage | None]:
        depth = self.static_depth.copy()
        owner = np.zeros(depth.shape, dtype=np.int8)
        material = cos = None
        if material_ids is not None:
            material = self.static_material.copy()
            cos = self.static_cos.copy()
        for index, (a, b, r) in enumerate(bodies, start=1):
            for k, (v0, v1, u0, u1) in enumerate(self._rois(a, b, r)):
                if v0 >= v1 or u0 >= u1:
                    continue
                rk = float(r[k])
                t = raycast.capsule(self._origin, self._dirs[v0:v1, u0:u1], a[k], b[k], rk)
                z = (t * self._z_per_t[v0:v1, u0:u1]).astype(np.float32)
                window = depth[v0:v1, u0:u1]
                nearer = z < window
                window[nearer] = z[nearer]
                owner[v0:v1, u0:u1][nearer] = index
                if material is not None and cos is not None and material_ids is not None:
                    ids = material_ids[index - 1]
                    material[v0:v1, u0:u1][nearer] = ids[k] if k < len(ids) else 0
        counts = np.bincount(owner.ravel(), minlength=len(bodies) + 1)
        visible = [int(c) for c in counts[1:]]
        if material is None or cos is None:
            return depth, visible, None
        np.copyto(cos, np.float32(1.0), where=owner > 0)
        return depth, visible, SurfaceImage(material, cos)

    def _rois(self, a: Array, b: Array, r: Array) -> list[tuple[int, int, int, int]]:
        return capsule_rois(self.camera, a, b, r, origin=self._origin, rotation=self._rotation)


def capsule_rois(
    cam: CameraModel, a: Array, b: Array, r: Array, *, origin: Array, rotation: Array
) -> list[tuple[int, int, int, int]]:
    """Per capsule, the pixel rows and columns that can see it (all, if it is behind).

    Only rays in these windows are cast against a body, which keeps rendering people cheap.
    """
    pts = (np.stack([a, b]) - origin) @ rotation  # (2, K, 3) camera frame
    z_near = pts[..., 2] - r
    behind = np.any(z_near < 0.05, axis=0)
    z_safe = np.maximum(z_near, 0.05)
    depth = np.maximum(pts[..., 2], 0.05)
    u = cam.fx * pts[..., 0] / depth + cam.ppx
    v = cam.fy * pts[..., 1] / depth + cam.ppy
    ru = cam.fx * r / z_safe + 2
    rv = cam.fy * r / z_safe + 2
    u0 = np.clip(np.floor((u - ru).min(axis=0)), 0, cam.width).astype(int)
    u1 = np.clip(np.ceil((u + ru).max(axis=0)) + 1, 0, cam.width).astype(int)
    v0 = np.clip(np.floor((v - rv).min(axis=0)), 0, cam.height).astype(int)
    v1 = np.clip(np.ceil((v + rv).max(axis=0)) + 1, 0, cam.height).astype(int)
    u0[behind], v0[behind] = 0, 0
    u1[behind], v1[behind] = cam.width, cam.height
    return list(zip(v0.tolist(), v1.tolist(), u0.tolist(), u1.tolist(), strict=True))
