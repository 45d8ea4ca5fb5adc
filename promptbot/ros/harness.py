"""The in-process side of graph tests and benchmarks, shared by ``tests/`` and ``promptbot.bench``.

- :class:`InProcessNode`: an rclpy node on an isolated graph environment (``promptbot.testing
  .isolated_env``), in its own context, spun by a background executor thread.
- :class:`SafetyRig`: the fake arm driver and fake policy around a running safety node
  process: publishes ``/joint_states`` at the Panda ready pose and the policy's commands,
  records what the node lets through to the arm, its interventions and its state.

The node under test always runs as a separate process (``promptbot.testing.NodeProcess``,
started by its module name); nothing here imports ``promptbot.nodes``.
"""
from __future__ import annotations

import os
import threading
import time

import rclpy
from geometry_msgs.msg import TwistStamped
from sensor_msgs.msg import JointState
from std_msgs.msg import Bool, Float64
from std_srvs.srv import Trigger
from trajectory_msgs.msg import JointTrajectory

from promptbot.ros.executor import make_executor
from promptbot.ros.qos import COMMAND, EVENTS, LATCHED
from promptbot.safety.kinematics import ARM_JOINTS, FINGER_JOINTS, Q_READY
from promptbot.testing import wait_for
from promptbot_msgs.msg import SafetyState

# DDS settings the in-process participant must share with the node subprocesses
_DDS_VARS = ("FASTRTPS_DEFAULT_PROFILES_FILE", "FASTDDS_DEFAULT_PROFILES_FILE", "ROS_AUTOMATIC_DISCOVERY_RANGE")
JOINTS_PERIOD_S = 0.02          # the fake arm driver's /joint_states period [s] (50 Hz)


class InProcessNode:
    """``with InProcessNode(env, "test_node") as node:`` an rclpy node on ``env``'s domain, spinning."""

    def __init__(self, env: dict[str, str], name: str, threads: int = 2):
        for var in _DDS_VARS:
            os.environ[var] = env[var]
        self.context = rclpy.Context()
        rclpy.init(context=self.context, domain_id=int(env["ROS_DOMAIN_ID"]))
        self.node = rclpy.create_node(name, context=self.context)
        self.executor = make_executor(threads, context=self.context)
        self.executor.add_node(self.node)
        self._thread = threading.Thread(target=self.executor.spin, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.executor.shutdown(timeout_sec=2.0)
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)
        self._thread.join(timeout=2.0)

    def __enter__(self):
        return self.node

    def __exit__(self, *exc) -> None:
        self.close()


def twist_values(msg: TwistStamped) -> tuple[float, ...]:
    t = msg.twist
    return (t.linear.x, t.linear.y, t.linear.z, t.angular.x, t.angular.y, t.angular.z)


def is_zero(v) -> bool:
    return all(x == 0.0 for x in v)


