"""Planner node: instruction -> grounded plan -> skills executed, verified, replanned.

Interfaces
----------
* action server ``/planner/run_task`` (promptbot_msgs/action/RunTask)
* subscription ``/speech/transcript`` (promptbot_msgs/msg/Transcript): only
  ``error_code == OK`` and ``is_command`` are acted on (when ``listen_transcripts``)
* subscriptions ``scene_topic`` (default ``/perception/scene``) and
  ``fallback_scene_topic`` (``/sim/ground_truth``): promptbot_msgs/msg/SceneState
* publisher ``/planner/plan`` (promptbot_msgs/msg/TaskPlan, LATCHED)
* publisher ``/planner/status`` (std_msgs/String, LATCHED): ``loading the LLM (...)`` while the
  LLM preloads, then ``ready`` or ``llm_failed: <why>``; wait for it before timing a first task
* action client ``/policy/execute_skill`` (promptbot_msgs/action/ExecuteSkill)
* service client ``/perception/verify_step`` (promptbot_msgs/srv/VerifyStep), used
  when available; otherwise each step is verified by re-checking a newer scene. Either way
  only a scene captured after the skill's result counts (``not_before`` = the result's time;
  STALE_SCENE answers are retried until ``verify_timeout_s``): a frame from mid-motion, or one
  still in flight when the result came, shows the old world
* subscription ``joint_states_topic`` (``/joint_states``): the finger opening (sum of
  ``gripper_joints``) decides a pick that perception answers OCCLUDED (the arm hides the
  lifted object from the scene camera): held when the fingers stopped at the object's width;
  and the fingers overrule a "held" object floating in the scene (``verify.resolve_holding``:
  a confident one is not held when they are closed or wide open; a low-confidence one is a
  phantom, left out of planning, unless they stopped at its width)
* subscription ``heartbeat_topic`` (``/policy/heartbeat``, std_msgs/Header): while the
  ExecuteSkill server publishes heartbeats, silence longer than ``server_lost_s`` (or the
  server leaving the graph) fails the running step at once; the planner then waits up to
  ``respawn_wait_s`` for a respawned server and replans from a fresh scene
* confirmation mode (``confirm_min_steps``, ``sensitive_skills``): the question goes out on
  ``/planner/question`` (std_msgs/String) and as feedback stage ``confirm``; the answer
  comes from the service ``/planner/confirm`` (std_srvs/SetBool, true = go) or a spoken
  yes/no on ``/speech/transcript``; no answer within ``confirm_timeout_s`` -> REFUSED

Feedback stages: understood, planned, confirm, executing, waiting (for a lost skill
server), replanning, verified. Every failure is a RunTask result with an error code
and a message; no input ends the node.

The planning logic is :mod:`promptbot.planning` (pure); this file converts messages.
"""
from __future__ import annotations

import gc
import math
import threading
import time
import traceback

from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.node import Node

from promptbot.planning import Planner, PlannerConfig, SearchConfig, make_backend
from promptbot.planning.confirm import NO, YES, ConfirmPolicy, classify_reply, parse_skill_list, question
from promptbot.planning.llm import LLMUnavailable
from promptbot.planning.planner import METHODS, PlanResult, reground
from promptbot.planning.safety import MIN_OBJECT_CONFIDENCE, screen_instruction
from promptbot.planning.skills import Step
from promptbot.planning.verify import expected_effect, gripper_holds, resolve_holding
from promptbot.ros.actions import ActionClient
from promptbot.ros.params import ParamSpec, declare_params
from promptbot.ros.scene_msgs import scene_to_objects
from promptbot.ros.spin import spin_node
from promptbot.ros.qos import EVENTS, LATCHED, OBSERVER
from promptbot.scene import ObjectState
from promptbot.tasks.goal import check
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState
from std_msgs.msg import Header, String
from std_srvs.srv import SetBool

from promptbot_msgs.action import ExecuteSkill, RunTask
from promptbot_msgs.msg import PlanStep, SceneState, TaskPlan, Transcript
from promptbot_msgs.srv import VerifyStep

def _skills_ok(value: str) -> str | None:
    try:
        parse_skill_list(value)
    except ValueError as exc:
        return f"sensitive_skills: {exc}"
    return None


