"""PUCT Monte-Carlo tree search over admissible grounded skills.

* Prior: a function ``prior(node) -> list[float]`` over the node's admissible
  actions (the LLM's log-likelihood scores turned into a distribution, mixed
  with a uniform floor; or uniform; or a learned network, :mod:`.prior_net`, at
  every expansion, consulting the LLM at the root only where it is unsure:
  ``PriorFn.mode``).
* Value: goal satisfaction of the state (fraction of literals that hold, with
  "well-placed" credit for stacking order and credit for holding an object that
  still has to move), 1.0 when the goal holds, minus a step cost per action;
  optionally mixed with an LLM judgement for underspecified goals.
* Search is re-rooted after each committed step (receding horizon): run
  ``simulations`` simulations, commit the most-visited child, keep its subtree.
* Deterministic for a given seed (ties are broken by a seeded jitter).
* Optionally writes a search trace per run (:mod:`.traces`): every committed step's
  actions, prior, visit counts and values, and the outcome.
* The goal's ``unmoved`` objects are pinned in the root state (``WorldState.fixed``), so
  no admissible action moves them; ``unmoved`` literals are judged against the root.
  :func:`unmoved_conflict` says up front when a goal cannot be reached that way.
"""
from __future__ import annotations

import html
import json
import logging
import math
import random
from dataclasses import dataclass, field
from typing import Callable

from promptbot.planning.llm import LLMUnavailable
from promptbot.planning.skills import Step, prior_phrase, step_instruction
from promptbot.planning.traces import Trace, decision_record, run_header
from promptbot.planning.world import (
    WorldState,
    admissible,
    apply,
    is_clear,
    movable,
    pushable_objects,
    step_cost,
)
from promptbot.scene import ObjectState, is_on
from promptbot.tasks.goal import Goal, Literal, eval_literal

log = logging.getLogger("promptbot.mcts")


@dataclass(frozen=True)
class SearchConfig:
    simulations: int = 48          # simulations per committed step
    max_steps: int = 12            # plan length limit [steps]
    c_puct: float = 0.5
    step_cost: float = 0.02        # value cost per unit skill cost
    prior_mix: float = 0.2         # weight of the uniform floor in the prior
    prior_temperature: float = 0.5 # LLM mean-log-prob -> softmax temperature
    llm_budget: int = 12           # LLM scoring calls per plan (prior + judgement)
    seed: int = 0
    learned_mix: float = 0.05      # weight of the uniform floor in a learned prior
    hybrid_entropy: float = 0.6    # hybrid: ask the LLM where the learned prior's entropy / log(n) exceeds this
    value_mix: float = 0.6         # weight of the learned value in a leaf's value (learned | hybrid priors only)

    def __post_init__(self):
        if not 1 <= self.simulations <= 100000:
            raise ValueError("simulations must be in [1, 100000]")
        if not 1 <= self.max_steps <= 64:
            raise ValueError("max_steps must be in [1, 64]")
        if not self.c_puct > 0 or not 0 <= self.step_cost < 0.2:
            raise ValueError("c_puct must be > 0 and step_cost in [0, 0.2)")
        if not 0.0 <= self.prior_mix <= 1.0 or not self.prior_temperature > 0:
            raise ValueError("prior_mix must be in [0, 1] and prior_temperature > 0")
        if self.llm_budget < 0:
            raise ValueError("llm_budget must be >= 0")
        if not (0.0 <= self.learned_mix <= 1.0 and 0.0 <= self.hybrid_entropy <= 1.0
                and 0.0 <= self.value_mix <= 1.0):
            raise ValueError("learned_mix, hybrid_entropy and value_mix must be in [0, 1]")


@dataclass
class Node:
    state: WorldState
    depth: int
    parent: "Node | None" = None
    action: Step | None = None
    prior: float = 1.0
    visits: int = 0
    value_sum: float = 0.0
    children: list["Node"] | None = None
    terminal: bool = False
    h: float = 0.0                      # heuristic value of the state
    prior_source: str = ""              # llm | uniform | learned | hybrid
    nid: int = 0

    @property
    def q(self) -> float:
        return self.value_sum / self.visits if self.visits else 0.0

    def history(self) -> list[Step]:
        out, n = [], self
        while n.parent is not None:
            out.append(n.action)
            n = n.parent
        return out[::-1]


TERMINAL_PRIOR_RATIO = 0.5     # take a goal-reaching step at once only if its prior is this close to the best


