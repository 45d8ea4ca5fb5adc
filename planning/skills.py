"""Skill schema: what the policy can execute, with typed arguments, symbolic
preconditions/effects (documented here, implemented in :mod:`promptbot.planning.world`)
and the natural-language instruction sent to the VLA for each grounded step.

A grounded step is a :class:`Step` ``(skill, args)``; it compares equal to a plain
tuple such as ``("place", ("red_cube", "blue_bowl"))``.

Place targets (the second argument of ``place``) are one of:

* a container id (``"blue_bowl"``)                -> into the container
* a region name (``"left"``, ``"center"`` ...)    -> on the table inside that region
* ``"table"``                                      -> the nearest free spot on the table
* ``"near:<id>"``, ``"left_of:<id>"``, ``"right_of:<id>"`` -> on the table next to / left of /
  right of object ``<id>`` (robot's point of view; +y is left)

:func:`promptbot.planning.world.resolve_place_target` turns any target into a
base-frame position [m], for executors that need coordinates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from promptbot.scene import REGIONS, ObjectState

RELATIONAL_TARGETS = ("near", "left_of", "right_of")
TABLE_TARGET = "table"


class Step(NamedTuple):
    """One grounded skill call. ``args`` are object ids / targets."""

    skill: str
    args: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.skill}({', '.join(self.args)})"


def parse_step(text: str) -> Step:
    """Parse ``"place(red_cube, blue_bowl)"`` into a Step (inverse of ``str(step)``)."""
    text = text.strip()
    if "(" not in text or not text.endswith(")"):
        raise ValueError(f"cannot parse step {text!r}; expected e.g. pick(red_cube)")
    name, rest = text[:-1].split("(", 1)
    args = tuple(a.strip() for a in rest.split(",") if a.strip())
    step = Step(name.strip(), args)
    validate_schema(step)
    return step


@dataclass(frozen=True)
class Param:
    name: str
    kind: str          # movable | container | stackable | place_target | region


@dataclass(frozen=True)
class Skill:
    name: str
    params: tuple[Param, ...]
    preconditions: tuple[str, ...]
    effects: tuple[str, ...]
    description: str
    cost: float = 1.0


SKILLS: dict[str, Skill] = {
    "pick": Skill(
        "pick", (Param("obj", "movable"),),
        preconditions=("hand_empty", "movable(obj)", "clear(obj)"),
        effects=("holding(obj)", "!hand_empty", "obj leaves its container/support"),
        description="grasp an object and lift it",
    ),
    "place": Skill(
        "place", (Param("obj", "movable"), Param("target", "place_target")),
        preconditions=("holding(obj)", "target has room (container capacity / free table spot in the workspace)"),
        effects=("in(obj, target) | in_region(obj, target) | near/left_of/right_of(obj, ref)", "hand_empty"),
        description="put the held object into a container or down on the table at a target",
    ),
    "stack": Skill(
        "stack", (Param("obj", "movable"), Param("base", "stackable")),
        preconditions=("holding(obj)", "stackable(base)", "clear(base)", "tower stays below the height limit"),
        effects=("on(obj, base)", "hand_empty"),
        description="put the held object on top of another object",
    ),
    "push": Skill(
        "push", (Param("obj", "movable"), Param("region", "region")),
        preconditions=("hand_empty", "on_table(obj)", "clear(obj)", "free spot in region"),
        effects=("in_region(obj, region)",),
        description="slide an object on the table into a region",
    ),
}
# the skill names in a fixed order: pick, place, stack, push (the policy's data and evaluation cycle
# through them by seed, so the order is part of the data)
SKILL_NAMES: tuple[str, ...] = tuple(SKILLS)

# Labels that are never grasped or pushed (containers are fixtures for the planner).
STACKABLE_LABELS = frozenset({"cube", "block", "lego"})


def validate_schema(step: Step) -> None:
    """Raise ValueError unless the step names a known skill with the right argument count/format."""
    if step.skill not in SKILLS:
        raise ValueError(f"unknown skill {step.skill!r}; known: {sorted(SKILLS)}")
    skill = SKILLS[step.skill]
    if len(step.args) != len(skill.params):
        raise ValueError(f"{step.skill} takes {len(skill.params)} argument(s), got {len(step.args)}")
    for p, a in zip(skill.params, step.args):
        if not isinstance(a, str) or not a or len(a) > 64:
            raise ValueError(f"bad argument {a!r} for {step.skill}.{p.name}")
        if p.kind == "region" and a not in REGIONS:
            raise ValueError(f"unknown region {a!r}; known: {sorted(REGIONS)}")


def phrase(obj: ObjectState | None, fallback: str) -> str:
    """'red cube' for an object; the id with spaces when unknown."""
    if obj is None:
        return fallback.replace("_", " ")
    return f"{obj.color} {obj.label}".strip()


def target_phrase(target: str, by_id: dict[str, ObjectState]) -> str:
    if target in REGIONS:
        return f"on the {target} side of the table" if target in ("left", "right") else (
            "in the center of the table" if target == "center" else f"at the {target} of the table")
    if target == TABLE_TARGET:
        return "on the table"
    if ":" in target:
        rel, ref = target.split(":", 1)
        name = phrase(by_id.get(ref), ref)
        return {"near": f"next to the {name}", "left_of": f"to the left of the {name}",
                "right_of": f"to the right of the {name}"}.get(rel, target)
    return f"in the {phrase(by_id.get(target), target)}"


def step_instruction(step: Step, objects: dict[str, ObjectState] | list[ObjectState]) -> str:
    """The language instruction for the VLA policy for one step."""
    by_id = objects if isinstance(objects, dict) else {o.id: o for o in objects}
    a = [phrase(by_id.get(x), x) for x in step.args]
    if step.skill == "pick":
        return f"pick up the {a[0]}"
    if step.skill == "place":
        return f"put the {a[0]} {target_phrase(step.args[1], by_id)}"
    if step.skill == "stack":
        return f"stack the {a[0]} on the {a[1]}"
    if step.skill == "push":
        return f"push the {a[0]} to the {step.args[1]}" + (" of the table" if step.args[1] != "center" else "")
    return str(step)


def prior_phrase(step: Step, objects: dict[str, ObjectState]) -> str:
    """Compact phrase an LLM scores as a candidate next step (few tokens, shared prefixes).

    Every step of a held object starts with "put the <obj>" so the planner can move
    that shared part into the prompt prefix and score only the differing words.
    """
    a = phrase(objects.get(step.args[0]), step.args[0])
    if step.skill == "pick":
        return f"pick up the {a}"
    if step.skill == "push":
        return f"push the {a} {step.args[1]}"
    if step.skill == "stack":
        return f"put the {a} on the {phrase(objects.get(step.args[1]), step.args[1])}"
    return f"put the {a} {target_phrase(step.args[1], objects)}"
