"""Planner node: ROS wiring of the task executive (:mod:`promptbot.planning.executive`).

The executive decides (refuse -> plan -> confirm -> execute -> verify -> replan); this node
adapts its ports to ROS and converts its outcome to a RunTask result.

Interfaces
----------
* action server ``/planner/run_task`` (promptbot_msgs/action/RunTask); feedback stages:
  understood, planned, confirm, executing, waiting (for a lost skill server), replanning, verified
* subscription ``/speech/transcript`` (promptbot_msgs/msg/Transcript): only ``error_code == OK``
  and ``is_command`` are acted on (when ``listen_transcripts``); a yes/no while a question is pending
* subscriptions ``scene_topic`` (``/perception/scene``) and ``fallback_scene_topic``
  (``/sim/ground_truth``): promptbot_msgs/msg/SceneState
* publishers ``/planner/plan`` (TaskPlan, latched), ``/planner/tree_svg`` (std_msgs/String, latched:
  the latest search tree), ``/planner/question`` (std_msgs/String), ``/planner/status``
  (std_msgs/String, latched): ``loading the LLM (...)``, then ``ready`` or ``llm_failed: <why>``
* action client ``/policy/execute_skill`` (promptbot_msgs/action/ExecuteSkill) and its
  ``heartbeat_topic`` (std_msgs/Header): silence longer than ``server_lost_s`` fails a running step
* service client ``/perception/verify_step`` (promptbot_msgs/srv/VerifyStep), when available
* subscription ``joint_states_topic``: the finger opening (sum of ``gripper_joints``) [m]
* service ``/planner/confirm`` (std_srvs/SetBool, true = go) answers a confirmation question
"""
from __future__ import annotations

import gc
import json
import math
import os
import threading
import time
from dataclasses import fields

from promptbot.planning.llm import bound_kernel_caches

# oneDNN and torch's ideep layer keep a compiled kernel for every input shape they have seen (1,024 each by
# default): with prompts of every length the planner's RSS grew ~120 MB over 200 commands of the soak. 16 each
# (measured: 360 scoring calls, 956 -> 862 MB at the end, no slower; docs/soak.md). Set before torch loads.
bound_kernel_caches()

from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rclpy.time import Time
from sensor_msgs.msg import JointState
from std_msgs.msg import Header, String
from std_srvs.srv import SetBool

from promptbot.planning.confirm import ConfirmPolicy, parse_skill_list
from promptbot.planning.journal import TaskJournal, interrupted_message
from promptbot.planning.executive import (WALL_BACKSTOP_FACTOR, ExecutiveConfig, Outcome, PlanSnapshot, SceneCache,
                                          SkillReport, TaskExecutive, Verdict, VerdictKind, is_stop_request)
from promptbot.planning.planner import METHODS, Planner, PlannerCache, PlannerSettings, PlanResult
from promptbot.planning.skills import Step
from promptbot.priority import set_node_priority
from promptbot.ros.actions import ActionClient, end_goal
from promptbot.ros.plan_msgs import plan_to_msg
from promptbot.ros.params import ParamSpec, declare_params
from promptbot.ros.qos import EVENTS, LATCHED, OBSERVER
from promptbot.ros.scene_msgs import scene_to_objects
from promptbot.ros.health import StatusPublisher
from promptbot.ros.spin import spin_node
from promptbot_msgs.action import ExecuteSkill, RunTask
from promptbot_msgs.msg import SceneState, TaskPlan, Transcript
from promptbot_msgs.srv import VerifyStep


def _skills_ok(value: str) -> str | None:
    try:
        parse_skill_list(value)
    except ValueError as exc:
        return f"sensitive_skills: {exc}"
    return None


_INTERRUPTED_QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE,
                              durability=DurabilityPolicy.TRANSIENT_LOCAL)