def _terminal_shortcut(children: list[Node]) -> Node | None:
    """The goal-reaching child to commit without search, or None to search.

    Among children that reach the goal, the one the prior likes best (not the first in
    admissible order: that put a cube on the table's left *region* for "left of the
    purple cube"). If the prior strongly prefers a non-terminal step (e.g. pick then
    place where a push also happens to reach the goal), search instead.
    """
    terminals = [c for c in children if c.terminal]
    if not terminals:
        return None
    best = max(terminals, key=lambda c: c.prior)
    top = max(c.prior for c in children)
    return best if best.prior >= TERMINAL_PRIOR_RATIO * top else None


def goal_value(goal: Goal, state: WorldState,
               start: dict[str, ObjectState] | None = None) -> tuple[bool, float]:
    """(goal holds, heuristic progress in [0, 1]). ``start``: the search's root objects by id,
    the reference of ``unmoved`` literals.

    A goal is only reached with the gripper empty (as the planner's final check requires):
    an object still in the hand is not placed, even if it hangs where the goal wants it. (A
    replan after a failed place once started from such a state: the root counted as done,
    the search returned no step and the task failed with "no plan found".)
    """
    by_id = state.by_id()
    lits = goal.literals
    if not lits:
        return state.holding is None, 1.0 if state.holding is None else 0.9
    sat = {l: eval_literal(l, by_id, start)[0] for l in lits}
    if all(sat.values()) and state.holding is None:
        return True, 1.0
    subj_lits: dict[str, list] = {}
    for l in lits:
        subj_lits.setdefault(l.args[0], []).append(l)

    def well_placed(obj: str, seen: frozenset = frozenset()) -> bool:
        if obj in seen:
            return False
        return all(sat[l] and (l.pred != "on" or l.negated or well_placed(l.args[1], seen | {obj}))
                   for l in subj_lits.get(obj, []))

    score = 0.0
    for l in lits:
        if sat[l]:
            if l.pred == "on" and not l.negated:
                score += 1.0 if well_placed(l.args[1]) else 0.5
            else:
                score += 1.0
        elif state.holding == l.args[0]:
            score += 0.5
        elif l.pred == "on" and not l.negated:
            base = state.get(l.args[1])
            if base is not None and not is_clear(base, state):
                score -= 0.25       # something blocks the base
    return False, max(0.0, min(0.95, 0.95 * score / len(lits)))


BESIDE_PREDS = frozenset({"near", "left_of", "right_of"})


def _above(o: ObjectState, state: WorldState) -> list[str]:
    """Ids resting on ``o``, directly or higher up its tower (they would move with it)."""
    out, todo = [], [o]
    while todo:
        b = todo.pop()
        for x in state.objects:
            if x.id not in out and x.id != b.id and x.id != state.holding and is_on(x, b):
                out.append(x.id)
                todo.append(x)
    return out


def unmoved_conflict(goal: Goal, state: WorldState) -> str | None:
    """Why ``goal`` cannot be reached without moving one of its ``unmoved`` objects, or None.

    A literal that does not hold yet needs its subject moved; only a beside-relation
    (near / left_of / right_of) can also be made true by moving its reference instead. An
    object to be moved cannot be picked while a protected one rests on it, and a protected
    object in the gripper cannot be put down without moving it. The search never moves a
    protected object (``WorldState.fixed``); this names the reason up front instead of a
    search that finds nothing.
    """
    fixed = goal.unmoved()
    if not fixed:
        return None
    by_id = state.by_id()
    if state.holding in fixed:
        return (f"{state.holding} is in the gripper: putting it down moves it, "
                f"but the goal says unmoved({state.holding})")
    reasons: list[str] = []
    must_move: dict[str, Literal] = {}
    for lit in goal.literals:
        if lit.pred == "unmoved" or any(a not in by_id for a in lit.objects()):
            continue
        if eval_literal(lit, by_id, by_id)[0]:
            continue
        x = lit.args[0]
        if lit.pred in BESIDE_PREDS:
            y = lit.args[1]
            movers = [a for a in (x, y) if a not in fixed and movable(by_id[a])]
            if not movers:
                reasons.append(f"{lit} needs {x} or {y} moved, but the goal says "
                               + " and ".join(f"unmoved({a})" for a in (x, y) if a in fixed))
            elif len(movers) == 1:
                must_move.setdefault(movers[0], lit)
            continue
        if x in fixed:
            reasons.append(f"{lit} needs {x} moved, but the goal says unmoved({x})")
        else:
            must_move.setdefault(x, lit)
    for a, lit in sorted(must_move.items()):
        pinned = [b for b in _above(by_id[a], state) if b in fixed]
        if pinned:
            b = pinned[0]
            reasons.append(f"{lit} needs {a} moved, but {b} is on top of it and the goal says unmoved({b})")
    return "; ".join(reasons) or None


