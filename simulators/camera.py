"""The simulated depth camera: intrinsics of a D435-class sensor and its pose in the room.

World frame (used by every simulator module and the ground-truth labels): metres, origin at a
floor corner of the room, x and y along the two walls that meet there, z up from the floor.
Camera frame is the RealSense one: x right, y down, z forward along the optical axis; depth is
the camera-frame z of a point, not its distance along the ray. Pixel (u, v) is the integer
column/row index, deprojected as ``x = (u - ppx) / fx · z`` like `rs2_deproject_pixel_to_point`.

A D435's 87°×58° field of view belongs to its 16:9 modes; its 4:3 640×480 mode reports
fx ≈ fy ≈ 383 px (≈ 80°×64°), which is what `CameraModel.d435` models by default.
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class CameraPose:
    """Where the camera hangs and where it looks."""

    position: tuple[float, float, float]
    """Optical centre in world metres."""
    yaw_deg: float
    """Heading of the optical axis in the floor plane, from +x towards +y."""
    pitch_deg: float
    """Downward tilt of the optical axis below horizontal."""

    def rotation(self) -> Array:
        """3×3 camera→world rotation; its columns are the camera's x, y, z axes in world."""
        yaw, pitch = math.radians(self.yaw_deg), math.radians(self.pitch_deg)
        forward = np.array(
            [math.cos(pitch) * math.cos(yaw), math.cos(pitch) * math.sin(yaw), -math.sin(pitch)]
        )
        right = np.array([math.sin(yaw), -math.cos(yaw), 0.0])
        down = np.cross(forward, right)
        return np.stack([right, down, forward], axis=1)


@dataclass(frozen=True, slots=True)
class CameraModel:
    """Pinhole depth camera (no distortion, like RealSense depth) with its pose."""

    width: int
    height: int
    fx: float
    fy: float
    ppx: float
    ppy: float
    pose: CameraPose

    @classmethod
    def d435(
        cls, pose: CameraPose, width: int = 640, height: int = 480, hfov_deg: float = 80.0
    ) -> "CameraModel":
        """Square pixels, principal point at the centre, focal length from the horizontal FOV."""
        f = (width / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
        return cls(width, height, f, f, width / 2.0, height / 2.0, pose)

    def pixel_rays(self) -> tuple[Array, Array]:
        """Unit ray directions in world (H, W, 3) and depth per unit ray length (H, W)."""
        u = (np.arange(self.width) - self.ppx) / self.fx
        v = (np.arange(self.height) - self.ppy) / self.fy
        cam = np.empty((self.height, self.width, 3))
        cam[..., 0] = u[None, :]
        cam[..., 1] = v[:, None]
        cam[..., 2] = 1.0
        norm = np.linalg.norm(cam, axis=2)
        cam /= norm[..., None]
        world = cam @ self.pose.rotation().T
        return world, 1.0 / norm

    def deproject(self, depth_m: npt.NDArray[Any]) -> Array:
        """World points (H, W, 3) of a depth image; pixels without depth come out as NaN."""
        z = np.where(depth_m > 0, depth_m, np.nan).astype(np.float64)
        u = (np.arange(self.width) - self.ppx) / self.fx
        v = (np.arange(self.height) - self.ppy) / self.fy
        cam = np.stack([u[None, :] * z, v[:, None] * z, z], axis=2)
        world: Array = cam @ self.pose.rotation().T + np.asarray(self.pose.position)
        return world

    def to_camera(self, points_world: Array) -> Array:
        """World points (..., 3) in the camera frame."""
        cam: Array = (points_world - np.asarray(self.pose.position)) @ self.pose.rotation()
        return cam

    def meta(self) -> dict[str, Any]:
        """Intrinsics and pose as plain JSON for the labels file."""
        return {
            "intrinsics": {
                "width": self.width,
                "height": self.height,
                "fx": self.fx,
                "fy": self.fy,
                "ppx": self.ppx,
                "ppy": self.ppy,
                "model": "none",
            },
            "pose": {
                "position": list(self.pose.position),
                "yaw_deg": self.pose.yaw_deg,
                "pitch_deg": self.pose.pitch_deg,
                "rotation_cam_to_world": self.pose.rotation().round(9).tolist(),
                "convention": "world: metres, z up from the floor; camera: x right, y down, "
                "z forward (RealSense); p_world = R @ p_cam + position",
            },
        }
