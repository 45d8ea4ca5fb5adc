"""The planner: instruction + object states -> verified plan (pure, no ROS).

    planner = Planner(make_backend("smollm2"))
    result = planner.plan("put the red cube in the blue bowl", objects)
    result.status, result.goal, result.steps, result.satisfied

Stages: safety screen -> goal interpretation (LLM scores ambiguous readings,
the world model validates) -> search (MCTS + LLM prior, greedy LLM, or MCTS with
a uniform prior) -> symbolic verification of the plan -> safety validation of
every step. Nothing here moves a robot.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Sequence

from promptbot.planning.accounting import question as accounting_question
from promptbot.planning.accounting import guessed, unaccounted
from promptbot.planning.interpret import (Interpretation, absent_colour, describe_goal, heard, interpret, settled,
                                          tower_colour_missing, tower_level_missing, group_place_mismatch)
from promptbot.planning.llm import LLMBackend, UniformBackend, make_backend
from promptbot.planning.readings import GoalParser, Reading
from promptbot.planning.mcts import (
    MCTS,
    PRIOR_MODES,
    Node,
    PriorFn,
    SearchConfig,
    greedy,
    tree_dict,
    tree_dot,
    tree_svg,
    unmoved_conflict,
)
from promptbot.planning.skills import STACKABLE_LABELS, Step, step_instruction
from promptbot.planning.validate import validate_plan
from promptbot.planning.world import InadmissibleAction, WorldState, apply, execute
from promptbot.scene import ObjectState, is_in, is_on
from promptbot.tasks.goal import Goal, GoalSyntaxError, as_goal, check
from promptbot.vocab import COLORS, COMMAND_WORDS, LABELS, NOUN_LABELS, NOUN_PLURALS

log = logging.getLogger(__name__)

NOISE_CONFIDENCE = 0.1       # detections below this that support nothing are ignored when planning

METHODS = ("mcts_llm", "greedy_llm", "mcts_uniform")
# Who understands the instruction: the rule parser alone, the LLM semantic parser alone (a GoalParser),
# or both (hybrid: agree -> act; disagree, or the LLM's best not clearly ahead -> ask).
UNDERSTANDING = ("rule", "llm", "hybrid")
# The LLM's best reading is "clearly ahead" when its log-probability beats the next different reading's
# by at least this much [nats]: e^1.5 ~ 4.5 times as likely.
CLEAR_MARGIN_LOGPROB = 1.5
N_BEST = 3                   # readings asked of a GoalParser

# statuses -> promptbot_msgs TaskPlan error codes
STATUS_CODES = {"ok": 0, "refused": 1, "ambiguous": 2, "unknown": 2, "impossible": 3, "no_plan": 4}


_STATE_NEGATION = re.compile(r"\b(?:is|are|was|were|s)(?: still)? not\b|\b(?:isn't|aren't|wasn't|weren't|isnt|arent)\b"
                             r"|\b(?:can't|cannot|can not|cant|won't|wont|couldn't)\b", re.I)
_PROHIBITION = re.compile(r"\b(?:don'?t|do not|never|leave|keep|stay|stays|must not|mustn'?t|shouldn'?t|should not|"
                          r"no one|nothing|avoid)\b", re.I)


def _said_as_a_state(instruction: str, goal: Goal) -> bool:
    """A goal of only negated or ``unmoved`` literals that came from a negated *statement* ("is still not in",
    "you can't put"), with no prohibition said ("don't", "never", "leave", "keep", "nothing")."""
    return bool(goal.literals) and all(l.negated or l.pred == "unmoved" for l in goal.literals) and \
        bool(_STATE_NEGATION.search(instruction)) and not _PROHIBITION.search(instruction)


@dataclass(frozen=True)
class PlannerConfig:
    method: str = "mcts_llm"
    search: SearchConfig = field(default_factory=SearchConfig)
    understanding: str = "rule"     # rule | llm | hybrid (llm and hybrid need a GoalParser)
    prior: str = "llm"              # llm | uniform | learned | hybrid (learned, hybrid: a LearnedPrior)
    trace_dir: str = ""             # write a search trace per plan into this folder ("" = none)

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        if self.prior not in PRIOR_MODES:
            raise ValueError(f"prior must be one of {PRIOR_MODES}, got {self.prior!r}")
        if self.understanding not in UNDERSTANDING:
            raise ValueError(f"understanding must be one of {UNDERSTANDING}, got {self.understanding!r}")


@dataclass
class PlannedStep:
    skill: str
    args: tuple[str, ...]
    instruction: str
    prior: float
    value: float
    visits: int

    @property
    def step(self) -> Step:
        return Step(self.skill, self.args)


@dataclass
class PlanResult:
    status: str                      # ok | refused | ambiguous | unknown | impossible | no_plan
    message: str
    instruction: str
    goal: Goal | None = None
    steps: list[PlannedStep] = field(default_factory=list)
    satisfied: bool = False          # executing the steps symbolically satisfies the goal
    llm_calls: int = 0
    planning_time_s: float = 0.0
    simulations: int = 0
    method: str = ""
    candidates: list = field(default_factory=list)
    root: Node | None = field(default=None, repr=False)
    assumptions: list[str] = field(default_factory=list)    # what was assumed, in words
    readings: list[tuple[str, float, str]] = field(default_factory=list)   # (goal text, logprob, source)
    prior: str = ""                  # the search's prior: llm | uniform | learned | hybrid
    trace_path: str = ""             # the search trace written for this plan, if any

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def error_code(self) -> int:
        return STATUS_CODES[self.status]

    def plan_ids(self) -> set[int]:
        ids, n = set(), self.root
        if n is None:
            return ids
        ids.add(n.nid)
        for s in self.steps:
            n = next((c for c in n.children or [] if c.action == s.step), None)
            if n is None:
                break
            ids.add(n.nid)
        return ids

    def tree(self) -> dict:
        return tree_dict(self.root) if self.root is not None else {"nodes": [], "edges": []}

    def tree_dot(self) -> str:
        return tree_dot(self.root, self.plan_ids()) if self.root is not None else "digraph mcts {}\n"

    def tree_svg(self) -> str:
        return tree_svg(self.root, self.plan_ids()) if self.root is not None else "<svg/>\n"

    def to_dict(self) -> dict:
        return {
            "status": self.status, "error_code": self.error_code, "message": self.message,
            "instruction": self.instruction, "goal": str(self.goal) if self.goal else "",
            "steps": [{**asdict(s), "args": list(s.args)} for s in self.steps],
            "satisfied": self.satisfied, "llm_calls": self.llm_calls,
            "planning_time_s": round(self.planning_time_s, 4), "simulations": self.simulations,
            "method": self.method, "goal_candidates": self.candidates,
            "assumptions": list(self.assumptions),
            "readings": [{"goal": g, "logprob": round(float(lp), 4), "source": src} for g, lp, src in self.readings],
            "prior": self.prior, "trace": self.trace_path,
        }


def _head(instruction: str, state: WorldState) -> str:
    return ("You control a robot arm that moves objects on a table.\n"
            f"Objects: {state.describe()}.\n"
            f"Instruction: {instruction.strip()}\n\n")


def reground(goal: Goal, objects: Sequence[ObjectState]) -> Goal:
    """Re-name goal objects whose id left the scene when exactly one object fits their description.

    Perception ids can change between a plan and its replan (``purple_cube_2`` becomes
    ``purple_cube`` once a duplicate track expires); the goal still means that purple cube.
    ``<color>_<label>[_k]`` -> the one scene object of that colour and label not named by the
    goal already. Failing that, a small stackable object (cube, block, lego) may have changed
    label between the looks (bench e2e: ``blue_cube`` became ``blue_lego`` beside a bowl): the one
    stackable object of that colour, when there is exactly one. Ambiguous or unparsable ids stay
    as they are (and are reported unknown).
    """
    ids = {o.id for o in objects}
    named = goal.objects()
    mapping: dict[str, str] = {}
    for oid in sorted(named - ids):
        parts = oid.split("_")
        if len(parts) >= 3 and parts[-1].isdigit():
            parts = parts[:-1]
        if len(parts) != 2:
            continue
        color, label = parts
        free = [o for o in objects if o.color == color and o.id not in named and o.id not in mapping.values()]
        fits = [o.id for o in free if o.label == label]
        if not fits and label in STACKABLE_LABELS:
            # only when it is the one stackable of that colour: with two, which one is unclear
            stackables = [o for o in objects if o.color == color and o.label in STACKABLE_LABELS]
            fits = [o.id for o in stackables if o in free] if len(stackables) == 1 else []
        if len(fits) == 1:
            mapping[oid] = fits[0]
    if not mapping:
        return goal
    log.info("goal objects re-grounded after an id change: %s", mapping)
    lits = tuple(replace(l, args=tuple(mapping.get(a, a) for a in l.args)) for l in goal.literals)
    return replace(goal, literals=lits)


@dataclass
class Understanding:
    """What the instruction means: a goal to act on, or a status and a question."""

    status: str                      # ok | refused | ambiguous | unknown | impossible
    message: str
    goal: Goal | None = None
    candidates: list = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    readings: list[tuple[str, float, str]] = field(default_factory=list)


def _say(goal: Goal, objects: Sequence[ObjectState]) -> str:
    return describe_goal(goal, objects) or str(goal)


def _which(readings: Sequence[Goal], objects: Sequence[ObjectState]) -> str:
    said = [f"({k + 1}) {_say(g, objects)}" for k, g in enumerate(readings)]
    return "Did you mean " + " or ".join(said) + "?"


def _guess_question(instruction: str, goal: Goal, objects: Sequence[ObjectState]) -> str | None:
    """A question when a freely produced reading picked objects the request leaves open, else None."""
    missing = guessed(instruction, goal, objects)
    return accounting_question(missing) if missing else None


def _unknown_words(instruction: str) -> list[str]:
    """Words of ``instruction`` outside the rule parser's language (command words, colours, nouns)."""
    known = COMMAND_WORDS | set(COLORS) | set(NOUN_LABELS) | set(NOUN_PLURALS) | set(LABELS)
    return [w for w in re.findall(r"[a-z]+", instruction.lower()) if w not in known and len(w) > 2]


