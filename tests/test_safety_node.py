"""ROS graph tests of nodes/safety_node.py: a real node process, a fake arm driver in-process.

The test node plays the arm (publishes /joint_states at the Panda ready pose,
records /servo_node/delta_twist_cmds) and the policy (publishes /promptbot/*).
"""
from __future__ import annotations

import math
import threading
import time

import pytest

from promptbot.paths import config_dir
from promptbot.testing import wait_for

rclpy = pytest.importorskip("rclpy")

from geometry_msgs.msg import TwistStamped  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sensor_msgs.msg import JointState  # noqa: E402
from std_msgs.msg import Bool, Float64  # noqa: E402
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint  # noqa: E402

from promptbot_msgs.msg import SafetyState  # noqa: E402
from promptbot.ros.harness import SafetyRig, is_zero  # noqa: E402
from promptbot.safety.kinematics import ARM_JOINTS, FINGER_JOINTS, Q_READY  # noqa: E402

MAX_V = 0.25            # config/safety_node.yaml max_linear_speed [m/s]
TIMEOUT_S = 0.2         # command_timeout_s
PERIOD_S = 0.01         # 1 / control_rate_hz


@pytest.fixture
def rig(ros_node, spawn):
    proc = spawn("promptbot.nodes.safety_node", "--ros-args", "--params-file", str(config_dir() / "safety_node.yaml"))
    r = SafetyRig(ros_node, proc)
    r.wait_ready()
    return r


def lin_norm(v):
    return math.sqrt(v[0] ** 2 + v[1] ** 2 + v[2] ** 2)


def _first_zero_after(rig, t0: float, timeout_s: float, what: str) -> float:
    """System time [s] of the first zero twist the node published after ``t0`` (waits up to ``timeout_s``)."""
    wait_for(lambda: any(is_zero(v) for _, v in rig.stamped_since(t0)), timeout_s, what=what)
    return next(t for t, v in rig.stamped_since(t0) if is_zero(v))


def _stream_policy(rig, twist=(0.05, 0.0, 0.0), period_s=0.01) -> tuple[threading.Event, threading.Thread]:
    """A policy that keeps commanding ``twist`` every ``period_s`` until the returned event is set."""
    stop = threading.Event()

    def policy():
        while not stop.is_set():
            rig.twist(twist)
            time.sleep(period_s)

    th = threading.Thread(target=policy, daemon=True)
    th.start()
    return stop, th


def test_overspeed_clamped_and_nan_rejected(rig):
    t0 = time.monotonic()
    rig.stream((1.0, 0.0, 0.0), 1.2)      # long enough to reach the limit after a scheduling stall
    if not rig.since(t0) or max(v[0] for _, v in rig.since(t0)) < MAX_V - 1e-6:
        rig.stream((1.0, 0.0, 0.0), 1.2)  # a longer stall on a loaded 2-core machine (seen once in a full run)
    got = rig.since(t0)
    assert got, "no twist relayed"
    assert all(lin_norm(v) <= MAX_V + 1e-9 for _, v in got)
    assert max(v[0] for _, v in got) == pytest.approx(MAX_V)
    wait_for(lambda: any("speed" in r for r in rig.interventions), 2.0, what="speed intervention")
    t1, t1_wall = time.monotonic(), time.time()
    rig.twist((math.nan, 0.0, 0.0))
    wait_for(lambda: any("invalid" in r for r in rig.interventions), 2.0, what="NaN intervention")
    # the NaN is rejected (never relayed); with no fresh valid command the output is zero after the
    # command timeout (the last valid command may be held until then). Timed on the node's own
    # output stamps, so a slow delivery to this process does not count against the node.
    first_zero = _first_zero_after(rig, t1_wall, 5.0, "zero output after the rejected NaN")
    assert first_zero - t1_wall <= TIMEOUT_S + PERIOD_S + 0.1, f"zero after {first_zero - t1_wall:.3f} s"
    wait_for(lambda: bool(rig.since(t1)) and is_zero(rig.since(t1)[-1][1]), 5.0, what="zero output, held")
    after = rig.since(t1)
    assert after and all(all(math.isfinite(x) for x in v) for _, v in after)
    assert rig.proc.alive


