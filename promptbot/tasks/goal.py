"""Goals: conjunctions of (possibly negated) grounded predicates over object states.

Text syntax (round-trips through :func:`parse_goal` / ``str(goal)``; used in ROS messages)::

    goal     := literal ( "&" literal )*
    literal  := [ "!" ] name "(" arg { "," arg } ")"
    arg      := object id or region name  ([a-z0-9_]+)

Predicates (all evaluated on plain :class:`promptbot.scene.ObjectState` lists):

=================  ===========================================================
``in(a, c)``        ``a`` rests inside container ``c``   (scene.is_in)
``on(a, b)``        ``a`` rests directly on ``b``        (scene.is_on)
``near(a, b)``      xy centre distance <= near_limit     (scene.is_near)      (b)
``left_of(a, b)``   ``a`` is left of ``b`` (robot view)  (scene.is_left_of)   (b)
``right_of(a, b)``  ``a`` is right of ``b``              (scene.is_right_of)  (b)
``in_region(a, r)`` centre of ``a`` inside REGIONS[r]   (left/right/front/back/center), not in a container
``on_table(a)``     ``a`` rests on the table: not in a container, not on an object
``in_any(a)``       ``a`` is inside some container (used by "tidy up")
``unmoved(a)``      ``a`` is where it was when the task started: centre within UNMOVED_TOL_M
                    in xy and in z of its start position (needs the start scene, ``initial``)
=================  ===========================================================

``unmoved(a)`` ("leave the red cube where it is", "every cube except the red one and don't
touch it") is a constraint on the whole task, not a place: it compares the scene with the
scene at the task's start, so :func:`check` takes that start scene as ``initial``. Without
it, an ``unmoved`` literal cannot be judged and fails with the reason "no start reference"
(a verifier that forgot the start scene must not report success). ``!unmoved(a)`` is a
syntax error: "moved somewhere" is not a goal; say where ``a`` should go.

(b) beside: a placement next to ``b``: false while ``a`` is inside a container. "Put the red
cube next to the green cube" is not done by dropping it into a bowl that happens to
stand next to the green cube (the planner once did exactly that). ``in_region`` follows
the same rule: "shove the red cube to the far side" is not done by dropping it into the
bowl at the back (bench e2e, session 9).

"All X" / "every X except Y" / stacking order / swap / unstack are expressed by
grounding them to conjunctions of these literals over the objects present.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from promptbot.scene import REGIONS, ObjectState, is_in, is_left_of, is_near, is_on, is_right_of

_BESIDE = {"near": is_near, "left_of": is_left_of, "right_of": is_right_of}
TABLE_Z_TOL_M = 0.012          # bottom within this of z = 0 counts as resting on the table

ARITY = {
    "in": 2, "on": 2, "near": 2, "left_of": 2, "right_of": 2,
    "in_region": 2, "on_table": 1, "in_any": 1, "unmoved": 1,
}
UNMOVED_TOL_M = 0.03           # unmoved(a): centre within 3 cm of its start position, in xy and in z

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_LIT_RE = re.compile(r"^\s*(!?)\s*([a-z_]+)\s*\(\s*([^()]*?)\s*\)\s*$")


class GoalSyntaxError(ValueError):
    """A goal string that does not follow the goal syntax."""


@dataclass(frozen=True, order=True)
class Literal:
    pred: str
    args: tuple[str, ...]
    negated: bool = False

    def __post_init__(self):
        if self.pred not in ARITY:
            raise GoalSyntaxError(f"unknown predicate {self.pred!r}; known: {sorted(ARITY)}")
        if len(self.args) != ARITY[self.pred]:
            raise GoalSyntaxError(f"{self.pred} takes {ARITY[self.pred]} argument(s), got {len(self.args)}")
        for a in self.args:
            if not isinstance(a, str) or not _NAME_RE.match(a):
                raise GoalSyntaxError(f"bad argument {a!r} in {self.pred}: use lower-case ids [a-z0-9_]")
        if self.pred == "in_region" and self.args[1] not in REGIONS:
            raise GoalSyntaxError(f"unknown region {self.args[1]!r}; known: {sorted(REGIONS)}")
        if self.pred == "unmoved" and self.negated:
            raise GoalSyntaxError(f"!unmoved({self.args[0]}) is not a goal: say where {self.args[0]} should go")

    def __str__(self) -> str:
        return f"{'!' if self.negated else ''}{self.pred}({', '.join(self.args)})"

    @property
    def subject(self) -> str:
        return self.args[0]

    def objects(self) -> tuple[str, ...]:
        """Object ids mentioned (region names excluded)."""
        return self.args[:1] if self.pred == "in_region" else self.args


@dataclass(frozen=True)
class Goal:
    """A conjunction of literals. ``soft`` marks underspecified goals (e.g. "tidy up")."""

    literals: tuple[Literal, ...]
    soft: bool = False

    def __post_init__(self):
        # canonical: sorted, no duplicates -> equal goals compare equal
        object.__setattr__(self, "literals", tuple(sorted(set(self.literals))))
        # "put away" goals (in_any) are underspecified: the planner may add an LLM judgement
        object.__setattr__(self, "soft", bool(self.soft or any(l.pred == "in_any" for l in self.literals)))

    def __str__(self) -> str:
        return " & ".join(str(l) for l in self.literals)

    def __len__(self) -> int:
        return len(self.literals)

    def objects(self) -> set[str]:
        return {a for l in self.literals for a in l.objects()}

    def unmoved(self) -> frozenset[str]:
        """Ids the task must leave where they are (its ``unmoved`` literals)."""
        return frozenset(l.args[0] for l in self.literals if l.pred == "unmoved")

    def check(self, objects: Iterable[ObjectState],
              initial: Iterable[ObjectState] | None = None) -> tuple[bool, str]:
        return check(self, objects, initial)


def parse_goal(text: str) -> Goal:
    """Parse the goal syntax. Raises GoalSyntaxError with the reason."""
    if not isinstance(text, str) or not text.strip():
        raise GoalSyntaxError("empty goal")
    if len(text) > 4000:
        raise GoalSyntaxError("goal text too long (> 4000 characters)")
    lits = []
    for part in text.split("&"):
        m = _LIT_RE.match(part)
        if not m:
            raise GoalSyntaxError(f"cannot parse literal {part.strip()!r}; expected e.g. in(red_cube, blue_bowl)")
        neg, pred, args = m.groups()
        arg_list = tuple(a.strip() for a in args.split(",")) if args.strip() else ()
        lits.append(Literal(pred, arg_list, bool(neg)))
    return Goal(tuple(lits))


def as_goal(goal: Goal | str) -> Goal:
    return goal if isinstance(goal, Goal) else parse_goal(goal)


# --- evaluation ----------------------------------------------------------------

def on_table(a: ObjectState, objs: Sequence[ObjectState]) -> bool:
    if a.bottom > TABLE_Z_TOL_M:
        return False
    return not any(is_in(a, b) for b in objs if b.id != a.id)


def _container_of(a: ObjectState, by_id: dict[str, ObjectState]) -> str | None:
    """Id of the container ``a`` rests in, or None."""
    return next((c.id for c in by_id.values() if c.id != a.id and is_in(a, c)), None)


def eval_literal(lit: Literal, by_id: dict[str, ObjectState],
                 initial: Mapping[str, ObjectState] | None = None) -> tuple[bool, str]:
    """Truth of one literal and, when false (or unknown), a reason.

    ``initial``: the scene at the task's start by id, the reference of ``unmoved``; without
    it an ``unmoved`` literal is false ("no start reference").
    """
    for a in lit.objects():
        if a not in by_id:
            return False, f"unknown object {a!r} in {lit}"
    a = by_id[lit.args[0]]
    p = lit.pred
    if p == "in":
        val = is_in(a, by_id[lit.args[1]])
    elif p == "on":
        val = is_on(a, by_id[lit.args[1]])
    elif p in _BESIDE:
        b = by_id[lit.args[1]]
        inside = _container_of(a, by_id)
        val = _BESIDE[p](a, b) and inside is None
        if val == lit.negated:
            d = math.hypot(a.position[0] - b.position[0], a.position[1] - b.position[1])
            why = f"{a.id} is in {inside}" if inside is not None else \
                f"{a.id} and {b.id}: centres {d * 100:.1f} cm apart, y {(a.position[1] - b.position[1]) * 100:+.1f} cm"
            return False, f"{lit} does not hold ({why})"
    elif p == "in_region":
        # a side of the table, not a bowl standing there ("shove the red cube to the far side" is not
        # done by dropping it into the white bowl at the back); the same rule as for near/left_of/right_of
        inside = _container_of(a, by_id)
        val = REGIONS[lit.args[1]].contains(a.position) and inside is None
        if val == lit.negated and inside is not None:
            return False, f"{lit} does not hold ({a.id} is in {inside})"
    elif p == "on_table":
        val = on_table(a, list(by_id.values()))
    elif p == "in_any":
        val = any(is_in(a, b) for b in by_id.values() if b.id != a.id)
    elif p == "unmoved":
        if initial is None:
            return False, f"{lit} cannot be judged: no start reference"
        s = initial.get(a.id)
        if s is None:
            return False, f"{lit} cannot be judged: {a.id} is not in the start scene"
        dxy = math.hypot(a.position[0] - s.position[0], a.position[1] - s.position[1])
        dz = a.position[2] - s.position[2]
        val = dxy <= UNMOVED_TOL_M and abs(dz) <= UNMOVED_TOL_M
        if not val:
            return False, f"{lit} does not hold ({a.id} moved {dxy * 100:.1f} cm in xy, {dz * 100:+.1f} cm in z)"
    else:  # pragma: no cover - Literal validates pred
        raise GoalSyntaxError(p)
    ok = val != lit.negated
    return ok, "" if ok else f"{lit} does not hold"


def _by_id(objects: Iterable[ObjectState] | Mapping[str, ObjectState] | None) -> dict[str, ObjectState] | None:
    if objects is None:
        return None
    return dict(objects) if isinstance(objects, Mapping) else {o.id: o for o in objects}


def check(goal: Goal | str, objects: Iterable[ObjectState],
          initial: Iterable[ObjectState] | Mapping[str, ObjectState] | None = None) -> tuple[bool, str]:
    """Decide whether ``goal`` holds in ``objects``: ``(success, reason)``.

    ``initial`` is the scene at the task's start (objects, or a mapping id -> object), the
    reference of ``unmoved`` literals. The reason names every literal that fails (or says all hold).
    """
    g = as_goal(goal)
    by_id = {o.id: o for o in objects}
    start = _by_id(initial)
    failed = []
    for lit in g.literals:
        ok, why = eval_literal(lit, by_id, start)
        if not ok:
            failed.append(why)
    if failed:
        return False, "; ".join(failed)
    return True, f"all {len(g.literals)} goal conditions hold"


def satisfied_fraction(goal: Goal, objects: Iterable[ObjectState],
                       initial: Iterable[ObjectState] | Mapping[str, ObjectState] | None = None) -> float:
    by_id = {o.id: o for o in objects}
    if not goal.literals:
        return 1.0
    start = _by_id(initial)
    return sum(eval_literal(l, by_id, start)[0] for l in goal.literals) / len(goal.literals)