def _with_fixed_refs(goal: Goal, refs: list[str] | None) -> list[str] | None:
    """Relational place targets, plus the protected subjects of beside-relations.

    ``near(x, y) & unmoved(x)`` is reached by placing ``y`` next to ``x`` (``near:x``), a
    target that ``refs`` (the relations' second arguments) does not offer.
    """
    if refs is None:
        return None
    fixed = goal.unmoved()
    extra = {l.args[0] for l in goal.literals if l.pred in BESIDE_PREDS and l.args[0] in fixed}
    return sorted(set(refs) | extra)


PRIOR_MODES = ("llm", "uniform", "learned", "hybrid")


class PriorFn:
    """Turns scorer outputs into a prior; counts and limits LLM calls.

    ``mode``: ``llm`` (the LLM at the root of each committed step, uniform below it), ``uniform``,
    ``learned`` (the network ``learned`` at every expansion, no LLM), ``hybrid`` (the network at
    every expansion; at the root the LLM is asked too where the network is unsure: its normalised
    entropy above ``cfg.hybrid_entropy``, or the state out of its training range; the two priors
    are averaged). LLM calls never exceed ``cfg.llm_budget`` per plan.
    """

    def __init__(self, scorer: Callable[[str, list[str]], list[float]] | None, head: str,
                 cfg: SearchConfig, objects: dict, learned=None, mode: str = "llm"):
        if mode not in PRIOR_MODES:
            raise ValueError(f"prior mode must be one of {PRIOR_MODES}, got {mode!r}")
        if mode in ("learned", "hybrid") and learned is None:
            raise ValueError(f"prior mode {mode!r} needs a learned prior network")
        self.scorer, self.head, self.cfg, self.objects = scorer, head, cfg, objects
        self.learned, self.mode = learned, mode
        self.calls = 0
        self.learned_calls = 0          # network evaluations
        self.uncertain = 0              # hybrid roots where the network was unsure or out of range
        self.llm_failures = 0           # hybrid: LLM calls that failed (the network's prior is used alone after one)
        self.llm_error = ""
        self.goal: Goal | None = None   # set by the search: the learned prior's features need them
        self.start: dict[str, ObjectState] | None = None

    def value(self, states: list[WorldState]) -> list[float] | None:
        """The learned value of each state (None without a network or with ``value_mix`` 0)."""
        if self.learned is None or self.cfg.value_mix <= 0 or self.mode not in ("learned", "hybrid"):
            return None
        return self.learned.values(states, self.goal, self.start)

    def budget_left(self) -> int:
        return self.cfg.llm_budget - self.calls

    def prefix(self, node: Node) -> str:
        hist = node.history()
        lines = "".join(f"{i + 1}. {step_instruction(s, self.objects)}\n" for i, s in enumerate(hist))
        return self.head + (f"Steps done:\n{lines}" if hist else "Steps done: none\n") + "Next step:"

    def __call__(self, node: Node, actions: list[Step], use_llm: bool,
                 children: list[WorldState] | None = None) -> tuple[list[float], str]:
        n = len(actions)
        if self.mode in ("learned", "hybrid") and n > 1:
            probs, entropy, ood = self.learned.policy(node.state, self.goal, actions, self.start, children)
            self.learned_calls += 1
            mix = self.cfg.learned_mix
            probs = [(1 - mix) * p + mix / n for p in probs]
            if self.mode == "learned" or not use_llm:
                return probs, "learned"
            unsure = ood or entropy > self.cfg.hybrid_entropy
            self.uncertain += int(unsure)
            if not unsure or self.scorer is None or self.budget_left() <= 0 or self.llm_failures:
                return probs, "learned"
            try:
                llm, _ = self._llm(node, actions)
            except LLMUnavailable as exc:
                # the LLM only sharpens a prior the network already has: an endpoint that times out or fails
                # does not stop the plan; the rest of it is planned with the network alone
                self.llm_failures += 1
                self.llm_error = str(exc)
                log.warning("hybrid prior: the LLM failed (%s); planning on with the learned prior alone", exc)
                return probs, "learned"
            return [0.5 * (a + b) for a, b in zip(probs, llm)], "hybrid"
        if self.mode in ("learned", "hybrid") or self.mode == "uniform":
            return [1.0 / n] * n, "uniform"
        if self.scorer is None or not use_llm or self.budget_left() <= 0 or n <= 1:
            return [1.0 / n] * n, "uniform"
        return self._llm(node, actions)

    def _llm(self, node: Node, actions: list[Step]) -> tuple[list[float], str]:
        n = len(actions)
        texts = [" " + prior_phrase(a, self.objects) for a in actions]
        prefix = self.prefix(node)
        # factor the words every candidate shares into the prefix (fewer tokens to score)
        words = [t.split(" ") for t in texts]
        k = 0
        while all(len(w) > k + 1 for w in words) and len({w[k] for w in words}) == 1:
            k += 1
        if k > 1:
            prefix += " ".join(words[0][:k])
            texts = [" " + " ".join(w[k:]) for w in words]
        scores = self.scorer(prefix, texts)
        self.calls += 1
        m = max(scores)
        ex = [math.exp((s - m) / self.cfg.prior_temperature) for s in scores]
        z = sum(ex)
        mix = self.cfg.prior_mix
        return [(1 - mix) * e / z + mix / n for e in ex], "llm"


