"""Simulation node: a PyBullet Panda world that looks like a RealSense + arm driver on the graph.

Publishes ``/camera/color/image_raw`` (rgb8), ``/camera/depth/image_rect_raw``
(32FC1, metres along the optical axis, REP 118), ``/camera/color/camera_info``,
``/joint_states``, ``/clock`` and ``/sim/ground_truth`` (SceneState,
source="ground_truth"); ``publish_cameras:=false`` (settable at run time) freezes every
camera stream while the rest goes on (camera-freeze fault injection).
Accepts ``/servo_node/delta_twist_cmds`` (TwistStamped
in panda_link0, MoveIt Servo convention; a twist holds for ``command_timeout_s``),
``/joint_trajectory_controller/joint_trajectory`` and ``/gripper/command``
(Float64 opening width [m]). Services ``/sim/reset`` and ``/sim/check_task``; the check judges
``unmoved(x)`` against the ground truth at the request's ``since`` (zero = the last reset), from
the scenes the node keeps (:class:`promptbot.sim.scene_history.SceneHistory`).

All PyBullet work runs in one sim thread (the core, :class:`promptbot.sim.env.SimEnv`);
ROS callbacks only queue commands. Physics at ``physics_hz`` (>= 240), camera at
``camera_rate_hz`` in sim time, paced by ``real_time_factor`` (0 = as fast as possible).
"""
from __future__ import annotations

import math
import os
import queue
import threading
import time
from concurrent.futures import Future

from builtin_interfaces.msg import Time
from geometry_msgs.msg import PoseStamped, TwistStamped
from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.node import Node
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo, Image, JointState
from std_msgs.msg import Float64, Header
from trajectory_msgs.msg import JointTrajectory

from promptbot.perception.ids import UnknownObjectError, resolve_ids
from promptbot.planning.skills import SKILLS
from promptbot.ros.actions import end_goal
from promptbot.ros.image import numpy_to_image
from promptbot.ros.params import ParamSpec, declare_params
from promptbot.ros.spin import spin_node
from promptbot.ros.qos import COMMAND, LATCHED, SENSOR_IMAGE
from promptbot.ros.scene_msgs import objects_to_scene, scene_to_objects
from promptbot.safety.follow import SafetyFollower, Verdict
from promptbot.scene import ObjectState, relations
from promptbot.sim.env import JOINT_NAMES, CommandError, SimConfig, SimEnv
from promptbot.sim.scene_history import NoReference, SceneHistory
from promptbot.sim.worlds import WorldError, list_worlds
from promptbot_msgs.action import ExecuteSkill
from promptbot_msgs.msg import SafetyState, SceneState
from promptbot_msgs.srv import CheckTask, ResetWorld

BASE_FRAME = "panda_link0"
CAMERA_FRAME = "camera_color_optical_frame"


def _world_ok(value) -> str | None:
    if value in list_worlds() or str(value).endswith((".yaml", ".yml")):
        return None
    return f"unknown world {value!r}; available: {', '.join(list_worlds())}"