def test_no_command_for_timeout_publishes_zero(rig):
    last = (0.021, 0.0, 0.0)                       # the last command: a value the stream never sent
    end = time.monotonic() + 0.3
    while time.monotonic() < end:
        rig.twist((0.02, 0.0, 0.0))
        time.sleep(0.01)
    t_last = time.time()                           # when the last command was sent
    rig.twist(last)
    wait_for(lambda: any(is_zero(v) for _, v in rig.stamped_since(t_last)), 3.0, what="zero twist")
    rig.wait_states(3)                             # a counted window: 0.3 s more of the node's time
    got = rig.stamped_since(t_last)
    first_zero = next(t for t, v in got if is_zero(v))
    held = [v for t, v in got if t < first_zero]
    assert held and all(not is_zero(v) for v in held), "the last command is held until the timeout"
    # the timeout runs from when the node received the last command: its relay of that command
    # carries the node's stamp of that moment (the first output with its value)
    t_rx = next(t for t, v in got if v[:3] == pytest.approx(last))
    # the node zeroes at most one period after the timeout; the rest is slack for timer jitter
    # of a starved node process on a loaded 2-core CI machine (the bench reports the figure)
    assert TIMEOUT_S - 0.01 <= first_zero - t_rx <= TIMEOUT_S + PERIOD_S + 0.1, \
        f"zero {first_zero - t_rx:.3f} s after the last command arrived"
    assert all(is_zero(v) for t, v in got if t > first_zero)
    wait_for(lambda: any("timeout" in r for r in rig.interventions), 1.0, what="timeout intervention")
    wait_for(lambda: rig.state.state == SafetyState.HOLDING, 1.0, what="HOLDING state")


@pytest.mark.parametrize("via", ["topic", "service"])
def test_estop_mid_stream_latches_until_release(rig, via):
    stop, th = _stream_policy(rig)
    try:
        wait_for(lambda: any(not is_zero(v) for _, v in rig.since(time.monotonic() - 0.05)), 3.0, what="motion")
        t_stop = time.time()
        if via == "topic":
            rig.pub_estop.publish(Bool(data=True))
        else:
            assert rig.call(rig.estop_cli).success
        first_zero = _first_zero_after(rig, t_stop, 2.0, "zero twist after e-stop")
        # the node publishes zero in the e-stop callback itself, before it reports the intervention
        # (a zero from the next control tick would carry a later stamp)
        wait_for(lambda: any("estop" in r for t, r in rig.intervention_stamps if t >= t_stop), 2.0,
                 what="e-stop intervention")
        t_iv = next(t for t, r in rig.intervention_stamps if t >= t_stop and "estop" in r)
        assert first_zero <= t_iv, f"zero {first_zero - t_iv:.4f} s after the intervention was reported"
        # one control period plus a generous allowance for the request's transport and scheduling on a
        # loaded 2-core CI machine (`promptbot bench safety` measures the real figure)
        assert first_zero - t_stop < PERIOD_S + 0.1, f"zero after {first_zero - t_stop:.3f} s"
        # the policy keeps commanding: a counted window of more than 20 outputs, all zero
        wait_for(lambda: len(rig.stamped_since(first_zero)) > 20, 5.0, what="more than 20 outputs after the e-stop")
        latched = rig.stamped_since(first_zero)
        assert len(latched) > 20 and all(is_zero(v) for _, v in latched)
        wait_for(lambda: rig.state.estop_latched and rig.state.state == SafetyState.ESTOP, 1.0, what="latched state")
        rig.pub_estop.publish(Bool(data=False))           # false does not release
        # the node has handled it (it says so in its log), then 10 more outputs arrive: all still zero
        wait_for(lambda: "=false ignored" in rig.proc.output(), 5.0, what="the node ignoring estop=false")
        n_out = len(rig.stamped_since(first_zero))
        wait_for(lambda: len(rig.stamped_since(first_zero)) >= n_out + 10, 5.0, what="10 more outputs")
        assert all(is_zero(v) for _, v in rig.stamped_since(first_zero))
        res = rig.call(rig.release_cli)
        assert res.success and "released" in res.message
        t_rel = time.monotonic()
        # a wait, not a latency claim (bench safety measures that): the release service's reply and the next
        # policy message can queue behind each other on a loaded 2-core machine
        wait_for(lambda: any(not is_zero(v) for _, v in rig.since(t_rel)), 5.0, what="motion after release")
        wait_for(lambda: not rig.state.estop_latched, 1.0, what="state no longer latched")
    finally:
        stop.set()
        th.join(timeout=2.0)
    assert any("estop" in r for r in rig.interventions)