SPECS = [
    ParamSpec("llm", "smollm2", "LLM backend: smollm2 | uniform | hf:DIR | gguf:FILE | http(s)://HOST:PORT/v1"),
    ParamSpec("llm_timeout_s", 10.0, "HTTP LLM back-end: timeout per request [s]", min=0.1, max=600.0),
    ParamSpec("llm_retries", 2, "HTTP LLM back-end: retries after a timeout or connection error", min=0, max=10),
    ParamSpec("method", "mcts_llm", "planning method", choices=list(METHODS)),
    ParamSpec("simulations", 48, "MCTS simulations per committed step", min=1, max=10000),
    ParamSpec("llm_budget", 12, "LLM scoring calls per plan", min=0, max=1000),
    ParamSpec("max_steps", 12, "plan length limit [steps]", min=1, max=16),
    ParamSpec("seed", 0, "search seed", min=0, max=2**31 - 1),
    ParamSpec("understanding", "rule", "who reads the instruction: the rule parser, the LLM semantic parser, "
              "or both (they must agree, else a question)", choices=("rule", "llm", "hybrid")),
    ParamSpec("parser", "smollm2", "LLM semantic parser model for understanding llm | hybrid: smollm2 (with the "
              "committed LoRA adapter) | hf:DIR | gguf:FILE | http(s)://HOST:PORT/v1"),
    ParamSpec("prior", "hybrid", "the search's prior: llm | uniform | learned (the distilled network) | hybrid (the "
              "network, asking the LLM where it is unsure)", choices=("llm", "uniform", "learned", "hybrid")),
    ParamSpec("prior_model", "", "learned prior checkpoint (.npz; empty: models/prior/prior.npz)"),
    ParamSpec("trace_dir", "", "write a search trace per plan into this folder (empty: none; docs/planner.md)"),
    ParamSpec("scene_topic", "/perception/scene", "SceneState topic (perception)", read_only=True),
    ParamSpec("fallback_scene_topic", "/sim/ground_truth", "SceneState topic used when the first is stale",
              read_only=True),
    ParamSpec("scene_max_age_s", 2.0, "a scene older than this is stale [s]", min=0.05, max=60.0),
    ParamSpec("step_timeout_s", 60.0, "time limit per executed skill [s], on the ROS clock (sim time in the "
              "simulated graph)", min=1.0, max=600.0),
    ParamSpec("wall_backstop_factor", WALL_BACKSTOP_FACTOR, "the wait for a skill's result also ends after its limit times this much "
              "wall-clock time (a stopped or crawling clock)", min=1.0, max=20.0),
    ParamSpec("server_wait_s", 5.0, "wait for the ExecuteSkill server [s]", min=0.1, max=60.0),
    ParamSpec("heartbeat_topic", "/policy/heartbeat", "heartbeat of the ExecuteSkill server (std_msgs/Header)",
              read_only=True),
    ParamSpec("server_lost_s", 3.0, "a running step fails when the ExecuteSkill server has sent no heartbeat "
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
    ParamSpec("journal_path", "~/.ros/promptbot/planner_journal_{domain}.jsonl", "task journal: a task the planner "
              "was killed in is said on /planner/interrupted after its restart ('' = off; {domain}: ROS_DOMAIN_ID)",
              read_only=True),
    ParamSpec("llm_threads", 1, "torch threads of a local LLM", min=1, max=64, read_only=True),
    ParamSpec("nice", -5, "nice value of the node (its threads and its scheduling autogroup): planning is on the "
              "path from the end of speech to the arm's first motion and runs in bursts (negative needs "
              "CAP_SYS_NICE; without it the priority stays and a warning says so; 0 = unchanged)",
              min=-20, max=19, read_only=True),
    ParamSpec("llm_dtype", "auto", "weights of a local LLM: auto (bfloat16 where the CPU has native bf16, else "
              "float32) | float32 | bfloat16", choices=("auto", "float32", "bfloat16"), read_only=True),
    ParamSpec("preload_llm", True, "load the LLM at start-up instead of at the first task", read_only=True),
    ParamSpec("confirm_min_steps", 0, "ask for a confirmation before executing a plan with more than this "
              "many steps (0 = off) [steps]", min=0, max=16),
    ParamSpec("sensitive_skills", "", "comma-separated skills that always need a confirmation "
              "(e.g. 'push,stack'; empty = none)", validator=_skills_ok),
    ParamSpec("confirm_below_speech_confidence", 0.0, "read a spoken command's plan back and ask before "
              "executing when the recogniser's confidence is below this (0 = never) [0..1]", min=0.0, max=1.0),
    ParamSpec("confirm_timeout_s", 30.0, "no answer to a confirmation question within this long -> "
              "REFUSED [s]", min=1.0, max=600.0),
]

# heartbeats are read with the default (infinite) liveliness lease: compatible with any offered lease
_HEARTBEAT_QOS = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE)
_VERDICTS = {VerifyStep.Response.OK: VerdictKind.OK, VerifyStep.Response.OCCLUDED: VerdictKind.OCCLUDED,
             VerifyStep.Response.STALE_SCENE: VerdictKind.STALE}


