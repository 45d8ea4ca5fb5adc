"""Seeded single-skill trials for the expert benchmark and tests (pure task choice + a runner)."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from promptbot.scene import REGIONS
from promptbot.sim.worlds import SHAPES, sample_scene

TRIAL_WORLDS = {"pick": "tabletop", "place": "tabletop", "stack": "stacking", "push": "tabletop"}


@dataclass(frozen=True)
class Trial:
    skill: str
    world: str
    seed: int
    args: tuple[str, ...]


def make_trial(skill: str, seed: int) -> Trial:
    """A deterministic single-skill trial: world, seed and the skill's arguments."""
    if skill not in TRIAL_WORLDS:
        raise ValueError(f"unknown skill {skill!r}; known: {', '.join(TRIAL_WORLDS)}")
    world = TRIAL_WORLDS[skill]
    objs = sample_scene(world, seed)
    rng = np.random.default_rng([seed, 77])
    graspable = [o for o in objs if SHAPES[o.label].graspable]
    containers = [o for o in objs if o.is_container]
    a = graspable[int(rng.integers(len(graspable)))]
    if skill == "pick":
        args: tuple[str, ...] = (a.id,)
    elif skill == "place":
        args = (a.id, containers[int(rng.integers(len(containers)))].id)
    elif skill == "stack":
        others = [o for o in graspable if o.id != a.id]
        args = (a.id, others[int(rng.integers(len(others)))].id)
    else:
        regions = [r for r, reg in REGIONS.items() if not reg.contains(a.position, margin=0.02)]
        args = (a.id, regions[int(rng.integers(len(regions)))])
    return Trial(skill, world, seed, args)


def run_trial(trial: Trial, env=None) -> tuple[bool, float, int]:
    """Run one trial; returns (success, wall seconds, control steps). Creates an env if none is given."""
    from promptbot.sim.env import SimEnv
    from promptbot.sim.expert import Expert

    own = env is None
    env = env or SimEnv(trial.world, trial.seed)
    try:
        env.reset(trial.world, trial.seed)
        expert = Expert(env)
        t0 = time.perf_counter()
        res = expert.run(trial.skill, trial.args)
        return res.success, time.perf_counter() - t0, res.control_steps
    finally:
        if own:
            env.close()