def _checked(instruction: str, goal: Goal, objects: Sequence[ObjectState]) -> str | None:
    """The accounting question when ``goal`` ignores a content word of the request, or asks for two things
    that cannot both hold, else None."""
    text = settled(instruction, objects)
    said = heard(text, objects)
    clash = contradiction(goal, objects) or absent_colour(said, objects) or tower_colour_missing(said, goal, objects) or \
        tower_level_missing(said, goal, objects) or group_place_mismatch(said, goal, objects)
    if clash:
        return clash
    # the words as corrected ("leave the read cube where it is": the red cube's keeping had been left unaccounted)
    missing = unaccounted(said, goal, objects)
    return accounting_question(missing) if missing else None


def direct_way(goal: Goal, state: WorldState) -> str:
    """For a goal the search did not reach: why the plain way there is not admissible - for each literal not
    holding, in order, pick its object and put it there (``on`` -> stack, ``in`` / ``in_region`` / a relation ->
    place) - as "<step>: <reason>", or that it is admissible (then the search budget, not the world, failed).
    Bench e2e (VLA executor) ended a chain on "no plan found ... on(purple_cube, yellow_cube) does not hold",
    which said nothing of what stood in the way."""
    cur = state
    steps: list[Step] = []
    for lit in goal.literals:
        if lit.negated or lit.pred not in ("on", "in", "in_region", "near", "left_of", "right_of"):
            continue
        if check(Goal((lit,)), cur.objects, initial=state.objects)[0]:
            continue
        a, b = lit.args
        put = Step("stack", (a, b)) if lit.pred == "on" else Step(
            "place", (a, b if lit.pred in ("in", "in_region") else f"{lit.pred}:{b}"))
        for step in (Step("pick", (a,)), put):
            try:
                cur = apply(step, cur)
            except InadmissibleAction as exc:
                return f"the direct way fails at {exc}"
            steps.append(step)
    if not steps:
        return "the direct way has no steps to try"
    return f"the direct way ({', '.join(map(str, steps))}) is admissible: the search ran out of budget"


