"""Safety node: the only path from the policy / planner to the arm.

Subscribes the unchecked commands ``/promptbot/cmd_twist`` (TwistStamped),
``/promptbot/gripper_cmd`` (Float64 width [m]) and ``/promptbot/joint_trajectory``,
checks them with :class:`promptbot.safety.governor.Governor` against the TCP pose
computed from ``/joint_states`` (pure-numpy Panda FK, no tf), and publishes the
safe commands on the arm's topics (``/servo_node/delta_twist_cmds``,
``/gripper/command``, ``/joint_trajectory_controller/joint_trajectory``).

A timer at ``control_rate_hz`` republishes the last safe twist (zero once no
command arrived for ``command_timeout_s`` or ``/joint_states`` is older than
``state_timeout_s``). After a stop it confirms zero for ``IDLE_ZERO_TICKS``
periods and then goes quiet (``publish_when_idle`` false), because a zero twist
would cancel a joint trajectory the governor let through; while the e-stop is
latched zeros keep flowing at the control rate. E-stop: ``/safety/estop`` (std_msgs/Bool, true latches) or the
``/safety/estop`` service; released only by the ``/safety/release`` service.
Pause while listening (``pause_while_listening``): ``/speech/listening`` true (the speech node heard
an utterance start) holds the arm like a short e-stop that is not latched: a zero at once, then every
twist that arrives is answered with zero (an idle arm gets the usual few confirming zeros, not a stream),
gripper commands and new trajectories are dropped, until ``listening_resume_delay_s`` of wall-clock time after
the speech node says false (its transcript is out; no delay if the arm was still when the pause began) or
``listening_hold_max_s``, whichever comes first. The delay is a race between messages (a "stop" transcript
reaching the planner and its cancel), so it is timed on the wall clock even in a simulator that runs slower
than real time, where the node's clock would stretch it (0.3 s of sim time was 1.6 s at 0.19x real time). A spoken
"stop" therefore holds the arm while it is being said; the planner's cancel then ends the skill.
State on ``/safety/state`` (latched, 10 Hz), every intervention on
``/safety/interventions``. Limits are read-only parameters (set them in
config/safety_node.yaml): nothing at run time can loosen them.
"""
from __future__ import annotations

import logging
import math
import time

from geometry_msgs.msg import TwistStamped
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState
from std_msgs.msg import Bool, Float64
from std_srvs.srv import Trigger
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint

from promptbot_msgs.msg import SafetyState
from promptbot.priority import set_node_priority
from promptbot.ros.params import ParamSpec, declare_params
from promptbot.ros.spin import spin_node
from promptbot.ros.qos import COMMAND, EVENTS, LATCHED, SENSOR_BEST_EFFORT
from promptbot.safety.config import Box, GovernorConfig
from promptbot.safety.governor import (
    EEPose,
    Governor,
    Intervention,
    JointSample,
    Trajectory,
    TrajectoryPoint,
    Twist,
)
from promptbot.safety.kinematics import TCP_OFFSET_M, arm_joints_from, tcp_position

# Topic contract
IN_TWIST = "/promptbot/cmd_twist"
IN_GRIPPER = "/promptbot/gripper_cmd"
IN_TRAJECTORY = "/promptbot/joint_trajectory"
IN_JOINTS = "/joint_states"
OUT_TWIST = "/servo_node/delta_twist_cmds"
OUT_GRIPPER = "/gripper/command"
OUT_TRAJECTORY = "/joint_trajectory_controller/joint_trajectory"
ESTOP_TOPIC = "/safety/estop"
ESTOP_SERVICE = "/safety/estop"
RELEASE_SERVICE = "/safety/release"
STATE_TOPIC = "/safety/state"
INTERVENTIONS_TOPIC = "/safety/interventions"
LISTENING_TOPIC = "/speech/listening"

IDLE_ZERO_TICKS = 10      # zero twists sent after a stop before going quiet (publish_when_idle false)

RELIABLE_10 = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=10,
                         reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.VOLATILE)

_DEFAULT = GovernorConfig()
_BOX = Box.default()


def _vec3(v) -> str | None:
    if not isinstance(v, (list, tuple)) or len(v) != 3:
        return "needs exactly 3 values [x, y, z]"
    return None