def test_speech_pauses_the_arm_until_its_transcript_is_out(ros_node, spawn):
    """/speech/listening true (an utterance started) holds the arm at once; false lets it move again
    (after listening_resume_delay_s if the arm was moving when the pause began: the rig's arm stands
    at the ready pose, so here at once; the delay is unit-tested in test_safety_governor.py). The delay
    is set to 2 s here, so "at once" and "after the delay" are far apart on a loaded machine."""
    from promptbot.ros.qos import EVENTS

    rig = SafetyRig(ros_node, spawn("promptbot.nodes.safety_node", "--ros-args", "--params-file",
                                    str(config_dir() / "safety_node.yaml"), "-p", "listening_resume_delay_s:=2.0"))
    rig.wait_ready()

    listening = rig.node.create_publisher(Bool, "/speech/listening", EVENTS)
    wait_for(lambda: listening.get_subscription_count() > 0, 10.0, what="the safety node listening")
    stop, th = _stream_policy(rig)
    try:
        wait_for(lambda: any(not is_zero(v) for _, v in rig.since(time.monotonic() - 0.05)), 3.0, what="motion")
        t_on = time.time()
        listening.publish(Bool(data=True))
        first_zero = _first_zero_after(rig, t_on, 2.0, "zero twist on speech")
        assert first_zero - t_on < PERIOD_S + 0.1, f"zero {first_zero - t_on:.3f} s after speech started"
        wait_for(lambda: rig.state is not None and rig.state.paused, 2.0, what="state paused")
        assert not rig.state.estop_latched
        wait_for(lambda: len(rig.stamped_since(first_zero)) > 50, 5.0, what="50 outputs while paused")
        assert all(is_zero(v) for _, v in rig.stamped_since(first_zero))
        t_off = time.time()
        listening.publish(Bool(data=False))
        wait_for(lambda: any(not is_zero(v) for _, v in rig.stamped_since(t_off)), 3.0, what="motion after speech")
        moved = next(t for t, v in rig.stamped_since(t_off) if not is_zero(v))
        assert moved - t_off < 1.0, f"moved {moved - t_off:.3f} s after the transcript of a still arm's pause " \
                                    "(the resume delay, 2 s, is only for an arm that was moving)"
        wait_for(lambda: not rig.state.paused, 2.0, what="state no longer paused")
    finally:
        stop.set()
        th.join(timeout=2.0)
    assert any("pause" in r for r in rig.interventions)