def contradiction(goal: Goal, objects: Sequence[ObjectState]) -> str | None:
    """A question when the goal asks for a literal and its negation ("put the lego in the bowl and don't let
    anything go in the bowl"), or moves an object it also says must not move, else None (pure)."""
    lits = set(goal.literals)
    for lit in sorted(lits):
        if lit.pred != "unmoved" and not lit.negated and replace(lit, negated=True) in lits:
            said = describe_goal(Goal((lit,)), objects)
            return f"You asked for both: {said}, and not. Which do you want?"
    keep = {lit.args[0] for lit in lits if lit.pred == "unmoved"}
    for lit in sorted(lits):
        if lit.pred == "unmoved" or lit.negated or lit.args[0] not in keep:
            continue
        if not check(Goal((lit,)), objects)[0]:
            said = describe_goal(Goal((lit,)), objects)
            return (f"You asked that {said}, but also that it stays where it is: it cannot do both. "
                    "Which do you want?")
    return None


def arbitrate(instruction: str, objects: Sequence[ObjectState], rule: Interpretation,
              llm: Sequence[Reading] | None, mode: str,
              margin: float = CLEAR_MARGIN_LOGPROB) -> Understanding:
    """Decide what ``instruction`` means from the rule parser's answer and the LLM's n-best (pure).

    * A refusal by the safety screen stands, whatever the mode.
    * rule: the rule reading, if it accounts for every content word (:mod:`.accounting`), else a question.
    * llm: the LLM's best reading if it is clearly ahead (``margin`` nats over the next different reading)
      and accounts for every content word; else a question that names the readings.
    * hybrid: both agree (the LLM's best is the rule reading) -> act. They disagree -> ask, naming
      the readings. The rule parser fails (unknown, or its reading ignores a content word) and the
      LLM's best is clearly ahead and accounts for everything -> act on it, saying so. The rule
      parser's own question about a reference that several objects fit stands (the LLM would guess).
    """
    rule_readings = [(g, float(sc), "rule") for g, sc in rule.candidates]
    llm = list(llm or [])
    llm_readings = [(str(r.goal), float(r.logprob), r.source) for r in llm]
    readings = rule_readings + llm_readings
    assumptions = list(rule.assumptions)

    def answer(status, message, goal=None, extra=()):
        return Understanding(status, message, goal, rule.candidates, assumptions + list(extra), readings)

    if rule.status == "refused":
        return answer("refused", rule.message)
    rule_q = None
    if rule.status == "ok":
        rule_q = _checked(instruction, rule.goal, objects)
    if mode == "rule" or (mode == "hybrid" and not llm):
        if rule.status != "ok":
            return answer(rule.status, rule.message)
        if rule_q:
            return answer("ambiguous", rule_q)
        return answer("ok", rule.message, rule.goal)
    distinct: list[Reading] = []
    for r in llm:
        if all(r.goal != d.goal for d in distinct):
            distinct.append(r)
    best = distinct[0] if distinct else None
    ahead = best is not None and (len(distinct) < 2 or best.logprob - distinct[1].logprob >= margin)
    # the LLM's reading: every content word accounted for, and no object chosen that the words leave open
    best_q = (_checked(instruction, best.goal, objects) or _guess_question(instruction, best.goal, objects)) \
        if best is not None else None
    if mode == "llm":
        if best is None:
            return answer(rule.status if rule.status != "ok" else "unknown",
                          rule.message if rule.status != "ok" else "I did not understand what should happen.")
        if not ahead:
            return answer("ambiguous", _which([d.goal for d in distinct[:3]], objects))
        if best_q:
            return answer("ambiguous", best_q)
        return answer("ok", f"Goal: {_say(best.goal, objects)}.", best.goal, best.assumptions)
    # hybrid, with LLM readings
    if rule.status == "ok" and not rule_q:
        if best is not None and best.goal == rule.goal:
            return answer("ok", rule.message, rule.goal)     # two parsers agree
        others = [d.goal for d in distinct if d.goal != rule.goal][:2]
        return answer("ambiguous", _which([rule.goal] + others, objects))
    # the rule parser knew every word and still found several objects that fit ("the black one": the mug or
    # the block): the scene leaves the choice open, and the LLM's preference would be a guess, so the
    # question stands. With words the rules do not know ("the sunny bowl") the LLM may know better.
    real_choice = rule.status == "ambiguous" and not _unknown_words(instruction)
    if rule.status in ("ok", "unknown", "ambiguous") and not real_choice and best is not None and ahead \
            and not best_q:
        note = f"I read it as: {_say(best.goal, objects)}"
        return answer("ok", f"Goal: {_say(best.goal, objects)}.", best.goal, list(best.assumptions) + [note])
    if rule.status != "ok":
        return answer(rule.status, rule.message)
    return answer("ambiguous", rule_q)