SPECS = [
    ParamSpec("control_rate_hz", 100.0, "rate of the safe-twist output timer [Hz]", min=10.0, max=1000.0, read_only=True),
    ParamSpec("state_rate_hz", 10.0, "rate of /safety/state [Hz]", min=1.0, max=100.0, read_only=True),
    ParamSpec("nice", -10, "nice value of the node (its threads and its scheduling autogroup): the governor's "
              "control loop goes before the rest of the graph (negative needs CAP_SYS_NICE; without it the "
              "priority stays and a warning says so; 0 = unchanged)", min=-20, max=19, read_only=True),
    ParamSpec("command_timeout_s", _DEFAULT.command_timeout, "no fresh twist for this long -> zero velocity [s]",
              min=0.02, max=2.0, read_only=True),
    ParamSpec("state_timeout_s", _DEFAULT.state_timeout, "/joint_states older than this -> hold [s]",
              min=0.05, max=5.0, read_only=True),
    ParamSpec("max_linear_speed", _DEFAULT.max_linear_speed, "TCP speed limit [m/s]", min=0.001, max=1.7, read_only=True),
    ParamSpec("max_angular_speed", _DEFAULT.max_angular_speed, "TCP angular speed limit [rad/s]", min=0.001, max=2.5,
              read_only=True),
    ParamSpec("max_linear_accel", _DEFAULT.max_linear_accel, "TCP acceleration limit [m/s^2]", min=0.01, max=13.0,
              read_only=True),
    ParamSpec("max_angular_accel", _DEFAULT.max_angular_accel, "TCP angular acceleration limit [rad/s^2]", min=0.01,
              max=25.0, read_only=True),
    ParamSpec("workspace_min", [_BOX.x_min, _BOX.y_min, _BOX.z_min], "lower corner of the TCP box in panda_link0 [m]",
              min=-2.0, max=2.0, validator=_vec3, read_only=True),
    ParamSpec("workspace_max", [_BOX.x_max, _BOX.y_max, _BOX.z_max], "upper corner of the TCP box in panda_link0 [m]",
              min=-2.0, max=2.0, validator=_vec3, read_only=True),
    ParamSpec("gripper_min_width", _DEFAULT.gripper_min_width, "smallest gripper opening sent [m]", min=0.0, max=0.08,
              read_only=True),
    ParamSpec("gripper_max_width", _DEFAULT.gripper_max_width, "largest gripper opening sent [m]", min=0.0, max=0.08,
              read_only=True),
    ParamSpec("tcp_offset", TCP_OFFSET_M, "panda_hand -> TCP distance along z [m]", min=0.0, max=0.3, read_only=True),
    ParamSpec("frame_id", _DEFAULT.frame_id, "frame twists must be expressed in", read_only=True),
    ParamSpec("accept_empty_frame", True, "treat an empty header.frame_id as frame_id", read_only=True),
    ParamSpec("trajectory_box_margin", _DEFAULT.trajectory_box_margin,
              "tolerance for trajectory TCP samples outside the box [m]", min=0.0, max=0.2, read_only=True),
    ParamSpec("joint_speed_scale", _DEFAULT.joint_speed_scale,
              "trajectories are slowed to this fraction of Franka's joint speed limits", min=0.01, max=1.0,
              read_only=True),
    ParamSpec("pause_while_listening", True,
              "hold the arm while someone speaks to the robot (listening_topic true), so that a spoken 'stop' "
              "holds it before the word is even transcribed; the hold ends listening_resume_delay_s after the "
              "speech node says it stopped listening, or by itself after listening_hold_max_s", read_only=True),
    ParamSpec("listening_topic", LISTENING_TOPIC, "std_msgs/Bool from the speech node: true while an utterance "
              "is heard and decoded", read_only=True),
    ParamSpec("listening_hold_max_s", _DEFAULT.max_pause, "longest hold for one utterance [s] (a lost 'false', "
              "e.g. a killed speech node, cannot hold the arm longer)", min=0.5, max=30.0, read_only=True),
    ParamSpec("listening_resume_delay_s", 0.3, "the hold ends this long after listening stops [s, wall clock]: "
              "time for a 'stop' transcript to reach the planner and cancel the skill first", min=0.0, max=5.0,
              read_only=True),
    ParamSpec("publish_when_idle", False,
              "keep publishing zero twists while holding; false: go quiet after IDLE_ZERO_TICKS zero messages "
              "(a zero twist cancels a running joint trajectory in the simulator and in most drivers)",
              read_only=True),
]