def test_stale_joint_states_hold(rig):
    stop, th = _stream_policy(rig)
    try:
        wait_for(lambda: any(not is_zero(v) for _, v in rig.since(time.monotonic() - 0.05)), 3.0, what="motion")
        rig.joints_on = False
        wait_for(lambda: any("stale_state" in r for r in rig.interventions), 3.0, what="stale intervention")
        t_off = rig.last_joints_sent           # system time of the last joint state sent
        # the policy keeps commanding meanwhile; wait (bounded) for enough outputs on a loaded machine

        def enough_after_hold() -> bool:       # more than 10 outputs, all zero, at the end
            got = rig.stamped_since(t_off)
            return len(got) > 10 and all(is_zero(v) for _, v in got[-11:])
        wait_for(enough_after_hold, 5.0, what="more than 10 outputs after the hold began")
        got = rig.stamped_since(t_off)
        # the sustained hold: the first zero after which every output is zero (a starved test policy
        # thread on a loaded machine can make the governor send one zero for a late command before it:
        # CI saw "held after 0.003 s")
        k = len(got)
        while k > 0 and is_zero(got[k - 1][1]):
            k -= 1
        assert k < len(got), "no hold after the joint states stopped"
        first_zero = got[k][0]
        # hold 0.5 s after the last joint state (+ one period, + transport slack on a loaded CI machine); the
        # zeros may begin a few tens of ms early with a command-timeout zero from a starved test policy thread
        # right before the stale hold (CI saw "held after 0.470 s"; on 2026-12-05 this machine saw 0.221, 0.234 and
        # 0.450 s in three runs: the command-timeout zeros of a starved policy thread can start the hold earlier, so
        # the lower bound only says the hold did not begin at once)
        assert 0.15 <= first_zero - t_off <= 0.5 + PERIOD_S + 0.1, f"held after {first_zero - t_off:.3f} s"
        late = [v for t, v in got if t >= first_zero]
        assert len(late) > 10 and all(is_zero(v) for v in late)
        rig.joints_on = True
        t_on = time.monotonic()
        wait_for(lambda: any(not is_zero(v) for _, v in rig.since(t_on)), 2.0, what="motion after fresh joints")
    finally:
        stop.set()
        th.join(timeout=2.0)


def test_gripper_and_trajectory_relay(rig):
    got_traj: list[JointTrajectory] = []
    sub = rig.node.create_subscription(JointTrajectory, "/joint_trajectory_controller/joint_trajectory",
                                       got_traj.append, 10)
    wait_for(lambda: sub.get_publisher_count() > 0, 5.0, what="trajectory output matched")
    rig.pub_gripper.publish(Float64(data=0.5))
    rig.pub_gripper.publish(Float64(data=math.nan))
    rig.pub_gripper.publish(Float64(data=0.03))
    wait_for(lambda: len(rig.gripper_out) >= 2, 2.0, what="gripper commands")
    assert rig.gripper_out[:2] == [pytest.approx(0.08), pytest.approx(0.03)]
    msg = JointTrajectory()
    msg.joint_names = list(ARM_JOINTS)
    pt = JointTrajectoryPoint()
    pt.positions = [float(v) for v in Q_READY]
    pt.positions[0] += 0.2
    pt.time_from_start.sec = 2
    msg.points = [pt]
    rig.pub_traj.publish(msg)
    bad = JointTrajectory()
    bad.joint_names = list(ARM_JOINTS)
    bp = JointTrajectoryPoint()
    bp.positions = [float(v) for v in Q_READY]
    bp.positions[0] = 2.0     # TCP swings off the table workspace
    bp.time_from_start.sec = 5
    bad.points = [bp]
    rig.pub_traj.publish(bad)
    wait_for(lambda: any("trajectory refused" in r for r in rig.interventions), 2.0, what="trajectory refusal")
    wait_for(lambda: len(got_traj) >= 1, 2.0, what="accepted trajectory relayed")
    t_traj = time.monotonic()
    rig.wait_states(3)                    # a counted window: 0.3 s more of the node's time
    # idle: no zero twists that would cancel the trajectory on the arm
    assert rig.since(t_traj) == []
    assert len(got_traj) == 1 and got_traj[0].points[0].positions[0] == pytest.approx(Q_READY[0] + 0.2)


