"""Step verification from an observed scene (pure): did the step's expected effect happen?

The one rule for a step's effect; perception's ``/perception/verify_step``
(:func:`promptbot.perception.verify.verify_step`) answers with it and the planner falls back
to it on the scene topics. Relations and regions are :mod:`promptbot.scene`'s:

* ``pick(obj)``            obj is lifted off the table: bottom >= LIFT_MIN_M and not resting on/in
                           another object (i.e. held by the gripper)
* ``place(obj, target)``   target a container -> ``in(obj, target)``; another object -> ``on(obj, target)``;
                           a region name (``promptbot.scene.REGIONS``) -> obj rests in the region;
                           ``"table"`` -> obj rests on the table; ``near:<id>`` / ``left_of:<id>`` /
                           ``right_of:<id>`` -> that relation and obj rests on the table
* ``stack(a, b)``          ``on(a, b)``
* ``push(obj, region)``    obj rests on the table (or on/in something) inside the region

Each judgement carries a human-readable reason with the measured numbers. The finger checks
below decide what the gripper holds when the camera cannot tell.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from promptbot.planning.skills import RELATIONAL_TARGETS, SKILLS, TABLE_TARGET, Step
from promptbot.scene import REGIONS, RELATIONS, ObjectState, is_in, is_on

LIFT_MIN_M = 0.03            # a held object's bottom is at least this high above the table [m]
# An object resting on the table has its bottom below this [m]: the goal check's 0.012 m
# (promptbot.tasks.goal.TABLE_Z_TOL_M) plus room for a depth camera's noise.
REST_MAX_M = 0.015



class Problem(enum.Enum):
    """Why a step could not be judged."""

    NONE = "none"                    # it was judged
    BAD_STEP = "bad step"            # unknown skill, wrong argument count, unknown region or target form,
                                     # stack on a container
    NOT_SEEN = "not seen"            # an object the step names is not in the scene
    OCCLUDED = "occluded"            # the picked object is hidden from the camera: the scene cannot tell


@dataclass(frozen=True)
class Judgement:
    holds: bool
    reason: str
    problem: Problem = Problem.NONE


def _support(obj: ObjectState, objects: list[ObjectState]) -> str | None:
    for o in objects:
        if o.id == obj.id:
            continue
        if is_in(obj, o):
            return f"in {o.id}"
        if is_on(obj, o):
            return f"on {o.id}"
    return None


def _pos(o: ObjectState) -> str:
    return f"({o.position[0]:.3f}, {o.position[1]:.3f}, {o.position[2]:.3f}) m"


def judge_step(skill: str, args: Iterable, objects: Iterable[ObjectState]) -> Judgement:
    """Whether ``skill(*args)``'s effect holds among ``objects``, or why it cannot be judged."""
    args = tuple(str(a) for a in args)
    objs = list(objects)
    by_id = {o.id: o for o in objs}
    if skill not in SKILLS:
        return Judgement(False, f"unknown skill {skill!r}; known: {', '.join(sorted(SKILLS))}", Problem.BAD_STEP)
    arity = len(SKILLS[skill].params)
    if len(args) != arity:
        return Judgement(False, f"{skill} takes {arity} argument(s), got {len(args)}", Problem.BAD_STEP)
    oid = args[0]
    obj = by_id.get(oid)
    if obj is None:
        return Judgement(False, f"{oid} is not in the scene", Problem.NOT_SEEN)

    if skill == "pick":
        sup = _support(obj, objs)
        if obj.bottom >= LIFT_MIN_M and sup is None:
            return Judgement(True, f"{oid} is lifted and held: bottom {obj.bottom:.3f} m above the table, "
                                   "not resting on anything")
        if obj.attrs.get("occluded"):
            # a lifted object the arm hides from the camera is still reported where it was last seen
            return Judgement(False, f"{oid} is hidden from the camera (last seen at {_pos(obj)}): "
                                    "the scene cannot tell whether it is held", Problem.OCCLUDED)
        if sup is not None:
            return Judgement(False, f"{oid} is not held: it rests {sup}")
        return Judgement(False, f"{oid} is not held: bottom {obj.bottom:.3f} m above the table "
                                f"(< {LIFT_MIN_M} m, still on the table)")

    target = args[1]
    if skill == "push" or (skill == "place" and target in REGIONS):
        region = REGIONS.get(target)
        if region is None:
            return Judgement(False, f"unknown region {target!r}; known: {', '.join(REGIONS)}", Problem.BAD_STEP)
        inside = region.contains(obj.position)
        resting = obj.bottom < REST_MAX_M or _support(obj, objs) is not None
        if inside and resting:
            return Judgement(True, f"{oid} is in region {target} at {_pos(obj)}")
        if not inside:
            return Judgement(False, f"{oid} at {_pos(obj)} is outside region {target} "
                                    f"(x {region.x_min}..{region.x_max}, y {region.y_min}..{region.y_max})")
        return Judgement(False, f"{oid} is above region {target} but not resting (bottom {obj.bottom:.3f} m)")

    if skill == "place" and target == TABLE_TARGET:
        container = next((c for c in objs if c.id != oid and is_in(obj, c)), None)
        if container is not None:       # a bowl's floor is as low as the table's: the goal check says no too
            return Judgement(False, f"{oid} is in {container.id}, not on the table")
        if obj.bottom < REST_MAX_M:
            return Judgement(True, f"{oid} rests on the table at {_pos(obj)}")
        return Judgement(False, f"{oid} is not on the table (bottom {obj.bottom:.3f} m)")

    if skill == "place" and ":" in target:
        rel, ref_id = target.split(":", 1)
        if rel not in RELATIONAL_TARGETS:
            return Judgement(False, f"unknown relational target {target!r}", Problem.BAD_STEP)
        ref = by_id.get(ref_id)
        if ref is None:
            return Judgement(False, f"{ref_id} is not in the scene", Problem.NOT_SEEN)
        ok = RELATIONS[rel](obj, ref) and obj.bottom < REST_MAX_M
        word = rel.replace("_", " ")
        return Judgement(ok, f"{oid} is {'' if ok else 'not '}{word} {ref_id} on the table "
                             f"({oid} at {_pos(obj)}, {ref_id} at {_pos(ref)})")

    ref = by_id.get(target)
    if ref is None:
        return Judgement(False, f"{target} is not in the scene", Problem.NOT_SEEN)
    if skill == "place" and ref.is_container:
        if is_in(obj, ref):
            return Judgement(True, f"{oid} is in {target}")
        return Judgement(False, f"{oid} is not in {target}: {oid} at {_pos(obj)}, {target} at {_pos(ref)} "
                                f"size {ref.size[0]:.3f} x {ref.size[1]:.3f} m")
    if skill == "stack" and ref.is_container:
        return Judgement(False, f"cannot stack on container {target}", Problem.BAD_STEP)
    if is_on(obj, ref):
        return Judgement(True, f"{oid} is on {target}")
    gap = obj.bottom - ref.top
    return Judgement(False, f"{oid} is not on {target}: bottom of {oid} is {gap:+.3f} m from the top of {target}, "
                            f"xy offset ({obj.position[0] - ref.position[0]:+.3f}, "
                            f"{obj.position[1] - ref.position[1]:+.3f}) m")