SPECS = [
    ParamSpec("llm", "smollm2", "LLM backend: smollm2 | uniform | hf:DIR | gguf:FILE | http(s)://HOST:PORT/v1"),
    ParamSpec("llm_timeout_s", 10.0, "HTTP LLM back-end: timeout per request [s]", min=0.1, max=600.0),
    ParamSpec("llm_retries", 2, "HTTP LLM back-end: retries after a timeout or connection error", min=0, max=10),
    ParamSpec("method", "mcts_llm", "planning method", choices=list(METHODS)),
    ParamSpec("simulations", 48, "MCTS simulations per committed step", min=1, max=10000),
    ParamSpec("llm_budget", 12, "LLM scoring calls per plan", min=0, max=1000),
    ParamSpec("max_steps", 12, "plan length limit [steps]", min=1, max=16),
    ParamSpec("seed", 0, "search seed", min=0, max=2**31 - 1),
    ParamSpec("scene_topic", "/perception/scene", "SceneState topic (perception)", read_only=True),
    ParamSpec("fallback_scene_topic", "/sim/ground_truth", "SceneState topic used when the first is stale",
              read_only=True),
    ParamSpec("scene_max_age_s", 2.0, "a scene older than this is stale [s]", min=0.05, max=60.0),
    ParamSpec("step_timeout_s", 60.0, "time limit per executed skill [s]", min=1.0, max=600.0),
    ParamSpec("server_wait_s", 5.0, "wait for the ExecuteSkill server [s]", min=0.1, max=60.0),
    ParamSpec("heartbeat_topic", "/policy/heartbeat", "heartbeat of the ExecuteSkill server (std_msgs/Header)",
              read_only=True),
    ParamSpec("server_lost_s", 1.5, "a running step fails when the ExecuteSkill server has sent no heartbeat "
              "(or has left the graph) for this long [s]", min=0.1, max=60.0),
    ParamSpec("respawn_wait_s", 30.0, "after losing the ExecuteSkill server mid-step, wait this long for it "
              "to come back before replanning [s]", min=0.0, max=600.0),
    ParamSpec("verify_timeout_s", 5.0, "wait for a scene showing a step's effect [s]", min=0.1, max=60.0),
    ParamSpec("max_replans", 2, "replanning attempts after a failed step", min=0, max=10),
    ParamSpec("joint_states_topic", "/joint_states", "sensor_msgs/JointState with the gripper's finger joints "
              "('' = off)", read_only=True),
    ParamSpec("gripper_joints", ["panda_finger_joint1", "panda_finger_joint2"], "finger joints whose positions "
              "add up to the gripper opening [m]: checks a pick the camera cannot see", read_only=True),
    ParamSpec("listen_transcripts", True, "act on confident command transcripts"),
    ParamSpec("llm_threads", 1, "torch threads of a local LLM", min=1, max=64, read_only=True),
    ParamSpec("llm_dtype", "auto", "weights of a local LLM: auto (bfloat16 where the CPU has native bf16, else "
              "float32) | float32 | bfloat16", choices=("auto", "float32", "bfloat16"), read_only=True),
    ParamSpec("preload_llm", True, "load the LLM at start-up instead of at the first task", read_only=True),
    ParamSpec("confirm_min_steps", 0, "ask for a confirmation before executing a plan with more than this "
              "many steps (0 = off) [steps]", min=0, max=16),
    ParamSpec("sensitive_skills", "", "comma-separated skills that always need a confirmation "
              "(e.g. 'push,stack'; empty = none)", validator=_skills_ok),
    ParamSpec("confirm_timeout_s", 30.0, "no answer to a confirmation question within this long -> "
              "REFUSED [s]", min=1.0, max=600.0),
]

# heartbeats are read with the default (infinite) liveliness lease: compatible with any offered lease
_HEARTBEAT_QOS = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE)

# promptbot planning status -> RunTask error code
_RESULT_CODES = {"refused": RunTask.Result.REFUSED, "ambiguous": RunTask.Result.AMBIGUOUS,
                 "unknown": RunTask.Result.AMBIGUOUS, "impossible": RunTask.Result.IMPOSSIBLE,
                 "no_plan": RunTask.Result.PLANNING_FAILED}


class _Canceled(Exception):
    pass