# ----------------------------------------------------------------- fuzzing the running node
FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)
TEXT = st.one_of(st.text(max_size=50), st.text(min_size=5000, max_size=20000), st.sampled_from(["", "panda_link0", "\U0001F916" * 100]))
FUZZ_TRIED: dict[str, int] = {}


def _twist_msgs():
    return st.builds(lambda f, l, a: _mk_twist(f, l, a), TEXT, st.tuples(FLOATS, FLOATS, FLOATS), st.tuples(FLOATS, FLOATS, FLOATS))


def _mk_twist(frame, lin, ang):
    m = TwistStamped()
    m.header.frame_id = frame
    m.twist.linear.x, m.twist.linear.y, m.twist.linear.z = lin
    m.twist.angular.x, m.twist.angular.y, m.twist.angular.z = ang
    return m


def _mk_joints(names, pos, vel):
    m = JointState()
    m.name = names
    m.position = pos
    m.velocity = vel
    return m


def _joint_msgs():
    names = st.one_of(st.just(list(ARM_JOINTS) + list(FINGER_JOINTS)), st.lists(st.one_of(st.sampled_from(ARM_JOINTS), TEXT), max_size=12))
    return st.builds(_mk_joints, names, st.lists(FLOATS, max_size=12), st.lists(FLOATS, max_size=3))


def _mk_traj(names, points):
    m = JointTrajectory()
    m.joint_names = names
    for pos, vel, sec, nsec in points:
        p = JointTrajectoryPoint()
        p.positions = pos
        p.velocities = vel
        p.time_from_start.sec = sec
        p.time_from_start.nanosec = nsec
        m.points.append(p)
    return m


def _traj_msgs():
    names = st.one_of(st.just(list(ARM_JOINTS)), st.lists(st.one_of(st.sampled_from(ARM_JOINTS), TEXT), max_size=9))
    pts = st.lists(st.tuples(st.lists(FLOATS, max_size=9), st.lists(FLOATS, max_size=9),
                             st.integers(-2**31, 2**31 - 1), st.integers(0, 2**32 - 1)), max_size=5)
    return st.builds(_mk_traj, names, pts)


def _sender(pub, name, strategy):
    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(msg=strategy)
    def send(msg):
        pub.publish(msg)
        FUZZ_TRIED[name] += 1
        time.sleep(0.001)

    return send


def test_fuzz_running_node_survives_and_answers(rig):
    pubs = {"twist": (rig.pub_twist, _twist_msgs()), "gripper": (rig.pub_gripper, st.builds(Float64, data=FLOATS)),
            "joint_states": (rig.pub_joints, _joint_msgs()), "trajectory": (rig.pub_traj, _traj_msgs())}
    t0 = time.monotonic()
    for name, (pub, strategy) in pubs.items():
        FUZZ_TRIED[name] = 0
        _sender(pub, name, strategy)()
    assert all(n >= 100 for n in FUZZ_TRIED.values()), FUZZ_TRIED
    print(f"fuzz inputs tried per interface: {FUZZ_TRIED}")
    rig.wait_states(3)                   # a counted window: the node ran 0.3 s more after the last input
    assert rig.proc.alive, rig.proc.output()[-2000:]
    assert "Traceback" not in rig.proc.output()
    out = rig.since(t0)
    assert out and all(all(math.isfinite(x) for x in v) and lin_norm(v) <= MAX_V + 1e-9 for _, v in out)
    # still answering: services and a normal command
    assert rig.call(rig.release_cli).success
    t1 = time.monotonic()
    n_joints = rig.joints_sent
    wait_for(lambda: rig.joints_sent >= n_joints + 5, 5.0, what="fresh, valid joint states again")
    rig.stream((0.02, 0.0, 0.0), 0.3)
    assert any(v[0] == pytest.approx(0.02) for _, v in rig.since(t1))