def expected_effect(step: Step, objects: Sequence[ObjectState]) -> tuple[bool, str]:
    """``(holds, reason)`` for the effect of ``step`` in the observed ``objects`` (:func:`judge_step`)."""
    j = judge_step(step.skill, step.args, objects)
    return j.holds, j.reason


GRIP_WIDTH_TOL_M = 0.012   # fingers stopped within this of the object's width: it is between them [m]
GRIP_EMPTY_M = 0.005       # fingers closer than this closed on nothing [m]
GRIP_OPEN_M = 0.075        # fingers opened wider than this hold nothing (the Panda opens to 0.08 m) [m]


def gripper_holds(obj: ObjectState, width_m: float) -> tuple[bool, str]:
    """Whether the fingers' opening ``width_m`` [m] says ``obj`` is between them: the pick check when
    the scene camera cannot see the object (held behind the arm). ``(holds, reason)``."""
    # the size is an axis-aligned box: a cube turned by 45 degrees shows sqrt(2) times its width
    size = min(obj.size[0], obj.size[1])
    lo, hi = size / math.sqrt(2.0) - GRIP_WIDTH_TOL_M, size + GRIP_WIDTH_TOL_M
    if width_m < GRIP_EMPTY_M:
        return False, f"the fingers are closed ({width_m * 100:.1f} cm): nothing between them"
    if lo <= width_m <= hi:
        return True, f"the fingers stopped at {width_m * 100:.1f} cm on {obj.id} ({size * 100:.1f} cm box)"
    return False, (f"the fingers stopped at {width_m * 100:.1f} cm, outside {obj.id}'s "
                   f"{lo * 100:.1f}-{hi * 100:.1f} cm")