class _Mapped:
    """A ROS future seen through a conversion of its result (the executive's ``Pending``)."""

    def __init__(self, future, convert):
        self._future, self._convert = future, convert

    def done(self) -> bool:
        return self._future.done()

    def result(self):
        return self._convert(self._future.result())


class _SkillGoal:
    def __init__(self, handle):
        self._handle, self.accepted = handle, bool(handle.accepted)

    def result(self) -> _Mapped:
        return _Mapped(self._handle.get_result_async(), lambda r: SkillReport(
            r.result.error_code == ExecuteSkill.Result.SUCCEEDED, int(r.result.error_code), r.result.error_msg))

    def cancel(self) -> None:
        self._handle.cancel_goal_async()


class _Reporter:
    """The executive's reporter for one task: feedback on its RunTask goal (if any), the plan topics."""

    def __init__(self, node: "PlannerNode", goal_handle):
        self.node, self.goal_handle = node, goal_handle

    def feedback(self, stage: str, index: int, count: int, message: str) -> None:
        if self.goal_handle is not None:
            self.goal_handle.publish_feedback(RunTask.Feedback(stage=stage, step_index=index, step_count=count,
                                                               message=message))

    def plan(self, snapshot: PlanSnapshot) -> None:
        self.node.plan_pub.publish(plan_to_msg(snapshot, self.node.get_clock().now().to_msg()))

    def tree(self, res: PlanResult) -> None:
        try:
            self.node.tree_pub.publish(String(data=res.tree_svg()))
        except Exception as exc:  # noqa: BLE001 - a missing picture must not fail the task
            self.node.get_logger().warning(f"no tree picture: {exc}")

    def question(self, text: str) -> None:
        self.node.question_pub.publish(String(data=text))