@dataclass
class SearchResult:
    steps: list[Step]
    priors: list[float]
    values: list[float]
    visits: list[int]
    solved: bool
    simulations: int
    llm_calls: int
    root: Node
    nodes: int
    committed: list[Node] = field(default_factory=list)
    trace: "Trace | None" = None        # the run's search trace, when asked for (MCTS(record=True))


class MCTS:
    def __init__(self, goal: Goal, cfg: SearchConfig, prior: PriorFn,
                 refs: list[str] | None = None,
                 judge: Callable[[WorldState], float] | None = None,
                 record: bool = False, trace_meta: dict | None = None):
        """``record``: keep a search trace of the run (``SearchResult.trace``; :mod:`.traces`)."""
        self.goal, self.cfg, self.prior, self.judge = goal, cfg, prior, judge
        self.record, self.trace_meta = record, trace_meta
        self.refs = _with_fixed_refs(goal, refs)
        self.pushable = pushable_objects(goal.literals)
        self.rng = random.Random(cfg.seed)
        self._ids = 0
        self._h_cache: dict = {}
        self._vmin, self._vmax = math.inf, -math.inf     # min-max normalisation of Q (MuZero)
        self._start: dict[str, ObjectState] | None = None  # root objects: the unmoved reference

    def _new(self, **kw) -> Node:
        self._ids += 1
        return Node(nid=self._ids, **kw)

    def _evaluate(self, node: Node) -> None:
        key = node.state.key()
        hit = self._h_cache.get(key)
        if hit is None:
            done, h = goal_value(self.goal, node.state, self._start)
            if self.goal.soft and self.judge is not None and not done:
                h = 0.8 * h + 0.15 * self.judge(node.state)
            hit = (done, h)
            self._h_cache[key] = hit
        node.terminal, node.h = hit

    def _expand(self, node: Node, use_llm: bool) -> None:
        acts = admissible(node.state, self.refs, self.pushable)
        if node.depth >= self.cfg.max_steps or not acts:
            node.children = []
            return
        states = [apply(a, node.state) for a in acts]
        priors, src = self.prior(node, acts, use_llm, states)
        node.prior_source = src
        node.children = []
        for a, p, st in zip(acts, priors, states):
            child = self._new(state=st, depth=node.depth + 1, parent=node, action=a,
                              prior=p * (1.0 + 1e-6 * self.rng.random()))
            self._evaluate(child)
            node.children.append(child)
        self._learned_values(node.children)

    def _learned_values(self, children: list[Node]) -> None:
        """Mix the learned value into the heuristic of the children that are not terminal."""
        open_ = [c for c in children if not c.terminal]
        if not open_ or self.cfg.value_mix <= 0:
            return
        vals = self.prior.value([c.state for c in open_])
        if vals is None:
            return
        w = self.cfg.value_mix
        for c, v in zip(open_, vals):
            key = ("v", c.state.key())
            if key not in self._h_cache:
                self._h_cache[key] = min(0.95, (1 - w) * c.h + w * 0.95 * v)
            c.h = self._h_cache[key]

    def _select(self, node: Node) -> Node:
        sq = math.sqrt(max(1, node.visits))
        best, best_u = None, -math.inf
        for c in node.children or []:
            q = c.q if c.visits else c.h - self.cfg.step_cost * step_cost(c.action)  # first-play value
            if self._vmax > self._vmin:
                q = (q - self._vmin) / (self._vmax - self._vmin)
            u = q + self.cfg.c_puct * c.prior * sq / (1 + c.visits)
            if u > best_u:
                best, best_u = c, u
        return best  # type: ignore[return-value]

    def _simulate(self, root: Node) -> None:
        node, path = root, [root]
        cost = 0.0
        while node.children and not node.terminal:
            node = self._select(node)
            cost += self.cfg.step_cost * step_cost(node.action)
            path.append(node)
        if not node.terminal and node.children is None:
            self._expand(node, use_llm=False)
        value = node.h - cost
        self._vmin, self._vmax = min(self._vmin, value), max(self._vmax, value)
        for n in path:
            n.visits += 1
            n.value_sum += value
        # values are relative to the root: children's Q carry the cost from the root

    def search(self, initial: WorldState) -> SearchResult:
        initial = initial.pinned(self.goal.unmoved())
        self._start = initial.by_id()
        self.prior.goal, self.prior.start = self.goal, self._start
        root = self._new(state=initial, depth=0)
        self._evaluate(root)
        tree_root = root
        steps, priors, values, visits, committed = [], [], [], [], []
        decisions: list[dict] = []
        sims = 0
        while not root.terminal and len(steps) < self.cfg.max_steps:
            if root.children is None or (root.prior_source != "llm" and self.prior.budget_left() > 0
                                         and self.prior.scorer is not None):
                self._rescore_root(root)
            if not root.children:
                break
            winner = _terminal_shortcut(root.children)
            shortcut = winner is not None
            if winner is None:
                for _ in range(self.cfg.simulations):
                    self._simulate(root)
                    sims += 1
                winner = max(root.children, key=lambda c: (c.visits, c.q, c.prior))
            if self.record:
                decisions.append(decision_record(len(steps), root, winner, shortcut))
            steps.append(winner.action)
            priors.append(winner.prior)
            values.append(winner.q if winner.visits else winner.h)
            visits.append(winner.visits)
            committed.append(winner)
            root = winner
        trace = None
        if self.record:
            trace = Trace(run_header(self.goal, tree_root.state, self.cfg, self.prior.mode, self.trace_meta),
                          decisions, {"type": "outcome", "solved": root.terminal, "steps": len(steps),
                                      "simulations": sims, "llm_calls": self.prior.calls,
                                      "learned_calls": self.prior.learned_calls})
        return SearchResult(steps, priors, values, visits, root.terminal, sims, self.prior.calls,
                            tree_root, self._ids, committed, trace)

    def _rescore_root(self, root: Node) -> None:
        """(Re-)compute the root's children priors with the LLM (keeps the subtrees)."""
        if root.children is None:
            self._expand(root, use_llm=True)
            return
        acts = admissible(root.state, self.refs, self.pushable)
        if not acts or root.depth >= self.cfg.max_steps:
            root.children = []
            return
        by_action = {c.action: c for c in root.children}
        priors, src = self.prior(root, acts, True, [by_action[a].state if a in by_action else apply(a, root.state)
                                                    for a in acts])
        for a, p in zip(acts, priors):
            if a in by_action:
                by_action[a].prior = p * (1.0 + 1e-6 * self.rng.random())
        root.prior_source = src


