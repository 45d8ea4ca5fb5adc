"""Map perception's object ids onto another id space (the simulator's), pure and logged.

The planner plans on perception's scene and sends perception ids to the skill server:
that is the contract a real robot has (it has no other ids). The simulator's privileged
scripted expert knows only its own ids. Both name objects ``<color>_<label>`` with
``_2``, ``_3`` ... for duplicates, but the numbering of duplicates differs (the sim
numbers in sampling order, perception nearest-the-robot first) and a perception id can
drift (a track re-created after an occlusion). :func:`resolve_ids` maps every object
argument of one skill call to a ground-truth id:

1. the id is in perception's latest scene: the ground-truth object of the same colour
   and label (then the same colour, then the same label) nearest to where perception
   saw it [m, base frame];
2. the id is not in perception's scene (no scene, or an older track): the same id in
   ground truth when it exists, otherwise the ``<color>_<label>`` parsed from the id
   (among duplicates, the ``_k``-th in perception's order: nearest the robot, then left);
3. otherwise it stays unmapped and the caller reports it.

Arguments that are not objects (regions, ``table``) pass through; ``near:<id>``,
``left_of:<id>`` and ``right_of:<id>`` map their object part. Two object arguments of one
call never map to the same ground-truth object.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from promptbot.scene import REGIONS, ObjectState

NON_OBJECT_ARGS = frozenset(REGIONS) | {"table"}
OBJECT_ID = re.compile(r"^(?P<color>[a-z]+)_(?P<label>[a-z]+)(?:_(?P<k>[0-9]+))?$")   # <color>_<label>[_k]


@dataclass(frozen=True)
class IdMapping:
    """How one argument was mapped: ``how`` is identity | position | name | unmapped | passthrough."""

    arg: str
    mapped: str
    how: str
    detail: str = ""

    def __str__(self) -> str:
        arrow = "==" if self.arg == self.mapped else "->"
        return f"{self.arg} {arrow} {self.mapped} ({self.how}{': ' + self.detail if self.detail else ''})"


class UnknownObjectError(KeyError):
    """An argument that names no object of the target id space."""


def _order_key(o: ObjectState) -> tuple[float, float]:
    return (o.position[0], -o.position[1])          # nearest the robot first, then left to right


def _parse(oid: str) -> tuple[str, str, int] | None:
    m = OBJECT_ID.match(oid)
    if m is None:
        return None
    return m.group("color"), m.group("label"), int(m.group("k") or 1)


def _resolve_one(oid: str, perceived: dict[str, ObjectState], truth: Sequence[ObjectState],
                 taken: set[str]) -> IdMapping:
    free = [o for o in truth if o.id not in taken]
    p = perceived.get(oid)
    if p is not None:
        for what, cands in (
                ("colour+label", [o for o in free if o.color == p.color and o.label == p.label]),
                ("colour", [o for o in free if o.color == p.color]),
                ("label", [o for o in free if o.label == p.label])):
            if cands:
                best = min(cands, key=lambda o: math.dist(o.position, p.position))
                d = math.dist(best.position, p.position)
                how = "identity" if best.id == oid and what == "colour+label" else "position"
                return IdMapping(oid, best.id, how, f"{what}, {len(cands)} candidate(s), "
                                 f"{d * 100:.1f} cm from the perceived position")
        return IdMapping(oid, oid, "unmapped", f"nothing {p.color} or {p.label} in ground truth")
    if any(o.id == oid for o in free):
        return IdMapping(oid, oid, "identity", "not in the perceived scene; the same id exists")
    parsed = _parse(oid)
    if parsed is not None:
        color, label, k = parsed
        cands = sorted((o for o in free if o.color == color and o.label == label), key=_order_key)
        if cands:
            pick = cands[min(k, len(cands)) - 1]
            return IdMapping(oid, pick.id, "name", f"not in the perceived scene; {color} {label} "
                             f"#{k} of {len(cands)} in perception's order")
    return IdMapping(oid, oid, "unmapped", "not in the perceived scene nor in ground truth")


def resolve_ids(args: Sequence[str], perceived: Sequence[ObjectState] | None,
                truth: Sequence[ObjectState]) -> tuple[tuple[str, ...], list[IdMapping]]:
    """Skill arguments in perception ids -> the same arguments in ground-truth ids.

    Returns (mapped args, one :class:`IdMapping` per argument). Raises
    :class:`UnknownObjectError` when an object argument matches nothing in ``truth``.
    """
    by_id = {o.id: o for o in (perceived or ())}
    taken: set[str] = set()
    out: list[str] = []
    notes: list[IdMapping] = []
    for arg in args:
        prefix, oid = "", arg
        if ":" in arg:
            rel, oid = arg.split(":", 1)
            prefix = rel + ":"
        if not prefix and oid in NON_OBJECT_ARGS:
            out.append(arg)
            notes.append(IdMapping(arg, arg, "passthrough"))
            continue
        m = _resolve_one(oid, by_id, truth, taken)
        if m.how == "unmapped":
            raise UnknownObjectError(f"unknown object {oid!r}: {m.detail}")
        taken.add(m.mapped)
        out.append(prefix + m.mapped)
        notes.append(IdMapping(arg, prefix + m.mapped, m.how, m.detail))
    return tuple(out), notes