class PlannerNode(Node):
    """The executive's ports: a scene cache fed by the subscriptions, a reporter per task; the skill
    server and the verifier are this node's methods."""

    def __init__(self):
        super().__init__("planner_node")
        self.params = declare_params(self, SPECS)
        p = self.params
        set_node_priority(p.nice, self.get_logger(), "planner node")
        cb = ReentrantCallbackGroup()
        self.scenes = SceneCache((p.scene_topic, p.fallback_scene_topic), p.scene_max_age_s,
                                 lambda: self.get_clock().now().nanoseconds)
        self._last_heartbeat: float | None = None                 # receipt time [s, monotonic]
        self._planners = PlannerCache()
        self.executive = TaskExecutive(self._get_planner, scenes=self.scenes, skills=self, verifier=self, reporter=_Reporter(self, None),
                                       log=self.get_logger())
        self.status_pub = StatusPublisher(self.create_publisher(String, "/planner/status", LATCHED))  # health()
        if p.preload_llm:
            self.status_pub.publish(String(data=f"loading the LLM ({p.llm})"))
            threading.Thread(target=self._preload, name="llm-preload", daemon=True).start()
        else:
            self.status_pub.publish(String(data="ready"))
        self.plan_pub = self.create_publisher(TaskPlan, "/planner/plan", LATCHED)
        self.tree_pub = self.create_publisher(String, "/planner/tree_svg", LATCHED)
        self.question_pub = self.create_publisher(String, "/planner/question", EVENTS)
        # tasks a killed predecessor left unfinished: said once, kept for late joiners (issue 24: nothing lost)
        self.interrupted_pub = self.create_publisher(String, "/planner/interrupted", _INTERRUPTED_QOS)
        self.journal = None
        if p.journal_path:
            self.journal = TaskJournal(p.journal_path.replace("{domain}", os.environ.get("ROS_DOMAIN_ID", "0")))
            for entry in self.journal.recover():
                self.get_logger().warning(f"the planner restarted in the middle of {entry.instruction!r} "
                                          f"({entry.source} task {entry.task_id}): it did not finish")
                self.interrupted_pub.publish(String(data=json.dumps(interrupted_message(entry))))
        for topic in (p.scene_topic, p.fallback_scene_topic):
            self.create_subscription(SceneState, topic, lambda m, t=topic: self._on_scene(t, m), 5,
                                     callback_group=MutuallyExclusiveCallbackGroup())
        self.create_subscription(Transcript, "/speech/transcript", self._on_transcript, EVENTS, callback_group=cb)
        self.create_subscription(Header, p.heartbeat_topic, self._on_heartbeat, _HEARTBEAT_QOS,
                                 callback_group=MutuallyExclusiveCallbackGroup())
        if p.joint_states_topic:
            self.create_subscription(JointState, p.joint_states_topic, self._on_joints, 10,
                                     callback_group=MutuallyExclusiveCallbackGroup())
        self.create_service(SetBool, "/planner/confirm", self._on_confirm, callback_group=cb)
        self.skill_client = ActionClient(self, ExecuteSkill, "/policy/execute_skill", callback_group=cb)
        self.verify_client = self.create_client(VerifyStep, "/perception/verify_step", callback_group=cb)
        self.server = ActionServer(self, RunTask, "/planner/run_task", execute_callback=self._execute,
                                   goal_callback=self._on_goal, cancel_callback=lambda _g: CancelResponse.ACCEPT,
                                   callback_group=cb, feedback_pub_qos_profile=OBSERVER)  # no stage lost
        self.get_logger().info(f"planner ready (llm={p.llm}, method={p.method})")

    # --- inputs -------------------------------------------------------------------------
    def _on_scene(self, topic: str, msg: SceneState) -> None:
        stamp = msg.header.stamp      # plain arithmetic: Time.from_msg raises on a (malformed) negative stamp
        self.scenes.put(topic, scene_to_objects(msg), stamp.sec * 1_000_000_000 + stamp.nanosec)

    def _on_heartbeat(self, _msg: Header) -> None:
        self._last_heartbeat = time.monotonic()

    def _on_joints(self, msg: JointState) -> None:
        pos = dict(zip(msg.name, msg.position))
        joints = list(self.params.gripper_joints)
        if joints and all(j in pos for j in joints):
            width = float(sum(pos[j] for j in joints))
            if math.isfinite(width):
                self.scenes.put_gripper(width)

    def _on_transcript(self, msg: Transcript) -> None:
        text = msg.text.strip()
        if not self.params.listen_transcripts or not text:
            return
        # barge-in: a stop word while a task runs cancels it at once (also at low confidence: a
        # false stop only makes the arm hold); a pending question takes "stop" as its "no" first
        barge_in = msg.error_code in (Transcript.OK, Transcript.LOW_CONFIDENCE) and is_stop_request(text)
        if barge_in and not self.executive.confirmations.pending and self.executive.cancel(f"heard {text!r}"):
            self.get_logger().info(f"barge-in: {text!r} cancels the running task")
            return
        if msg.error_code != Transcript.OK:
            return
        if self.executive.confirmations.hear(text, msg.is_command):
            self.get_logger().info(f"confirmation answered by {text!r}")
            return
        if msg.is_command:
            self.get_logger().info(f"transcript command: {text!r} (confidence {msg.confidence:.2f})")
            self._run(text, plan_only=False, goal_handle=None, transcripts=tuple(msg.nbest_text),
                      speech_confidence=float(msg.confidence))

    def _on_confirm(self, req: SetBool.Request, resp: SetBool.Response) -> SetBool.Response:
        how = "confirmed via /planner/confirm" if req.data else "declined via /planner/confirm"
        resp.success = self.executive.confirmations.answer(bool(req.data), how)
        resp.message = ("go ahead" if req.data else "canceled") if resp.success else "no question is pending"
        return resp

    def _on_goal(self, goal: RunTask.Goal) -> GoalResponse:
        return GoalResponse.ACCEPT if goal.instruction.strip() else GoalResponse.REJECT

    def _execute(self, goal_handle) -> RunTask.Result:
        req = goal_handle.request
        conf = float(req.speech_confidence)
        result = self._run(req.instruction, req.plan_only, goal_handle, transcripts=tuple(req.transcripts),
                           speech_confidence=conf if 0.0 <= conf <= 1.0 else None)
        end_goal(goal_handle, result.error_code == RunTask.Result.SUCCEEDED,
                 result.error_code == RunTask.Result.CANCELED)
        return result

    def _run(self, instruction: str, plan_only: bool, goal_handle, transcripts: tuple[str, ...] = (),
             speech_confidence: float | None = None) -> RunTask.Result:
        p = self.params
        self.scenes.max_age_s = p.scene_max_age_s
        self.executive.config = ExecutiveConfig(
            step_timeout_s=p.step_timeout_s, wall_backstop_factor=p.wall_backstop_factor, server_wait_s=p.server_wait_s, server_lost_s=p.server_lost_s,
            respawn_wait_s=p.respawn_wait_s, verify_timeout_s=p.verify_timeout_s, scene_max_age_s=p.scene_max_age_s,
            max_replans=p.max_replans, confirm_timeout_s=p.confirm_timeout_s,
            confirm=ConfirmPolicy(p.confirm_min_steps, parse_skill_list(p.sensitive_skills),
                                  p.confirm_below_speech_confidence),
            heartbeat_topic=p.heartbeat_topic, joint_states_topic=p.joint_states_topic)
        task_id = bytes(goal_handle.goal_id.uuid).hex() if goal_handle is not None else f"voice-{time.time_ns()}"
        if self.journal is not None and not plan_only:
            self.journal.begin(task_id, instruction, "action" if goal_handle is not None else "voice")
        try:
            out = self.executive.run(instruction, plan_only, reporter=_Reporter(self, goal_handle),
                                     canceled=lambda: goal_handle is not None and goal_handle.is_cancel_requested,
                                     transcripts=transcripts, speech_confidence=speech_confidence)
        finally:
            if self.journal is not None and not plan_only:
                self.journal.end(task_id, "finished")
        result = RunTask.Result(error_code=int(out.code), error_msg=out.message)
        if out.plan is not None:
            result.plan = plan_to_msg(out.plan, self.get_clock().now().to_msg())
        if out.code is not Outcome.SUCCEEDED:
            self.get_logger().info(f"task {instruction!r}: {out.code.name}: {out.message}")
        return result

    def health(self) -> tuple[bool, str]:
        """The /planner_node/health probe (promptbot.ros.health): ready once the LLM is in memory."""
        return self.status_pub.last == "ready", self.status_pub.last

    # --- the LLM planner ----------------------------------------------------------------
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
        p = self.params
        return self._planners.get(PlannerSettings(**{f.name: getattr(p, f.name) for f in fields(PlannerSettings)}))

    # --- port: skill server -------------------------------------------------------------
    def ready(self) -> bool:
        return self.skill_client.server_is_ready()

    def last_heartbeat(self) -> float | None:
        return self._last_heartbeat

    def heartbeat_publishers(self) -> int:
        return self.count_publishers(self.params.heartbeat_topic)

    def send(self, step: Step, instruction: str, timeout_s: float, on_feedback) -> _Mapped:
        goal = ExecuteSkill.Goal(skill=step.skill, args=list(step.args), instruction=instruction,
                                 timeout=float(timeout_s))
        return _Mapped(self.skill_client.send_goal_async(goal, feedback_callback=lambda _fb: on_feedback()),
                       _SkillGoal)

    # --- port: verifier -----------------------------------------------------------------
    def available(self) -> bool:
        return self.verify_client.service_is_ready()

    def ask(self, step: Step, not_before_ns: int) -> _Mapped:
        req = VerifyStep.Request(skill=step.skill, args=list(step.args),
                                 not_before=Time(nanoseconds=not_before_ns).to_msg())
        return _Mapped(self.verify_client.call_async(req), lambda r: Verdict(
            _VERDICTS.get(r.error_code, VerdictKind.ERROR), bool(r.holds),
            r.reason if r.error_code in _VERDICTS else f"error {r.error_code}: {r.error_msg}"))


def main(args=None) -> None:
    spin_node(PlannerNode, "planner_node", threads=4, args=args)


if __name__ == "__main__":
    main()