def greedy(goal: Goal, initial: WorldState, prior: PriorFn, cfg: SearchConfig,
           refs: list[str] | None = None) -> SearchResult:
    """Greedy LLM baseline: take the most likely admissible action, no search."""
    initial = initial.pinned(goal.unmoved())
    start = initial.by_id()
    prior.goal, prior.start = goal, start
    node = Node(state=initial, depth=0)
    root = node
    steps, priors = [], []
    done, _ = goal_value(goal, node.state, start)
    seen = {node.state.key()}
    pushable = pushable_objects(goal.literals)
    refs = _with_fixed_refs(goal, refs)
    while not done and len(steps) < cfg.max_steps:
        acts = admissible(node.state, refs, pushable)
        if not acts:
            break
        ps, _src = prior(node, acts, True, [apply(a, node.state) for a in acts])
        k = max(range(len(acts)), key=lambda i: (ps[i], -i))
        child = Node(state=apply(acts[k], node.state), depth=node.depth + 1, parent=node, action=acts[k],
                     prior=ps[k])
        node.children = [child]
        steps.append(acts[k])
        priors.append(ps[k])
        node = child
        done, _ = goal_value(goal, node.state, start)
        if node.state.key() in seen:     # back in a state it has been in: greedy would cycle
            break
        seen.add(node.state.key())
    return SearchResult(steps, priors, [0.0] * len(steps), [0] * len(steps), done, 0, prior.calls, root,
                        len(steps) + 1)


