"""Step verification: does a plan step's expected effect hold in a scene? (pure)

Effects checked (``promptbot.scene`` relations and regions):

* ``pick(obj)``            obj is lifted off the table: bottom >= LIFT_MIN_M and not resting on/in
                           another object (i.e. held by the gripper)
* ``place(obj, target)``   target a container -> ``in(obj, target)``; another object -> ``on(obj, target)``;
                           a region name (``promptbot.scene.REGIONS``) -> obj rests in the region;
                           ``"table"`` -> obj rests on the table; ``near:<id>`` / ``left_of:<id>`` /
                           ``right_of:<id>`` -> that relation and obj rests on the table
* ``stack(a, b)``          ``on(a, b)``
* ``push(obj, region)``    obj rests on the table inside the region

Each verdict carries a human-readable reason with the measured numbers.
"""
from __future__ import annotations

from dataclasses import dataclass

from promptbot.scene import REGIONS, RELATIONS, ObjectState, is_in, is_on

OK = 0
UNKNOWN_OBJECT = 2
BAD_REQUEST = 3
OCCLUDED = 4

LIFT_MIN_M = 0.03            # a held object's bottom is at least this high above the table [m]
REST_MAX_M = 0.015           # an object resting on the table has its bottom below this [m]
SKILL_ARITY = {"pick": 1, "place": 2, "stack": 2, "push": 2}
TABLE_TARGET = "table"
RELATIONAL = ("near", "left_of", "right_of")


@dataclass(frozen=True)
class Verdict:
    holds: bool
    reason: str
    code: int = OK


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


def verify_step(skill: str, args, objects) -> Verdict:
    """Decide whether ``skill(*args)``'s effect holds among ``objects`` (list of ObjectState)."""
    args = tuple(str(a) for a in args)
    objs = list(objects)
    by_id = {o.id: o for o in objs}
    if skill not in SKILL_ARITY:
        return Verdict(False, f"unknown skill {skill!r}; known: {', '.join(sorted(SKILL_ARITY))}", BAD_REQUEST)
    if len(args) != SKILL_ARITY[skill]:
        return Verdict(False, f"{skill} takes {SKILL_ARITY[skill]} argument(s), got {len(args)}", BAD_REQUEST)
    oid = args[0]
    obj = by_id.get(oid)
    if obj is None:
        return Verdict(False, f"{oid} is not in the scene", UNKNOWN_OBJECT)

    if skill == "pick":
        sup = _support(obj, objs)
        if obj.bottom >= LIFT_MIN_M and sup is None:
            return Verdict(True, f"{oid} is held: bottom {obj.bottom:.3f} m above the table, not resting on anything")
        if obj.attrs.get("occluded"):
            # a lifted object the arm hides from the camera is still reported where it was last seen
            return Verdict(False, f"{oid} is hidden from the camera (last seen at {_pos(obj)}): "
                                  "the scene cannot tell whether it is held", OCCLUDED)
        if sup is not None:
            return Verdict(False, f"{oid} is not held: it rests {sup}")
        return Verdict(False, f"{oid} is not held: bottom {obj.bottom:.3f} m above the table "
                              f"(< {LIFT_MIN_M} m, still on the table)")

    target = args[1]
    if skill == "push" or (skill == "place" and target in REGIONS):
        region = REGIONS.get(target)
        if region is None:
            return Verdict(False, f"unknown region {target!r}; known: {', '.join(REGIONS)}", BAD_REQUEST)
        inside = region.contains(obj.position)
        resting = obj.bottom < REST_MAX_M or _support(obj, objs) is not None
        if inside and resting:
            return Verdict(True, f"{oid} is in region {target} at {_pos(obj)}")
        if not inside:
            return Verdict(False, f"{oid} at {_pos(obj)} is outside region {target} "
                                  f"(x {region.x_min}..{region.x_max}, y {region.y_min}..{region.y_max})")
        return Verdict(False, f"{oid} is above region {target} but not resting (bottom {obj.bottom:.3f} m)")

    if skill == "place" and target == TABLE_TARGET:
        if obj.bottom < REST_MAX_M:
            return Verdict(True, f"{oid} rests on the table at {_pos(obj)}")
        return Verdict(False, f"{oid} is not on the table (bottom {obj.bottom:.3f} m)")

    if skill == "place" and ":" in target:
        rel, ref_id = target.split(":", 1)
        if rel not in RELATIONAL:
            return Verdict(False, f"unknown relational target {target!r}", BAD_REQUEST)
        ref = by_id.get(ref_id)
        if ref is None:
            return Verdict(False, f"{ref_id} is not in the scene", UNKNOWN_OBJECT)
        ok = RELATIONS[rel](obj, ref) and obj.bottom < REST_MAX_M
        word = rel.replace("_", " ")
        return Verdict(ok, f"{oid} is {'' if ok else 'not '}{word} {ref_id} on the table "
                           f"({oid} at {_pos(obj)}, {ref_id} at {_pos(ref)})")

    ref = by_id.get(target)
    if ref is None:
        return Verdict(False, f"{target} is not in the scene", UNKNOWN_OBJECT)
    if skill == "place" and ref.is_container:
        if is_in(obj, ref):
            return Verdict(True, f"{oid} is in {target}")
        return Verdict(False, f"{oid} is not in {target}: {oid} at {_pos(obj)}, {target} at {_pos(ref)} "
                              f"size {ref.size[0]:.3f} x {ref.size[1]:.3f} m")
    if skill == "stack" and ref.is_container:
        return Verdict(False, f"cannot stack on container {target}", BAD_REQUEST)
    if is_on(obj, ref):
        return Verdict(True, f"{oid} is on {target}")
    gap = obj.bottom - ref.top
    return Verdict(False, f"{oid} is not on {target}: bottom of {oid} is {gap:+.3f} m from the top of {target}, "
                          f"xy offset ({obj.position[0] - ref.position[0]:+.3f}, "
                          f"{obj.position[1] - ref.position[1]:+.3f}) m")
