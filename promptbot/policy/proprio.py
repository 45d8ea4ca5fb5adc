"""Proprioception as the policy sees it, computed the same way in training and on the robot.

From the 7 arm joint angles and the gripper opening only (what /joint_states
carries on a real Franka), via forward kinematics (promptbot.safety.kinematics):
  [q1..q7 (rad), gripper width (m), TCP x y z (m), TCP rotation as its first two
   matrix columns (6 values, continuous unlike quaternions)]  -> 17 floats
"""
from __future__ import annotations

import numpy as np

from promptbot.safety.kinematics import tcp_pose

PROPRIO_DIM = 17
GRIPPER_WIDTH_INDEX = 7          # gripper opening [m]
TCP_XYZ = slice(8, 11)           # TCP position in the base frame [m]


def proprio_from_joints(q, gripper_width_m: float) -> np.ndarray:
    q = np.asarray(q, dtype=np.float64).reshape(-1)
    if q.shape != (7,):
        raise ValueError(f"expected 7 arm joint angles, got {q.shape[0]}")
    if not (np.all(np.isfinite(q)) and np.isfinite(gripper_width_m)):
        raise ValueError("joint angles and gripper width must be finite")
    T = tcp_pose(q)
    return np.concatenate([q, [gripper_width_m], T[:3, 3], T[:3, 0], T[:3, 1]]).astype(np.float32)


def proprio_batch(q: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """(T, 7) joint angles and (T,) widths -> (T, 17)."""
    return np.stack([proprio_from_joints(qi, wi) for qi, wi in zip(q, widths)])