class Planner:
    def __init__(self, llm: LLMBackend | None = None, config: PlannerConfig | None = None,
                 parser: GoalParser | None = None, learned=None):
        """``parser``: the LLM semantic parser for the ``llm`` and ``hybrid`` understanding modes.
        ``learned``: the distilled prior (:class:`~promptbot.planning.prior_net.LearnedPrior`) for the
        ``learned`` and ``hybrid`` priors."""
        self.llm = llm or UniformBackend()
        self.config = config or PlannerConfig()
        self.parser = parser
        self.learned = learned
        if self.config.understanding != "rule" and parser is None:
            raise ValueError(f"understanding {self.config.understanding!r} needs a goal parser")
        if self.config.prior in ("learned", "hybrid") and learned is None:
            raise ValueError(f"prior {self.config.prior!r} needs a learned prior (models/prior/prior.npz)")

    def interpret(self, instruction: str, objects: Sequence[ObjectState],
                  transcripts: Sequence[str] | None = None) -> Interpretation:
        scorer = None if isinstance(self.llm, UniformBackend) else self.llm.score
        return interpret(instruction, objects, scorer, transcripts=transcripts)

    def understand(self, instruction: str, objects: Sequence[ObjectState], history: Sequence[str] = (),
                   transcripts: Sequence[str] | None = None) -> Understanding:
        """The goal ``instruction`` asks for, or why there is none (a refusal or a question)."""
        rule = self.interpret(instruction, objects, transcripts)
        llm = None
        mode = self.config.understanding
        if mode != "rule" and rule.status != "refused":
            assert self.parser is not None
            llm = self.parser.readings(instruction, objects, history, n=N_BEST)
        return arbitrate(instruction, objects, rule, llm, mode)

    def plan(self, instruction: str, objects: Sequence[ObjectState], goal: Goal | str | None = None,
             holding: str | None = None, method: str | None = None, seed: int | None = None,
             transcripts: Sequence[str] | None = None, history: Sequence[str] = ()) -> PlanResult:
        """Plan ``instruction`` from ``objects``. ``goal`` skips interpretation (already grounded).

        ``transcripts``: the speech recogniser's n-best, best first (``instruction`` is the first);
        the first that grounds in the scene is taken. ``history``: earlier commands, for the LLM parser.
        """
        t0 = time.perf_counter()
        method = method or self.config.method
        cfg = self.config.search if seed is None else replace(self.config.search, seed=seed)
        calls0 = self.llm.calls
        # Near-zero-confidence detections that hold nothing up are noise, not objects to plan around
        # (bench e2e: a 0.03 "white block" - the gripper's fingers low over the table - made the planner
        # clear it away first, and the plan was then refused). Real objects can be weak: a cube under a
        # stacked one scores ~0.2, an orange cube ~0.28; dropping everything below the executor's 0.3
        # floor lost them ("there is no orange cube"), so only NOISE_CONFIDENCE and below goes.
        noise = [o.id for o in objects if o.confidence < NOISE_CONFIDENCE and o.id != holding
                 and not any(is_on(other, o) or is_in(other, o) for other in objects if other.id != o.id)]
        if noise:
            log.info("ignoring noise detections (confidence < %.2f): %s", NOISE_CONFIDENCE, ", ".join(noise))
            objects = [o for o in objects if o.id not in noise]
        try:
            state = WorldState.from_objects(objects, holding)
        except ValueError as exc:
            return PlanResult("impossible", f"bad scene: {exc}", instruction)
        candidates: list = []
        assumptions: list[str] = []
        readings: list[tuple[str, float, str]] = []
        if goal is None:
            u = self.understand(instruction, objects, history, transcripts)
            candidates, assumptions, readings = u.candidates, u.assumptions, u.readings
            if u.status != "ok":
                return PlanResult(u.status, u.message, instruction,
                                  llm_calls=self.llm.calls - calls0,
                                  planning_time_s=time.perf_counter() - t0, method=method,
                                  assumptions=assumptions, readings=readings)
            goal = u.goal
        else:
            try:
                goal = as_goal(goal)
            except GoalSyntaxError as exc:
                return PlanResult("impossible", f"bad goal: {exc}", instruction)
            goal = reground(goal, objects)
            unknown = goal.objects() - {o.id for o in objects}
            if unknown:
                return PlanResult("impossible", f"goal names unknown objects: {sorted(unknown)}", instruction)
        assert goal is not None
        conflict = unmoved_conflict(goal, state)
        if conflict:
            return PlanResult("impossible", f"not without moving what must stay: {conflict}", instruction, goal,
                              llm_calls=self.llm.calls - calls0, planning_time_s=time.perf_counter() - t0,
                              method=method, candidates=candidates, assumptions=assumptions, readings=readings)
        done, why = check(goal, state.objects, initial=state.objects)
        if done and state.holding is None and instruction and _said_as_a_state(instruction, goal):
            # "the green cube is STILL not in the white bowl", "I bet you can't put X on Y": a negated state said
            # as a statement is a complaint or a dare, not a prohibition; a plan that does nothing is a guess
            return PlanResult("ambiguous", f"That is how it is already: {describe_goal(goal, objects)}. What would "
                              "you like me to do?", instruction, None, llm_calls=self.llm.calls - calls0,
                              planning_time_s=time.perf_counter() - t0, method=method, assumptions=assumptions,
                              readings=readings)
        if done and state.holding is None:
            return PlanResult("ok", "the goal already holds; nothing to do", instruction, goal, [], True,
                              self.llm.calls - calls0, time.perf_counter() - t0, method=method,
                              candidates=candidates, assumptions=assumptions, readings=readings)
        refs = sorted({l.args[1] for l in goal.literals if l.pred in ("near", "left_of", "right_of")})
        mode = "uniform" if method == "mcts_uniform" else self.config.prior
        use_llm = mode in ("llm", "hybrid") and not isinstance(self.llm, UniformBackend)
        prior = PriorFn(self.llm.score if use_llm else None, _head(instruction, state), cfg, state.by_id(),
                        learned=self.learned if mode in ("learned", "hybrid") else None, mode=mode)
        judge = self._judge(instruction, prior) if (goal.soft and use_llm) else None
        trace_path = ""
        if method == "greedy_llm":
            res = greedy(goal, state, prior, cfg, refs)
        else:
            res = MCTS(goal, cfg, prior, refs, judge, record=bool(self.config.trace_dir),
                       trace_meta={"instruction": instruction, "method": method}).search(state)
            if res.trace is not None:
                trace_path = str(res.trace.write(self.config.trace_dir))
        steps = []
        cur = state
        for s, p, v, n in zip(res.steps, res.priors, res.values, res.visits):
            steps.append(PlannedStep(s.skill, tuple(s.args), step_instruction(s, cur.by_id()), float(p),
                                     float(v), int(n)))
            cur = execute([s], cur)
        final = execute(res.steps, state)
        holds, left = check(goal, final.objects, initial=state.objects)
        satisfied = holds and final.holding is None
        elapsed = time.perf_counter() - t0
        result = PlanResult("ok" if satisfied else "no_plan",
                            f"plan with {len(steps)} step(s)" if satisfied else
                            f"no plan found within the budget ({cfg.simulations} simulations/step, "
                            f"{cfg.max_steps} steps); best attempt leaves: {left}; {direct_way(goal, state)}",
                            instruction, goal, steps, satisfied, self.llm.calls - calls0, elapsed,
                            res.simulations, method, candidates, res.root, assumptions, readings,
                            prior=mode, trace_path=trace_path)
        if satisfied:
            err = validate_plan(res.steps, state)
            if err:
                result.status, result.message, result.satisfied = "refused", f"unsafe plan rejected: {err}", False
        return result

    def _judge(self, instruction: str, prior: PriorFn):
        """LLM judgement in [0, 1] of how well a state fits an underspecified instruction."""
        cache: dict = {}

        def judge(state: WorldState) -> float:
            key = state.key()
            if key in cache:
                return cache[key]
            if prior.budget_left() <= 0:
                return 0.0
            prefix = (f"Instruction: {instruction.strip()}\nScene: {state.describe()}.\n"
                      "Question: Is the instruction fulfilled? Answer:")
            yes, no = self.llm.score(prefix, [" yes", " no"])
            prior.calls += 1
            import math

            val = 1.0 / (1.0 + math.exp(no - yes))
            cache[key] = val
            return val
        return judge