class SafetyRig:
    """Fake arm + policy around one safety node process (``process``: its ``NodeProcess``, optional).

    Receive times are ``time.monotonic()``; ``stamped`` keeps the node's own output stamps
    (system clock, same host): when it decided, not when the message arrived here.
    """

    def __init__(self, node, process=None):
        self.node = node
        self.proc = process
        self.lock = threading.Lock()
        self.twists: list[tuple[float, tuple[float, ...]]] = []      # (monotonic receive time, 6 values)
        self.stamped: list[tuple[float, tuple[float, ...]]] = []     # (output header stamp [s], 6 values)
        self.gripper_out: list[float] = []
        self.interventions: list[str] = []
        self.intervention_stamps: list[tuple[float, str]] = []   # (the node's stamp [s, system time], reason)
        self.state: SafetyState | None = None
        self.states_seen = 0                  # /safety/state messages received (the node's 10 Hz heartbeat)
        self.joints_on = True
        self.joints_sent = 0
        self.last_joints_sent = 0.0           # system time of the last /joint_states sent [s]
        self.pub_twist = node.create_publisher(TwistStamped, "/promptbot/cmd_twist", COMMAND)
        self.pub_gripper = node.create_publisher(Float64, "/promptbot/gripper_cmd", 10)
        self.pub_traj = node.create_publisher(JointTrajectory, "/promptbot/joint_trajectory", 10)
        self.pub_joints = node.create_publisher(JointState, "/joint_states", 10)
        self.pub_estop = node.create_publisher(Bool, "/safety/estop", 10)
        self.subs = (
            node.create_subscription(TwistStamped, "/servo_node/delta_twist_cmds", self._on_twist, 100),
            node.create_subscription(Float64, "/gripper/command", lambda m: self.gripper_out.append(m.data), 100),
            node.create_subscription(SafetyState, "/safety/interventions", self._on_intervention, EVENTS),
            node.create_subscription(SafetyState, "/safety/state", self._on_state, LATCHED),
        )
        self.estop_cli = node.create_client(Trigger, "/safety/estop")
        self.release_cli = node.create_client(Trigger, "/safety/release")
        node.create_timer(JOINTS_PERIOD_S, self._publish_joints)

    def wait_ready(self, timeout: float = 20.0) -> None:
        """Until the node subscribes every input, publishes every output and offers both services."""
        pubs = (self.pub_twist, self.pub_gripper, self.pub_traj, self.pub_joints, self.pub_estop)
        wait_for(lambda: all(p.get_subscription_count() > 0 for p in pubs) and self.state is not None
                 and self.release_cli.service_is_ready() and self.estop_cli.service_is_ready()
                 and all(s.get_publisher_count() > 0 for s in self.subs),
                 timeout, what="safety node up and matched")

    # ------------------------------------------------------------------ callbacks
    def _on_twist(self, m: TwistStamped) -> None:
        v = twist_values(m)
        with self.lock:
            self.twists.append((time.monotonic(), v))
            self.stamped.append((m.header.stamp.sec + m.header.stamp.nanosec * 1e-9, v))

    def _on_intervention(self, m: SafetyState) -> None:
        self.intervention_stamps.append((m.header.stamp.sec + m.header.stamp.nanosec * 1e-9, m.reason))
        self.interventions.append(m.reason)

    def _on_state(self, m: SafetyState) -> None:
        self.state = m
        self.states_seen += 1

    def _publish_joints(self) -> None:
        if not self.joints_on:
            return
        self.last_joints_sent = time.time()
        msg = JointState()
        msg.header.stamp = self.node.get_clock().now().to_msg()
        msg.name = list(ARM_JOINTS) + list(FINGER_JOINTS)
        msg.position = [float(v) for v in Q_READY] + [0.04, 0.04]
        self.pub_joints.publish(msg)
        self.joints_sent += 1

    # ------------------------------------------------------------------ the policy's side
    def twist(self, lin=(0.0, 0.0, 0.0), ang=(0.0, 0.0, 0.0), frame="panda_link0", pub=None) -> None:
        msg = TwistStamped()
        msg.header.frame_id = frame
        msg.header.stamp = self.node.get_clock().now().to_msg()
        msg.twist.linear.x, msg.twist.linear.y, msg.twist.linear.z = (float(v) for v in lin)
        msg.twist.angular.x, msg.twist.angular.y, msg.twist.angular.z = (float(v) for v in ang)
        (pub or self.pub_twist).publish(msg)

    def stream(self, lin, seconds: float, rate_hz: float = 100.0) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.twist(lin)
            time.sleep(1.0 / rate_hz)

    def call(self, client, timeout: float = 5.0):
        fut = client.call_async(Trigger.Request())
        wait_for(fut.done, timeout, what=f"{client.srv_name} response")
        return fut.result()

    # ------------------------------------------------------------------ what reached the arm
    def since(self, t0: float) -> list[tuple[float, tuple[float, ...]]]:
        """Twists received at or after monotonic time ``t0``."""
        with self.lock:
            return [(t, v) for t, v in self.twists if t >= t0]

    def stamped_since(self, t0_wall: float) -> list[tuple[float, tuple[float, ...]]]:
        """Twists the node stamped at or after system time ``t0_wall``."""
        with self.lock:
            return [(t, v) for t, v in self.stamped if t >= t0_wall]

    def wait_states(self, n: int, timeout: float = 10.0) -> None:
        """A counted window: until ``n`` further /safety/state messages arrived (the node ran
        ``n`` more state periods), so an absence checked afterwards means something on a slow machine."""
        start = self.states_seen
        wait_for(lambda: self.states_seen >= start + n, timeout, what=f"{n} more /safety/state messages")