class PlannerNode(Node):
    def __init__(self):
        super().__init__("planner_node")
        self.params = declare_params(self, SPECS)
        p = self.params
        self._cb = ReentrantCallbackGroup()
        self._scenes: dict[str, tuple[SceneState, float]] = {}   # topic -> (msg, receipt time [s])
        self._scene_lock = threading.Lock()
        self._scene_event = threading.Condition(self._scene_lock)
        self._busy = threading.Lock()
        self._planner: Planner | None = None
        self._planner_key = None
        self._planner_lock = threading.Lock()
        self._last_heartbeat: float | None = None                # receipt time [s, monotonic]
        self._confirm_cond = threading.Condition()
        self._confirm_pending = False
        self._confirm_answer: tuple[bool, str] | None = None
        # "loading ..." until the LLM is in memory, then "ready" (or "llm_failed: why"); clients that
        # time stages (demo, benchmarks) wait for it instead of charging the load to the first task
        self.status_pub = self.create_publisher(String, "/planner/status", LATCHED)
        if p.preload_llm:
            self.status_pub.publish(String(data=f"loading the LLM ({p.llm})"))
            threading.Thread(target=self._preload, name="llm-preload", daemon=True).start()
        else:
            self.status_pub.publish(String(data="ready"))

        self.plan_pub = self.create_publisher(TaskPlan, "/planner/plan", LATCHED)
        # picture of the search tree of the latest plan (SVG text), for reports and viewers
        self.tree_pub = self.create_publisher(String, "/planner/tree_svg", LATCHED)
        self.question_pub = self.create_publisher(String, "/planner/question", EVENTS)
        for topic in (p.scene_topic, p.fallback_scene_topic):
            self.create_subscription(SceneState, topic, lambda m, t=topic: self._on_scene(t, m), 5,
                                     callback_group=MutuallyExclusiveCallbackGroup())
        self.create_subscription(Transcript, "/speech/transcript", self._on_transcript, EVENTS,
                                 callback_group=self._cb)
        self.create_subscription(Header, p.heartbeat_topic, self._on_heartbeat, _HEARTBEAT_QOS,
                                 callback_group=MutuallyExclusiveCallbackGroup())
        self._grip: tuple[float, float] | None = None          # (opening [m], receipt time [s, monotonic])
        if p.joint_states_topic:
            self.create_subscription(JointState, p.joint_states_topic, self._on_joints, 10,
                                     callback_group=MutuallyExclusiveCallbackGroup())
        self.create_service(SetBool, "/planner/confirm", self._on_confirm, callback_group=self._cb)
        self.skill_client = ActionClient(self, ExecuteSkill, "/policy/execute_skill", callback_group=self._cb)
        self.verify_client = self.create_client(VerifyStep, "/perception/verify_step", callback_group=self._cb)
        self.server = ActionServer(self, RunTask, "/planner/run_task", execute_callback=self._execute,
                                   goal_callback=self._on_goal, cancel_callback=lambda _g: CancelResponse.ACCEPT,
                                   callback_group=self._cb,
                                   feedback_pub_qos_profile=OBSERVER)   # a burst of stage updates, none lost
        self.get_logger().info(f"planner ready (llm={p.llm}, method={p.method})")

    # --- inputs -------------------------------------------------------------------
    def _on_scene(self, topic: str, msg: SceneState) -> None:
        with self._scene_event:
            self._scenes[topic] = (msg, time.monotonic())
            self._scene_event.notify_all()

    def _latest_scene(self, newer_than: float = -1.0, stamped_at_or_after_ns: int = 0
                      ) -> tuple[list[ObjectState] | None, float, str]:
        """(objects, receipt time, topic) of the freshest usable scene, or (None, 0, reason).

        ``newer_than``: receipt time [s, monotonic] the scene must be received after;
        ``stamped_at_or_after_ns``: a scene with a header stamp must also be stamped at or after
        this time (a scene received late but captured earlier, e.g. in flight while a skill
        finished, does not count); unstamped scenes are judged by receipt time alone.
        """
        max_age = self.params.scene_max_age_s
        now = time.monotonic()
        ages = []
        with self._scene_lock:
            for topic in (self.params.scene_topic, self.params.fallback_scene_topic):
                entry = self._scenes.get(topic)
                if entry is None:
                    ages.append(f"{topic}: none received")
                    continue
                msg, t_rx = entry
                stamp_ns = msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec
                too_early = t_rx <= newer_than or (stamp_ns > 0 and stamp_ns < stamped_at_or_after_ns)
                if now - t_rx > max_age or too_early:
                    ages.append(f"{topic}: {now - t_rx:.1f} s old" if now - t_rx > max_age
                                else f"{topic}: nothing newer")
                    continue
                return scene_to_objects(msg), t_rx, topic
        return None, 0.0, (f"no fresh SceneState (limit {max_age:.1f} s; {'; '.join(ages)}): "
                           "not acting on a stale scene")

    def _wait_scene(self, newer_than: float, timeout: float, stamped_at_or_after_ns: int = 0):
        deadline = time.monotonic() + timeout
        while True:
            objs, t_rx, topic = self._latest_scene(newer_than, stamped_at_or_after_ns)
            if objs is not None or time.monotonic() > deadline:
                return objs, t_rx, topic
            with self._scene_event:
                self._scene_event.wait(timeout=min(0.1, max(0.0, deadline - time.monotonic())))

    def _on_heartbeat(self, _msg: Header) -> None:
        self._last_heartbeat = time.monotonic()

    def _on_joints(self, msg: JointState) -> None:
        pos = dict(zip(msg.name, msg.position))
        joints = list(self.params.gripper_joints)
        if joints and all(j in pos for j in joints):
            width = float(sum(pos[j] for j in joints))
            if math.isfinite(width):
                self._grip = (width, time.monotonic())

    def _on_transcript(self, msg: Transcript) -> None:
        if not self.params.listen_transcripts or msg.error_code != Transcript.OK:
            return
        text = msg.text.strip()
        if not text:
            return
        if self._confirm_pending:
            # an answer to the pending question: yes only from a confident command, no from any clear speech
            reply = classify_reply(text)
            if (reply == YES and msg.is_command) or reply == NO:
                self._answer(reply == YES, f"the user said {text!r}")
                return
        if not msg.is_command:
            return
        if not self._busy.acquire(blocking=False):
            self.get_logger().warning(f"busy; ignoring transcript {text!r}")
            return
        try:
            self.get_logger().info(f"transcript command: {text!r}")
            self._run_safely(text, plan_only=False, goal_handle=None)
        finally:
            self._busy.release()

    def _on_confirm(self, req: SetBool.Request, resp: SetBool.Response) -> SetBool.Response:
        ok = self._answer(bool(req.data), "confirmed via /planner/confirm" if req.data
                          else "declined via /planner/confirm")
        resp.success = ok
        resp.message = ("go ahead" if req.data else "canceled") if ok else "no question is pending"
        return resp

    def _answer(self, yes: bool, how: str) -> bool:
        """Answer the pending confirmation question; False when none is pending."""
        with self._confirm_cond:
            if not self._confirm_pending or self._confirm_answer is not None:
                return False
            self._confirm_answer = (yes, how)
            self._confirm_cond.notify_all()
        self.get_logger().info(f"confirmation: {'yes' if yes else 'no'} ({how})")
        return True

    def _on_goal(self, goal: RunTask.Goal) -> GoalResponse:
        if not goal.instruction.strip():
            return GoalResponse.REJECT
        return GoalResponse.ACCEPT

    def _execute(self, goal_handle) -> RunTask.Result:
        if not self._busy.acquire(blocking=False):
            goal_handle.abort()
            return self._result(RunTask.Result.REFUSED, "the planner is busy with another task")
        try:
            result = self._run_safely(goal_handle.request.instruction, goal_handle.request.plan_only, goal_handle)
        finally:
            self._busy.release()
        if result.error_code == RunTask.Result.SUCCEEDED:
            goal_handle.succeed()
        elif result.error_code == RunTask.Result.CANCELED and goal_handle.is_cancel_requested:
            goal_handle.canceled()
        else:
            goal_handle.abort()
        return result

    def _run_safely(self, instruction: str, plan_only: bool, goal_handle) -> RunTask.Result:
        """``_run`` with a clear result instead of an exception: no input ends the node."""
        try:
            return self._run(instruction, plan_only, goal_handle)
        except Exception as exc:  # noqa: BLE001 - reported as a result, logged with the traceback
            self.get_logger().error(f"task {instruction!r} failed with an internal error: "
                                    f"{traceback.format_exc()}")
            return self._result(RunTask.Result.PLANNING_FAILED,
                                f"internal planner error ({type(exc).__name__}: {exc}); the arm was not "
                                "commanded further")

    # --- the task loop --------------------------------------------------------------
    def _preload(self) -> None:
        t0 = time.monotonic()
        try:
            llm = self._get_planner().llm
            if hasattr(llm, "_ensure"):
                llm._ensure()
            self.get_logger().info(f"LLM {getattr(llm, 'name', llm)} ready in {time.monotonic() - t0:.1f} s")
            gc.freeze()     # the model's objects are permanent: the collector stops walking them on every pass
            self.status_pub.publish(String(data="ready"))
        except Exception as exc:  # noqa: BLE001 - the first task reports the error clearly
            self.get_logger().warning(f"LLM preload failed: {exc}")
            self.status_pub.publish(String(data=f"llm_failed: {exc}"))

    def _get_planner(self) -> Planner:
        with self._planner_lock:
            return self._get_planner_locked()

    def _get_planner_locked(self) -> Planner:
        p = self.params
        llm_key = (p.llm, p.llm_timeout_s, p.llm_retries)
        key = (llm_key, p.method, p.simulations, p.llm_budget, p.max_steps, p.seed)
        if self._planner is None or key != self._planner_key:
            llm = self._planner.llm if (self._planner is not None and self._planner_key[0] == llm_key) \
                else make_backend(p.llm, threads=p.llm_threads, timeout_s=p.llm_timeout_s, retries=p.llm_retries,
                     dtype=p.llm_dtype)
            self._planner = Planner(llm, PlannerConfig(method=p.method, search=SearchConfig(
                simulations=p.simulations, llm_budget=p.llm_budget, max_steps=p.max_steps, seed=p.seed)))
            self._planner_key = key
        return self._planner

    @staticmethod
    def _result(code: int, msg: str, plan: TaskPlan | None = None) -> RunTask.Result:
        r = RunTask.Result(error_code=code, error_msg=msg)
        if plan is not None:
            r.plan = plan
        return r

    def _feedback(self, gh, stage: str, index: int, count: int, message: str) -> None:
        self.get_logger().info(f"[{stage}] {index}/{count} {message}")
        if gh is not None:
            gh.publish_feedback(RunTask.Feedback(stage=stage, step_index=index, step_count=count, message=message))

    def _publish_tree(self, res: PlanResult) -> None:
        try:
            self.tree_pub.publish(String(data=res.tree_svg()))
        except Exception as exc:  # noqa: BLE001 - a missing picture must not fail the task
            self.get_logger().warning(f"no tree picture: {exc}")

    def _plan_msg(self, res: PlanResult, statuses: list[int], verifications: list[str]) -> TaskPlan:
        msg = TaskPlan(instruction=res.instruction, goal=str(res.goal) if res.goal else "",
                       llm_calls=int(res.llm_calls), planning_time=float(res.planning_time_s),
                       error_code=int(res.error_code), error_msg=res.message)
        msg.header.stamp = self.get_clock().now().to_msg()
        msg.header.frame_id = "panda_link0"
        for i, s in enumerate(res.steps):
            msg.steps.append(PlanStep(index=i, skill=s.skill, args=list(s.args), instruction=s.instruction,
                                      prior=float(s.prior), value=float(s.value), visits=int(s.visits),
                                      status=statuses[i], verification=verifications[i]))
        return msg

    def _run(self, instruction: str, plan_only: bool, goal_handle) -> RunTask.Result:
        refusal = screen_instruction(instruction)       # untrusted text: refused before anything else
        if refusal is not None:
            msg = f"I won't do that: {refusal.reason}."
            plan = TaskPlan(instruction=instruction, error_code=TaskPlan.REFUSED, error_msg=msg)
            plan.header.stamp = self.get_clock().now().to_msg()
            self.plan_pub.publish(plan)
            return self._result(RunTask.Result.REFUSED, msg, plan)
        objs, _t, why = self._wait_scene(-1.0, self.params.scene_max_age_s)
        if objs is None:
            return self._result(RunTask.Result.STALE_INPUT, why)
        try:
            planner = self._get_planner()
            holding, objs = self._holding(objs)
            res = planner.plan(instruction, objs, holding=holding)
        except (LLMUnavailable, ValueError) as exc:
            self.get_logger().error(f"LLM unavailable: {exc}")
            return self._result(RunTask.Result.PLANNING_FAILED, f"LLM unavailable: {exc}")
        self._feedback(goal_handle, "understood", 0, len(res.steps), res.message)
        statuses = [PlanStep.PENDING] * len(res.steps)
        verifs = [""] * len(res.steps)
        plan_msg = self._plan_msg(res, statuses, verifs)
        self.plan_pub.publish(plan_msg)
        self._publish_tree(res)
        if not res.ok:
            return self._result(_RESULT_CODES.get(res.status, RunTask.Result.PLANNING_FAILED), res.message, plan_msg)
        self._feedback(goal_handle, "planned", 0, len(res.steps), f"goal {res.goal}")
        if plan_only or not res.steps:
            return self._result(RunTask.Result.SUCCEEDED, res.message, plan_msg)
        policy = ConfirmPolicy(self.params.confirm_min_steps, parse_skill_list(self.params.sensitive_skills))
        approved: set[str] | None = None               # skills of the plan the user confirmed
        goal = res.goal
        replans = 0
        while True:
            reason = policy.reason([s.skill for s in res.steps], approved)
            if reason is not None:
                refused = self._confirm(goal_handle, instruction, res, reason)
                if refused is not None:
                    refused.plan = self._plan_msg(res, statuses, verifs)
                    return refused
            approved = (approved or set()) | {s.skill for s in res.steps}
            try:
                failed_at, reason, lost = self._execute_plan(res, statuses, verifs, goal_handle)
                self.plan_pub.publish(self._plan_msg(res, statuses, verifs))
                if lost:
                    # the skill server died mid-step: wait for a respawn, then replan from a fresh scene
                    wait = self.params.respawn_wait_s
                    self._feedback(goal_handle, "waiting", failed_at, len(res.steps),
                                   f"{reason}; waiting up to {wait:.0f} s for the ExecuteSkill server")
                    if not self._wait_server(wait, goal_handle, need_heartbeat=self._heartbeat_seen()):
                        return self._result(RunTask.Result.EXECUTION_FAILED,
                                            f"{reason}; the server did not come back within {wait:.0f} s",
                                            self._plan_msg(res, statuses, verifs))
            except _Canceled:
                self.plan_pub.publish(self._plan_msg(res, statuses, verifs))
                return self._result(RunTask.Result.CANCELED, "canceled; the arm holds its position",
                                    self._plan_msg(res, statuses, verifs))
            # goal check and replanning on the world as it is now, not on a frame from mid-step
            objs, _t, why = self._wait_scene(time.monotonic(), self.params.verify_timeout_s,
                                             stamped_at_or_after_ns=self.get_clock().now().nanoseconds)
            if objs is not None:
                goal = reground(goal, objs)        # perception may have renamed an object meanwhile
            if failed_at is None and objs is not None and check(goal, objs)[0]:
                self._feedback(goal_handle, "verified", len(res.steps), len(res.steps), "goal holds")
                return self._result(RunTask.Result.SUCCEEDED, f"done: {check(goal, objs)[1]}",
                                    self._plan_msg(res, statuses, verifs))
            if failed_at is None:
                reason = why if objs is None else f"goal not reached: {check(goal, objs)[1]}"
            if objs is None:
                return self._result(RunTask.Result.STALE_INPUT,
                                    why if failed_at is None else f"{reason}; cannot replan: {why}",
                                    self._plan_msg(res, statuses, verifs))
            if replans >= self.params.max_replans:
                return self._result(RunTask.Result.EXECUTION_FAILED, f"{reason} (after {replans} replan(s))",
                                    self._plan_msg(res, statuses, verifs))
            replans += 1
            self._feedback(goal_handle, "replanning", failed_at or 0, len(res.steps), reason)
            try:
                holding, objs = self._holding(objs)
                res = planner.plan(instruction, objs, goal=goal, holding=holding)
                goal = res.goal or goal
            except LLMUnavailable as exc:
                return self._result(RunTask.Result.PLANNING_FAILED, f"replanning failed: LLM unavailable: {exc}")
            statuses = [PlanStep.PENDING] * len(res.steps)
            verifs = [""] * len(res.steps)
            self.plan_pub.publish(self._plan_msg(res, statuses, verifs))
            if not res.ok:
                return self._result(RunTask.Result.PLANNING_FAILED, f"replanning failed: {res.message}",
                                    self._plan_msg(res, statuses, verifs))
            if not res.steps:
                return self._result(RunTask.Result.SUCCEEDED, "goal holds after replanning",
                                    self._plan_msg(res, statuses, verifs))

    def _confirm(self, gh, instruction: str, res: PlanResult, reason: str) -> RunTask.Result | None:
        """Ask before executing; None when the user said yes, else the REFUSED/CANCELED result."""
        text = question(instruction, [s.instruction for s in res.steps], reason)
        timeout = self.params.confirm_timeout_s
        with self._confirm_cond:
            self._confirm_answer, self._confirm_pending = None, True
        try:
            self.question_pub.publish(String(data=text))
            self._feedback(gh, "confirm", 0, len(res.steps), text)
            deadline = time.monotonic() + timeout
            with self._confirm_cond:
                while self._confirm_answer is None and time.monotonic() < deadline:
                    if gh is not None and gh.is_cancel_requested:
                        return self._result(RunTask.Result.CANCELED, "canceled while waiting for a confirmation")
                    self._confirm_cond.wait(timeout=min(0.05, max(0.0, deadline - time.monotonic())))
                answer = self._confirm_answer
        finally:
            with self._confirm_cond:
                self._confirm_answer, self._confirm_pending = None, False
        if answer is None:
            return self._result(RunTask.Result.REFUSED,
                                f"not confirmed: no answer within {timeout:.0f} s; nothing was executed")
        if not answer[0]:
            return self._result(RunTask.Result.REFUSED, f"not confirmed: {answer[1]}; nothing was executed")
        self.get_logger().info(f"plan confirmed ({answer[1]})")
        return None

    # --- the ExecuteSkill server's health --------------------------------------------
    def _heartbeat_seen(self, within_s: float | None = None) -> bool:
        """Whether the skill server publishes heartbeats (one arrived within ``within_s``, default 10 s)."""
        hb = self._last_heartbeat
        return hb is not None and time.monotonic() - hb <= (10.0 if within_s is None else within_s)

    def _server_lost(self, monitored_hb: bool, state: dict) -> str | None:
        """Why the ExecuteSkill server counts as gone, or None while it looks alive.

        DDS discovery keeps a SIGKILLed server "ready" for its whole lease (20 s with Fast DDS
        defaults), so a server that publishes heartbeats is judged by them; one that does not
        is judged by its presence in the graph.
        """
        now, limit = time.monotonic(), self.params.server_lost_s
        # a heartbeat or action feedback is a sign of life
        # (the step's start counts too: a heartbeat publisher in the graph that never got through is no sign)
        signs = [t for t in (self._last_heartbeat, state.get("feedback"), state.get("started")) if t is not None]
        if monitored_hb and signs and now - max(signs) > limit:
            return (f"the ExecuteSkill server stopped responding (no heartbeat on {self.params.heartbeat_topic} "
                    f"and no feedback for {now - max(signs):.1f} s)")
        if self.skill_client.server_is_ready():
            state["absent_since"] = None
        else:
            state["absent_since"] = state.get("absent_since") or now
            if now - state["absent_since"] > limit:
                return "the ExecuteSkill server left the ROS graph"
        return None

    def _wait_server(self, timeout: float, gh, need_heartbeat: bool) -> bool:
        """Wait until the ExecuteSkill server is discoverable (and sends heartbeats, if asked). Raises _Canceled."""
        deadline = time.monotonic() + timeout
        while True:
            if gh is not None and gh.is_cancel_requested:
                raise _Canceled()
            if self.skill_client.server_is_ready() and (
                    not need_heartbeat or self._heartbeat_seen(self.params.server_lost_s / 2)):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def _execute_plan(self, res: PlanResult, statuses, verifs, gh) -> tuple[int | None, str, bool]:
        """Run the steps; (index of the failed step or None, reason, server lost). Raises _Canceled."""
        if not self.skill_client.wait_for_server(timeout_sec=self.params.server_wait_s):
            return 0, "the ExecuteSkill server /policy/execute_skill is not available", False
        n = len(res.steps)
        for i, s in enumerate(res.steps):
            if gh is not None and gh.is_cancel_requested:
                raise _Canceled()
            statuses[i] = PlanStep.RUNNING
            self.plan_pub.publish(self._plan_msg(res, statuses, verifs))
            self._feedback(gh, "executing", i, n, s.instruction)
            ok, why, lost = self._run_skill(s.step, s.instruction, gh)
            if ok:
                # judge the step on what is seen after the skill reported its end: a frame captured
                # mid-motion (or still in flight when the result came) shows the old world
                ok, why = self._verify(s.step, time.monotonic(), self.get_clock().now())
            verifs[i] = why
            statuses[i] = PlanStep.SUCCEEDED if ok else PlanStep.FAILED
            if not ok:
                for k in range(i + 1, n):
                    statuses[k] = PlanStep.SKIPPED
                return i, f"step {i + 1} {s.step} failed: {why}", lost
        return None, "", False

    def _wait_future(self, fut, timeout: float, gh, lost=None) -> bool | str:
        """True when done, False on timeout, or the reason ``lost()`` gives. Raises _Canceled."""
        deadline = time.monotonic() + timeout
        while not fut.done():
            if gh is not None and gh.is_cancel_requested:
                raise _Canceled()
            if time.monotonic() > deadline:
                return False
            why = lost() if lost is not None else None
            if why:
                return why
            time.sleep(0.01)
        return True

    def _run_skill(self, step: Step, instruction: str, gh) -> tuple[bool, str, bool]:
        """(succeeded, reason, server lost)."""
        goal = ExecuteSkill.Goal(skill=step.skill, args=list(step.args), instruction=instruction,
                                 timeout=float(self.params.step_timeout_s))
        monitored = self._heartbeat_seen(self.params.server_lost_s)
        health: dict = {"started": time.monotonic()}

        def lost() -> str | None:
            # heartbeats are expected once one arrived, or once a heartbeat publisher is discovered (a server
            # killed before its first heartbeat reached us must not look alive for the whole DDS lease)
            expect = (monitored or self._heartbeat_seen(self.params.server_lost_s)
                      or self.count_publishers(self.params.heartbeat_topic) > 0)
            return self._server_lost(expect, health)

        send = self.skill_client.send_goal_async(
            goal, feedback_callback=lambda _fb: health.__setitem__("feedback", time.monotonic()))
        done = self._wait_future(send, self.params.server_wait_s, gh, lost)
        if isinstance(done, str):
            return False, done, True
        if not done:
            return False, "ExecuteSkill goal not acknowledged", False
        handle = send.result()
        if not handle.accepted:
            return False, "ExecuteSkill goal rejected", False
        res_fut = handle.get_result_async()
        try:
            done = self._wait_future(res_fut, self.params.step_timeout_s + 5.0, gh, lost)
        except _Canceled:
            handle.cancel_goal_async()
            raise
        if isinstance(done, str):
            handle.cancel_goal_async()             # harmless if the server is really gone
            self.get_logger().error(f"{step}: {done}")
            return False, done, True
        if not done:
            handle.cancel_goal_async()
            return False, f"no ExecuteSkill result within {self.params.step_timeout_s + 5.0:.0f} s", False
        r = res_fut.result().result
        if r.error_code != ExecuteSkill.Result.SUCCEEDED:
            return False, f"skill failed (code {r.error_code}): {r.error_msg}", False
        return True, "executed", False

    def _verify(self, step: Step, t_done: float, stamp_done) -> tuple[bool, str]:
        """Check a step's effect on a scene captured after ``stamp_done`` (the skill's end).

        Perception's verify_step first: it answers STALE_SCENE until it has processed such a
        frame, so it is asked again until ``verify_timeout_s``; then the scene topics.
        """
        deadline = time.monotonic() + self.params.verify_timeout_s
        while self.verify_client.service_is_ready():
            req = VerifyStep.Request(skill=step.skill, args=list(step.args), not_before=stamp_done.to_msg())
            fut = self.verify_client.call_async(req)
            if not self._wait_future(fut, max(0.1, deadline - time.monotonic()), None):
                break
            r = fut.result()
            if r.error_code == VerifyStep.Response.OK:
                return bool(r.holds), f"perception: {r.reason}"
            if r.error_code == VerifyStep.Response.OCCLUDED and step.skill == "pick":
                return self._verify_grip(step, f"perception: {r.reason}")
            if r.error_code == VerifyStep.Response.STALE_SCENE and time.monotonic() < deadline:
                time.sleep(0.05)                  # no frame from after the step processed yet
                continue
            self.get_logger().warning(f"verify_step error {r.error_code}: {r.error_msg}; using the scene")
            break
        objs, _t, why = self._wait_scene(t_done, max(0.1, deadline - time.monotonic()),
                                         stamped_at_or_after_ns=stamp_done.nanoseconds)
        if objs is None:
            return False, f"cannot verify: {why}"
        ok, reason = expected_effect(step, objs)
        return ok, f"scene: {reason}"

    def _holding(self, objs: list[ObjectState]) -> tuple[str | None, list[ObjectState]]:
        """(held object or None, objects to plan with): perception, overruled by fresh finger states."""
        grip = self._grip
        width = grip[0] if grip is not None and time.monotonic() - grip[1] <= 1.0 else None
        held, objs, note = resolve_holding(objs, width, MIN_OBJECT_CONFIDENCE)
        if note:
            self.get_logger().warning(note)
        return held, objs

    def _verify_grip(self, step: Step, seen: str) -> tuple[bool, str]:
        """A pick the scene camera cannot see (the arm hides the held object): ask the fingers."""
        grip = self._grip
        if grip is None or time.monotonic() - grip[1] > 1.0:
            return False, f"{seen}; no fresh gripper state on {self.params.joint_states_topic} either"
        objs, _t, _why = self._latest_scene()
        obj = next((o for o in objs or [] if o.id == step.args[0]), None)
        if obj is None:
            return False, f"{seen}; {step.args[0]} is not in the scene"
        ok, why = gripper_holds(obj, grip[0])
        return ok, f"{seen}; gripper: {why}"


def main(args=None) -> None:
    spin_node(PlannerNode, "planner_node", threads=4, args=args)


if __name__ == "__main__":
    main()