def config_from_params(p) -> GovernorConfig:
    return GovernorConfig(
        workspace=Box(p.workspace_min[0], p.workspace_max[0], p.workspace_min[1], p.workspace_max[1],
                      p.workspace_min[2], p.workspace_max[2]),
        max_linear_speed=p.max_linear_speed,
        max_angular_speed=p.max_angular_speed,
        max_linear_accel=p.max_linear_accel,
        max_angular_accel=p.max_angular_accel,
        gripper_min_width=p.gripper_min_width,
        gripper_max_width=p.gripper_max_width,
        command_timeout=p.command_timeout_s,
        state_timeout=p.state_timeout_s,
        control_period=1.0 / p.control_rate_hz,
        tcp_offset=p.tcp_offset,
        frame_id=p.frame_id,
        accept_empty_frame=p.accept_empty_frame,
        trajectory_box_margin=p.trajectory_box_margin,
        joint_speed_scale=p.joint_speed_scale,
        max_pause=p.listening_hold_max_s,
    )


def _duration_s(d) -> float:
    return float(d.sec) + float(d.nanosec) * 1e-9


class SafetyNode(Node):
    def __init__(self, **kwargs):
        super().__init__("safety_node", **kwargs)
        self.params = declare_params(self, SPECS)
        set_node_priority(self.params.nice, self.get_logger(), "safety node")
        self.governor = Governor(config_from_params(self.params))
        self._joints: JointSample | None = None
        self._ee: EEPose | None = None
        self._idle_zeros = 0
        self.errors = 0

        self.pub_twist = self.create_publisher(TwistStamped, OUT_TWIST, COMMAND)
        self.pub_gripper = self.create_publisher(Float64, OUT_GRIPPER, RELIABLE_10)
        self.pub_traj = self.create_publisher(JointTrajectory, OUT_TRAJECTORY, RELIABLE_10)
        self.pub_state = self.create_publisher(SafetyState, STATE_TOPIC, LATCHED)
        self.pub_iv = self.create_publisher(SafetyState, INTERVENTIONS_TOPIC, EVENTS)

        self.create_subscription(TwistStamped, IN_TWIST, self._on_twist, COMMAND)
        self.create_subscription(Float64, IN_GRIPPER, self._on_gripper, RELIABLE_10)
        self.create_subscription(JointTrajectory, IN_TRAJECTORY, self._on_trajectory, RELIABLE_10)
        self.create_subscription(JointState, IN_JOINTS, self._on_joints, SENSOR_BEST_EFFORT)
        self.create_subscription(Bool, ESTOP_TOPIC, self._on_estop_topic, RELIABLE_10)
        self.create_service(Trigger, ESTOP_SERVICE, self._on_estop_srv)
        self.create_service(Trigger, RELEASE_SERVICE, self._on_release_srv)
        if self.params.pause_while_listening and self.params.listening_topic:
            self.create_subscription(Bool, self.params.listening_topic, self._on_listening, EVENTS)
        self._was_paused = False
        self._resume_at: float | None = None     # wall-clock time [s, monotonic] at which a listening pause ends

        self.create_timer(1.0 / self.params.control_rate_hz, self._on_control_tick)
        self.create_timer(1.0 / self.params.state_rate_hz, self._publish_state)
        self._publish_state()
        cfg = self.governor.config
        self.get_logger().info(
            f"safety governor up: {self.params.control_rate_hz:.0f} Hz, v<={cfg.max_linear_speed} m/s, "
            f"w<={cfg.max_angular_speed} rad/s, timeout {cfg.command_timeout} s, box {cfg.workspace}"
        )

    # ------------------------------------------------------------------ helpers
    def _now(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def _ee_pose(self) -> EEPose | None:
        if self._joints is None:
            return None
        if self._ee is None or self._ee.stamp != self._joints.stamp:
            self._ee = EEPose(tcp_position(self._joints.q, self.governor.config.tcp_offset), self._joints.stamp)
        return self._ee

    def _guard(self, what: str, exc: Exception) -> None:
        self.errors += 1
        self.get_logger().error(f"{what}: {type(exc).__name__}: {exc}", throttle_duration_sec=1.0)

    def _send_twist(self, twist: Twist) -> None:
        msg = TwistStamped()
        msg.header.stamp = self.get_clock().now().to_msg()
        msg.header.frame_id = twist.frame_id
        msg.twist.linear.x, msg.twist.linear.y, msg.twist.linear.z = twist.linear
        msg.twist.angular.x, msg.twist.angular.y, msg.twist.angular.z = twist.angular
        self.pub_twist.publish(msg)

    def _report(self, interventions: list[Intervention]) -> None:
        if not interventions:
            return
        for iv in interventions:
            msg = self._state_msg()
            msg.reason = f"{iv.interface}/{iv.kind}: {iv.reason}"[:1000]
            self.pub_iv.publish(msg)
        self.get_logger().warn(f"intervention: {interventions[-1].reason}", throttle_duration_sec=1.0)

    def _state_msg(self) -> SafetyState:
        g = self.governor
        msg = SafetyState()
        msg.header.stamp = self.get_clock().now().to_msg()
        msg.header.frame_id = g.config.frame_id
        msg.state = int(g.state)
        msg.estop_latched = g.estop_latched
        msg.paused = g.paused(self._now())
        msg.interventions = min(g.interventions_total, 2**32 - 1)
        msg.reason = g.reason[:1000]
        return msg

    def _publish_state(self) -> None:
        self.pub_state.publish(self._state_msg())

    # ------------------------------------------------------------------ callbacks
    def _on_joints(self, msg: JointState) -> None:
        try:
            reading = arm_joints_from(msg.name, msg.position)
        except (ValueError, TypeError, OverflowError) as exc:
            self.get_logger().warn(f"ignoring /joint_states: {exc}", throttle_duration_sec=2.0)
            return
        except Exception as exc:  # never let a message kill the node
            self._guard("joint_states", exc)
            return
        self._joints = JointSample(reading.q, self._now())

    def _on_twist(self, msg: TwistStamped) -> None:
        try:
            t = msg.twist
            cmd = Twist((t.linear.x, t.linear.y, t.linear.z), (t.angular.x, t.angular.y, t.angular.z),
                        msg.header.frame_id)
            out, ivs = self.governor.filter_twist(cmd, self._ee_pose(), self._now())
            self._idle_zeros = 0
            self._send_twist(out)
            self._report(ivs)
        except Exception as exc:
            self._guard("cmd_twist", exc)

    def _on_listening(self, msg: Bool) -> None:
        """Someone is speaking to the robot (true) or was heard and transcribed (false)."""
        try:
            now = self._now()
            if msg.data:
                self._resume_at = None
                self.governor.pause("someone is speaking", now)
                out, ivs = self.governor.tick(self._ee_pose(), now)
                self._send_twist(out)                 # zero now, not at the next tick
                self._report(ivs)
            elif self.params.listening_resume_delay_s > 0 and self.governor.resume_waits(now):
                self._resume_at = time.monotonic() + self.params.listening_resume_delay_s
            else:
                self._resume_at = None
                self.governor.resume(now)
            self._publish_state_if_paused_changed(now)
        except Exception as exc:
            self._guard("listening", exc)

    def _publish_state_if_paused_changed(self, now: float) -> None:
        paused = self.governor.paused(now)
        if paused != self._was_paused:
            self._was_paused = paused
            self._publish_state()       # executors that move the arm themselves (the sim's expert) follow it

    def _on_control_tick(self) -> None:
        try:
            now = self._now()
            if self._resume_at is not None and time.monotonic() >= self._resume_at:
                self._resume_at = None
                self.governor.resume(now)
            out, ivs = self.governor.tick(self._ee_pose(), now)
            self._publish_state_if_paused_changed(now)
            self._report(ivs)
            if out.is_zero and not self.governor.estop_latched:
                # stopped: confirm the stop for a few periods, then go quiet so a joint
                # trajectory that the governor passed is not cancelled by zero twists
                self._idle_zeros += 1
                if not self.params.publish_when_idle and self._idle_zeros > IDLE_ZERO_TICKS:
                    return
            else:
                self._idle_zeros = 0       # moving, or e-stopped: zeros keep flowing while latched
            self._send_twist(out)
        except Exception as exc:
            self._guard("control tick", exc)

    def _on_gripper(self, msg: Float64) -> None:
        try:
            width, ivs = self.governor.filter_gripper(msg.data, self._now())
            if width is not None:
                self.pub_gripper.publish(Float64(data=float(width)))
            self._report(ivs)
        except Exception as exc:
            self._guard("gripper_cmd", exc)

    def _on_trajectory(self, msg: JointTrajectory) -> None:
        try:
            traj = Trajectory(
                tuple(msg.joint_names),
                tuple(
                    TrajectoryPoint(tuple(p.positions), tuple(p.velocities), tuple(p.accelerations),
                                    _duration_s(p.time_from_start))
                    for p in msg.points
                ),
            )
            out, ivs = self.governor.filter_trajectory(traj, self._joints, self._now())
            if out is not None:
                if out.points:
                    self._idle_zeros = IDLE_ZERO_TICKS + 1     # no stop-confirming zero twists over it
                if out is traj:
                    self.pub_traj.publish(msg)
                else:
                    self.pub_traj.publish(self._trajectory_msg(msg, out))
            self._report(ivs)
        except Exception as exc:
            self._guard("joint_trajectory", exc)

    @staticmethod
    def _trajectory_msg(original: JointTrajectory, traj: Trajectory) -> JointTrajectory:
        msg = JointTrajectory()
        msg.header = original.header
        msg.joint_names = list(traj.joint_names)
        for p in traj.points:
            pt = JointTrajectoryPoint()
            pt.positions = [float(v) for v in p.positions]
            pt.velocities = [float(v) for v in p.velocities]
            pt.accelerations = [float(v) for v in p.accelerations]
            sec = int(math.floor(p.time_from_start))
            pt.time_from_start.sec = sec
            pt.time_from_start.nanosec = min(int(round((p.time_from_start - sec) * 1e9)), 999_999_999)
            msg.points.append(pt)
        return msg

    def _trigger_estop(self, reason: str) -> None:
        iv = self.governor.estop(reason, self._now())
        self._send_twist(self.governor.last_output)        # zero now, not at the next tick
        stop = JointTrajectory()                              # an empty trajectory stops the controller
        stop.header.stamp = self.get_clock().now().to_msg()
        stop.joint_names = [f"panda_joint{i}" for i in range(1, 8)]
        self.pub_traj.publish(stop)
        self._report([iv])
        self._publish_state()
        self.get_logger().error(f"E-STOP latched: {reason}")

    def _on_estop_topic(self, msg: Bool) -> None:
        try:
            if msg.data:
                self._trigger_estop(f"{ESTOP_TOPIC} topic")
            else:
                self.get_logger().warn(
                    f"{ESTOP_TOPIC}=false ignored: release only through the {RELEASE_SERVICE} service",
                    throttle_duration_sec=2.0)
        except Exception as exc:
            self._guard("estop topic", exc)

    def _on_estop_srv(self, request, response):
        try:
            self._trigger_estop(f"{ESTOP_SERVICE} service")
            response.success, response.message = True, "e-stop latched"
        except Exception as exc:  # still answer
            self._guard("estop service", exc)
            response.success, response.message = False, f"error: {exc}"
        return response

    def _on_release_srv(self, request, response):
        try:
            message = self.governor.release(self._now())
            self._send_twist(self.governor.last_output)
            self._publish_state()
            self.get_logger().info(message)
            response.success, response.message = True, message
        except Exception as exc:
            self._guard("release service", exc)
            response.success, response.message = False, f"error: {exc}"
        return response


def main(args=None) -> None:
    logging.basicConfig(level=logging.INFO)
    spin_node(SafetyNode, "safety_node", args=args)


if __name__ == "__main__":
    main()
