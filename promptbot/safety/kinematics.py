"""Franka Emika Panda forward kinematics in pure numpy (no ROS, no tf).

The safety governor computes the end-effector pose from ``/joint_states`` itself,
so it works the same against the simulator and a real robot driver without a
tf tree. Parameters are Franka's published modified (Craig) Denavit-Hartenberg
table; frames follow the Franka URDF: ``panda_link0`` is the base frame,
``panda_link8`` the flange, ``panda_hand`` the hand (flange rotated -45 deg
about z) and the tool centre point (TCP) lies ``TCP_OFFSET_M`` along the hand's
z axis, between the fingertips.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ARM_JOINTS: tuple[str, ...] = tuple(f"panda_joint{i}" for i in range(1, 8))
FINGER_JOINTS: tuple[str, ...] = ("panda_finger_joint1", "panda_finger_joint2")

# Modified DH (Craig): T_i = RotX(alpha_{i-1}) TransX(a_{i-1}) RotZ(theta_i) TransZ(d_i)
#                a [m]     d [m]   alpha [rad]
DH_PARAMS: tuple[tuple[float, float, float], ...] = (
    (0.0,       0.333,  0.0),
    (0.0,       0.0,   -math.pi / 2),
    (0.0,       0.316,  math.pi / 2),
    (0.0825,    0.0,    math.pi / 2),
    (-0.0825,   0.384, -math.pi / 2),
    (0.0,       0.0,    math.pi / 2),
    (0.088,     0.0,    math.pi / 2),
)
FLANGE_D_M = 0.107            # panda_link7 -> panda_link8 along z
HAND_YAW_RAD = -math.pi / 4   # panda_link8 -> panda_hand about z
TCP_OFFSET_M = 0.1034         # panda_hand -> TCP along z (Franka's default end-effector frame)

# Franka's documented joint limits (datasheet, "Robot and interface specifications").
Q_MIN = np.array([-2.8973, -1.7628, -2.8973, -3.0718, -2.8973, -0.0175, -2.8973])        # [rad]
Q_MAX = np.array([2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973])              # [rad]
QD_MAX = np.array([2.1750, 2.1750, 2.1750, 2.1750, 2.6100, 2.6100, 2.6100])              # [rad/s]
GRIPPER_WIDTH_MAX_M = 0.08    # Franka hand: 0 .. 80 mm opening

# The "ready" pose used by franka_ros / MoveIt configs.
Q_READY = np.array([0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4])


def _mdh(a: float, d: float, alpha: float, theta: float) -> np.ndarray:
    ca, sa = math.cos(alpha), math.sin(alpha)
    ct, st = math.cos(theta), math.sin(theta)
    return np.array(
        [
            [ct, -st, 0.0, a],
            [st * ca, ct * ca, -sa, -d * sa],
            [st * sa, ct * sa, ca, d * ca],
            [0.0, 0.0, 0.0, 1.0],
        ]
    )


def _trans_z(d: float) -> np.ndarray:
    t = np.eye(4)
    t[2, 3] = d
    return t


def _rot_z(yaw: float) -> np.ndarray:
    t = np.eye(4)
    c, s = math.cos(yaw), math.sin(yaw)
    t[:2, :2] = [[c, -s], [s, c]]
    return t


def link_transforms(q) -> list[np.ndarray]:
    """4x4 base-frame transforms of panda_link1..7 for the 7 arm joint angles ``q`` [rad]."""
    q = np.asarray(q, dtype=float).reshape(-1)
    if q.shape != (7,):
        raise ValueError(f"expected 7 joint angles, got {q.shape[0]}")
    if not np.all(np.isfinite(q)):
        raise ValueError("joint angles must be finite")
    out = []
    t = np.eye(4)
    for (a, d, alpha), theta in zip(DH_PARAMS, q):
        t = t @ _mdh(a, d, alpha, float(theta))
        out.append(t)
    return out


def flange_pose(q) -> np.ndarray:
    """4x4 base-frame transform of panda_link8 (the flange)."""
    return link_transforms(q)[-1] @ _trans_z(FLANGE_D_M)


def hand_pose(q) -> np.ndarray:
    """4x4 base-frame transform of panda_hand."""
    return flange_pose(q) @ _rot_z(HAND_YAW_RAD)


def tcp_pose(q, tcp_offset_m: float = TCP_OFFSET_M) -> np.ndarray:
    """4x4 base-frame transform of the tool centre point (between the fingertips)."""
    return hand_pose(q) @ _trans_z(tcp_offset_m)


def tcp_position(q, tcp_offset_m: float = TCP_OFFSET_M) -> tuple[float, float, float]:
    """TCP position [m] in panda_link0."""
    p = tcp_pose(q, tcp_offset_m)[:3, 3]
    return (float(p[0]), float(p[1]), float(p[2]))


def tcp_positions(qs, tcp_offset_m: float = TCP_OFFSET_M) -> np.ndarray:
    """TCP positions (N, 3) [m] for N joint configurations ``qs`` (N, 7): batched, for path checks."""
    qs = np.asarray(qs, dtype=float)
    if qs.ndim != 2 or qs.shape[1] != 7:
        raise ValueError(f"expected an (N, 7) array of joint angles, got shape {qs.shape}")
    if not np.all(np.isfinite(qs)):
        raise ValueError("joint angles must be finite")
    n = qs.shape[0]
    t = np.broadcast_to(np.eye(4), (n, 4, 4)).copy()
    for (a, d, alpha), theta in zip(DH_PARAMS, qs.T):
        ca, sa = math.cos(alpha), math.sin(alpha)
        ct, st = np.cos(theta), np.sin(theta)
        m = np.zeros((n, 4, 4))
        m[:, 0, 0], m[:, 0, 1], m[:, 0, 3] = ct, -st, a
        m[:, 1, 0], m[:, 1, 1], m[:, 1, 2], m[:, 1, 3] = st * ca, ct * ca, -sa, -d * sa
        m[:, 2, 0], m[:, 2, 1], m[:, 2, 2], m[:, 2, 3] = st * sa, ct * sa, ca, d * ca
        m[:, 3, 3] = 1.0
        t = t @ m
    # flange (+FLANGE_D_M along z), hand yaw (no translation), TCP (+tcp_offset_m along z)
    return t[:, :3, 3] + t[:, :3, 2] * (FLANGE_D_M + tcp_offset_m)


@dataclass(frozen=True)
class JointReading:
    """The 7 arm joint angles [rad] picked out of a JointState-like message."""

    q: tuple[float, ...]
    gripper_width_m: float | None


def arm_joints_from(names, positions) -> JointReading:
    """Pick panda_joint1..7 (and the finger joints) out of parallel name/position lists.

    Raises ValueError with a reason for a malformed reading (lengths differ, a
    joint missing, a non-finite angle); the caller keeps its last good reading.
    """
    names = list(names)
    positions = list(positions)
    if len(names) != len(positions):
        raise ValueError(f"{len(names)} names but {len(positions)} positions")
    index = {}
    for i, n in enumerate(names):
        if n in index:
            raise ValueError(f"joint {n!r} listed twice")
        index[n] = i
    missing = [n for n in ARM_JOINTS if n not in index]
    if missing:
        raise ValueError(f"missing joints {missing}")
    q = []
    for n in ARM_JOINTS:
        v = float(positions[index[n]])
        if not math.isfinite(v):
            raise ValueError(f"{n} is not finite ({v})")
        q.append(v)
    width = None
    if all(n in index for n in FINGER_JOINTS):
        w = sum(float(positions[index[n]]) for n in FINGER_JOINTS)
        width = w if math.isfinite(w) else None
    return JointReading(tuple(q), width)
