"""Pure tests of the safety governor core (no ROS)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptbot.safety.config import Box, GovernorConfig
from promptbot.safety.governor import (
    EEPose,
    Governor,
    JointSample,
    State,
    Trajectory,
    TrajectoryPoint,
    Twist,
)
from promptbot.safety.kinematics import ARM_JOINTS, Q_READY, arm_joints_from, tcp_position

CENTER = (0.5, 0.0, 0.3)      # inside the default box


def ee(pos=CENTER, stamp=0.0):
    return EEPose(tuple(pos), stamp)


def norm(v):
    return math.sqrt(sum(x * x for x in v))


def ramp(g: Governor, cmd: Twist, pos=CENTER, t0=0.0, seconds=0.5, dt=0.01):
    """Feed ``cmd`` at 100 Hz for ``seconds``; return the last output and all interventions."""
    out, ivs = None, []
    t = t0
    while t < t0 + seconds:
        out, found = g.filter_twist(cmd, ee(pos, t), t)
        ivs += found
        t += dt
    return out, ivs


def test_default_box_is_scene_workspace_with_margin():
    b = Box.default()
    assert (b.x_min, b.x_max, b.y_min, b.y_max) == pytest.approx((0.25, 0.80, -0.40, 0.40))
    assert (b.z_min, b.z_max) == (0.0, 0.6)


@pytest.mark.parametrize("kwargs", [
    {"max_linear_speed": 0.0}, {"max_linear_speed": float("nan")}, {"command_timeout": -1.0},
    {"gripper_min_width": 0.05, "gripper_max_width": 0.01}, {"gripper_max_width": 0.2},
    {"control_period": 0.5}, {"frame_id": ""}, {"joint_speed_scale": 2.0},
])
def test_config_rejects_bad_values(kwargs):
    with pytest.raises(ValueError):
        GovernorConfig(**kwargs)


def test_box_rejects_inverted_bounds():
    with pytest.raises(ValueError):
        Box(0.5, 0.4, -0.1, 0.1, 0.0, 0.5)


def test_passes_a_safe_command_unchanged():
    g = Governor()
    cmd = Twist((0.01, 0.0, 0.0), (0.0, 0.0, 0.05))
    out, ivs = g.filter_twist(cmd, ee(), 0.0)
    assert out.linear == cmd.linear and out.angular == cmd.angular and ivs == []
    assert g.state == State.OK and g.reason == ""


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("where", ["linear", "angular"])
def test_rejects_non_finite_twist_and_stops(bad, where):
    g = Governor()
    ramp(g, Twist((0.1, 0.0, 0.0)), seconds=0.2)
    vec = [0.0, bad, 0.0]
    cmd = Twist(linear=tuple(vec)) if where == "linear" else Twist(angular=tuple(vec))
    out, ivs = g.filter_twist(cmd, ee(stamp=0.2), 0.2)
    assert out.is_zero
    assert [iv.kind for iv in ivs] == ["invalid"] and "non-finite" in ivs[0].reason
    assert g.state == State.HOLDING
    # the bad command is not kept: later ticks stay at zero
    out, _ = g.tick(ee(stamp=0.21), 0.21)
    assert out.is_zero


def test_rejects_wrong_frame_and_accepts_empty_frame():
    g = Governor()
    out, ivs = g.filter_twist(Twist((0.01, 0, 0), frame_id="panda_hand"), ee(), 0.0)
    assert out.is_zero and ivs[0].kind == "frame"
    out, ivs = g.filter_twist(Twist((0.01, 0, 0), frame_id=""), ee(), 0.01)
    assert out.linear == (0.01, 0.0, 0.0) and ivs == []


def test_speed_clamp_keeps_direction():
    g = Governor()
    out, ivs = ramp(g, Twist((3.0, 4.0, 0.0), (0.0, 0.0, 10.0)), seconds=0.5)
    assert norm(out.linear) == pytest.approx(0.25)
    assert out.linear[0] / out.linear[1] == pytest.approx(0.75)
    assert norm(out.angular) == pytest.approx(1.0)
    assert any(iv.kind == "speed" and "clamped" in iv.reason for iv in ivs)
    assert g.state == State.LIMITING


def test_acceleration_clamp_and_immediate_stop():
    cfg = GovernorConfig()
    g = Governor(cfg)
    g.filter_twist(Twist(), ee(), 0.0)                     # previous output: at rest
    out, ivs = g.filter_twist(Twist((0.2, 0.0, 0.0)), ee(stamp=0.01), 0.01)
    assert out.linear[0] == pytest.approx(cfg.max_linear_accel * 0.01)
    assert [iv.kind for iv in ivs] == ["accel"]
    out, _ = ramp(g, Twist((0.2, 0.0, 0.0)), t0=0.02, seconds=0.3)
    assert out.linear[0] == pytest.approx(0.2)
    # a commanded stop is never rate-limited
    out, ivs = g.filter_twist(Twist(), ee(stamp=0.33), 0.33)
    assert out.is_zero and ivs == []


def test_timeout_zeroes_velocity():
    cfg = GovernorConfig()
    g = Governor(cfg)
    out, _ = ramp(g, Twist((0.05, 0.0, 0.0)), seconds=0.1)
    t_last = 0.09
    out, ivs = g.tick(ee(stamp=t_last + 0.15), t_last + 0.15)
    assert out.linear[0] == pytest.approx(0.05) and ivs == []
    out, ivs = g.tick(ee(stamp=t_last + 0.21), t_last + cfg.command_timeout + 0.01)
    assert out.is_zero and g.state == State.HOLDING
    assert [iv.kind for iv in ivs] == ["timeout"]
    # reported once, not on every tick
    out, ivs = g.tick(ee(stamp=t_last + 0.22), t_last + 0.22)
    assert out.is_zero and ivs == []
    # a fresh command resumes
    out, _ = g.filter_twist(Twist((0.01, 0.0, 0.0)), ee(stamp=0.4), 0.4)
    assert out.linear[0] == pytest.approx(0.01)


def test_stale_or_missing_joint_state_holds():
    g = Governor()
    out, ivs = g.filter_twist(Twist((0.01, 0, 0)), None, 0.0)
    assert out.is_zero and ivs[0].kind == "no_state"
    out, ivs = g.filter_twist(Twist((0.01, 0, 0)), ee(stamp=0.0), 0.6)
    assert out.is_zero and ivs[0].kind == "stale_state" and g.state == State.HOLDING
    out, ivs = g.filter_twist(Twist((0.01, 0, 0)), ee(stamp=0.6), 0.61)
    assert out.linear[0] == pytest.approx(0.01)


@pytest.mark.parametrize("axis,sign", [(0, 1), (0, -1), (1, 1), (1, -1), (2, 1), (2, -1)])
def test_workspace_boundary_zeroes_outward_component_only(axis, sign):
    g = Governor()
    box = g.config.workspace
    pos = list(CENTER)
    pos[axis] = (box.upper if sign > 0 else box.lower)[axis] - sign * 0.001     # 1 mm inside the face
    lin = [0.0, 0.0, 0.0]
    lin[axis] = sign * 0.2
    other = (axis + 1) % 3
    lin[other] = 0.05
    out, ivs = ramp(g, Twist(tuple(lin)), pos=pos, seconds=0.3)
    assert out.linear[axis] == 0.0
    assert out.linear[other] == pytest.approx(0.05)
    assert any(iv.kind == "workspace" for iv in ivs)
    # moving back inside passes
    lin[axis] = -sign * 0.05
    out, _ = ramp(g, Twist(tuple(lin)), pos=pos, t0=0.3, seconds=0.2)
    assert out.linear[axis] == pytest.approx(-sign * 0.05)


def test_workspace_lookahead_is_one_control_period():
    g = Governor()
    top = g.config.workspace.z_max
    # 0.1 m/s * 0.01 s = 1 mm: 2 mm below the face passes, 0.5 mm below is stopped
    out, _ = ramp(g, Twist((0.0, 0.0, 0.1)), pos=(0.5, 0.0, top - 0.002), seconds=0.2)
    assert out.linear[2] == pytest.approx(0.1)
    out, _ = g.filter_twist(Twist((0.0, 0.0, 0.1)), ee((0.5, 0.0, top - 0.0005), 0.2), 0.2)
    assert out.linear[2] == 0.0


def test_outside_the_box_may_only_move_back():
    g = Governor()
    pos = (0.5, 0.0, 0.7)      # above z_max
    out, _ = ramp(g, Twist((0.0, 0.0, 0.05)), pos=pos, seconds=0.2)
    assert out.linear[2] == 0.0
    out, _ = ramp(g, Twist((0.0, 0.0, -0.05)), pos=pos, t0=0.2, seconds=0.2)
    assert out.linear[2] == pytest.approx(-0.05)


def test_estop_latches_until_release():
    g = Governor()
    ramp(g, Twist((0.1, 0.0, 0.0)), seconds=0.2)
    iv = g.estop("test", 0.2)
    assert iv.kind == "estop" and g.estop_latched and g.state == State.ESTOP
    assert g.last_output.is_zero
    for k in range(50):       # commands and time do not release it
        out, _ = g.filter_twist(Twist((0.1, 0.0, 0.0)), ee(stamp=0.2 + k * 0.01), 0.2 + k * 0.01)
        assert out.is_zero
    assert g.filter_gripper(0.04, 0.8)[0] is None
    assert g.estop_latched and g.state == State.ESTOP
    assert g.release(1.0) == "e-stop released"
    assert not g.estop_latched
    out, _ = g.tick(ee(stamp=1.0), 1.0)     # the old command does not come back
    assert out.is_zero
    out, _ = g.filter_twist(Twist((0.01, 0.0, 0.0)), ee(stamp=1.01), 1.01)
    assert out.linear[0] == pytest.approx(0.01)


def test_pause_holds_until_resume_then_motion_ramps_back():
    g = Governor()
    x = 0.4
    for k in range(30):        # 0.3 s of motion: the TCP really moves (5 cm/s)
        t = k * 0.01
        x += 0.0005
        g.filter_twist(Twist((0.05, 0.0, 0.0)), ee((x, 0.0, 0.3), t), t)
    assert not g.last_output.is_zero
    g.pause("someone is speaking", 0.3)
    assert g.paused(0.3) and not g.estop_latched
    reported = []
    for k in range(100):      # 1 s of fresh commands: all zero, the pause reported once
        t = 0.3 + k * 0.01
        out, ivs = g.filter_twist(Twist((0.05, 0.0, 0.0)), ee((x, 0.0, 0.3), t), t)
        reported += ivs
        assert out.is_zero and g.state == State.HOLDING
    assert [iv.kind for iv in reported] == ["pause"] and "someone is speaking" in reported[0].reason
    assert g.filter_gripper(0.0, 1.0)[0] is None                       # the gripper keeps its command
    traj = Trajectory(tuple(ARM_JOINTS), (TrajectoryPoint(tuple(Q_READY), time_from_start=1.0),))
    out, ivs = g.filter_trajectory(traj, JointSample(tuple(Q_READY), 1.0), 1.0)
    assert out is None and "paused" in ivs[0].reason
    # it was moving when the pause began: the hold ends 0.3 s after resume, time for a "stop" to cancel
    assert g.resume_waits(1.3)
    assert g.resume(1.3, delay=0.3)
    assert g.paused(1.5) and not g.paused(1.6)
    out, _ = g.filter_twist(Twist((0.05, 0.0, 0.0)), ee((x, 0.0, 0.3), 1.5), 1.5)
    assert out.is_zero
    out, _ = g.filter_twist(Twist((0.05, 0.0, 0.0)), ee((x, 0.0, 0.3), 1.61), 1.61)
    # moving again, from zero under the acceleration limit (2 m/s^2 over at most 0.11 s)
    assert 0.0 < out.linear[0] <= 2.0 * 0.11 + 1e-9
    assert not g.resume(2.0)                                           # nothing to resume


def test_a_pause_of_a_still_arm_ends_at_once_on_resume():
    g = Governor()
    for k in range(100):       # the arm stands still (1 s of ticks at one position)
        g.tick(ee(CENTER, k * 0.01), k * 0.01)
    assert not g.resume_waits(0.5)                                   # no pause running
    g.pause("someone is speaking", 1.0)
    assert g.paused(1.5) and not g.resume_waits(1.5)
    assert g.resume(1.5, delay=0.3)
    assert not g.paused(1.5)      # no delay: nothing was moving, a next command need not wait


def test_pause_ends_by_itself_after_max_pause_and_rejects_bad_durations():
    g = Governor(GovernorConfig(max_pause=2.0))
    g.pause("speech", 0.0, duration=60.0)                # capped
    assert g.paused(1.99) and not g.paused(2.0)
    g.pause("speech", 3.0, duration=0.5)
    assert g.paused(3.4) and not g.paused(3.5)
    for bad in (-1.0, math.nan, math.inf):
        with pytest.raises(ValueError):
            g.pause("x", 4.0, duration=bad)
    with pytest.raises(ValueError):
        GovernorConfig(max_pause=0.0)


def test_estop_wins_over_a_pause():
    g = Governor()
    g.pause("speech", 0.0)
    g.estop("button", 0.1)
    out, _ = g.tick(ee(stamp=0.2), 0.2)
    assert out.is_zero and g.state == State.ESTOP


def test_gripper_limits():
    g = Governor()
    assert g.filter_gripper(0.04, 0.0) == (0.04, [])
    w, ivs = g.filter_gripper(0.2, 0.0)
    assert w == pytest.approx(0.08) and ivs[0].kind == "gripper"
    w, ivs = g.filter_gripper(-1.0, 0.0)
    assert w == 0.0 and ivs[0].kind == "gripper"
    w, ivs = g.filter_gripper(float("nan"), 0.0)
    assert w is None and ivs[0].kind == "invalid"


# ----------------------------------------------------------------- trajectories
def traj(points, names=ARM_JOINTS):
    return Trajectory(tuple(names), tuple(TrajectoryPoint(tuple(q), time_from_start=t) for q, t in points))


def test_trajectory_accepts_a_slow_move_and_slows_a_fast_one():
    g = Governor()
    q0 = JointSample(tuple(Q_READY), 0.0)
    q1 = Q_READY + np.array([0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    t = traj([(q1, 1.0)])
    out, ivs = g.filter_trajectory(t, q0, 0.0)
    assert out is t and ivs == []
    out, ivs = g.filter_trajectory(traj([(q1, 0.01)]), q0, 0.0)
    assert out is not None and out.points[0].time_from_start == pytest.approx(0.1 / (2.175 * 0.5))
    assert ivs[0].kind == "speed"


@pytest.mark.parametrize("case,expect", [
    ("nan", "non-finite"), ("limit", "outside"), ("names", "unknown joints"), ("size", "positions"),
    ("time", "increase"), ("box", "workspace"),
])
def test_trajectory_refusals(case, expect):
    g = Governor()
    q0 = JointSample(tuple(Q_READY), 0.0)
    q = Q_READY.copy()
    names = ARM_JOINTS
    pts = [(q, 1.0)]
    if case == "nan":
        q[2] = float("nan")
    elif case == "limit":
        q[3] = 0.5
    elif case == "names":
        names = ARM_JOINTS[:6] + ("gripper_joint",)
    elif case == "size":
        pts = [(q[:5], 1.0)]
    elif case == "time":
        pts = [(q, 1.0), (q, 0.5)]
    elif case == "box":
        q[0] = 1.5            # turns the arm to its left, off the table workspace
        assert tcp_position(q)[0] < 0.05
        pts = [(q, 5.0)]
    out, ivs = g.filter_trajectory(traj(pts, names), q0, 0.0)
    assert out is None and expect in ivs[0].reason


def test_trajectory_refused_when_estopped_or_stale_but_stop_passes():
    g = Governor()
    t = traj([(Q_READY, 1.0)])
    assert g.filter_trajectory(t, None, 0.0)[0] is None
    assert g.filter_trajectory(t, JointSample(tuple(Q_READY), 0.0), 1.0)[0] is None
    g.estop("x", 0.0)
    assert g.filter_trajectory(t, JointSample(tuple(Q_READY), 0.0), 0.0)[0] is None
    empty = Trajectory(ARM_JOINTS, ())
    assert g.filter_trajectory(empty, None, 0.0)[0] is empty


# ----------------------------------------------------------------- fuzzing
FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)
VEC3 = st.tuples(FLOATS, FLOATS, FLOATS)
FUZZ_COUNT = {"twist": 0, "gripper": 0, "trajectory": 0, "joint_states": 0}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lin=VEC3, ang=VEC3, pos=VEC3, frame=st.sampled_from(["panda_link0", "", "world", "\x00", "é" * 300]),
       dt=st.floats(min_value=-1.0, max_value=1.0), age=st.floats(min_value=-1.0, max_value=2.0),
       tick=st.booleans())
def _fuzz_governor_twist_never_outputs_unsafe(lin, ang, pos, frame, dt, age, tick):
    FUZZ_COUNT["twist"] += 1
    g = Governor()
    cfg = g.config
    g.filter_twist(Twist((0.1, 0.0, 0.0)), ee(), 0.0)
    now = 0.01 + abs(dt)
    e = EEPose(pos, now - age)
    out, ivs = g.tick(e, now) if tick else g.filter_twist(Twist(lin, ang, frame), e, now)
    assert all(math.isfinite(v) for v in out.linear + out.angular)
    assert norm(out.linear) <= cfg.max_linear_speed + 1e-9
    assert norm(out.angular) <= cfg.max_angular_speed + 1e-9
    assert all(iv.reason for iv in ivs)


@settings(max_examples=300, deadline=None)
@given(width=st.one_of(FLOATS, st.integers(-10**30, 10**30)))
def _fuzz_governor_gripper(width):
    FUZZ_COUNT["gripper"] += 1
    g = Governor()
    out, ivs = g.filter_gripper(width, 0.0)
    assert out is None or 0.0 <= out <= 0.08


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(st.sampled_from(list(ARM_JOINTS) + ["x", ""]), max_size=9),
       points=st.lists(st.tuples(st.lists(FLOATS, max_size=9), st.lists(FLOATS, max_size=9), FLOATS), max_size=6))
def _fuzz_governor_trajectory(names, points):
    FUZZ_COUNT["trajectory"] += 1
    g = Governor()
    t = Trajectory(tuple(names), tuple(TrajectoryPoint(tuple(p), tuple(v), (), tt) for p, v, tt in points))
    out, ivs = g.filter_trajectory(t, JointSample(tuple(Q_READY), 0.0), 0.0)
    if out is not None and out.points:
        for p in out.points:
            assert all(math.isfinite(v) for v in p.positions) and math.isfinite(p.time_from_start)
    elif out is None:
        assert ivs and ivs[0].reason


@settings(max_examples=300, deadline=None)
@given(names=st.lists(st.one_of(st.sampled_from(list(ARM_JOINTS) + ["panda_finger_joint1", "panda_finger_joint2"]),
                                st.text(max_size=20)), max_size=12),
       positions=st.lists(FLOATS, max_size=12))
def _fuzz_joint_states_into_fk(names, positions):
    """A JointState's name/position lists -> arm angles -> TCP: a clear ValueError or a finite pose."""
    FUZZ_COUNT["joint_states"] += 1
    try:
        reading = arm_joints_from(names, positions)
    except ValueError as exc:
        assert str(exc)
        return
    assert all(math.isfinite(v) for v in tcp_position(reading.q))