SPECS = [
    ParamSpec("world", "tabletop", "world to load at start (name or YAML path)", validator=_world_ok, read_only=True),
    ParamSpec("seed", 0, "seed of the initial world", min=0, max=2**31 - 1, read_only=True),
    ParamSpec("physics_hz", 240.0, "physics rate [Hz]", min=240.0, max=2000.0, read_only=True),
    ParamSpec("camera_rate_hz", 30.0, "camera publishing rate in sim time [Hz]", min=1.0, max=60.0),
    ParamSpec("clock_rate_hz", 100.0, "/clock publishing rate in sim time [Hz]: every use_sim_time node wakes "
              "for each message, so keep it at the fastest timer any node needs", min=10.0, max=2000.0),
    ParamSpec("joint_state_rate_hz", 60.0, "joint state publishing rate in sim time [Hz]", min=1.0, max=240.0),
    ParamSpec("ground_truth_rate_hz", 10.0, "ground truth publishing rate in sim time [Hz]", min=0.5, max=60.0),
    ParamSpec("cpu_nice", 0, "nice value of the simulation thread (physics + rendering): > 0 lets the robot's "
              "own nodes come first on a shared CPU; the multi-threaded CPU renderer can then stall badly when "
              "other threads are busy (a 96x96 sim fell to 0.26x real time in a test), hence 0",
              min=0, max=19, read_only=True),
    ParamSpec("real_time_factor", 1.0, "sim time / wall time; 0 = as fast as possible", min=0.0, max=100.0),
    ParamSpec("width", 640, "camera image width [px]", min=32, max=1920, read_only=True),
    ParamSpec("height", 480, "camera image height [px]", min=32, max=1080, read_only=True),
    ParamSpec("publish_depth", True, "publish the depth image"),
    ParamSpec("publish_cameras", True, "publish the cameras (scene rgb + depth + camera_info + wrist); false "
              "freezes them (fault injection: a stalled camera driver); the clock, joint states and ground "
              "truth go on"),
    ParamSpec("wrist_size", 96, "wrist camera image size, square [px] (0 = do not publish /camera/wrist/image_raw)",
              min=0, max=1024, read_only=True),
    ParamSpec("command_timeout_s", 0.2, "a twist holds this long without a new one [s, sim time]",
              min=0.01, max=5.0),
    ParamSpec("renderer", "auto", "auto | egl | tiny", choices=("auto", "egl", "tiny"), read_only=True),
    ParamSpec("shadows", True, "render shadows (keep as in the training data; off is faster on CPU)",
              read_only=True),
    ParamSpec("still_frame_tol", 1e-4, "a camera frame is drawn again only once a body or robot joint moved more "
              "than this since its last drawing [m, rad]; a still scene republishes that frame, newly stamped (a "
              "640x480 frame costs ~60 ms of CPU; 0.1 mm changes a few hundred edge pixels). 0 = draw every frame",
              min=0.0, max=1e-2, read_only=True),
    ParamSpec("frame_id", BASE_FRAME, "frame commands must be expressed in", read_only=True),
    ParamSpec("expert_skill_server", False,
              "serve /policy/execute_skill with the scripted expert (privileged, sim-only baseline: it reads "
              "ground truth and moves the arm directly, bypassing the safety governor)", read_only=True),
    ParamSpec("expert_follows_safety", True,
              "expert skill server: follow the safety governor's state on safety_state_topic: a latched e-stop "
              "ends the running skill (FAILED), a pause (someone speaking to the robot) holds the arm until it "
              "ends", read_only=True),
    ParamSpec("safety_state_topic", "/safety/state", "the governor's SafetyState (latched)", read_only=True),
    ParamSpec("clear_view_after_skill", True,
              "expert skill server: after a skill that leaves the hand empty, move the arm home (out of the "
              "scene camera's view) so perception can verify the step", read_only=True),
    ParamSpec("expert_scene_topic", "/perception/scene",
              "expert skill server: perception's SceneState, used to map the perception ids in skill "
              "arguments onto sim ids by colour, label and position (empty = map by name only)", read_only=True),
]


def _quat_from_matrix(R) -> tuple[float, float, float, float]:
    """Unit quaternion (x, y, z, w) of a 3x3 rotation matrix."""
    tr = R[0, 0] + R[1, 1] + R[2, 2]
    if tr > 0:
        s = math.sqrt(tr + 1.0) * 2
        q = ((R[2, 1] - R[1, 2]) / s, (R[0, 2] - R[2, 0]) / s, (R[1, 0] - R[0, 1]) / s, 0.25 * s)
    elif R[0, 0] > R[1, 1] and R[0, 0] > R[2, 2]:
        s = math.sqrt(1.0 + R[0, 0] - R[1, 1] - R[2, 2]) * 2
        q = (0.25 * s, (R[0, 1] + R[1, 0]) / s, (R[0, 2] + R[2, 0]) / s, (R[2, 1] - R[1, 2]) / s)
    elif R[1, 1] > R[2, 2]:
        s = math.sqrt(1.0 + R[1, 1] - R[0, 0] - R[2, 2]) * 2
        q = ((R[0, 1] + R[1, 0]) / s, 0.25 * s, (R[1, 2] + R[2, 1]) / s, (R[0, 2] - R[2, 0]) / s)
    else:
        s = math.sqrt(1.0 + R[2, 2] - R[0, 0] - R[1, 1]) * 2
        q = ((R[0, 2] + R[2, 0]) / s, (R[1, 2] + R[2, 1]) / s, 0.25 * s, (R[1, 0] - R[0, 1]) / s)
    n = math.sqrt(sum(v * v for v in q))
    return tuple(float(v / n) for v in q)  # type: ignore[return-value]


