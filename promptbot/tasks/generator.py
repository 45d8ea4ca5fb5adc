"""Reproducible task generation: ``generate(world, seed, family) -> Task``."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from promptbot.scene import REGIONS, ObjectState
from promptbot.tasks.goal import Goal, check
from promptbot.tasks.library import FAMILIES, INVALID_KINDS, Ctx, invalid_instruction

MAX_STEPS = 8


class TaskNotApplicable(ValueError):
    """The family cannot be instantiated in this world/seed (e.g. no containers)."""


@dataclass(frozen=True)
class Task:
    world: str
    seed: int
    family: str
    instruction: str
    goal: Goal
    oracle_plan: list[tuple[str, tuple[str, ...]]]
    initial: list[ObjectState] = field(compare=False)        # scene the task starts from
    setup_plan: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # sampled scene -> initial
    paraphrases: tuple[str, ...] = ()                        # every template rendered for this task

    @property
    def n_steps(self) -> int:
        return len(self.oracle_plan)

    def to_dict(self) -> dict:
        return {
            "world": self.world, "seed": self.seed, "family": self.family,
            "instruction": self.instruction, "goal": str(self.goal), "soft_goal": self.goal.soft,
            "oracle_plan": [[s, list(a)] for s, a in self.oracle_plan],
            "setup_plan": [[s, list(a)] for s, a in self.setup_plan],
            "paraphrases": list(self.paraphrases),
        }


def sample_scene(world: str, seed: int) -> list[ObjectState]:
    """The world's initial scene (delegates to promptbot.sim.worlds, imported lazily)."""
    from promptbot.sim.worlds import sample_scene as _sample

    return _sample(world, seed)


def families() -> list[str]:
    return sorted(FAMILIES)


def generate(world: str, seed: int, family: str | None = None,
             scene: list[ObjectState] | None = None) -> Task:
    """A reproducible task for ``(world, seed[, family])``.

    Without ``family`` an applicable family is drawn with the seed. ``scene``
    overrides the sampled scene (tests with hand-built scenes).
    Raises TaskNotApplicable when the family does not fit the scene.
    """
    from promptbot.planning.world import InadmissibleAction, WorldState, execute

    if family is not None and family not in FAMILIES:
        raise ValueError(f"unknown task family {family!r}; known: {', '.join(families())}")
    objects = list(scene) if scene is not None else sample_scene(world, seed)
    rng = random.Random(f"{world}|{seed}|{family}")
    order = [family] if family else rng.sample(families(), len(FAMILIES))
    for fam in order:
        for _attempt in range(6):
            draft = FAMILIES[fam](Ctx(objects, rng))
            if draft is None:
                break
            try:
                start = execute(draft.setup, objects)
                oracle, final = route_blocked_pushes(draft.oracle, start)
            except InadmissibleAction:
                continue
            if start.holding is not None or final.holding is not None:
                continue
            # the task starts at ``start`` (after the setup): the reference of unmoved(x) literals
            if check(draft.goal, start.objects, initial=start.objects)[0] \
                    or not check(draft.goal, final.objects, initial=start.objects)[0]:
                continue
            if not 1 <= len(oracle) <= MAX_STEPS:
                continue
            paraphrases = tuple(t.format(**draft.slots) for t in draft.templates)
            return Task(world=world, seed=seed, family=fam, instruction=rng.choice(paraphrases),
                        goal=draft.goal, oracle_plan=[(s, tuple(a)) for s, a in oracle],
                        initial=list(start.objects), setup_plan=[(s, tuple(a)) for s, a in draft.setup],
                        paraphrases=paraphrases)
    raise TaskNotApplicable(f"family {family or '(any)'} does not fit world {world!r} seed {seed}")


def route_blocked_pushes(steps, state):
    """(oracle, final state): ``steps`` executed symbolically, each push whose straight path is
    blocked (``push_blocker``) replaced by pick + place into the same region. The instruction ("push
    the red cube to the left") and its goal stay; the robot has to find the other way, as a planner
    would. Raises InadmissibleAction like ``execute``."""
    from promptbot.planning.world import WorldState, execute, push_blocker

    state = state if isinstance(state, WorldState) else WorldState.from_objects(state)
    out = []
    for skill, args in steps:
        seq = [(skill, tuple(args))]
        obj = state.by_id().get(args[0]) if skill == "push" else None
        if obj is not None and args[1] in REGIONS and push_blocker(obj, args[1], state) is not None:
            seq = [("pick", (args[0],)), ("place", (args[0], args[1]))]
        state = execute(seq, state)
        out.extend(seq)
    return out, state


@dataclass(frozen=True)
class InvalidCase:
    world: str
    seed: int
    kind: str               # impossible | ambiguous | unsafe
    instruction: str
    expected: str           # impossible | ambiguous | refused
    objects: list[ObjectState] = field(compare=False)


def generate_invalid(world: str, seed: int, kind: str, scene: list[ObjectState] | None = None) -> InvalidCase:
    """An instruction that must not be executed (refusal/clarification benchmark)."""
    if kind not in INVALID_KINDS:
        raise ValueError(f"unknown kind {kind!r}; known: {INVALID_KINDS}")
    objects = list(scene) if scene is not None else sample_scene(world, seed)
    rng = random.Random(f"invalid|{world}|{seed}|{kind}")
    out = invalid_instruction(Ctx(objects, rng), kind)
    if out is None:
        raise TaskNotApplicable(f"no {kind} instruction for world {world!r} seed {seed}")
    return InvalidCase(world, seed, kind, out[0], out[1], objects)
