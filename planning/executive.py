"""The task executive: refuse -> plan -> confirm -> execute -> verify -> replan, for one task.

Pure (no ROS). :class:`TaskExecutive` runs one instruction against small ports and returns a
typed :class:`TaskOutcome`; the planner node adapts the ports to ROS (scene topics, the
ExecuteSkill action, the VerifyStep service, feedback and the TaskPlan topic) and converts
the outcome to a RunTask result. Tests drive it with fakes and a :class:`ManualClock`.

Ports
-----
* :class:`Clock`: monotonic time [s] and sleeping (a manual clock in tests).
* :class:`Scenes`: the freshest usable scene (objects, or why there is none), the stamp of
  "now" on the scene clock [ns], and the latest finger opening.
* :class:`SkillServer`: the ExecuteSkill server (presence, heartbeats) and sending a step;
  a sent step is a :class:`Pending` acknowledgement whose value is a :class:`SkillGoal`.
* :class:`Verifier`: perception's step check (``verify_step``), answering :class:`Verdict`.
* :class:`Reporter`: stage feedback, plan snapshots, the search-tree picture, questions.

Waiting: every wait (a scene, an acknowledgement, a skill result, a verdict, a respawned
server, an answer to a question) goes through :func:`wait_for`, which polls one condition
against one deadline and raises :class:`Canceled` when the task's cancel is requested.

Skill-server health: DDS discovery keeps a SIGKILLed server "ready" for its whole lease
(20 s with Fast DDS defaults), so a server that publishes heartbeats is judged by them
(:func:`server_lost`); one that does not is judged by its presence in the graph.
"""
from __future__ import annotations

import collections
import enum
import logging
import re
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable, Protocol, Sequence, TypeVar

from promptbot.planning.confirm import NO, YES, ConfirmPolicy, classify_reply, question
from promptbot.planning.interpret import other_hearing
from promptbot.planning.llm import LLMUnavailable
from promptbot.planning.planner import PlanResult, reground
from promptbot.planning.skills import Step
from promptbot.planning.validate import MIN_OBJECT_CONFIDENCE
from promptbot.planning.verify import expected_effect, gripper_holds, recall_held, resolve_holding
from promptbot.safety.prompt_guard import screen_instruction
from promptbot.scene import ObjectState
from promptbot.tasks.goal import Goal, check, eval_literal

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

GRIP_FRESH_S = 1.0          # a finger opening older than this is not used [s]
HEARTBEAT_RECENT_S = 10.0   # a server whose last heartbeat is this recent "publishes heartbeats" [s]
RESULT_GRACE_S = 5.0        # a skill's result may arrive this long after its own timeout [s]
_LATE = object()            # a skill's result did not come within its limit on the ROS clock (a marker, by identity)
WALL_BACKSTOP_FACTOR = 3.0  # the wait for a skill's result ends after this many limits of wall-clock time
MIN_WAIT_S = 0.1            # the shortest wait given to a verdict or scene near a deadline [s]
POLL_S = 0.02               # polling period of :func:`wait_for` [s]
HISTORY_COMMANDS = 3      # earlier understood commands given to the planner (anaphora across commands)
STALE_RETRY_S = 0.05        # pause before asking verify_step again after STALE_SCENE [s]


class Outcome(enum.IntEnum):
    """How a task ended; values equal promptbot_msgs/action/RunTask result codes."""

    SUCCEEDED = 0
    REFUSED = 1
    AMBIGUOUS = 2
    IMPOSSIBLE = 3
    PLANNING_FAILED = 4
    EXECUTION_FAILED = 5
    CANCELED = 6
    STALE_INPUT = 7


class StepStatus(enum.IntEnum):
    """A plan step's state; values equal promptbot_msgs/msg/PlanStep constants."""

    PENDING = 0
    RUNNING = 1
    SUCCEEDED = 2
    FAILED = 3
    SKIPPED = 4


# planner status (PlanResult.status) -> outcome of a task whose first plan failed
PLAN_STATUS_OUTCOMES = {"refused": Outcome.REFUSED, "ambiguous": Outcome.AMBIGUOUS,
                        "unknown": Outcome.AMBIGUOUS, "impossible": Outcome.IMPOSSIBLE,
                        "no_plan": Outcome.PLANNING_FAILED}
REFUSED_PLAN_CODE = 1       # TaskPlan.REFUSED


class Canceled(Exception):
    """The task's cancel was requested while waiting."""


# --- ports -----------------------------------------------------------------------------
class Clock(Protocol):
    def now(self) -> float:
        """Monotonic time [s]."""

    def sleep(self, seconds: float) -> None:
        """Wait [s]."""


