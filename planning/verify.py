"""Step verification from an observed scene (pure): did the step's expected effect happen?"""
from __future__ import annotations

import math
from typing import Sequence

from promptbot.planning.skills import RELATIONAL_TARGETS, TABLE_TARGET, Step
from promptbot.scene import REGIONS, ObjectState, is_in, is_near, is_on, is_left_of, is_right_of

LIFTED_M = 0.03          # a picked object's bottom is at least this far above the table [m]

_REL = {"near": is_near, "left_of": is_left_of, "right_of": is_right_of}


def expected_effect(step: Step, objects: Sequence[ObjectState]) -> tuple[bool, str]:
    """``(holds, reason)`` for the effect of ``step`` in the observed ``objects``."""
    by_id = {o.id: o for o in objects}
    obj = by_id.get(step.args[0])
    if obj is None:
        return False, f"{step.args[0]} is not visible"
    if step.skill == "pick":
        ok = obj.bottom >= LIFTED_M
        return ok, f"{obj.id} {'is' if ok else 'is not'} lifted (bottom at {obj.bottom:.3f} m)"
    if step.skill == "push":
        ok = REGIONS[step.args[1]].contains(obj.position)
        return ok, f"{obj.id} {'is' if ok else 'is not'} in the {step.args[1]} region"
    target = step.args[1]
    if step.skill == "stack":
        base = by_id.get(target)
        if base is None:
            return False, f"{target} is not visible"
        ok = is_on(obj, base)
        return ok, f"{obj.id} {'is' if ok else 'is not'} on {target}"
    if target in REGIONS:
        ok = REGIONS[target].contains(obj.position) and obj.bottom < LIFTED_M
        return ok, f"{obj.id} {'is' if ok else 'is not'} on the table in the {target} region"
    if target == TABLE_TARGET:
        ok = obj.bottom < LIFTED_M and not any(is_in(obj, c) for c in objects if c.id != obj.id)
        return ok, f"{obj.id} {'is' if ok else 'is not'} on the table"
    if ":" in target:
        rel, ref_id = target.split(":", 1)
        ref = by_id.get(ref_id)
        if rel not in RELATIONAL_TARGETS or ref is None:
            return False, f"bad target {target}"
        ok = _REL[rel](obj, ref) and obj.bottom < LIFTED_M
        return ok, f"{obj.id} {'is' if ok else 'is not'} {rel.replace('_', ' ')} {ref_id}"
    box = by_id.get(target)
    if box is None:
        return False, f"{target} is not visible"
    ok = is_in(obj, box)
    return ok, f"{obj.id} {'is' if ok else 'is not'} in {target}"


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