def fingers_empty(width_m: float) -> str | None:
    """Why the fingers' opening ``width_m`` [m] says they hold nothing, or None when they may."""
    if width_m < GRIP_EMPTY_M:
        return f"the fingers are closed ({width_m * 100:.1f} cm)"
    if width_m > GRIP_OPEN_M:
        return f"the fingers are open ({width_m * 100:.1f} cm)"
    return None


def held_object(objects: Sequence[ObjectState], min_height_m: float = 0.10) -> str | None:
    """The id of an object floating above everything (held by the gripper), if any."""
    for o in objects:
        if o.bottom >= min_height_m and not any(is_on(o, b) for b in objects if b.id != o.id):
            return o.id
    return None


def resolve_holding(objects: Sequence[ObjectState], finger_width_m: float | None,
                    min_confidence: float) -> tuple[str | None, list[ObjectState], str]:
    """(held object id or None, objects to plan with, note) from perception and the fingers.

    Perception calls an object floating above everything held (``held_object``). Overruled:

    - a confident one, when the finger opening ``finger_width_m`` [m] (None: unknown) says nothing
      is between the fingers (closed or wide open): not held;
    - one below ``min_confidence``, unless the fingers stopped at its width: a phantom (bench e2e:
      a "pink_block" seen at gripper height, 0.04 confidence, made every replanned plan start with
      placing it, which the safety check rightly refused), left out of planning.

    ``note`` says what was overruled ("" when nothing was).
    """
    objects = list(objects)
    held = held_object(objects)
    if held is None:
        return None, objects, ""
    obj = next(o for o in objects if o.id == held)
    if obj.confidence >= min_confidence:
        why = fingers_empty(finger_width_m) if finger_width_m is not None else None
        if why is None:
            return held, objects, ""
        return None, objects, f"{held} floats at {obj.bottom:.2f} m but is not held: {why}"
    holds, fingers = (False, "no finger state") if finger_width_m is None else gripper_holds(obj, finger_width_m)
    if holds:
        return held, objects, ""
    return None, [o for o in objects if o.id != held], (
        f"ignoring {held} (confidence {obj.confidence:.2f} < {min_confidence}), seen floating at "
        f"{obj.bottom:.2f} m; {fingers}")


def recall_held(wanted: Iterable[str], objects: Sequence[ObjectState], remembered: Mapping[str, ObjectState],
                finger_width_m: float | None) -> tuple[ObjectState | None, str]:
    """An object the task needs that the camera lost while the fingers hold it: ``(object, note)``.

    The scene camera cannot see a cube held behind the arm (bench e2e: a stack stalled with the red cube between the
    fingers at 42 mm, and the replan failed with "goal names unknown objects: ['red_cube']"). When exactly one of
    ``wanted`` (the goal's objects) is missing from ``objects``, it was seen earlier in the task (``remembered``, its
    last seen state) and the fingers stopped at its width (:func:`gripper_holds`), it is the held object: returned
    with a note saying so, to plan with as held. ``(None, "")`` otherwise (nothing recalled: the replan reports the
    object unknown, as before).
    """
    if finger_width_m is None:
        return None, ""
    present = {o.id for o in objects}
    missing = sorted(set(wanted) - present)
    if len(missing) != 1 or missing[0] not in remembered:
        return None, ""
    obj = remembered[missing[0]]
    holds, why = gripper_holds(obj, finger_width_m)
    if not holds:
        return None, ""
    return obj, f"{obj.id} is out of the camera's view but held: {why}"