@dataclass(frozen=True)
class PlannerSettings:
    """What a :class:`Planner` is built from (the planner node's parameters of the same names)."""

    llm: str = "smollm2"
    llm_timeout_s: float = 10.0
    llm_retries: int = 2
    llm_threads: int = 1
    llm_dtype: str = "auto"
    method: str = "mcts_llm"
    simulations: int = 48
    llm_budget: int = 12
    max_steps: int = 12
    seed: int = 0
    understanding: str = "rule"       # rule | llm | hybrid
    parser: str = "smollm2"           # the LLM semantic parser for llm | hybrid (semantic_parser.make_parser)
    prior: str = "hybrid"             # the search's prior: llm | uniform | learned | hybrid
    prior_model: str = ""             # the learned prior's checkpoint ("" = models/prior/prior.npz)
    trace_dir: str = ""               # write a search trace per plan into this folder ("" = none)

    @property
    def llm_key(self) -> tuple:
        return (self.llm, self.llm_timeout_s, self.llm_retries)

    @property
    def parser_key(self) -> tuple:
        return (self.parser, self.llm_threads, self.llm_dtype) if self.understanding != "rule" else ()


class PlannerCache:
    """One planner for the current settings; its LLM (seconds to load) is kept while the LLM's own
    settings stay. Thread-safe: a preload thread and a task may ask at once."""

    def __init__(self):
        self._lock = threading.Lock()
        self._planner: Planner | None = None
        self._settings: PlannerSettings | None = None

    def get(self, s: PlannerSettings) -> Planner:
        """The planner, its models loaded (the LLM and, for llm | hybrid, the semantic parser)."""
        with self._lock:
            if self._planner is None or s != self._settings:
                old, prev = self._planner, self._settings
                keep_llm = prev is not None and prev.llm_key == s.llm_key
                llm = old.llm if keep_llm else make_backend(
                    s.llm, threads=s.llm_threads, timeout_s=s.llm_timeout_s, retries=s.llm_retries, dtype=s.llm_dtype)
                parser = None
                if s.understanding != "rule":
                    if prev is not None and prev.parser_key == s.parser_key and old.parser is not None:
                        parser = old.parser
                    else:
                        from promptbot.planning.semantic_parser import make_parser   # torch/peft: only when asked

                        parser = make_parser(s.parser, threads=s.llm_threads, dtype=s.llm_dtype)
                        parser.load()
                learned = None
                if s.prior in ("learned", "hybrid"):
                    from promptbot.planning.prior_net import DEFAULT_CHECKPOINT, LearnedPrior

                    learned = LearnedPrior.load(s.prior_model or DEFAULT_CHECKPOINT)
                self._planner = Planner(llm, PlannerConfig(
                    method=s.method, understanding=s.understanding, prior=s.prior, trace_dir=s.trace_dir,
                    search=SearchConfig(
                        simulations=s.simulations, llm_budget=s.llm_budget, max_steps=s.max_steps, seed=s.seed)),
                    parser=parser, learned=learned)
                self._settings = s
            return self._planner
