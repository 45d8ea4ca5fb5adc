"""VLA policy node: the ExecuteSkill action server that drives the arm from camera images.

For one language-conditioned skill it runs closed loop at ``control_rate_hz``:
latest camera frame(s) + joint states + instruction -> action chunk ->
temporally ensembled TwistStamped + gripper command (to the safety governor).
It stops on the learned done flag, timeout, cancel or when the arm makes no
progress (FAILED, "no progress for ...": promptbot.policy.runner) and always
leaves the arm holding still; it never acts on a stale image; it publishes a
heartbeat and warns when inference is slower than the control period. The policy sees only
cameras and joint states, never simulator state. With ``servo`` set, a servo on perception's
scene (``/perception/scene``, SceneState with source "perception"; never ground truth) corrects
the policy near the skill's objects (promptbot.policy.servo); the default, ``guided``, also goes
to them where the policy does not, pushes, and ends a step the policy does not end. Its commands
go through the safety governor like the policy's.
"""
from __future__ import annotations

import gc
import threading
import time

import numpy as np
import rclpy
from geometry_msgs.msg import TwistStamped
from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Float64, Header

from promptbot.planning.skills import SKILL_NAMES
from promptbot.policy.proprio import GRIPPER_WIDTH_INDEX, TCP_XYZ
from promptbot.policy.servo import DEFAULT_SERVO, SERVO_PRESETS, PushServo, TargetServo, servo_for_skill
from promptbot.policy.runner import (EMPTY_GRASPS, GRASP_IDLE_S, GRASP_SKILLS, RELEASE_SKILLS, STALL_MOTION_M, STALL_S,
                                     WALL_BACKSTOP_FACTOR, Decision, RunnerConfig, SkillRun)
from promptbot.priority import set_node_priority
from promptbot.ros import qos
from promptbot.ros.actions import end_goal
from promptbot.ros.image import ImageConversionError, image_to_numpy
from promptbot.ros.params import ParamSpec, declare_params
from promptbot.ros.scene_msgs import scene_to_objects
from promptbot.ros.spin import spin_node
from promptbot.safety.follow import SafetyFollower, Verdict
from promptbot_msgs.action import ExecuteSkill
from promptbot_msgs.msg import SafetyState, SceneState

MAX_INSTRUCTION_CHARS = 300

