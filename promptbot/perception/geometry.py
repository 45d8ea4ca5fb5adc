"""Camera geometry: frames, validation, per-pixel back-projection into the base frame.

Conventions: the camera optical frame has x right, y down, z forward; depth is
metres along the optical axis (REP 118 ``32FC1``); ``T_base_cam`` (4x4) maps
optical-frame points into the robot base frame ``panda_link0`` (+z up, table
top at z = 0). Poses given as ``[x, y, z, qx, qy, qz, qw]`` use ROS order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


class FrameError(ValueError):
    """An RGB-D frame that cannot be processed (shapes, dtypes, intrinsics, pose)."""


def pose_to_matrix(pose) -> np.ndarray:
    """``[x, y, z, qx, qy, qz, qw]`` -> 4x4 homogeneous transform (quaternion is normalised)."""
    p = np.asarray(pose, dtype=np.float64).reshape(-1)
    if p.shape != (7,) or not np.all(np.isfinite(p)):
        raise FrameError(f"a pose is 7 finite numbers [x y z qx qy qz qw], got {p.tolist()}")
    x, y, z, w = p[3:]
    n = math.sqrt(x * x + y * y + z * z + w * w)
    if n < 1e-6:
        raise FrameError("pose quaternion has zero norm")
    x, y, z, w = x / n, y / n, z / n, w / n
    T = np.eye(4)
    T[:3, :3] = [[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                 [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                 [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]]
    T[:3, 3] = p[:3]
    return T


def matrix_to_pose(T: np.ndarray) -> list[float]:
    """4x4 transform -> ``[x, y, z, qx, qy, qz, qw]``."""
    R = np.asarray(T, dtype=np.float64)[:3, :3]
    tr = R[0, 0] + R[1, 1] + R[2, 2]
    if tr > 0:
        s = math.sqrt(tr + 1.0) * 2
        w, x, y, z = 0.25 * s, (R[2, 1] - R[1, 2]) / s, (R[0, 2] - R[2, 0]) / s, (R[1, 0] - R[0, 1]) / s
    elif R[0, 0] > R[1, 1] and R[0, 0] > R[2, 2]:
        s = math.sqrt(1.0 + R[0, 0] - R[1, 1] - R[2, 2]) * 2
        w, x, y, z = (R[2, 1] - R[1, 2]) / s, 0.25 * s, (R[0, 1] + R[1, 0]) / s, (R[0, 2] + R[2, 0]) / s
    elif R[1, 1] > R[2, 2]:
        s = math.sqrt(1.0 + R[1, 1] - R[0, 0] - R[2, 2]) * 2
        w, x, y, z = (R[0, 2] - R[2, 0]) / s, (R[0, 1] + R[1, 0]) / s, 0.25 * s, (R[1, 2] + R[2, 1]) / s
    else:
        s = math.sqrt(1.0 + R[2, 2] - R[0, 0] - R[1, 1]) * 2
        w, x, y, z = (R[1, 0] - R[0, 1]) / s, (R[0, 2] + R[2, 0]) / s, (R[1, 2] + R[2, 1]) / s, 0.25 * s
    t = np.asarray(T, dtype=np.float64)[:3, 3]
    return [float(t[0]), float(t[1]), float(t[2]), float(x), float(y), float(z), float(w)]


def look_at(eye, target, up) -> np.ndarray:
    """Optical-frame pose (x right, y down, z forward) of a camera at ``eye`` looking at ``target``."""
    eye, target, up = (np.asarray(v, dtype=np.float64) for v in (eye, target, up))
    z = target - eye
    z /= np.linalg.norm(z)
    x = np.cross(z, up)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    T = np.eye(4)
    T[:3, 0], T[:3, 1], T[:3, 2], T[:3, 3] = x, y, z, eye
    return T


def check_frame(rgb: np.ndarray, depth: np.ndarray, K: np.ndarray, T_base_cam: np.ndarray) -> None:
    """Raise FrameError with the reason when the inputs cannot form an RGB-D frame."""
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise FrameError(f"rgb must be (H, W, 3) uint8, got {getattr(rgb, 'shape', None)} "
                         f"{getattr(rgb, 'dtype', type(rgb).__name__)}")
    if not isinstance(depth, np.ndarray) or depth.ndim != 2 or depth.dtype not in (np.float32, np.float64):
        raise FrameError(f"depth must be (H, W) float32 metres, got {getattr(depth, 'shape', None)} "
                         f"{getattr(depth, 'dtype', type(depth).__name__)}")
    if rgb.shape[:2] != depth.shape:
        raise FrameError(f"rgb {rgb.shape[1]}x{rgb.shape[0]} and depth {depth.shape[1]}x{depth.shape[0]} "
                         "sizes differ")
    K = np.asarray(K, dtype=np.float64)
    if K.shape != (3, 3) or not np.all(np.isfinite(K)) or K[0, 0] <= 0 or K[1, 1] <= 0:
        raise FrameError(f"K must be a 3x3 intrinsic matrix with positive focal lengths, got {K.tolist()}")
    T = np.asarray(T_base_cam, dtype=np.float64)
    if T.shape != (4, 4) or not np.all(np.isfinite(T)):
        raise FrameError("T_base_cam must be a finite 4x4 transform")
    R = T[:3, :3]
    if np.abs(R @ R.T - np.eye(3)).max() > 1e-3 or abs(np.linalg.det(R) - 1.0) > 1e-3:
        raise FrameError("T_base_cam rotation is not orthonormal")


@dataclass
class RayMaps:
    """Per-pixel affine maps from depth to base-frame coordinates: ``p = depth * a + t``."""

    ax: np.ndarray
    ay: np.ndarray
    az: np.ndarray
    t: np.ndarray
    key: tuple


def ray_maps(K: np.ndarray, T_base_cam: np.ndarray, width: int, height: int) -> RayMaps:
    K = np.asarray(K, dtype=np.float64)
    T = np.asarray(T_base_cam, dtype=np.float64)
    u = (np.arange(width, dtype=np.float64) - K[0, 2]) / K[0, 0]
    v = (np.arange(height, dtype=np.float64) - K[1, 2]) / K[1, 1]
    R = T[:3, :3]
    # base = R @ [u d, v d, d] + t = d * (R[:,0] u + R[:,1] v + R[:,2]) + t
    maps = [(R[i, 0] * u[None, :] + R[i, 1] * v[:, None] + R[i, 2]).astype(np.float32) for i in range(3)]
    key = (width, height, K.round(6).tobytes(), T.round(6).tobytes())
    return RayMaps(maps[0], maps[1], maps[2], T[:3, 3].astype(np.float32), key)


def project(points_base: np.ndarray, K: np.ndarray, T_base_cam: np.ndarray) -> np.ndarray:
    """Base-frame points (N, 3) -> pixel coordinates (N, 2) (points behind the camera give NaN)."""
    T_cam_base = np.linalg.inv(np.asarray(T_base_cam, dtype=np.float64))
    pc = np.asarray(points_base, dtype=np.float64) @ T_cam_base[:3, :3].T + T_cam_base[:3, 3]
    z = np.where(pc[:, 2] > 1e-6, pc[:, 2], np.nan)
    return np.stack([K[0, 0] * pc[:, 0] / z + K[0, 2], K[1, 1] * pc[:, 1] / z + K[1, 2]], 1)


def hidden_from_view(position, size, depth: np.ndarray, K: np.ndarray, T_base_cam: np.ndarray,
                     margin_m: float = 0.02, min_fraction: float = 0.6) -> bool:
    """Whether a box (base-frame ``position`` = centre, axis-aligned ``size`` [m]) is hidden from the
    camera: at least ``min_fraction`` of sample points on its top face and centre project outside the
    image or onto depth nearer than the point by ``margin_m`` (something stands in front of it).

    Where the camera sees the table (or anything farther) at those pixels the box is not hidden: it is
    gone. ``depth`` is the metric depth image [m] (0 or non-finite = no reading, counted as hidden).
    """
    cx, cy, cz = (float(v) for v in position)
    hx, hy, hz = (float(v) / 2.0 for v in size)
    pts = np.array([[cx, cy, cz], [cx, cy, cz + hz]]
                   + [[cx + fx * hx * 0.6, cy + fy * hy * 0.6, cz + hz] for fx in (-1, 1) for fy in (-1, 1)])
    T_cam_base = np.linalg.inv(np.asarray(T_base_cam, dtype=np.float64))
    z_cam = pts @ T_cam_base[2, :3] + T_cam_base[2, 3]
    uv = project(pts, np.asarray(K, dtype=np.float64), T_base_cam)
    h, w = depth.shape[:2]
    hidden = 0
    for (u, v), zc in zip(uv, z_cam):
        if not (np.isfinite(u) and np.isfinite(v)) or not (0 <= u < w and 0 <= v < h):
            hidden += 1                                   # out of the picture
            continue
        d = float(depth[int(v), int(u)])
        if not math.isfinite(d) or d <= 0.0 or d < zc - margin_m:
            hidden += 1
    return hidden >= min_fraction * len(pts)

