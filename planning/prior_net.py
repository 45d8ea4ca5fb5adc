"""A learned prior and value for the planner's search, distilled from MCTS traces (expert iteration).

No object ids and no colours go in: every feature says what an object or an action *is to the
goal* (relational, object-centric), so the network carries over to other objects, counts and
worlds. For an admissible action ``a`` in state ``s`` with goal ``g`` (:func:`action_features`):

* the skill (pick / place / stack / push) and the kind of place target (container, region,
  table, near, left_of, right_of);
* the moved object's role: it must still move for the goal (a literal of it does not hold, or
  it is on a base that is not in its final place), its literals all hold, it is named by the goal,
  it is a base of an ``on`` literal, it sits on top of something that must be cleared or moved,
  how much stands on it, whether it is in a container / on the table / in the hand;
* the target's role: it is the object's own goal target, it is named by the goal for another
  object, it must itself still move (burying it), it is in its final place (a ready base), it is
  the base another object needs;
* the effect: change of the number of goal literals that hold and of the search's heuristic
  value, whether it reaches the goal, whether it breaks a literal that held;
* context: fraction of literals that hold, hand full, goal size, scene size, number of actions.

The value's input (:func:`state_features`) is the same kind of summary of a state. The policy
head scores each action (one shared MLP, softmax over the actions of a state); the value head
maps a state to the probability of reaching the goal (discounted by the steps it takes).

Inference is numpy only (no torch import while planning; a few tens of microseconds per state):
:class:`LearnedPrior` loads ``models/prior/prior.npz``. Training (:func:`train`) uses torch.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from promptbot.planning.skills import RELATIONAL_TARGETS, TABLE_TARGET, Step
from promptbot.planning.world import WorldState, is_clear, support_of
from promptbot.scene import REGIONS, ObjectState
from promptbot.tasks.goal import Goal, eval_literal

FEATURE_VERSION = 1
DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[1] / "models" / "prior" / "prior.npz"
SKILL_ORDER = ("pick", "place", "stack", "push")
TARGET_KINDS = ("container", "region", "table") + RELATIONAL_TARGETS
ACTION_FEATURES = (
    [f"skill_{s}" for s in SKILL_ORDER] + [f"target_{k}" for k in TARGET_KINDS]
    + ["obj_needs_move", "obj_done", "obj_in_goal", "obj_is_base", "obj_blocker", "obj_n_above",
       "obj_in_container", "obj_on_table", "obj_held",
       "tgt_own_goal", "tgt_in_goal_other", "tgt_needs_move", "tgt_ready_base", "tgt_base_of_other",
       "eff_d_sat", "eff_d_h", "eff_terminal", "eff_breaks"]
)
STATE_FEATURES = ("frac_sat", "h", "holding", "holding_needs_move", "n_lits", "n_objects", "n_actions",
                  "frac_need_move", "frac_blockers", "frac_ready_bases")
N_ACTION = len(ACTION_FEATURES)
N_STATE = len(STATE_FEATURES)
CACHE_SIZE = 50_000             # successor summaries kept per goal
OOD_MARGIN = 0.05               # a feature this far outside its training range marks the state out of range


class _GoalView:
    """What every object of one state is to the goal (computed once per state)."""

    def __init__(self, state: WorldState, goal: Goal, start: dict[str, ObjectState] | None):
        from promptbot.planning.mcts import goal_value

        self.state = state
        by_id = state.by_id()
        self.by_id = by_id
        self.lits = [l for l in goal.literals if l.pred != "unmoved" and all(a in by_id for a in l.objects())]
        self.sat = {l: eval_literal(l, by_id, start)[0] for l in self.lits}
        self.n_sat = sum(self.sat.values())
        self.done, self.h = goal_value(goal, state, start)
        self.subj: dict[str, list] = {}
        for l in self.lits:
            self.subj.setdefault(l.args[0], []).append(l)
        self.bases = {l.args[1]: l.args[0] for l in self.lits if l.pred == "on" and not l.negated}
        self.named = {a for l in self.lits for a in l.objects()}
        self._wp: dict[str, bool] = {}
        self._above: dict[str, list[str]] | None = None
        self._support: dict[str, tuple[str, str] | None] = {}

    def support(self, oid: str) -> tuple[str, str] | None:
        if oid not in self._support:
            o = self.by_id[oid]
            self._support[oid] = None if oid == self.state.holding else support_of(o, self.state)
        return self._support[oid]

    @property
    def above(self) -> dict[str, list[str]]:
        """Base id -> ids resting directly on it (computed on first use: the children's views never need it)."""
        if self._above is None:
            self._above = {}
            for o in self.state.objects:
                s = self.support(o.id)
                if s is not None and s[0] == "on":
                    self._above.setdefault(s[1], []).append(o.id)
        return self._above

    def well_placed(self, oid: str, seen: frozenset = frozenset()) -> bool:
        if oid in self._wp:
            return self._wp[oid]
        if oid in seen:
            return False
        ok = all(self.sat[l] and (l.pred != "on" or l.negated or self.well_placed(l.args[1], seen | {oid}))
                 for l in self.subj.get(oid, []))
        self._wp[oid] = ok
        return ok

    def needs_move(self, oid: str) -> bool:
        return oid in self.subj and not self.well_placed(oid)

    def must_clear(self, oid: str) -> bool:
        base_of = self.bases.get(oid)
        return self.needs_move(oid) or (base_of is not None and not self.sat.get(
            next(l for l in self.lits if l.pred == "on" and l.args[1] == oid), False))

    def n_above(self, oid: str) -> int:
        n, todo = 0, list(self.above.get(oid, []))
        while todo:
            x = todo.pop()
            n += 1
            todo += self.above.get(x, [])
        return n

    def is_blocker(self, oid: str) -> bool:
        """``oid`` rests (directly or higher up) on something that must be cleared or moved."""
        cur, seen = oid, {oid}
        while True:
            s = self.support(cur)
            if s is None or s[0] != "on" or s[1] in seen:
                return False
            if self.must_clear(s[1]):
                return True
            seen.add(s[1])
            cur = s[1]


def _target_kind(step: Step, by_id: dict) -> str | None:
    if step.skill != "place":
        return None
    t = step.args[1]
    if t in by_id:
        return "container"
    if t in REGIONS:
        return "region"
    if t == TABLE_TARGET:
        return "table"
    return t.split(":", 1)[0]


def _own_goal(step: Step, view: _GoalView) -> bool:
    obj = step.args[0]
    for l in view.subj.get(obj, []):
        if l.negated:
            continue
        if step.skill == "stack" and l.pred == "on" and l.args[1] == step.args[1]:
            return True
        if step.skill == "place":
            t = step.args[1]
            if l.pred == "in" and l.args[1] == t or l.pred == "in_region" and l.args[1] == t:
                return True
            if l.pred in RELATIONAL_TARGETS and t == f"{l.pred}:{l.args[1]}":
                return True
            if l.pred == "on_table" and (t == TABLE_TARGET or t in REGIONS):
                return True
        if step.skill == "push" and l.pred == "in_region" and l.args[1] == step.args[1]:
            return True
    return False


def state_features(view: _GoalView, n_actions: int) -> np.ndarray:
    st = view.state
    n_l = max(1, len(view.lits))
    need = [o for o in view.subj if view.needs_move(o)]
    movers = [o for o in st.objects if not o.is_container]
    blockers = [o.id for o in movers if o.id != st.holding and view.is_blocker(o.id)]
    ready = [b for b in view.bases if view.well_placed(b) and is_clear(view.by_id[b], st)]
    return np.array([
        view.n_sat / n_l, view.h, float(st.holding is not None),
        float(st.holding is not None and st.holding in view.subj and view.needs_move(st.holding)),
        len(view.lits) / 8.0, len(st.objects) / 12.0, math.log(max(1, n_actions)) / 4.0,
        len(need) / n_l, len(blockers) / max(1, len(movers)), len(ready) / max(1, len(view.bases)),
    ], dtype=np.float32)


def action_features(state: WorldState, goal: Goal, start: dict[str, ObjectState] | None,
                    actions: Sequence[Step], children: Sequence[WorldState] | None = None,
                    view: _GoalView | None = None, cache: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(per-action features [n, N_ACTION], state features [N_STATE]) of ``actions`` in ``state``.

    ``cache``: successor state key -> its goal summary, kept by the caller for one goal and start."""
    from promptbot.planning.world import apply

    view = view or _GoalView(state, goal, start)
    by_id = view.by_id
    n_l = max(1, len(view.lits))
    g = state_features(view, len(actions))
    X = np.zeros((len(actions), N_ACTION), dtype=np.float32)
    kids = children if children is not None else [apply(a, state) for a in actions]
    for i, (a, child) in enumerate(zip(actions, kids)):
        row = X[i]
        row[SKILL_ORDER.index(a.skill)] = 1.0
        kind = _target_kind(a, by_id)
        if kind is not None:
            row[4 + TARGET_KINDS.index(kind)] = 1.0
        k = 4 + len(TARGET_KINDS)
        obj = a.args[0]
        held = state.holding == obj
        sup = view.support(obj)
        row[k + 0] = float(view.needs_move(obj))
        row[k + 1] = float(obj in view.subj and view.well_placed(obj))
        row[k + 2] = float(obj in view.named)
        row[k + 3] = float(obj in view.bases)
        row[k + 4] = float(not held and view.is_blocker(obj))
        row[k + 5] = min(3, view.n_above(obj)) / 3.0
        row[k + 6] = float(sup is not None and sup[0] == "in")
        row[k + 7] = float(not held and sup is None)
        row[k + 8] = float(held)
        k += 9
        tgt = a.args[1] if len(a.args) > 1 else None
        if ":" in (tgt or ""):
            tgt = tgt.split(":", 1)[1]
        row[k + 0] = float(_own_goal(a, view))
        if tgt in by_id:
            row[k + 1] = float(tgt in view.named and not row[k + 0])
            row[k + 2] = float(a.skill == "stack" and view.needs_move(tgt))
            row[k + 3] = float(a.skill == "stack" and view.well_placed(tgt))
            row[k + 4] = float(tgt in view.bases and view.bases[tgt] != obj)
        k += 5
        key = child.key()
        hit = cache.get(key) if cache is not None else None
        if hit is None:
            cv = _GoalView(child, goal, start)
            hit = (cv.n_sat, cv.h, cv.done, frozenset(l for l in cv.lits if cv.sat[l]))
            if cache is not None:
                cache[key] = hit
        c_sat, c_h, c_done, c_true = hit
        row[k + 0] = (c_sat - view.n_sat) / n_l
        row[k + 1] = c_h - view.h
        row[k + 2] = float(c_done)
        row[k + 3] = float(any(view.sat[l] and l not in c_true for l in view.lits))
    return X, g


# --- the network, numpy inference ------------------------------------------------------------

def _mlp(x: np.ndarray, layers: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    for i, (w, b) in enumerate(layers):
        x = x @ w + b
        if i + 1 < len(layers):
            x = np.maximum(x, 0.0)
    return x


@dataclass
class LearnedPrior:
    """The distilled prior (policy over a state's actions) and value; numpy inference."""

    policy_layers: list[tuple[np.ndarray, np.ndarray]]
    value_layers: list[tuple[np.ndarray, np.ndarray]]
    feat_min: np.ndarray                # training range of the action features
    feat_max: np.ndarray
    max_objects: int                    # the most objects seen in training
    meta: dict
    _cache: dict = field(default_factory=dict, repr=False)
    _cache_for: tuple = ()

    @classmethod
    def load(cls, path: str | Path = DEFAULT_CHECKPOINT) -> "LearnedPrior":
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no learned prior at {path} (train one: promptbot train-prior)")
        z = np.load(path, allow_pickle=False)
        meta = json.loads(str(z["meta"]))
        if meta.get("feature_version") != FEATURE_VERSION:
            raise ValueError(f"{path}: feature version {meta.get('feature_version')} "
                             f"(this code computes version {FEATURE_VERSION}); retrain with promptbot train-prior")
        pol = [(z[f"p{i}_w"], z[f"p{i}_b"]) for i in range(meta["policy_depth"])]
        val = [(z[f"v{i}_w"], z[f"v{i}_b"]) for i in range(meta["value_depth"])]
        return cls(pol, val, z["feat_min"], z["feat_max"], int(meta["max_objects"]), meta)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {}
        for i, (w, b) in enumerate(self.policy_layers):
            arrays[f"p{i}_w"], arrays[f"p{i}_b"] = w.astype(np.float32), b.astype(np.float32)
        for i, (w, b) in enumerate(self.value_layers):
            arrays[f"v{i}_w"], arrays[f"v{i}_b"] = w.astype(np.float32), b.astype(np.float32)
        meta = {**self.meta, "feature_version": FEATURE_VERSION, "policy_depth": len(self.policy_layers),
                "value_depth": len(self.value_layers), "max_objects": self.max_objects,
                "action_features": list(ACTION_FEATURES), "state_features": list(STATE_FEATURES)}
        np.savez_compressed(path, meta=np.array(json.dumps(meta)), feat_min=self.feat_min.astype(np.float32),
                            feat_max=self.feat_max.astype(np.float32), **arrays)
        return path

    def logits(self, X: np.ndarray, g: np.ndarray) -> np.ndarray:
        inp = np.concatenate([X, np.broadcast_to(g, (len(X), len(g)))], axis=1)
        return _mlp(inp, self.policy_layers)[:, 0]

    def policy(self, state: WorldState, goal: Goal, actions: Sequence[Step],
               start: dict[str, ObjectState] | None = None,
               children: Sequence[WorldState] | None = None) -> tuple[list[float], float, bool]:
        """(probabilities over ``actions``, normalised entropy in [0, 1], out of the training range)."""
        if self._cache_for != (id(goal), id(start)):
            self._cache, self._cache_for = {}, (id(goal), id(start))
        if len(self._cache) > CACHE_SIZE:
            self._cache.clear()
        X, g = action_features(state, goal, start, actions, children, cache=self._cache)
        z = self.logits(X, g)
        z = np.exp(z - z.max())
        p = z / z.sum()
        n = len(actions)
        ent = float(-(p * np.log(np.maximum(p, 1e-12))).sum() / math.log(n)) if n > 1 else 0.0
        ood = bool(len(state.objects) > self.max_objects
                   or (X < self.feat_min - OOD_MARGIN).any() or (X > self.feat_max + OOD_MARGIN).any())
        return [float(v) for v in p], ent, ood

    def values(self, states: Sequence[WorldState], goal: Goal,
               start: dict[str, ObjectState] | None = None) -> list[float]:
        """Probability of reaching the goal from each state (discounted), in [0, 1]."""
        if not states:
            return []
        G = np.stack([state_features(_GoalView(s, goal, start), 0) for s in states])
        v = _mlp(G, self.value_layers)[:, 0]
        return [float(x) for x in 1.0 / (1.0 + np.exp(-v))]
