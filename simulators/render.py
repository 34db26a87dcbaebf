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
            for k in range(len(r)):
                v0, v1, u0, u1 = self._roi(a[k], b[k], float(r[k]))
                if v0 >= v1 or u0 >= u1:
                    continue
                t = raycast.capsule(self._origin, self._dirs[v0:v1, u0:u1], a[k], b[k], float(r[k]))
                z = (t * self._z_per_t[v0:v1, u0:u1]).astype(np.float32)
                window = depth[v0:v1, u0:u1]
                nearer = z < window
                window[nearer] = z[nearer]
                owner[v0:v1, u0:u1][nearer] = index
        counts = np.bincount(owner.ravel(), minlength=len(bodies) + 1)
        return depth, [int(c) for c in counts[1:]]

    def _roi(self, a: Array, b: Array, r: float) -> tuple[int, int, int, int]:
        """Pixel rows and columns that can see the capsule (whole image if it is behind)."""
        cam = self.camera
        pts = cam.to_camera(np.stack([a, b]))
        if np.any(pts[:, 2] - r < 0.05):
            return 0, cam.height, 0, cam.width
        z = pts[:, 2] - r
        u = cam.fx * pts[:, 0] / pts[:, 2] + cam.ppx
        v = cam.fy * pts[:, 1] / pts[:, 2] + cam.ppy
        ru = cam.fx * r / z + 2
        rv = cam.fy * r / z + 2
        u0 = int(max(0, np.floor(np.min(u - ru))))
        u1 = int(min(cam.width, np.ceil(np.max(u + ru)) + 1))
        v0 = int(max(0, np.floor(np.min(v - rv))))
        v1 = int(min(cam.height, np.ceil(np.max(v + rv)) + 1))
        return v0, v1, u0, u1