PARAMS = [
    ParamSpec("checkpoint", "", "VLA checkpoint path; empty = the committed models/vla_tabletop.pt"),
    ParamSpec("backend", "onnxruntime", "inference backend", choices=["torch", "onnxruntime", "tensorrt"]),
    ParamSpec("inference_threads", 1, "CPU threads for inference (batch 1 gains little from more; more threads "
              "spin against the other nodes on a small CPU and stall the control loop)", min=1, max=64,
              read_only=True),
    ParamSpec("control_rate_hz", 20.0, "control loop rate [Hz] (the rate the policy was trained at)", min=1.0, max=100.0),
    ParamSpec("default_timeout_s", 30.0, "skill timeout when the goal gives none [s], on the node's clock (sim time "
              "in the simulated graph)", min=1.0, max=600.0),
    ParamSpec("wall_backstop_factor", WALL_BACKSTOP_FACTOR, "a skill also ends after its timeout times this much "
              "wall-clock time (a stopped or crawling clock)", min=1.0, max=20.0),
    ParamSpec("max_image_age_s", 0.25, "camera frames older than this are stale: hold [s]", min=0.01, max=5.0),
    ParamSpec("stale_abort_s", 3.0, "abort with STALE_INPUT after this long without a fresh frame [s]", min=0.1, max=60.0),
    ParamSpec("stall_s", STALL_S, "end the skill (FAILED, \"no progress ...\") when for this long the end effector "
              "has not moved more than stall_motion_m and the gripper has not changed (0 = off) [s]",
              min=0.0, max=600.0),
    ParamSpec("stall_motion_m", STALL_MOTION_M, "end-effector travel that counts as progress [m]",
              min=0.001, max=0.5),
    ParamSpec("empty_grasps", EMPTY_GRASPS, "end a pick (FAILED, \"no progress ...\") when the fingers have closed "
              "on nothing this many times (0 = off)", min=0, max=100),
    ParamSpec("grasp_idle_s", GRASP_IDLE_S, "end a pick, place or stack (FAILED, \"no progress ...\") when for this long "
              "the gripper has neither closed nor opened, however the arm moves (0 = off) [s]", min=0.0, max=600.0),
    ParamSpec("release_done", True, "place/stack: when the arm holds still after the fingers let go of the object, "
              "the skill is done (SUCCEEDED, then verified by perception), not FAILED \"no progress\""),
    ParamSpec("done_threshold", 0.8, "learned done probability that ends a skill", min=0.05, max=1.0),
    ParamSpec("latency_compensation", True, "skip the chunk entries whose time passed while the image travelled "
              "and the policy ran (the image's age at publishing, in control periods)"),
    ParamSpec("chunk_offset_steps", 0.0, "extra control periods to skip in each chunk, on top of the measured image "
              "age (e.g. a slow arm driver)", min=0.0, max=10.0),
    ParamSpec("ensemble_k", 0.1, "temporal ensembling weight decay (0 = mean)", min=0.0, max=10.0),
    ParamSpec("retreat_s", 1.0, "after a successful place/stack/push, rise at retreat_speed_m_s for this long, "
              "so the hand no longer hides the object from the scene camera when the step is verified "
              "(0 = off) [s]", min=0.0, max=5.0),
    ParamSpec("retreat_speed_m_s", 0.15, "rise speed of the retreat [m/s]", min=0.01, max=0.3),
    ParamSpec("servo", DEFAULT_SERVO, "a servo on perception's detections of the skill's objects: "
              "none (the policy alone), align (steer over them), finish (also close / lower and open there when "
              "the policy waits), settle (also take the height from a hesitating policy, lift a grasped object it "
              "leaves low, open once the carried object rests on the destination), settle_push (also push once the "
              "hand is at the object), guided (also go to the object or the destination itself after 3 s "
              "without getting near it, hold the policy's 'done' until the step is done, and let the policy open "
              "only over the destination); "
              "promptbot.policy.servo",
              choices=list(SERVO_PRESETS)),
    ParamSpec("servo_scene_topic", "/perception/scene", "SceneState with the servo's targets (only source "
              "'perception' is used)", read_only=True),
    ParamSpec("servo_max_scene_age_s", 5.0, "a scene older than this when a skill starts gives the servo no "
              "targets [s]", min=0.1, max=600.0),
    ParamSpec("heartbeat_period_s", 0.5, "heartbeat publishing period [s, wall clock: the planner judges the "
              "server's liveness on its own wall clock, whatever the simulator's pace]", min=0.05, max=10.0),
    ParamSpec("nice", 0, "nice value of the node (its threads and its scheduling autogroup; negative needs "
              "CAP_SYS_NICE; 0 = unchanged). 0: at -5, before perception and the simulator, the chains of bench e2e "
              "did no better (docs/policy.md, session 38)", min=-20, max=19, read_only=True),
    ParamSpec("scene_image_topic", "/camera/color/image_raw", "scene camera (rgb8)"),
    ParamSpec("wrist_image_topic", "/camera/wrist/image_raw", "wrist camera (rgb8), used if the model has one"),
    ParamSpec("joint_states_topic", "/joint_states", "arm joint states"),
    ParamSpec("safety_state_topic", "/safety/state",
              "the governor's SafetyState: during its pause the skill holds (progress judged afresh after it), "
              "on its e-stop the skill ends (FAILED) ('' = ignore)", read_only=True),
    ParamSpec("cmd_twist_topic", "/promptbot/cmd_twist", "EE velocity commands (to the safety governor)"),
    ParamSpec("gripper_cmd_topic", "/promptbot/gripper_cmd", "gripper width commands [m] (to the safety governor)"),
    ParamSpec("base_frame", "panda_link0", "frame of the twist commands"),
]