class Pending(Protocol[T_co]):
    """A value that arrives later (an rclpy Future fits)."""

    def done(self) -> bool: ...

    def result(self) -> T_co: ...


@dataclass(frozen=True)
class SkillReport:
    """The ExecuteSkill result of one step."""

    succeeded: bool
    code: int = 0
    message: str = ""


class SkillGoal(Protocol):
    """An acknowledged ExecuteSkill goal."""

    accepted: bool

    def result(self) -> Pending[SkillReport]: ...

    def cancel(self) -> None: ...


class SkillServer(Protocol):
    def ready(self) -> bool:
        """The server is discoverable in the graph."""

    def last_heartbeat(self) -> float | None:
        """Receipt time [s, Clock] of its latest heartbeat, None before the first."""

    def heartbeat_publishers(self) -> int:
        """Publishers on the heartbeat topic."""

    def send(self, step: Step, instruction: str, timeout_s: float,
             on_feedback: Callable[[], None]) -> Pending[SkillGoal]:
        """Send one step; ``on_feedback`` is called on every feedback message."""


@dataclass(frozen=True)
class SceneView:
    """The freshest usable scene, or why there is none."""

    objects: list[ObjectState] | None
    reason: str = ""


class Scenes(Protocol):
    def latest(self, newer_than: float = -1.0, stamped_at_or_after_ns: int = 0) -> SceneView:
        """The freshest usable scene received after ``newer_than`` [s, Clock] and, when it is stamped,
        stamped at or after ``stamped_at_or_after_ns`` (a scene in flight while a skill ended shows the
        old world)."""

    def stamp_now_ns(self) -> int:
        """Now on the clock that stamps scenes [ns]."""

    def gripper(self) -> tuple[float, float] | None:
        """(finger opening [m], receipt time [s, Clock]) of the latest joint state, or None."""


class VerdictKind(enum.Enum):
    OK = "ok"                  # the scene answers: ``holds``
    OCCLUDED = "occluded"      # the step's object is hidden from the camera
    STALE = "stale"            # no frame from after ``not_before`` processed yet
    ERROR = "error"            # unknown object, bad request, ...


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    holds: bool = False
    reason: str = ""


class Verifier(Protocol):
    def available(self) -> bool: ...

    def ask(self, step: Step, not_before_ns: int) -> Pending[Verdict]: ...


@dataclass
class PlanSnapshot:
    """A plan with its steps' progress, as the TaskPlan topic shows it."""

    instruction: str
    result: PlanResult | None = None
    statuses: list[StepStatus] = field(default_factory=list)
    verifications: list[str] = field(default_factory=list)
    error_code: int = 0
    message: str = ""

    @classmethod
    def of(cls, res: PlanResult) -> "PlanSnapshot":
        n = len(res.steps)
        return cls(res.instruction, res, [StepStatus.PENDING] * n, [""] * n, int(res.error_code), res.message)


class Reporter(Protocol):
    def feedback(self, stage: str, index: int, count: int, message: str) -> None: ...

    def plan(self, snapshot: PlanSnapshot) -> None: ...

    def tree(self, res: PlanResult) -> None: ...

    def question(self, text: str) -> None: ...


@dataclass(frozen=True)
class TaskOutcome:
    code: Outcome
    message: str
    plan: PlanSnapshot | None = None


