"""Symbolic world model over plain object states (no ROS).

A :class:`WorldState` is the tuple of :class:`ObjectState` plus what the gripper
holds, and the objects the task must leave where they are (``fixed``: the goal's
``unmoved`` literals; no step picks, pushes or places them). Skill effects move
objects to concrete, collision-free positions on the table, into containers or on
top of other objects, so goals are always checked with the *same* geometric
relations (``promptbot.scene``) that the simulator and perception use. Everything
is deterministic. A moved object carries nothing along: a pick needs the object
clear, and containers never move.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Iterable

import numpy as np

from promptbot.planning.skills import (
    RELATIONAL_TARGETS,
    SKILLS,
    STACKABLE_LABELS,
    TABLE_TARGET,
    Step,
    validate_schema,
)
from promptbot.scene import REGIONS, SIDE_MIN_DY, WORKSPACE, ObjectState, is_in, is_on, near_limit

HELD_Z_M = 0.25                 # a held object's centre height [m]
CLEARANCE_M = 0.008             # free gap kept between footprints on the table [m]
NEAR_MARGIN_M = 0.015           # a "near" spot stays this far inside the near limit [m]
# ... and beside a container: a cube against a bowl of its own colour is one blob to the camera
# and was perceived "in" the bowl (bench e2e: near(blue_cube, purple_cube) failed, "blue_cube is in blue_bowl")
CONTAINER_CLEARANCE_M = 0.03


def _clearance(a: ObjectState, b: ObjectState) -> float:
    return CONTAINER_CLEARANCE_M if (a.is_container or b.is_container) else CLEARANCE_M
CONTAINER_CAPACITY = 4          # objects per bowl/tray
MAX_TOWER_TOP_M = 0.25          # safety: a tower's top may not exceed this height [m]
REACH_MIN_M = 0.30              # horizontal reach of a top-down grasp from the base axis [m]
REACH_MAX_M = 0.78
GRID_STEP_M = 0.015             # resolution of the free-spot search [m]


class InadmissibleAction(ValueError):
    """A step whose preconditions do not hold in the state."""


@dataclass(frozen=True)
class WorldState:
    objects: tuple[ObjectState, ...]
    holding: str | None = None
    fixed: frozenset[str] = frozenset()     # ids no step may move (the goal's unmoved literals)
    _memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def from_objects(cls, objects: Iterable[ObjectState], holding: str | None = None,
                     fixed: Iterable[str] = ()) -> "WorldState":
        objs = tuple(sorted(objects, key=lambda o: o.id))
        ids = [o.id for o in objs]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate object ids in scene: {ids}")
        return cls(objs, holding, frozenset(fixed))

    def pinned(self, fixed: Iterable[str]) -> "WorldState":
        """The same state, with ``fixed`` added to the objects no step may move."""
        more = self.fixed | frozenset(fixed)
        return self if more == self.fixed else WorldState(self.objects, self.holding, more)

    def _successor(self, objects: tuple[ObjectState, ...], holding: str | None) -> "WorldState":
        return WorldState(objects, holding, self.fixed)

    def by_id(self) -> dict[str, ObjectState]:
        return {o.id: o for o in self.objects}

    def get(self, oid: str) -> ObjectState | None:
        for o in self.objects:
            if o.id == oid:
                return o
        return None

    def key(self) -> tuple:
        return (self.holding, tuple((o.id, round(o.position[0], 3), round(o.position[1], 3),
                                     round(o.position[2], 3)) for o in self.objects))

    def with_object(self, obj: ObjectState) -> "WorldState":
        return self._successor(tuple(obj if o.id == obj.id else o for o in self.objects), self.holding)

    def describe(self) -> str:
        """Short natural-language scene description (for LLM prompts)."""
        by_id = self.by_id()
        parts = []
        for o in self.objects:
            name = f"{o.color} {o.label}"
            if o.id == self.holding:
                parts.append(f"{name} (held)")
                continue
            where = support_of(o, self)
            if where is None:
                parts.append(f"{name} on the table")
            else:
                rel, sid = where
                s = by_id[sid]
                parts.append(f"{name} {'in' if rel == 'in' else 'on'} the {s.color} {s.label}")
        return "; ".join(parts)


# --- relations in a state --------------------------------------------------------

def movable(o: ObjectState) -> bool:
    return not o.is_container


def support_of(o: ObjectState, state: WorldState) -> tuple[str, str] | None:
    """('in', container) / ('on', base) or None when on the table or held."""
    for b in state.objects:
        if b.id == o.id or b.id == state.holding:
            continue
        if is_in(o, b):
            return ("in", b.id)
        if is_on(o, b):
            return ("on", b.id)
    return None


def is_clear(o: ObjectState, state: WorldState) -> bool:
    return not any(is_on(x, o) for x in state.objects if x.id != o.id and x.id != state.holding)


def on_table(o: ObjectState, state: WorldState) -> bool:
    return o.id != state.holding and o.bottom <= 0.012 and support_of(o, state) is None


def contents(c: ObjectState, state: WorldState) -> list[ObjectState]:
    return [o for o in state.objects if o.id != c.id and o.id != state.holding and is_in(o, c)]


# --- geometry --------------------------------------------------------------------

def _reachable(x: float, y: float) -> bool:
    return REACH_MIN_M <= math.hypot(x, y) <= REACH_MAX_M


def _in_workspace(x: float, y: float, size: tuple[float, float, float]) -> bool:
    hx, hy = size[0] / 2.0, size[1] / 2.0
    return (WORKSPACE.x_min + hx <= x <= WORKSPACE.x_max - hx
            and WORKSPACE.y_min + hy <= y <= WORKSPACE.y_max - hy)


def _overlaps(x: float, y: float, obj: ObjectState, other: ObjectState) -> bool:
    dx = abs(x - other.position[0])
    dy = abs(y - other.position[1])
    gap = _clearance(obj, other)
    return dx < (obj.size[0] + other.size[0]) / 2.0 + gap and dy < (obj.size[1] + other.size[1]) / 2.0 + gap


def _free(x: float, y: float, obj: ObjectState, state: WorldState) -> bool:
    if not (_in_workspace(x, y, obj.size) and _reachable(x, y)):
        return False
    return not any(_overlaps(x, y, obj, o) for o in state.objects
                   if o.id != obj.id and o.id != state.holding)


def _table_pose(obj: ObjectState, x: float, y: float) -> tuple[float, float, float]:
    return (round(x, 4), round(y, 4), obj.size[2] / 2.0)


_GRIDS: dict[tuple, tuple] = {}


def _grid(x_lo: float, x_hi: float, y_lo: float, y_hi: float):
    """Candidate spot grid (xs, ys as flat numpy arrays) for a rectangle, cached."""
    key = (round(x_lo, 4), round(x_hi, 4), round(y_lo, 4), round(y_hi, 4))
    g = _GRIDS.get(key)
    if g is None:
        xs, ys = np.meshgrid(np.array(_frange(x_lo, x_hi)), np.array(_frange(y_lo, y_hi)), indexing="ij")
        xs, ys = xs.ravel(), ys.ravel()
        reach = np.hypot(xs, ys)
        ok = (reach >= REACH_MIN_M) & (reach <= REACH_MAX_M)
        g = (xs[ok], ys[ok])
        _GRIDS[key] = g
    return g


def _best_free(xs, ys, obj: ObjectState, state: WorldState, ref_xy) -> tuple[float, float] | None:
    """The free grid spot nearest to ``ref_xy`` (ties: smaller x, then y). Vectorised."""
    hx, hy = obj.size[0] / 2.0, obj.size[1] / 2.0
    ok = ((xs >= WORKSPACE.x_min + hx) & (xs <= WORKSPACE.x_max - hx)
          & (ys >= WORKSPACE.y_min + hy) & (ys <= WORKSPACE.y_max - hy))
    for o in state.objects:
        if o.id == obj.id or o.id == state.holding:
            continue
        gap = _clearance(obj, o)
        ok &= ~((np.abs(xs - o.position[0]) < (obj.size[0] + o.size[0]) / 2.0 + gap)
                & (np.abs(ys - o.position[1]) < (obj.size[1] + o.size[1]) / 2.0 + gap))
    if not ok.any():
        return None
    fx, fy = xs[ok], ys[ok]
    d = np.round((fx - ref_xy[0]) ** 2 + (fy - ref_xy[1]) ** 2, 6)
    k = np.lexsort((fy, fx, d))[0]
    return float(fx[k]), float(fy[k])


def _region_spot(obj: ObjectState, region: str, state: WorldState, ref_xy) -> tuple[float, float] | None:
    key = ("region", obj.id, region, tuple(ref_xy[:2]))
    if key not in state._memo:
        state._memo[key] = _region_spot_uncached(obj, region, state, ref_xy)
    return state._memo[key]


def _region_spot_uncached(obj: ObjectState, region: str, state: WorldState, ref_xy):
    r = REGIONS[region]
    m = 0.02  # keep the centre this far inside the region
    xs, ys = _grid(r.x_min + m, r.x_max - m, r.y_min + m, r.y_max - m)
    return _best_free(xs, ys, obj, state, ref_xy)


def _frange(lo: float, hi: float) -> list[float]:
    n = int(math.floor((hi - lo) / GRID_STEP_M + 1e-9))
    return [round(lo + i * GRID_STEP_M, 4) for i in range(n + 1)]


def _relational_spot(obj: ObjectState, rel: str, ref: ObjectState, state: WorldState) -> tuple[float, float] | None:
    rx, ry = ref.position[0], ref.position[1]
    cands: list[tuple[float, float]] = []
    if rel == "near":
        base = max(ref.size[0], ref.size[1]) / 2.0 + max(obj.size[0], obj.size[1]) / 2.0 + CLEARANCE_M
        # aim well inside the limit: perception measures the result with ~1 cm error, and a
        # spot 5 mm inside it was judged "not near" after a correct place (2 of 40 chains)
        limit = near_limit(obj, ref) - NEAR_MARGIN_M
        for k in range(0, 12):
            rad = base + 0.005 * k
            if rad > limit:
                break
            for i in range(16):
                ang = 2 * math.pi * i / 16
                cands.append((rx + rad * math.cos(ang), ry + rad * math.sin(ang)))
    else:
        sign = 1.0 if rel == "left_of" else -1.0
        dmin = max(SIDE_MIN_DY + 0.02, (ref.size[1] + obj.size[1]) / 2.0 + CLEARANCE_M)
        for k in range(0, 14):
            dy = dmin + 0.015 * k
            for dx in (0.0, 0.03, -0.03, 0.06, -0.06, 0.09, -0.09, 0.12, -0.12):
                cands.append((rx + dx, ry + sign * dy))
    for x, y in cands:
        if _free(x, y, obj, state):
            return x, y
    return None


def resolve_place_target(obj_id: str, target: str, state: WorldState) -> tuple[float, float, float] | None:
    """Base-frame centre position [m] the held object ``obj_id`` would get at ``target``.

    None when the target has no room or is not valid. Pure and deterministic.
    """
    key = ("target", obj_id, target)
    if key not in state._memo:
        state._memo[key] = _resolve_uncached(obj_id, target, state)
    return state._memo[key]


def _resolve_uncached(obj_id: str, target: str, state: WorldState) -> tuple[float, float, float] | None:
    obj = state.get(obj_id)
    if obj is None:
        return None
    by_id = state.by_id()
    if target in by_id:
        c = by_id[target]
        if not c.is_container:
            return None
        n = len(contents(c, state))
        if n >= CONTAINER_CAPACITY:
            return None
        off = min(0.025, max(0.0, (min(c.size[0], c.size[1]) - max(obj.size[0], obj.size[1])) / 2.0 - 0.01))
        dx, dy = [(0, 0), (off, off), (-off, -off), (off, -off)][n]
        return (round(c.position[0] + dx, 4), round(c.position[1] + dy, 4), c.bottom + 0.005 + obj.size[2] / 2.0)
    if target in REGIONS:
        spot = _region_spot(obj, target, state, REGIONS[target].center)
        return None if spot is None else _table_pose(obj, *spot)
    if target == TABLE_TARGET:
        spot = _region_spot_any(obj, state)
        return None if spot is None else _table_pose(obj, *spot)
    if ":" in target:
        rel, ref_id = target.split(":", 1)
        ref = by_id.get(ref_id)
        if rel not in RELATIONAL_TARGETS or ref is None or ref_id == obj_id or ref_id == state.holding:
            return None
        spot = _relational_spot(obj, rel, ref, state)
        return None if spot is None else _table_pose(obj, *spot)
    return None


def _region_spot_any(obj: ObjectState, state: WorldState) -> tuple[float, float] | None:
    xs, ys = _grid(WORKSPACE.x_min + 0.03, WORKSPACE.x_max - 0.03, WORKSPACE.y_min + 0.03, WORKSPACE.y_max - 0.03)
    return _best_free(xs, ys, obj, state, obj.position)


# --- preconditions / effects -------------------------------------------------------

PUSH_STOP_INSIDE_M = 0.035      # a push aims this far inside the region (as the sim expert does) [m]
PUSH_BEHIND_M = 0.06            # the hand comes down this far behind the object's centre [m]
PUSH_GAP_M = 0.005              # free gap wanted beside the pushed object's path [m]


def push_blocker(obj: ObjectState, region: str, state: WorldState) -> str | None:
    """Id of an object in the way of pushing ``obj`` straight into ``region``, or None.

    A push slides ``obj`` along the straight line to the nearest point ``PUSH_STOP_INSIDE_M`` inside
    the region, the hand coming down ``PUSH_BEHIND_M`` behind it; whatever stands beside that stretch
    closer than the two half-widths (+ ``PUSH_GAP_M``) is shoved along or wedged (bench e2e: pushing
    a cube left swept another cube out of the workspace, and the next command found no such cube).
    """
    r = REGIONS[region]
    m = min(PUSH_STOP_INSIDE_M, (r.x_max - r.x_min) / 2 - 0.005, (r.y_max - r.y_min) / 2 - 0.005)
    a = np.array(obj.position[:2])
    b = np.array([min(max(a[0], r.x_min + m), r.x_max - m), min(max(a[1], r.y_min + m), r.y_max - m)])
    length = float(np.linalg.norm(b - a))
    if length < 1e-6:
        return None
    u = (b - a) / length
    half = max(obj.size[0], obj.size[1]) / 2.0
    for o in sorted(state.objects, key=lambda o: o.id):
        if o.id in (obj.id, state.holding):
            continue
        rel = np.array(o.position[:2]) - a
        t = float(rel @ u)
        if t < -PUSH_BEHIND_M or t > length:
            continue                    # behind the hand, or beyond where the push stops
        if abs(float(rel @ np.array([-u[1], u[0]]))) < half + max(o.size[0], o.size[1]) / 2.0 + PUSH_GAP_M:
            return o.id
    return None

def precondition_error(step: Step, state: WorldState) -> str | None:
    """Why ``step`` is not admissible in ``state`` (None when it is)."""
    try:
        validate_schema(step)
    except ValueError as exc:
        return str(exc)
    by_id = state.by_id()
    obj_id = step.args[0]
    obj = by_id.get(obj_id)
    if obj is None:
        return f"unknown object {obj_id!r}"
    if not movable(obj):
        return f"{obj_id} is a {obj.label} and is never moved"
    if obj_id in state.fixed:
        return f"{obj_id} must stay where it is (the task says unmoved({obj_id}))"
    if step.skill in ("pick", "push"):
        if state.holding is not None:
            return f"the gripper already holds {state.holding}"
        if not is_clear(obj, state):
            return f"something is on top of {obj_id}"
        if step.skill == "push":
            if not on_table(obj, state):
                return f"{obj_id} is not standing on the table"
            if REGIONS[step.args[1]].contains(obj.position):
                return f"{obj_id} is already in the {step.args[1]} region"
            if _region_spot(obj, step.args[1], state, obj.position) is None:
                return f"no free spot in the {step.args[1]} region"
            blocker = push_blocker(obj, step.args[1], state)
            if blocker is not None:
                return f"{blocker} is in the way of pushing {obj_id} to the {step.args[1]} (pick and place it instead)"
        return None
    # place / stack
    if state.holding != obj_id:
        return f"{obj_id} is not held"
    target = step.args[1]
    if step.skill == "stack":
        base = by_id.get(target)
        if base is None:
            return f"unknown object {target!r}"
        if base.id == obj_id:
            return "cannot stack an object on itself"
        if base.label not in STACKABLE_LABELS:
            return f"cannot stack on a {base.label}"
        if not is_clear(base, state):
            return f"something is already on top of {target}"
        if support_of(base, state) is not None and support_of(base, state)[0] == "in":
            return f"{target} is inside a container; stack only on the table or on a tower"
        if base.top + obj.size[2] > MAX_TOWER_TOP_M:
            return f"tower would exceed the height limit of {MAX_TOWER_TOP_M} m"
        return None
    if target in by_id and not by_id[target].is_container:
        return f"{target} is not a container (use stack to put objects on objects)"
    if resolve_place_target(obj_id, target, state) is None:
        return f"no room at target {target!r}"
    return None


def apply(step: Step, state: WorldState) -> WorldState:
    """The successor state. Raises InadmissibleAction with the reason."""
    err = precondition_error(step, state)
    if err:
        raise InadmissibleAction(f"{step}: {err}")
    obj = state.get(step.args[0])
    assert obj is not None
    if step.skill == "pick":
        held = replace(obj, position=(obj.position[0], obj.position[1], HELD_Z_M))
        return state._successor(state.with_object(held).objects, obj.id)
    if step.skill == "push":
        x, y = _region_spot(obj, step.args[1], state, obj.position)  # type: ignore[misc]
        return state.with_object(replace(obj, position=_table_pose(obj, x, y)))
    if step.skill == "stack":
        base = state.get(step.args[1])
        assert base is not None
        pos = (base.position[0], base.position[1], base.top + obj.size[2] / 2.0)
        return state._successor(state.with_object(replace(obj, position=pos)).objects, None)
    pos = resolve_place_target(obj.id, step.args[1], state)
    assert pos is not None
    return state._successor(state.with_object(replace(obj, position=pos)).objects, None)


def admissible(state: WorldState, refs: Iterable[str] | None = None,
               pushable: Iterable[str] | None = None) -> list[Step]:
    """All admissible grounded steps, in a deterministic order.

    ``refs`` limits the relational place targets (near/left_of/right_of) to those
    reference objects (None: every object). ``pushable`` limits push to those objects
    (None: every object; see :func:`pushable_objects`).
    """
    out: list[Step] = []
    ref_set = None if refs is None else set(refs)
    push_set = None if pushable is None else set(pushable)
    if state.holding is None:
        for o in state.objects:
            if not movable(o) or not is_clear(o, state) or o.id in state.fixed:
                continue
            out.append(Step("pick", (o.id,)))
            if on_table(o, state) and (push_set is None or o.id in push_set):
                for r in sorted(REGIONS):
                    s = Step("push", (o.id, r))
                    if precondition_error(s, state) is None:
                        out.append(s)
        return out
    h = state.holding
    if h in state.fixed:
        return out              # a fixed object in the hand: putting it anywhere moves it
    targets = [c.id for c in state.objects if c.is_container] + sorted(REGIONS) + [TABLE_TARGET]
    for o in state.objects:
        if o.id == h or (ref_set is not None and o.id not in ref_set):
            continue
        targets += [f"{rel}:{o.id}" for rel in RELATIONAL_TARGETS]
    for t in targets:
        s = Step("place", (h, t))
        if precondition_error(s, state) is None:
            out.append(s)
    for o in state.objects:
        s = Step("stack", (h, o.id))
        if o.id != h and precondition_error(s, state) is None:
            out.append(s)
    return out


def pushable_objects(literals) -> frozenset[str]:
    """Objects a plan may push: the subjects of ``in_region`` goals ("push the red cube left").

    A push only promises the region; where in it the object stops is a guess of this model
    (the nearest free spot), not something the real push controls. Used for a relational goal
    ("near the blue bowl", "left of the purple cube") that guess failed in the chain benchmark:
    the planner pushed instead of placing and the relation did not hold.
    """
    return frozenset(l.args[0] for l in literals if l.pred == "in_region" and not l.negated)


def execute(plan: Iterable[Step | tuple], objects: Iterable[ObjectState] | WorldState) -> WorldState:
    """Apply a plan symbolically; raises InadmissibleAction at the first bad step."""
    state = objects if isinstance(objects, WorldState) else WorldState.from_objects(objects)
    for s in plan:
        state = apply(Step(s[0], tuple(s[1])), state)
    return state


def step_cost(step: Step) -> float:
    return SKILLS[step.skill].cost