class VlaNode(Node):
    def __init__(self):
        super().__init__("vla_node")
        self.params = declare_params(self, PARAMS)
        p = self.params
        set_node_priority(p.nice, self.get_logger(), "vla node")
        from promptbot.policy.paths import default_checkpoint
        from promptbot.policy.policy import Policy

        ckpt = p.checkpoint or str(default_checkpoint())
        self.policy = Policy.load(ckpt, backend=p.backend, threads=p.inference_threads)
        self.get_logger().info(f"loaded {ckpt} with backend {self.policy.backend.name}")
        gc.freeze()         # the model's objects are permanent: the collector stops walking them on every pass
        self._lock = threading.Lock()
        self._scene: Image | None = None
        self._wrist: Image | None = None
        self._joints: JointState | None = None
        self._perceived: tuple[float, list] | None = None   # (receipt time [s, node clock], objects) for the servo
        self._grip_cmd: float | None = None                  # last gripper command published [m]
        self._busy = False
        self._last_error_log = 0.0
        sensors = MutuallyExclusiveCallbackGroup()
        self.create_subscription(Image, p.scene_image_topic, self._on_scene, qos.SENSOR_IMAGE, callback_group=sensors)
        if self.policy.config.use_wrist:
            self.create_subscription(Image, p.wrist_image_topic, self._on_wrist, qos.SENSOR_IMAGE,
                                     callback_group=sensors)
        self.create_subscription(JointState, p.joint_states_topic, self._on_joints, 10, callback_group=sensors)
        if p.servo != "none":
            self.create_subscription(SceneState, p.servo_scene_topic, self._on_perceived, 10,
                                     callback_group=sensors)
        self._safety = SafetyFollower()
        if p.safety_state_topic:
            self.create_subscription(
                SafetyState, p.safety_state_topic,
                lambda m: self._safety.update(m.estop_latched, m.paused, time.monotonic()), qos.LATCHED,
                callback_group=sensors)
        self._twist_pub = self.create_publisher(TwistStamped, p.cmd_twist_topic, qos.COMMAND)
        self._grip_pub = self.create_publisher(Float64, p.gripper_cmd_topic, qos.COMMAND)
        self._heartbeat_pub = self.create_publisher(Header, "/policy/heartbeat", qos.heartbeat(p.heartbeat_period_s))
        # its own group: three image and state callbacks at 30 Hz in one group must not delay the planner's
        # "is the skill server alive" signal (a starved heartbeat ended a skill after 1.5 s in a soak run)
        # and the wall clock: on the node's (sim) clock at 0.19x real time it came every 2.6 s, and a retreat without
        # feedback lost two steps to the planner's 3 s "stopped responding" (bench e2e --executor vla)
        self.create_timer(p.heartbeat_period_s, self._heartbeat, callback_group=MutuallyExclusiveCallbackGroup(),
                          clock=Clock(clock_type=ClockType.STEADY_TIME))
        self._server = ActionServer(
            self, ExecuteSkill, "/policy/execute_skill", execute_callback=self._execute,
            goal_callback=self._on_goal, cancel_callback=lambda _g: CancelResponse.ACCEPT,
            callback_group=ReentrantCallbackGroup())

    # -- inputs ---------------------------------------------------------------
    def _on_scene(self, msg: Image) -> None:
        with self._lock:
            self._scene = msg

    def _on_wrist(self, msg: Image) -> None:
        with self._lock:
            self._wrist = msg

    def _on_joints(self, msg: JointState) -> None:
        with self._lock:
            self._joints = msg

    def _on_perceived(self, msg: SceneState) -> None:
        if msg.source != "perception":      # the servo never steers on simulator truth
            return
        objects = scene_to_objects(msg)
        with self._lock:
            self._perceived = (self._now_s(), objects)

    def _servo_for(self, goal) -> TargetServo | PushServo | None:
        """The skill's servo from the latest perceived scene, or None (off, no fresh scene, no targets)."""
        config = SERVO_PRESETS[self.params.servo]
        if config is None:
            return None
        with self._lock:
            perceived = self._perceived
        if perceived is None or self._now_s() - perceived[0] > self.params.servo_max_scene_age_s:
            self.get_logger().warning("servo: no fresh perceived scene; the policy acts alone")
            return None
        return servo_for_skill(config, goal.skill, list(goal.args), perceived[1])

    def _heartbeat(self) -> None:
        h = Header(frame_id="busy" if self._busy else "idle")
        h.stamp = self.get_clock().now().to_msg()
        self._heartbeat_pub.publish(h)

    def _error(self, text: str, period_s: float = 2.0) -> None:
        now = time.monotonic()
        if now - self._last_error_log >= period_s:
            self._last_error_log = now
            self.get_logger().error(text)

    # -- action -----------------------------------------------------------------
    def _on_goal(self, goal: ExecuteSkill.Goal) -> GoalResponse:
        text = goal.instruction.strip()
        if self._busy:
            self.get_logger().warning("rejecting skill: another skill is running")
            return GoalResponse.REJECT
        if goal.skill not in SKILL_NAMES or not text or len(text) > MAX_INSTRUCTION_CHARS:
            self.get_logger().warning(f"rejecting skill {goal.skill!r}: unknown skill or bad instruction")
            return GoalResponse.REJECT
        if not np.isfinite(goal.timeout) or goal.timeout < 0 or goal.timeout > 600:
            self.get_logger().warning(f"rejecting skill: timeout {goal.timeout} outside [0, 600] s")
            return GoalResponse.REJECT
        return GoalResponse.ACCEPT

    def _now_s(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def _hold(self) -> None:
        msg = TwistStamped()
        msg.header.stamp = self.get_clock().now().to_msg()
        msg.header.frame_id = self.params.base_frame
        self._twist_pub.publish(msg)

    def _publish(self, action: np.ndarray) -> None:
        msg = TwistStamped()
        msg.header.stamp = self.get_clock().now().to_msg()
        msg.header.frame_id = self.params.base_frame
        msg.twist.linear.x, msg.twist.linear.y, msg.twist.linear.z = (float(v) for v in action[:3])
        msg.twist.angular.x, msg.twist.angular.y, msg.twist.angular.z = (float(v) for v in action[3:6])
        self._twist_pub.publish(msg)
        self._grip_pub.publish(Float64(data=float(action[6])))
        self._grip_cmd = float(action[6])

    def _retreat(self, handle, run: SkillRun, seconds: float, speed: float, period: float) -> None:
        """Rise straight up with an open hand (scripted, through the safety governor), with feedback: the
        skill is still running."""
        end = self._now_s() + seconds
        from promptbot.safety.kinematics import GRIPPER_WIDTH_MAX_M

        up = np.array([0.0, 0.0, speed, 0.0, 0.0, 0.0, GRIPPER_WIDTH_MAX_M])
        while rclpy.ok() and self._now_s() < end and not handle.is_cancel_requested:
            self._publish(up)
            handle.publish_feedback(ExecuteSkill.Feedback(progress=run.progress(self._now_s()),
                                                          control_steps=run.steps))
            t_next = self._now_s() + period
            while rclpy.ok() and self._now_s() < t_next and not handle.is_cancel_requested:
                time.sleep(0.001)
        self._hold()

    def _observation(self):
        """Latest observation and its image stamp [s], or (None, stamp, reason)."""
        from promptbot.policy.policy import Observation
        from promptbot.policy.proprio import proprio_from_joints
        from promptbot.safety.kinematics import arm_joints_from

        with self._lock:
            scene, wrist, joints = self._scene, self._wrist, self._joints
        if scene is None:
            return None, None, "no camera frame yet"
        stamp = scene.header.stamp.sec + scene.header.stamp.nanosec * 1e-9
        if self.policy.config.use_wrist and wrist is not None:   # the older camera decides staleness
            stamp = min(stamp, wrist.header.stamp.sec + wrist.header.stamp.nanosec * 1e-9)
        if joints is None:
            return None, stamp, "no joint states yet"
        try:
            reading = arm_joints_from(joints.name, joints.position)
            width = reading.gripper_width_m if reading.gripper_width_m is not None else 0.0
            proprio = proprio_from_joints(reading.q, width)
            scene_rgb = image_to_numpy(scene)
            wrist_rgb = image_to_numpy(wrist) if wrist is not None else None
            if scene.encoding != "rgb8" or (wrist is not None and wrist.encoding != "rgb8"):
                raise ImageConversionError(f"policy needs rgb8 images, got {scene.encoding}")
        except (ValueError, ImageConversionError) as exc:
            return None, stamp, f"bad input: {exc}"
        if self.policy.config.use_wrist and wrist_rgb is None:
            return None, stamp, "no wrist camera frame yet"
        return Observation(scene_rgb, proprio, "", wrist_rgb), stamp, ""

    def _execute(self, handle) -> ExecuteSkill.Result:
        goal = handle.request
        p = self.params
        self._busy = True
        result = ExecuteSkill.Result()
        cfg = RunnerConfig(control_rate_hz=p.control_rate_hz, timeout_s=goal.timeout or p.default_timeout_s,
                           max_image_age_s=p.max_image_age_s, stale_abort_s=p.stale_abort_s,
                           done_threshold=p.done_threshold, ensemble_k=p.ensemble_k,
                           latency_compensation=p.latency_compensation, chunk_offset_steps=p.chunk_offset_steps,
                           stall_s=p.stall_s, stall_motion_m=p.stall_motion_m,
                           grasp_idle_s=p.grasp_idle_s if goal.skill in GRASP_SKILLS else 0.0,
                           empty_grasps=p.empty_grasps if goal.skill == "pick" else 0,
                           release_done=p.release_done and goal.skill in RELEASE_SKILLS,
                           wall_backstop_factor=p.wall_backstop_factor)
        run = SkillRun(cfg, self.policy.config.chunk, self._now_s())
        servo = self._servo_for(goal)
        t_wall = time.monotonic()
        self.get_logger().info(f"skill {goal.skill}({', '.join(goal.args)}): {goal.instruction!r}")
        code, msg = ExecuteSkill.Result.FAILED, "not finished"
        ages: list[float] = []            # image age when each chunk was acted on [s]
        widths: list[float] = []          # gripper opening at each control step [m], summarised in the end log line
        try:
            next_tick = self._now_s()
            while rclpy.ok():
                if handle.is_cancel_requested:
                    code, msg = ExecuteSkill.Result.CANCELED, "canceled"
                    break
                now = self._now_s()
                obs, stamp, why = self._observation()
                decision = run.check_inputs(now, stamp, wall_elapsed_s=time.monotonic() - t_wall)
                if decision is None:
                    verdict = self._safety.verdict(time.monotonic())
                    if verdict is Verdict.STOP:
                        decision = Decision("stopped", reason="the safety governor's e-stop is latched")
                    elif verdict is Verdict.HOLD:
                        decision = run.hold("the safety governor pauses the arm (someone is speaking)")
                if decision is None and obs is None:
                    decision = Decision("hold", reason=why)
                if decision is None and servo is not None and servo.complete:
                    decision = Decision("done", reason=servo.end_reason)
                if decision is None:
                    widths.append(float(obs.proprio[GRIPPER_WIDTH_INDEX]))
                    decision = run.check_progress(now, obs.proprio[TCP_XYZ], widths[-1])
                if decision is None:
                    obs.instruction = goal.instruction
                    t0 = time.perf_counter()
                    chunk = self.policy.infer(obs)
                    if time.perf_counter() - t0 > cfg.period_s:
                        self.get_logger().warning(
                            f"inference {chunk.latency_s * 1e3:.0f} ms exceeds the control period "
                            f"{cfg.period_s * 1e3:.0f} ms", throttle_duration_sec=5.0)
                    age = self._now_s() - stamp
                    ages.append(age)
                    decision = run.on_chunk(chunk.actions, chunk.done_prob, obs_age_s=age)
                    if decision.kind == "done" and servo is not None and servo.in_control:
                        # the servo's step is not over: hold still, the gripper as it is
                        decision = Decision("act", action=np.array(
                            [0, 0, 0, 0, 0, 0, widths[-1] if self._grip_cmd is None else self._grip_cmd]))
                if decision.kind == "act":
                    action = decision.action
                    if servo is not None:
                        action = servo.correct(action, obs.proprio[TCP_XYZ],
                                               widths[-1] if self._grip_cmd is None else self._grip_cmd, widths[-1],
                                               now_s=now - run.start)
                    self._publish(action)
                elif decision.kind == "hold":
                    self._hold()
                    self._error(f"holding: {decision.reason}")
                else:
                    codes = {"done": ExecuteSkill.Result.SUCCEEDED, "timeout": ExecuteSkill.Result.TIMEOUT,
                             "stale": ExecuteSkill.Result.STALE_INPUT, "stalled": ExecuteSkill.Result.FAILED,
                             "stopped": ExecuteSkill.Result.FAILED}
                    code, msg = codes[decision.kind], decision.reason
                    break
                handle.publish_feedback(ExecuteSkill.Feedback(progress=run.progress(now), control_steps=run.steps))
                next_tick += cfg.period_s
                while rclpy.ok() and self._now_s() < next_tick and not handle.is_cancel_requested:
                    time.sleep(0.001)
                if self._now_s() - next_tick > 5 * cfg.period_s:  # fell behind (e.g. clock jump): resync
                    next_tick = self._now_s()
            if code == ExecuteSkill.Result.SUCCEEDED and goal.skill != "pick" and p.retreat_s > 0:
                self._retreat(handle, run, p.retreat_s, p.retreat_speed_m_s, cfg.period_s)
        except Exception as exc:  # never leave the arm moving
            code, msg = ExecuteSkill.Result.FAILED, f"policy error: {exc}"
            self.get_logger().error(msg)
        finally:
            self._hold()
            self._busy = False
        result.error_code, result.error_msg = code, msg
        result.duration = float(time.monotonic() - t_wall)
        end_goal(handle, code == ExecuteSkill.Result.SUCCEEDED, code == ExecuteSkill.Result.CANCELED)
        age_text = (f"; image age when acted on: median {1e3 * float(np.median(ages)):.0f} ms, "
                    f"max {1e3 * max(ages):.0f} ms, chunk entries skipped {run.skipped / max(1, run.steps):.2f} "
                    f"per step" if ages else "")
        grip_text = (f"; gripper {1e3 * min(widths):.0f}-{1e3 * max(widths):.0f} mm, last {1e3 * widths[-1]:.0f} mm"
                     if widths else "")
        if widths and cfg.empty_grasps:
            grip_text += f", closed on nothing {run.empty_closes} times"
        if servo is not None:
            grip_text += (f"; servo corrected {servo.corrected_steps} steps"
                          + (f", finished the {servo.finished}" if servo.finished else "")
                          + (f", approached {servo.approached} times" if servo.approached else "")
                          + (f", withheld the policy's release on {servo.vetoed_steps} steps"
                             if servo.vetoed_steps else "")
                          + (f", opened an empty closed hand {servo.reopened} times" if servo.reopened else ""))
        self.get_logger().info(f"skill {goal.skill} ended after {run.steps} control steps: {msg}{age_text}{grip_text}")
        return result


def main(args=None) -> None:
    # threads: the skill (execute), the sensors, the heartbeat and the health probe each get one
    spin_node(VlaNode, "vla_node", threads=4, on_exit=VlaNode._hold, args=args)   # leave the arm holding still


if __name__ == "__main__":
    main()