# --- tree export -------------------------------------------------------------------

def tree_dict(root: Node, max_nodes: int = 2000) -> dict:
    """JSON-serialisable tree of visited nodes (breadth first, at most ``max_nodes``)."""
    nodes, edges = [], []
    queue = [root]
    while queue and len(nodes) < max_nodes:
        n = queue.pop(0)
        nodes.append({"id": n.nid, "depth": n.depth, "step": str(n.action) if n.action else "root",
                      "prior": round(n.prior, 4), "visits": n.visits, "q": round(n.q, 4),
                      "h": round(n.h, 3), "terminal": n.terminal})
        if n.parent is not None:
            edges.append([n.parent.nid, n.nid])
        for c in sorted(n.children or [], key=lambda c: -c.visits):
            if c.visits > 0 or c.terminal and c.parent is not None and c.parent.visits > 0:
                queue.append(c)
    return {"nodes": nodes, "edges": edges}


def tree_json(root: Node, **kw) -> str:
    return json.dumps(tree_dict(root, **kw))


def tree_dot(root: Node, plan_ids: set[int] | None = None, **kw) -> str:
    d = tree_dict(root, **kw)
    plan_ids = plan_ids or set()
    lines = ["digraph mcts {", "  node [shape=box, fontsize=9, fontname=Helvetica];"]
    for n in d["nodes"]:
        label = f"{n['step']}\\nN={n['visits']} Q={n['q']:.2f} P={n['prior']:.2f}"
        style = ', style=filled, fillcolor="#c8f0c8"' if n["id"] in plan_ids else (
            ', style=filled, fillcolor="#f0e0a0"' if n["terminal"] else "")
        lines.append(f'  n{n["id"]} [label="{label}"{style}];')
    for a, b in d["edges"]:
        lines.append(f"  n{a} -> n{b};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def tree_svg(root: Node, plan_ids: set[int] | None = None, max_children: int = 6, max_depth: int = 8) -> str:
    """A small self-contained SVG of the most-visited part of the tree (no graphviz needed)."""
    plan_ids = plan_ids or set()
    box_w, box_h, gap_x, gap_y = 170, 44, 14, 34
    layout: list[tuple[Node, float, int]] = []
    edges: list[tuple[float, int, float, int]] = []
    next_x = [0.0]

    def place(n: Node, depth: int) -> float:
        kids = sorted([c for c in (n.children or []) if c.visits > 0], key=lambda c: -c.visits)[:max_children]
        if depth >= max_depth:
            kids = []
        if not kids:
            x = next_x[0]
            next_x[0] += box_w + gap_x
        else:
            xs = [place(c, depth + 1) for c in kids]
            x = (xs[0] + xs[-1]) / 2.0
            for c, cx in zip(kids, xs):
                edges.append((x, depth, cx, depth + 1))
        layout.append((n, x, depth))
        return x

    place(root, 0)
    width = int(next_x[0]) + 20
    height = (max(d for _, _, d in layout) + 1) * (box_h + gap_y) + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="Helvetica" font-size="10">']
    for x1, d1, x2, d2 in edges:
        out.append(f'<line x1="{x1 + 10 + box_w / 2:.0f}" y1="{10 + d1 * (box_h + gap_y) + box_h}" '
                   f'x2="{x2 + 10 + box_w / 2:.0f}" y2="{10 + d2 * (box_h + gap_y)}" stroke="#888"/>')
    for n, x, d in layout:
        fill = "#c8f0c8" if n.nid in plan_ids else ("#f0e0a0" if n.terminal else "#f4f4f4")
        y = 10 + d * (box_h + gap_y)
        out.append(f'<rect x="{x + 10:.0f}" y="{y}" width="{box_w}" height="{box_h}" rx="4" fill="{fill}" '
                   f'stroke="#444"/>')
        label = html.escape(str(n.action) if n.action else "root")
        out.append(f'<text x="{x + 16:.0f}" y="{y + 16}">{label[:30]}</text>')
        out.append(f'<text x="{x + 16:.0f}" y="{y + 32}">N={n.visits} Q={n.q:.2f} P={n.prior:.2f}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