@dataclass(frozen=True)
class ExecutiveConfig:
    """Timing and limits of the task loop (the planner node's parameters of the same names)."""

    step_timeout_s: float = 60.0       # time limit per executed skill, on the ROS clock (sim time in the sim)
    wall_backstop_factor: float = WALL_BACKSTOP_FACTOR   # ... and at most this many times it on the wall clock
    server_wait_s: float = 5.0         # wait for the ExecuteSkill server / an acknowledgement
    server_lost_s: float = 3.0         # silence after which a heartbeating server counts as gone (6 beats of 0.5 s)
    respawn_wait_s: float = 30.0       # wait for a lost server to come back before replanning
    verify_timeout_s: float = 5.0      # wait for a scene showing a step's effect
    scene_max_age_s: float = 2.0       # wait for a first scene
    max_replans: int = 2
    confirm: ConfirmPolicy = field(default_factory=ConfirmPolicy)
    confirm_timeout_s: float = 30.0
    skill_server_name: str = "/policy/execute_skill"
    heartbeat_topic: str = "/policy/heartbeat"
    joint_states_topic: str = "/joint_states"

    def __post_init__(self):
        for name in ("step_timeout_s", "server_wait_s", "server_lost_s", "verify_timeout_s", "scene_max_age_s",
                     "confirm_timeout_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.respawn_wait_s < 0 or self.max_replans < 0:
            raise ValueError("respawn_wait_s and max_replans must be >= 0")
        if not 1.0 <= self.wall_backstop_factor <= 20.0:
            raise ValueError(f"wall_backstop_factor must be in [1, 20], got {self.wall_backstop_factor}")


# --- waiting ---------------------------------------------------------------------------
class MonotonicClock:
    """The real clock."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that moves only when slept on (tests): ``sleep`` advances ``now``."""

    def __init__(self, start: float = 1000.0):
        self.t = float(start)

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += max(seconds, 1e-6)


def wait_for(condition: Callable[[], T], timeout_s: float, clock: Clock,
             canceled: Callable[[], bool] | None = None, poll_s: float = POLL_S) -> T | None:
    """Poll ``condition`` until it returns something truthy (returned) or ``timeout_s`` passes
    (the last falsy value is returned). Raises :class:`Canceled` when ``canceled()`` turns true."""
    deadline = clock.now() + timeout_s
    while True:
        if canceled is not None and canceled():
            raise Canceled()
        value = condition()
        if value or clock.now() >= deadline:
            return value
        clock.sleep(min(poll_s, max(0.0, deadline - clock.now())))


def server_lost(now: float, limit_s: float, expect_heartbeats: bool, signs: Sequence[float | None],
                ready: bool, absent_since: float | None, heartbeat_topic: str = "/policy/heartbeat"
                ) -> tuple[str | None, float | None]:
    """(why the skill server counts as gone or None, updated ``absent_since``).

    ``signs``: times of the latest signs of life (heartbeat, feedback, the step's start).
    A heartbeating server is gone after ``limit_s`` without any sign; any server is gone
    after ``limit_s`` outside the graph.
    """
    seen = [t for t in signs if t is not None]
    if expect_heartbeats and seen and now - max(seen) > limit_s:
        return (f"the ExecuteSkill server stopped responding (no heartbeat on {heartbeat_topic} and no feedback for "
                f"{now - max(seen):.1f} s)"), absent_since
    if ready:
        return None, None
    absent_since = now if absent_since is None else absent_since
    if now - absent_since > limit_s:
        return "the ExecuteSkill server left the ROS graph", absent_since
    return None, absent_since


# --- scenes ----------------------------------------------------------------------------
class SceneCache:
    """The latest scene of each scene topic and the latest finger opening: the :class:`Scenes` port.

    Topics are tried in the order given (perception first, then a fallback such as the simulator's
    ground truth); a scene older than ``max_age_s`` [s] is stale.
    """

    def __init__(self, topics: Sequence[str], max_age_s: float, stamp_now_ns: Callable[[], int],
                 clock: Clock | None = None):
        self.topics, self.max_age_s, self._stamp_now_ns = tuple(topics), float(max_age_s), stamp_now_ns
        self.clock = clock or MonotonicClock()
        self._lock = threading.Lock()
        self._scenes: dict[str, tuple[list[ObjectState], int, float]] = {}   # topic -> (objects, stamp, receipt)
        self._grip: tuple[float, float] | None = None

    def put(self, topic: str, objects: list[ObjectState], stamp_ns: int = 0) -> None:
        """A scene received now on ``topic``; ``stamp_ns`` 0 = unstamped (judged by receipt time)."""
        with self._lock:
            self._scenes[topic] = (objects, int(stamp_ns), self.clock.now())

    def put_gripper(self, width_m: float) -> None:
        self._grip = (float(width_m), self.clock.now())

    def gripper(self) -> tuple[float, float] | None:
        return self._grip

    def stamp_now_ns(self) -> int:
        return self._stamp_now_ns()

    def latest(self, newer_than: float = -1.0, stamped_at_or_after_ns: int = 0) -> SceneView:
        now, notes = self.clock.now(), []
        with self._lock:
            for topic in self.topics:
                entry = self._scenes.get(topic)
                if entry is None:
                    notes.append(f"{topic}: none received")
                    continue
                objects, stamp_ns, t_rx = entry
                if now - t_rx > self.max_age_s:
                    notes.append(f"{topic}: {now - t_rx:.1f} s old")
                elif t_rx <= newer_than or 0 < stamp_ns < stamped_at_or_after_ns:
                    notes.append(f"{topic}: nothing newer")
                else:
                    return SceneView(list(objects))
        return SceneView(None, f"no fresh SceneState (limit {self.max_age_s:.1f} s; {'; '.join(notes)}): "
                               "not acting on a stale scene")


# --- confirmation ----------------------------------------------------------------------
class Confirmations:
    """The one pending yes/no question and its answer (thread-safe: answers come from callbacks)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pending = False
        self._answer: tuple[bool, str] | None = None

    @property
    def pending(self) -> bool:
        return self._pending

    def open(self) -> None:
        with self._lock:
            self._pending, self._answer = True, None

    def close(self) -> None:
        with self._lock:
            self._pending, self._answer = False, None

    def answer(self, yes: bool, how: str) -> bool:
        """Answer the pending question; False when none is pending or it is already answered."""
        with self._lock:
            if not self._pending or self._answer is not None:
                return False
            self._answer = (yes, how)
            return True

    def get(self) -> tuple[bool, str] | None:
        return self._answer

    def hear(self, text: str, is_command: bool) -> bool:
        """A transcript while a question is pending: yes only from a confident command, no from any
        clear speech. True when it answered the question."""
        if not self._pending:
            return False
        reply = classify_reply(text)
        if (reply == YES and is_command) or reply == NO:
            return self.answer(reply == YES, f"the user said {text!r}")
        return False


# --- unmoved(x): the task-start reference ------------------------------------------------
def follow_renames(start: dict[str, ObjectState], before: Goal, after: Goal,
                   objects: Sequence[ObjectState]) -> dict[str, ObjectState]:
    """The task-start scene by id, re-keyed after ``reground`` renamed goal objects (``before`` ->
    ``after``), so ``unmoved(x)`` still finds x's start position under its new id.

    ``reground`` keeps an object's colour and gives it an id the goal did not name, so a vanished
    id pairs with the one new goal id of the same colour (the label breaks a tie; none or several:
    the id stays unpaired, and ``unmoved`` on it fails as "not in the start scene").
    """
    gone = sorted(before.objects() - after.objects())
    if not gone:
        return start
    by_id = {o.id: o for o in objects}
    new = [n for n in sorted(after.objects() - before.objects()) if n in by_id]
    out = dict(start)
    for g in gone:
        s = start.get(g)
        if s is None:
            continue
        fits = [n for n in new if by_id[n].color == s.color]
        if len(fits) > 1:
            fits = [n for n in fits if by_id[n].label == s.label]
        if len(fits) == 1:
            out[fits[0]] = s
            new.remove(fits[0])
    return out


def moved_protected(goal: Goal, objects: Sequence[ObjectState], start: dict[str, ObjectState]) -> str:
    """Why protected objects (``unmoved``) seen in ``objects`` are away from their start position, or
    cannot be matched to it ("" if none). A replan cannot fix either: the planner measures ``unmoved``
    from the scene it plans on and would call the goal reached. An object not seen now is not judged
    here (the goal check reports it unknown and the replan finds it or says so)."""
    by_id = {o.id: o for o in objects}
    out = []
    for lit in goal.literals:
        if lit.pred == "unmoved" and lit.args[0] in by_id:
            ok, why = eval_literal(lit, by_id, start)
            if not ok:
                out.append(why)
    return "; ".join(out)


# --- barge-in ----------------------------------------------------------------------------
STOP_WORDS = frozenset({"stop", "cancel", "halt", "abort", "freeze"})


def is_stop_request(text: str) -> bool:
    """Does a transcript heard while a task runs ask to stop it? Any stop word counts ("stop",
    "robot, halt!", "cancel that", "no no stop"): a false stop only makes the arm hold."""
    return bool(STOP_WORDS & set(re.findall(r"[a-z]+", text.lower())))


# --- the executive ---------------------------------------------------------------------
@dataclass
class _StepRun:
    """Signs of life of one running step (for :func:`server_lost`)."""

    started: float
    monitored: bool
    feedback: float | None = None
    absent_since: float | None = None


class TaskExecutive:
    """Runs one task at a time: see the module docstring."""

    def __init__(self, planner: Callable[[], object], scenes: Scenes, skills: SkillServer, verifier: Verifier,
                 reporter: Reporter, config: ExecutiveConfig | None = None, clock: Clock | None = None,
                 log: logging.Logger | None = None):
        self._planner = planner                    # () -> Planner (built lazily, may raise LLMUnavailable)
        self.scenes, self.skills, self.verifier = scenes, skills, verifier
        self.default_reporter = self.reporter = reporter
        self.config = config or ExecutiveConfig()
        self.clock = clock or MonotonicClock()
        self.log = log or logging.getLogger("promptbot.planning.executive")
        self.confirmations = Confirmations()
        self._busy = threading.Lock()
        self.history: collections.deque[str] = collections.deque(maxlen=HISTORY_COMMANDS)
        self._canceled: Callable[[], bool] = lambda: False
        self._stop = threading.Event()             # cancel() of the running task (a spoken "stop")
        self._seen: dict[str, ObjectState] = {}    # the running task's objects, each as last seen (for _verify_grip)

    @property
    def busy(self) -> bool:
        """A task is running."""
        return self._busy.locked()

    def cancel(self, reason: str = "stop") -> bool:
        """Cancel the running task (barge-in: a spoken "stop"); False when none runs.

        The task's next poll (every ``POLL_S``) raises :class:`Canceled`: a running skill's goal is
        canceled and the arm holds; a plan still being made is dropped before any step runs."""
        if not self.busy:
            return False
        self.log.info(f"cancel requested: {reason}")
        self._stop.set()
        return True

    # --- entry point ---------------------------------------------------------------------
    def run(self, instruction: str, plan_only: bool = False, canceled: Callable[[], bool] | None = None,
            reporter: Reporter | None = None, transcripts: Sequence[str] = (),
            speech_confidence: float | None = None) -> TaskOutcome:
        """Run one instruction to its outcome; no input raises (an internal error is an outcome too).

        One task at a time: a second one while a task runs is refused at once. ``canceled`` is polled
        while waiting; ``reporter`` replaces the default one for this task (e.g. one per action goal).
        A spoken instruction brings the recogniser's n-best (``transcripts``, best first; the planner
        reads misheard words against them) and its ``speech_confidence`` (0..1; the confirmation
        policy asks before acting on an unsure hearing).
        """
        if not self._busy.acquire(blocking=False):
            return TaskOutcome(Outcome.REFUSED, "the planner is busy with another task")
        asked = canceled or (lambda: False)
        self._stop.clear()
        self._canceled = lambda: self._stop.is_set() or asked()
        self.reporter = reporter or self.default_reporter
        try:
            return self._run(instruction, plan_only, tuple(t for t in transcripts if t and t.strip()),
                             speech_confidence)
        except Canceled:
            return TaskOutcome(Outcome.CANCELED, "canceled; the arm holds its position")
        except Exception as exc:  # noqa: BLE001 - reported as an outcome, logged with the traceback
            self.log.error(f"task {instruction!r} failed with an internal error: {traceback.format_exc()}")
            return TaskOutcome(Outcome.PLANNING_FAILED, f"internal planner error ({type(exc).__name__}: {exc}); "
                               "the arm was not commanded further")
        finally:
            self._busy.release()

    def _wait(self, condition: Callable[[], T], timeout_s: float, cancelable: bool = True) -> T | None:
        return wait_for(condition, timeout_s, self.clock, self._canceled if cancelable else None)

    def _feedback(self, stage: str, index: int, count: int, message: str) -> None:
        self.log.info(f"[{stage}] {index}/{count} {message}")
        self.reporter.feedback(stage, index, count, message)

    def _scene(self, newer_than: float, timeout_s: float, stamped_at_or_after_ns: int = 0) -> SceneView:
        def usable() -> SceneView | None:
            view = self.scenes.latest(newer_than, stamped_at_or_after_ns)
            return view if view.objects is not None else None

        return self._wait(usable, timeout_s, cancelable=False) or self.scenes.latest(newer_than,
                                                                                      stamped_at_or_after_ns)

    def _plan(self, instruction: str, objects: list[ObjectState], goal: Goal | None, replan: bool,
              transcripts: Sequence[str] = (), held: str | None = None) -> PlanResult | TaskOutcome:
        """A plan from the planner, or the PLANNING_FAILED outcome (first plan and replans alike).

        ``held``: an object the fingers hold that perception no longer sees (:func:`recall_held`)."""
        holding, objects = self._holding(objects)
        holding = holding or held
        try:
            res = self._planner().plan(instruction, objects, goal=goal, holding=holding,
                                       history=tuple(self.history), transcripts=transcripts or None)
        except LLMUnavailable as exc:
            why = f"LLM unavailable: {exc}"
        except ValueError as exc:
            why = f"cannot plan: {exc}"
        else:
            self.reporter.tree(res)
            return res
        self.log.error(why)
        return TaskOutcome(Outcome.PLANNING_FAILED, f"replanning failed: {why}" if replan else why)

    def _run(self, instruction: str, plan_only: bool, transcripts: tuple[str, ...] = (),
             speech_confidence: float | None = None) -> TaskOutcome:
        cfg = self.config
        refusal = screen_instruction(instruction)       # untrusted text: refused before anything else
        if refusal is not None:
            msg = f"I won't do that: {refusal.reason}."
            snap = PlanSnapshot(instruction, error_code=REFUSED_PLAN_CODE, message=msg)
            self.reporter.plan(snap)
            return TaskOutcome(Outcome.REFUSED, msg, snap)
        view = self._scene(-1.0, cfg.scene_max_age_s)
        if view.objects is None:
            return TaskOutcome(Outcome.STALE_INPUT, view.reason)
        res = self._plan(instruction, view.objects, None, replan=False, transcripts=transcripts)
        if isinstance(res, TaskOutcome):
            return res
        self._feedback("understood", 0, len(res.steps), res.message)
        if res.ok:
            self.history.append(instruction)       # "the same bowl", "it": earlier commands, for the LLM parser
        snap = PlanSnapshot.of(res)
        self.reporter.plan(snap)
        if not res.ok:
            return TaskOutcome(PLAN_STATUS_OUTCOMES.get(res.status, Outcome.PLANNING_FAILED), res.message, snap)
        self._feedback("planned", 0, len(res.steps), f"goal {res.goal}")
        if plan_only or not res.steps:
            return TaskOutcome(Outcome.SUCCEEDED, res.message, snap)
        return self._execute_until_done(instruction, res, snap, view.objects, speech_confidence)

    def _execute_until_done(self, instruction: str, res: PlanResult, snap: PlanSnapshot,
                            start: Sequence[ObjectState], speech_confidence: float | None = None) -> TaskOutcome:
        cfg = self.config
        approved: set[str] | None = None           # skills of the plans the user confirmed
        goal = res.goal
        start_by_id = {o.id: o for o in start}     # the scene the task started from: what unmoved(x) means
        seen = dict(start_by_id)                   # every object's last seen state in this task
        self._seen = seen
        replans = 0
        while True:
            reason = cfg.confirm.reason([s.skill for s in res.steps], approved, speech_confidence,
                                        other_hearing(res.assumptions))
            if reason is not None:
                refused = self._confirm(instruction, res, reason)
                if refused is not None:
                    return TaskOutcome(refused.code, refused.message, snap)
            approved = (approved or set()) | {s.skill for s in res.steps}
            try:
                failed_at, reason, lost = self._execute_plan(snap)
                self.reporter.plan(snap)
                if lost:
                    wait = cfg.respawn_wait_s
                    self._feedback("waiting", failed_at, len(res.steps),
                                   f"{reason}; waiting up to {wait:.0f} s for the ExecuteSkill server")
                    need_hb = self._heartbeat_recent(HEARTBEAT_RECENT_S)
                    if not self._wait(lambda: self.skills.ready() and (
                            not need_hb or self._heartbeat_recent(cfg.server_lost_s / 2)), wait):
                        return TaskOutcome(Outcome.EXECUTION_FAILED,
                                           f"{reason}; the server did not come back within {wait:.0f} s", snap)
            except Canceled:
                self.reporter.plan(snap)
                return TaskOutcome(Outcome.CANCELED, "canceled; the arm holds its position", snap)
            # goal check and replanning on the world as it is now, not on a frame from mid-step
            view = self._scene(self.clock.now(), cfg.verify_timeout_s, self.scenes.stamp_now_ns())
            objs = view.objects
            recalled, recall_note = None, ""
            if objs is not None:
                seen.update((o.id, o) for o in objs)
                # a goal object hidden in the fingers (behind the arm) is still there: planned as held
                recalled, recall_note = recall_held(goal.objects(), objs, seen, self._fresh_grip())
                plan_objs = [*objs, recalled] if recalled is not None else objs
                before, goal = goal, reground(goal, plan_objs)   # perception may have renamed an object meanwhile
                start_by_id = follow_renames(start_by_id, before, goal, plan_objs)
                holds, why_goal = check(goal, objs, initial=start_by_id)
                if failed_at is None and holds:
                    self._feedback("verified", len(res.steps), len(res.steps), "goal holds")
                    return TaskOutcome(Outcome.SUCCEEDED, f"done: {why_goal}", snap)
                moved = moved_protected(goal, objs, start_by_id)
                if moved:                          # no plan moves it back: the planner may not touch it
                    lead = f"{reason}; " if failed_at is not None else ""
                    return TaskOutcome(Outcome.EXECUTION_FAILED,
                                       f"{lead}{moved}; the task must not move it, so no replan can put it back",
                                       snap)
                if failed_at is None:
                    reason = f"goal not reached: {why_goal}"
            else:
                return TaskOutcome(Outcome.STALE_INPUT, view.reason if failed_at is None
                                   else f"{reason}; cannot replan: {view.reason}", snap)
            if replans >= cfg.max_replans:
                return TaskOutcome(Outcome.EXECUTION_FAILED, f"{reason} (after {replans} replan(s))", snap)
            replans += 1
            if recall_note:
                self.log.warning(recall_note)
            self._feedback("replanning", failed_at or 0, len(res.steps),
                           f"{reason} ({recall_note})" if recall_note else reason)
            new = self._plan(instruction, plan_objs, goal, replan=True,
                             held=recalled.id if recalled is not None else None)
            if isinstance(new, TaskOutcome):
                return TaskOutcome(new.code, new.message, snap)
            if new.goal is not None:               # the planner re-grounds the goal on the same scene
                start_by_id = follow_renames(start_by_id, goal, new.goal, plan_objs)
            res, goal = new, new.goal or goal
            snap = PlanSnapshot.of(res)
            self.reporter.plan(snap)
            if not res.ok:
                return TaskOutcome(Outcome.PLANNING_FAILED, f"replanning failed: {res.message}", snap)
            if not res.steps:
                return TaskOutcome(Outcome.SUCCEEDED, "goal holds after replanning", snap)

    # --- confirmation --------------------------------------------------------------------
    def _confirm(self, instruction: str, res: PlanResult, reason: str) -> TaskOutcome | None:
        """Ask before executing; None when the user said yes, else the REFUSED/CANCELED outcome."""
        text = question(instruction, [s.instruction for s in res.steps], reason)
        timeout = self.config.confirm_timeout_s
        self.confirmations.open()
        try:
            self.reporter.question(text)
            self._feedback("confirm", 0, len(res.steps), text)
            try:
                answer = self._wait(self.confirmations.get, timeout)
            except Canceled:
                return TaskOutcome(Outcome.CANCELED, "canceled while waiting for a confirmation")
        finally:
            self.confirmations.close()
        if answer is None:
            return TaskOutcome(Outcome.REFUSED, f"not confirmed: no answer within {timeout:.0f} s; "
                               "nothing was executed")
        if not answer[0]:
            return TaskOutcome(Outcome.REFUSED, f"not confirmed: {answer[1]}; nothing was executed")
        self.log.info(f"plan confirmed ({answer[1]})")
        return None

    # --- execution -----------------------------------------------------------------------
    def _heartbeat_recent(self, within_s: float) -> bool:
        hb = self.skills.last_heartbeat()
        return hb is not None and self.clock.now() - hb <= within_s

    def _execute_plan(self, snap: PlanSnapshot) -> tuple[int | None, str, bool]:
        """Run the steps; (index of the failed step or None, reason, server lost). Raises Canceled."""
        cfg = self.config
        if not self._wait(self.skills.ready, cfg.server_wait_s):
            return 0, f"the ExecuteSkill server {cfg.skill_server_name} is not available", False
        steps = snap.result.steps
        for i, s in enumerate(steps):
            if self._canceled():
                raise Canceled()
            snap.statuses[i] = StepStatus.RUNNING
            self.reporter.plan(snap)
            self._feedback("executing", i, len(steps), s.instruction)
            ok, why, lost = self._run_skill(s.step, s.instruction)
            if ok:
                # judge the step on what is seen after the skill reported its end: a frame captured
                # mid-motion (or still in flight when the result came) shows the old world
                ok, why = self._verify(s.step, self.clock.now(), self.scenes.stamp_now_ns())
            snap.verifications[i] = why
            snap.statuses[i] = StepStatus.SUCCEEDED if ok else StepStatus.FAILED
            if not ok:
                for k in range(i + 1, len(steps)):
                    snap.statuses[k] = StepStatus.SKIPPED
                return i, f"step {i + 1} {s.step} failed: {why}", lost
        return None, "", False

    def _run_skill(self, step: Step, instruction: str) -> tuple[bool, str, bool]:
        """(succeeded, reason, server lost). Raises Canceled (after canceling the skill's goal)."""
        cfg = self.config
        run = _StepRun(started=self.clock.now(), monitored=self._heartbeat_recent(cfg.server_lost_s))

        def on_feedback() -> None:
            run.feedback = self.clock.now()

        def lost() -> str | None:
            # heartbeats are expected once one arrived, or once a heartbeat publisher is discovered (a server
            # killed before its first heartbeat reached us must not look alive for the whole DDS lease)
            expect = (run.monitored or self._heartbeat_recent(cfg.server_lost_s)
                      or self.skills.heartbeat_publishers() > 0)
            why, run.absent_since = server_lost(self.clock.now(), cfg.server_lost_s, expect,
                                                (self.skills.last_heartbeat(), run.feedback, run.started),
                                                self.skills.ready(), run.absent_since, cfg.heartbeat_topic)
            return why

        def settled(pending: Pending) -> bool | str:
            return pending.done() or lost() or False

        sent = self.skills.send(step, instruction, cfg.step_timeout_s, on_feedback)
        done = self._wait(lambda: settled(sent), cfg.server_wait_s)
        if isinstance(done, str):
            return False, done, True
        if not done:
            return False, "ExecuteSkill goal not acknowledged", False
        handle = sent.result()
        if not handle.accepted:
            return False, "ExecuteSkill goal rejected", False
        result = handle.result()
        # the limit counts on the ROS clock, the one the skill server counts its timeout on (sim time in the
        # simulated graph, which runs slower than real time under load); the wall clock is the backstop
        limit = cfg.step_timeout_s + RESULT_GRACE_S
        ros_start_ns, wall_start = self.scenes.stamp_now_ns(), self.clock.now()

        def ros_elapsed_s() -> float:
            return max(0.0, (self.scenes.stamp_now_ns() - ros_start_ns) / 1e9)

        def settled_in_time() -> bool | str:
            return settled(result) or (_LATE if ros_elapsed_s() >= limit else False)

        try:
            done = self._wait(settled_in_time, limit * cfg.wall_backstop_factor)
        except Canceled:
            handle.cancel()
            raise
        if not done or done is _LATE:
            handle.cancel()
            wall = self.clock.now() - wall_start
            return False, (f"no ExecuteSkill result within {limit:.0f} s ({ros_elapsed_s():.0f} s on the ROS clock, "
                           f"{wall:.0f} s on the wall clock)"), False
        if isinstance(done, str):
            handle.cancel()                         # harmless if the server is really gone
            self.log.error(f"{step}: {done}")
            return False, done, True
        report = result.result()
        if not report.succeeded:
            return False, f"skill failed (code {report.code}): {report.message}", False
        return True, "executed", False

    # --- verification --------------------------------------------------------------------
    def _verify(self, step: Step, t_done: float, stamp_done_ns: int) -> tuple[bool, str]:
        """Check a step's effect on a scene captured after ``stamp_done_ns`` (the skill's end).

        Perception's verify_step first: it answers STALE until it has processed such a frame, so
        it is asked again until ``verify_timeout_s``; then the scene topics.
        """
        deadline = self.clock.now() + self.config.verify_timeout_s

        def left() -> float:
            return max(MIN_WAIT_S, deadline - self.clock.now())

        while self.verifier.available():
            pending = self.verifier.ask(step, stamp_done_ns)
            if not self._wait(pending.done, left(), cancelable=False):
                break
            verdict = pending.result()
            if verdict.kind is VerdictKind.OK:
                return verdict.holds, f"perception: {verdict.reason}"
            if verdict.kind is VerdictKind.OCCLUDED and step.skill == "pick":
                return self._verify_grip(step, f"perception: {verdict.reason}")
            if verdict.kind is VerdictKind.STALE and self.clock.now() < deadline:
                self.clock.sleep(STALE_RETRY_S)     # no frame from after the step processed yet
                continue
            self.log.warning(f"verify_step: {verdict.kind.value}: {verdict.reason}; using the scene")
            break
        view = self._scene(t_done, left(), stamp_done_ns)
        if view.objects is None:
            return False, f"cannot verify: {view.reason}"
        ok, reason = expected_effect(step, view.objects)
        if not ok and step.skill == "pick" and step.args[0] not in {o.id for o in view.objects}:
            # lifted out of the camera's view (bench e2e: a pick held the red cube, and "red_cube is not in the
            # scene" failed it twice): the fingers decide, on the object as last seen
            return self._verify_grip(step, f"scene: {reason}")
        return ok, f"scene: {reason}"

    def _fresh_grip(self) -> float | None:
        grip = self.scenes.gripper()
        return grip[0] if grip is not None and self.clock.now() - grip[1] <= GRIP_FRESH_S else None

    def _holding(self, objs: list[ObjectState]) -> tuple[str | None, list[ObjectState]]:
        """(held object or None, objects to plan with): perception, overruled by fresh finger states."""
        held, objs, note = resolve_holding(objs, self._fresh_grip(), MIN_OBJECT_CONFIDENCE)
        if note:
            self.log.warning(note)
        return held, objs

    def _verify_grip(self, step: Step, seen: str) -> tuple[bool, str]:
        """A pick the scene camera cannot see (the arm hides the held object): ask the fingers."""
        width = self._fresh_grip()
        if width is None:
            return False, f"{seen}; no fresh gripper state on {self.config.joint_states_topic} either"
        objs = self.scenes.latest().objects
        obj = next((o for o in objs or [] if o.id == step.args[0]), None)
        last_seen = obj is None and step.args[0] in self._seen
        if last_seen:
            obj = self._seen[step.args[0]]
        if obj is None:
            return False, f"{seen}; {step.args[0]} is not in the scene"
        ok, why = gripper_holds(obj, width)
        return ok, f"{seen}; gripper{' (on the object as last seen)' if last_seen else ''}: {why}"