@pytest.mark.parametrize("fuzz,interface,minimum", [
    (_fuzz_governor_twist_never_outputs_unsafe, "twist", 100),
    (_fuzz_governor_gripper, "gripper", 100),
    (_fuzz_governor_trajectory, "trajectory", 50),
    (_fuzz_joint_states_into_fk, "joint_states", 100),
], ids=["twist", "gripper", "trajectory", "joint_states"])
def test_fuzz_governor_core(fuzz, interface, minimum):
    """Hypothesis inputs into each governor interface; counts the inputs really tried."""
    FUZZ_COUNT[interface] = 0
    fuzz()
    assert FUZZ_COUNT[interface] >= minimum, FUZZ_COUNT


def test_huge_trajectory_is_bounded_in_time():
    """A hostile 1000-point trajectory swinging every joint end to end: checked or refused quickly."""
    import time as _time

    from promptbot.safety.kinematics import Q_MAX as QH, Q_MIN as QL

    g = Governor()
    pts = [(QL + 0.01 if i % 2 else QH - 0.01, 0.1 * (i + 1)) for i in range(1000)]
    # the best of three runs: the check's own cost, not a preemption on a loaded 2-core machine
    # (about 15 ms measured; the bound catches a blow-up, not a slow machine)
    took = []
    for _ in range(3):
        t0 = _time.perf_counter()
        out, ivs = g.filter_trajectory(traj(pts), JointSample(tuple(Q_READY), 0.0), 0.0)
        took.append(_time.perf_counter() - t0)
    assert min(took) < 0.25, took
    assert out is None and "refused" in ivs[0].reason
    too_many = [(Q_READY, 0.01 * (i + 1)) for i in range(g.config.max_trajectory_points + 1)]
    out, ivs = g.filter_trajectory(traj(too_many), JointSample(tuple(Q_READY), 0.0), 0.0)
    assert out is None and "points" in ivs[0].reason