def _stamp(t: float) -> Time:
    sec = int(math.floor(t))
    return Time(sec=sec, nanosec=int(round((t - sec) * 1e9)) % 1_000_000_000)


class _SkillCanceled(Exception):
    """Raised inside the expert's control loop when its ExecuteSkill goal is canceled."""


class _SkillEStopped(Exception):
    """Raised inside the expert's control loop when the safety governor's e-stop is latched."""


class SimNode(Node):
    def __init__(self):
        super().__init__("sim_node")
        self.params = declare_params(self, SPECS)
        p = self.params
        self.pub_rgb = self.create_publisher(Image, "/camera/color/image_raw", SENSOR_IMAGE)
        self.pub_depth = self.create_publisher(Image, "/camera/depth/image_rect_raw", SENSOR_IMAGE)
        self.pub_info = self.create_publisher(CameraInfo, "/camera/color/camera_info", SENSOR_IMAGE)
        self.pub_wrist = self.create_publisher(Image, "/camera/wrist/image_raw", SENSOR_IMAGE)
        self.pub_joints = self.create_publisher(JointState, "/joint_states", 10)
        self.pub_clock = self.create_publisher(Clock, "/clock", 10)
        self.pub_gt = self.create_publisher(SceneState, "/sim/ground_truth", LATCHED)
        # after /sim/reset: stamp = sim time the new world starts at, frame_id = "<world>:<seed>".
        # Everything teleported, so trackers (perception) start over instead of matching old tracks.
        self.pub_world_reset = self.create_publisher(Header, "/sim/world_reset", LATCHED)
        self.create_subscription(TwistStamped, "/servo_node/delta_twist_cmds", self._on_twist, COMMAND)
        self.create_subscription(JointTrajectory, "/joint_trajectory_controller/joint_trajectory",
                                 self._on_trajectory, 10)
        self.create_subscription(Float64, "/gripper/command", self._on_gripper, COMMAND)
        self.create_service(ResetWorld, "/sim/reset", self._on_reset)
        self.create_service(CheckTask, "/sim/check_task", self._on_check)
        # pose of the scene camera's optical frame in the base frame (jittered per seed), latched
        self.pub_cam_pose = self.create_publisher(PoseStamped, "/camera/pose", LATCHED)
        self._cam_pose_sent = None
        self._expert = None
        self._perceived: list[ObjectState] | None = None      # perception's latest objects (expert id mapping)
        self._safety = SafetyFollower()
        if p.expert_skill_server:
            if p.expert_follows_safety and p.safety_state_topic:
                self.create_subscription(SafetyState, p.safety_state_topic, self._on_safety_state, LATCHED)
            if p.expert_scene_topic:
                self.create_subscription(SceneState, p.expert_scene_topic, self._on_perceived, 1)
            self._skill_server = ActionServer(
                self, ExecuteSkill, "/policy/execute_skill", execute_callback=self._execute_skill,
                goal_callback=self._on_skill_goal, cancel_callback=self._on_skill_cancel,
                callback_group=ReentrantCallbackGroup())
        self._skill_cancel = threading.Event()     # set by a cancel request; the expert stops at its next step
        self._requests: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._task = None
        self._env: SimEnv | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sim", daemon=True)
        self._config = SimConfig(physics_hz=p.physics_hz, control_hz=p.physics_hz / 12.0, renderer=p.renderer,
                                 shadows=p.shadows, reuse_bodies=True,   # a long-lived world: no growth per reset
                                 still_frame_tol=p.still_frame_tol)
        self._thread.start()
        if not self._ready.wait(60.0):
            raise RuntimeError("simulation did not start within 60 s")
        self.get_logger().info(
            f"sim ready: world={p.world} seed={p.seed} renderer={self._env.renderer_name} "
            f"physics={p.physics_hz:.0f} Hz camera={p.camera_rate_hz:.0f} Hz rtf={p.real_time_factor}")

    # --- callbacks (executor thread): validate and queue -------------------------
    def _on_twist(self, msg: TwistStamped) -> None:
        frame = msg.header.frame_id
        if frame and frame != self.params.frame_id:
            self.get_logger().error(f"twist rejected: frame {frame!r}, expected {self.params.frame_id!r}",
                                    throttle_duration_sec=1.0)
            return
        lin = (msg.twist.linear.x, msg.twist.linear.y, msg.twist.linear.z)
        ang = (msg.twist.angular.x, msg.twist.angular.y, msg.twist.angular.z)
        self._requests.put(("twist", (lin, ang)))

    def _on_gripper(self, msg: Float64) -> None:
        self._requests.put(("gripper", float(msg.data)))

    def _on_trajectory(self, msg: JointTrajectory) -> None:
        names = list(msg.joint_names)
        wanted = list(JOINT_NAMES[:7])
        if sorted(names) != sorted(wanted):
            self.get_logger().error(f"trajectory rejected: joint_names must be {wanted}, got {names}")
            return
        order = [names.index(n) for n in wanted]
        try:
            times = [pt.time_from_start.sec + pt.time_from_start.nanosec * 1e-9 for pt in msg.points]
            pos = [[pt.positions[i] for i in order] for pt in msg.points]
        except IndexError:
            self.get_logger().error("trajectory rejected: a point has fewer positions than joint names")
            return
        self._requests.put(("trajectory", (times, pos)))

    def health(self) -> tuple[bool, str]:
        """The /sim_node/health probe (promptbot.ros.health): ready while the physics thread runs."""
        return self._thread.is_alive(), "simulating" if self._thread.is_alive() else "the sim thread stopped"

    def _call(self, kind: str, payload, timeout: float = 120.0):
        fut: Future = Future()
        self._requests.put((kind, payload, fut))
        return fut.result(timeout=timeout)

    def _on_reset(self, req: ResetWorld.Request, res: ResetWorld.Response) -> ResetWorld.Response:
        try:
            instruction, goal = self._call("reset", (req.world, int(req.seed), req.task))
            res.error_code, res.instruction, res.goal = ResetWorld.Response.OK, instruction, goal
        except WorldError as exc:
            unknown = "unknown world" in str(exc)
            res.error_code = ResetWorld.Response.UNKNOWN_WORLD if unknown else ResetWorld.Response.BAD_WORLD_FILE
            res.error_msg = str(exc)
        except Exception as exc:  # noqa: BLE001 - report, never crash the node
            res.error_code, res.error_msg = ResetWorld.Response.FAILED, f"{type(exc).__name__}: {exc}"
        if res.error_code != ResetWorld.Response.OK:
            self.get_logger().error(f"reset failed: {res.error_msg}")
        return res

    def _on_check(self, req: CheckTask.Request, res: CheckTask.Response) -> CheckTask.Response:
        try:
            from promptbot.tasks import GoalSyntaxError, check
        except ImportError:
            res.error_code, res.error_msg = CheckTask.Response.NO_TASK, "task library (promptbot.tasks) not installed"
            return res
        goal = req.goal or (str(self._task.goal) if self._task is not None else "")
        if not goal:
            res.error_code, res.error_msg = CheckTask.Response.NO_TASK, "no current task and no goal given"
            return res
        since = req.since.sec + req.since.nanosec * 1e-9
        try:
            now, start = self._call("scenes", since)
            ok, reason = check(goal, now, initial=start)
            res.error_code, res.success, res.reason = CheckTask.Response.OK, bool(ok), str(reason)
        except GoalSyntaxError as exc:
            res.error_code, res.error_msg = CheckTask.Response.BAD_GOAL, str(exc)
        except NoReference as exc:
            res.error_code, res.error_msg = CheckTask.Response.NO_REFERENCE, f"no start scene for unmoved(x): {exc}"
        return res

    # --- scripted-expert skill server (sim-only baseline) -------------------------------
    def _on_perceived(self, msg: SceneState) -> None:
        self._perceived = scene_to_objects(msg)

    def _on_safety_state(self, msg: SafetyState) -> None:
        self._safety.update(msg.estop_latched, msg.paused, time.monotonic())

    def _follow_safety(self, env: SimEnv) -> None:
        """The expert drives the arm itself; it still stops on the governor's e-stop and holds while
        the governor pauses (e.g. someone is speaking), publishing and pacing as usual meanwhile."""
        held = False
        while True:
            v = self._safety.verdict(time.monotonic())
            if v is Verdict.STOP:
                env.stop()
                raise _SkillEStopped()
            if v is Verdict.GO:
                if held:
                    self.get_logger().info("expert: the governor's pause ended, going on")
                return
            if not held:
                held = True
                env.stop()                          # hold where it is (the gripper keeps its command)
                self.get_logger().info("expert: holding while the governor pauses")
            if self._skill_cancel.is_set():
                raise _SkillCanceled()
            env.step()
            self._tick(env)

    def _on_skill_goal(self, goal: ExecuteSkill.Goal) -> GoalResponse:
        ok = goal.skill in SKILLS and len(goal.args) == len(SKILLS[goal.skill].params)
        if not ok:
            self.get_logger().warning(f"rejecting expert skill {goal.skill!r}{tuple(goal.args)}")
        return GoalResponse.ACCEPT if ok else GoalResponse.REJECT

    def _on_skill_cancel(self, _handle) -> CancelResponse:
        """A cancel (the planner's, e.g. a spoken "stop") ends the expert's skill at its next control step;
        the arm then holds (zero twist, the gripper as it is)."""
        self._skill_cancel.set()
        return CancelResponse.ACCEPT

    def _execute_skill(self, handle) -> ExecuteSkill.Result:
        goal = handle.request
        res = ExecuteSkill.Result()
        t0 = time.monotonic()
        self._skill_cancel.clear()
        try:
            ok, message = self._call("skill", (goal.skill, tuple(goal.args)),
                                     timeout=float(goal.timeout or 120.0) + 30.0)
            res.error_code = ExecuteSkill.Result.SUCCEEDED if ok else ExecuteSkill.Result.FAILED
            res.error_msg = message
        except _SkillCanceled:
            res.error_code, res.error_msg = ExecuteSkill.Result.CANCELED, "canceled: the arm holds where it was"
        except _SkillEStopped:
            res.error_code, res.error_msg = ExecuteSkill.Result.FAILED, "e-stop latched: the skill was stopped"
        except Exception as exc:  # noqa: BLE001 - report as a failed skill
            res.error_code, res.error_msg = ExecuteSkill.Result.FAILED, f"{type(exc).__name__}: {exc}"
        res.duration = float(time.monotonic() - t0)
        end_goal(handle, res.error_code == ExecuteSkill.Result.SUCCEEDED,
                 res.error_code == ExecuteSkill.Result.CANCELED)
        return res

    def _run_skill(self, env: SimEnv, skill: str, args: tuple[str, ...]) -> tuple[bool, str]:
        from promptbot.sim.expert import Expert

        def during(_action) -> None:       # keep publishing and pacing while the expert drives
            if self._skill_cancel.is_set():
                raise _SkillCanceled()
            self._follow_safety(env)
            self._tick(env)

        # the planner sends perception ids (the robot's contract); the expert knows only sim ids
        try:
            sim_args, notes = resolve_ids(args, self._perceived, env.ground_truth())
        except UnknownObjectError as exc:
            self.get_logger().error(f"expert {skill}{args}: {exc}")
            return False, str(exc)
        for m in notes:
            if m.how != "passthrough":
                self.get_logger().info(f"expert {skill}: id {m}")
        # one expert per world: it remembers what it holds between a pick and the following place
        if self._expert is None or self._expert.env is not env:
            self._expert = Expert(env, observer=during)
        env.stop()
        try:
            r = self._expert.run(skill, sim_args)
        except (_SkillCanceled, _SkillEStopped):
            env.stop()                      # hold: zero twist, the gripper keeps its command
            self._expert = None             # its notion of what it holds may be mid-skill: start afresh
            raise
        if self.params.clear_view_after_skill:
            self._expert.clear_view()       # no-op while holding; lets perception verify the step
        env.stop()
        return bool(r.success), r.reason

    # --- sim thread -----------------------------------------------------------------
    def _handle(self, env: SimEnv, item) -> None:
        kind, payload = item[0], item[1]
        fut: Future | None = item[2] if len(item) > 2 else None
        try:
            if kind == "twist":
                env.set_twist(*payload)
                self._twist_until = env.time_s + self.params.command_timeout_s
                result = None
            elif kind == "gripper":
                env.set_gripper(payload)
                result = None
            elif kind == "trajectory":
                env.set_joint_trajectory(*payload)
                result = None
            elif kind == "reset":
                result = self._reset(env, *payload)
            elif kind == "ground_truth":
                result = env.ground_truth()
            elif kind == "scenes":          # (now, the scene at sim time `payload`)
                result = env.ground_truth(), self._history.at(payload)
            elif kind == "skill":
                result = self._run_skill(env, *payload)
            else:
                raise ValueError(kind)
            if fut is not None:
                fut.set_result(result)
        except CommandError as exc:
            self.get_logger().error(f"{kind} command rejected: {exc}", throttle_duration_sec=1.0)
            if fut is not None:
                fut.set_exception(exc)
        except Exception as exc:  # noqa: BLE001
            if fut is None:
                self.get_logger().error(f"{kind} failed: {exc}")
            else:
                fut.set_exception(exc)

    def _reset(self, env: SimEnv, world: str, seed: int, task: str) -> tuple[str, str]:
        target = world or env.world.name
        from promptbot.sim.worlds import load_world
        spec = load_world(target)          # raises WorldError before touching the sim
        self._clock_base += env.time_s        # /clock stays monotonic across resets
        env.reset(spec, seed)
        # one physics step later than the last frame of the old world, so "stamp >= reset time"
        # means "shows the new world"
        self._clock_base += 1.0 / env.config.physics_hz - env.time_s
        t_reset = self._clock_base + env.time_s
        self._history.reset(t_reset, env.ground_truth())
        self.pub_world_reset.publish(Header(stamp=_stamp(t_reset), frame_id=f"{spec.name}:{seed}"))
        self._restart = True
        self._task = None
        self._expert = None
        self._twist_until = -1.0
        if task:
            from promptbot.sim.expert import Expert
            from promptbot.tasks import generate
            t = generate(spec.name, seed, family=None if task in ("any", "*") else task)
            if t.setup_plan:
                ex = Expert(env)
                ex.run_plan(t.setup_plan)
                ex.go_home()
                env.stop()
                self._history.reset(t_reset, env.ground_truth())    # the task starts after its setup
            self._task = t
            self.get_logger().info(f"task: {t.instruction!r} goal {t.goal}")
            return t.instruction, str(t.goal)
        return "", ""

    def _loop(self) -> None:
        p = self.params
        if p.cpu_nice:
            try:       # Linux: per thread; the renderer's worker threads, started below, inherit it
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), int(p.cpu_nice))
            except (OSError, AttributeError) as exc:
                self.get_logger().warning(f"cannot lower the simulation thread's priority: {exc}")
        try:
            self._env = env = SimEnv(p.world, p.seed, self._config)
        except Exception as exc:  # noqa: BLE001
            self.get_logger().fatal(f"cannot start the simulation: {exc}")
            self._ready.set()
            return
        self._twist_until = -1.0
        self._clock_base = 0.0           # /clock = _clock_base + env.time_s
        self._history = SceneHistory()   # ground truth at the last reset + recent snapshots (unmoved(x))
        self._history.reset(env.time_s, env.ground_truth())
        self._restart = False
        self._ready.set()
        self._next = [0.0, 0.0, 0.0, 0.0]       # next camera, joint state, ground truth, clock time [s]
        self._wall0, self._sim0 = time.monotonic(), env.time_s
        while not self._stop.is_set():
            try:
                while True:
                    self._handle(env, self._requests.get_nowait())
            except queue.Empty:
                pass
            if self._twist_until >= 0 and env.time_s > self._twist_until:
                env.stop()                       # MoveIt Servo: no new command -> stop
                self._twist_until = -1.0
            env.step_physics(1)
            try:
                self._tick(env)
            except Exception:
                if not self.context.ok():        # shutting down (Ctrl-C / SIGTERM): publishers are gone
                    break
                raise
        env.close()

    def _tick(self, env: SimEnv) -> None:
        """Publish what is due at the current sim time and pace to real_time_factor."""
        rtf = self.params.real_time_factor
        t = self._clock_base + env.time_s
        if self._restart:        # a reset happened: publish everything now, restart the pacing
            self._restart = False
            self._next = [t, t, t, t]
            self._wall0, self._sim0 = time.monotonic(), t
        if t + 1e-9 >= self._next[3]:    # keeps its phase: 100 Hz on a 240 Hz physics clock is 2-3 steps apart
            self._next[3] = max(self._next[3] + 1.0 / self.params.clock_rate_hz, t)
            self.pub_clock.publish(Clock(clock=_stamp(t)))
        if t + 1e-9 >= self._next[1]:
            self._next[1] = t + 1.0 / self.params.joint_state_rate_hz
            self._publish_joints(env, t)
        if t + 1e-9 >= self._next[2]:
            self._next[2] = t + 1.0 / self.params.ground_truth_rate_hz
            self._publish_gt(env, t)
        if t + 1e-9 >= self._next[0]:
            self._next[0] = t + 1.0 / self.params.camera_rate_hz
            if self.params.publish_cameras:
                self._publish_camera(env, t)
        if rtf > 0:
            ahead = (t - self._sim0) / rtf - (time.monotonic() - self._wall0)
            if ahead > 0:
                time.sleep(ahead)
            elif ahead < -0.5:      # fell behind: do not try to catch up in a burst
                self._wall0, self._sim0 = time.monotonic(), t

    def _publish_joints(self, env: SimEnv, t: float) -> None:
        names, q, v, e = env.joint_state()
        msg = JointState(name=list(names), position=q.tolist(), velocity=v.tolist(), effort=e.tolist())
        msg.header.stamp = _stamp(t)
        self.pub_joints.publish(msg)

    def _publish_gt(self, env: SimEnv, t: float) -> None:
        objs = env.ground_truth()
        self._history.record(t, objs)     # kept every SNAPSHOT_PERIOD_S, on ground-truth ticks (stamps match)
        self.pub_gt.publish(objects_to_scene(objs, stamp=_stamp(t), frame_id=BASE_FRAME, source="ground_truth",
                                             relations=relations(objs)))

    def _publish_camera(self, env: SimEnv, t: float) -> None:
        frame = env.render("scene", self.params.width, self.params.height)
        stamp = _stamp(t)
        self._publish_camera_pose(frame.T_base_cam, stamp)    # before the images: a new pose (reset) comes first
        rgb = numpy_to_image(frame.rgb, "rgb8")
        rgb.header.stamp, rgb.header.frame_id = stamp, CAMERA_FRAME
        self.pub_rgb.publish(rgb)
        if self.params.publish_depth:
            depth = numpy_to_image(frame.depth, "32FC1")
            depth.header = rgb.header
            self.pub_depth.publish(depth)
        info = CameraInfo(width=frame.width, height=frame.height, distortion_model="plumb_bob")
        info.header = rgb.header
        K = frame.K
        info.k = [float(v) for v in K.reshape(-1)]
        info.d = [0.0] * 5
        info.r = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
        info.p = [K[0, 0], 0.0, K[0, 2], 0.0, 0.0, K[1, 1], K[1, 2], 0.0, 0.0, 0.0, 1.0, 0.0]
        self.pub_info.publish(info)
        self.camera_pose = frame.T_base_cam
        # the wrist image is rendered only while someone subscribes (a camera driver's lazy publishing):
        # each render costs ~10 ms of CPU whatever its size
        if self.params.wrist_size and env.world.wrist_camera.enabled and self.pub_wrist.get_subscription_count():
            wrist = numpy_to_image(env.render("wrist", self.params.wrist_size, self.params.wrist_size).rgb, "rgb8")
            wrist.header.stamp, wrist.header.frame_id = stamp, "camera_wrist_optical_frame"
            self.pub_wrist.publish(wrist)

    def _publish_camera_pose(self, T, stamp) -> None:
        key = tuple(round(float(v), 6) for v in T[:3, :].reshape(-1))
        if key == self._cam_pose_sent:
            return
        self._cam_pose_sent = key
        msg = PoseStamped()
        msg.header.stamp, msg.header.frame_id = stamp, BASE_FRAME
        msg.pose.position.x, msg.pose.position.y, msg.pose.position.z = (float(v) for v in T[:3, 3])
        qx, qy, qz, qw = _quat_from_matrix(T[:3, :3])
        msg.pose.orientation.x, msg.pose.orientation.y = qx, qy
        msg.pose.orientation.z, msg.pose.orientation.w = qz, qw
        self.pub_cam_pose.publish(msg)

    def shutdown(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)


def main(args=None) -> None:
    spin_node(SimNode, "sim_node", threads=3, on_exit=SimNode.shutdown, args=args)


if __name__ == "__main__":
    main()
