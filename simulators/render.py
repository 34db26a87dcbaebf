"""Depth images of a room with people in it, by ray casting from the camera.

The room never moves, so its depth image is cast once; per frame only the rays inside the
person's projected bounding box are cast against the body's capsules and merged by nearest
depth. That keeps a 640×480 frame to a few milliseconds.
"""

import numpy as np
import numpy.typing as npt

from simulators import raycast
from simulators.camera import CameraModel
from simulators.rooms import Room

Array = npt.NDArray[np.float64]
Capsules = tuple[Array, Array, Array]


class DepthRenderer:
    """Perfect (noise-free) depth in metres for one camera in one room."""

    def __init__(self, camera: CameraModel, room: Room) -> None:
        self.camera = camera
        dirs, z_per_t = camera.pixel_rays()
        self._origin = np.asarray(camera.pose.position, dtype=np.float64)
        self._rotation = camera.pose.rotation()
        self._dirs = dirs
        self._z_per_t = z_per_t
        t_room = raycast.room_interior(self._origin, dirs, room.size)
        t_furniture = raycast.boxes(self._origin, dirs, list(room.furniture.values()))
        self.static_depth = (np.minimum(t_room, t_furniture) * z_per_t).astype(np.float32)

    def render(self, bodies: list[Capsules]) -> tuple[npt.NDArray[np.float32], list[int]]:
        """Depth image and, per body, how many pixels of it are visible."""
        depth = self.static_depth.copy()
        owner = np.zeros(depth.shape, dtype=np.int8)
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
        counts = np.bincount(owner.ravel(), minlength=len(bodies) + 1)
        return depth, [int(c) for c in counts[1:]]

    def _rois(self, a: Array, b: Array, r: Array) -> list[tuple[int, int, int, int]]:
        """Per capsule, the pixel rows and columns that can see it (all, if it is behind)."""
        cam = self.camera
        pts = (np.stack([a, b]) - self._origin) @ self._rotation  # (2, K, 3) camera frame
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
