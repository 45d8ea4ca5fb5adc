"""Panda forward kinematics (pure numpy) against PyBullet's panda.urdf (PyBullet only in this test)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from promptbot.safety import kinematics as k

pb = pytest.importorskip("pybullet")
pybullet_data = pytest.importorskip("pybullet_data")


@pytest.fixture(scope="module")
def panda():
    client = pb.connect(pb.DIRECT)
    pb.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=client)
    robot = pb.loadURDF("franka_panda/panda.urdf", useFixedBase=True, physicsClientId=client)
    links = {pb.getJointInfo(robot, j, physicsClientId=client)[12].decode(): j
             for j in range(pb.getNumJoints(robot, physicsClientId=client))}
    yield client, robot, links
    pb.disconnect(client)


def _configs():
    rng = np.random.default_rng(7)
    fixed = [k.Q_READY, np.zeros(7), np.array([0.5, -0.3, 0.2, -2.0, 0.4, 1.2, -0.6])]
    return fixed + [rng.uniform(k.Q_MIN, k.Q_MAX) for _ in range(7)]


@pytest.mark.parametrize("q", _configs(), ids=lambda q: ",".join(f"{v:.2f}" for v in q))
def test_fk_matches_pybullet(panda, q):
    client, robot, links = panda
    for j in range(7):
        pb.resetJointState(robot, j, float(q[j]), physicsClientId=client)
    checks = [
        ("panda_link8", k.flange_pose(q)),
        ("panda_hand", k.hand_pose(q)),
        ("panda_grasptarget", k.tcp_pose(q, 0.105)),     # the URDF's grasp target is 0.105 m from the hand
    ] + [(f"panda_link{i + 1}", t) for i, t in enumerate(k.link_transforms(q))]
    for link, t in checks:
        st = pb.getLinkState(robot, links[link], computeForwardKinematics=True, physicsClientId=client)
        pos = np.array(st[4])
        rot = np.array(pb.getMatrixFromQuaternion(st[5])).reshape(3, 3)
        assert np.allclose(t[:3, 3], pos, atol=1e-6), (link, t[:3, 3], pos)
        assert np.allclose(t[:3, :3], rot, atol=1e-6), link


def test_ready_pose_tcp_known_value():
    # Franka's ready pose: TCP 0.307 m ahead of the base, 0.487 m up, pointing down.
    p = k.tcp_position(k.Q_READY)
    assert p == pytest.approx((0.3069, 0.0, 0.4869), abs=1e-3)
    assert k.tcp_pose(k.Q_READY)[2, 2] == pytest.approx(-1.0)


def test_zero_pose_flange_known_value():
    # all joints at zero: the arm stands up; flange at x = 0.0825 - 0.0825 + 0.088, z = 0.333+0.316+0.384-0.107
    t = k.flange_pose(np.zeros(7))
    assert t[:3, 3] == pytest.approx((0.088, 0.0, 0.333 + 0.316 + 0.384 - 0.107), abs=1e-9)


@pytest.mark.parametrize("q", [[0.0] * 6, [0.0] * 8, [math.nan] + [0.0] * 6, [math.inf] * 7])
def test_fk_rejects_bad_input(q):
    with pytest.raises(ValueError):
        k.tcp_position(q)


def test_arm_joints_from_joint_state_lists():
    names = list(reversed(k.ARM_JOINTS)) + list(k.FINGER_JOINTS)
    pos = list(reversed(range(7))) + [0.01, 0.015]
    r = k.arm_joints_from(names, pos)
    assert r.q == tuple(float(i) for i in range(7))
    assert r.gripper_width_m == pytest.approx(0.025)
    with pytest.raises(ValueError, match="missing"):
        k.arm_joints_from(k.ARM_JOINTS[:6], [0.0] * 6)
    with pytest.raises(ValueError, match="positions"):
        k.arm_joints_from(k.ARM_JOINTS, [0.0] * 3)
    with pytest.raises(ValueError, match="finite"):
        k.arm_joints_from(k.ARM_JOINTS, [math.nan] * 7)
    with pytest.raises(ValueError, match="twice"):
        k.arm_joints_from(list(k.ARM_JOINTS) + ["panda_joint1"], [0.0] * 8)


def test_batched_tcp_positions_match_single():
    rng = np.random.default_rng(3)
    qs = rng.uniform(k.Q_MIN, k.Q_MAX, (50, 7))
    batch = k.tcp_positions(qs)
    assert batch.shape == (50, 3)
    assert np.allclose(batch, [k.tcp_position(q) for q in qs], atol=1e-12)
    with pytest.raises(ValueError):
        k.tcp_positions(np.zeros((3, 6)))
