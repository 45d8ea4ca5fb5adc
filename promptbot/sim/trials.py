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


def run_expert_chain(env, world: str, seed: int, length: int = 5) -> list[dict]:
    """One chain of the e2e benchmark's commands (``promptbot.e2e.chains``) carried out by the expert
    alone, with ground truth instead of perception, speech and planning: the executor's share of a
    chain's failures. Each command's oracle plan runs step by step; a failed step or a goal that does
    not hold in ground truth ends the chain. Returns one result dict per command tried."""
    from promptbot.e2e.chains import next_command
    from promptbot.sim.expert import Expert
    from promptbot.tasks import check

    env.reset(world, seed)
    earlier, out = [], []
    for pos in range(1, length + 1):
        start = env.ground_truth()                   # the command's start: reference of unmoved(x)
        cmd = next_command(world, seed, pos, start, earlier)
        if cmd is None:
            break
        expert = Expert(env)
        t0 = time.perf_counter()
        res = {"position": pos, "instruction": cmd.instruction, "goal": cmd.goal, "success": True}
        for skill, args in cmd.oracle_plan:
            step = expert.run(skill, args)
            if not step.success:
                res.update(success=False, failure="skill_failed", reason=step.reason)
                break
        expert.clear_view()
        if res["success"]:
            holds, why = check(cmd.goal, env.ground_truth(), initial=start)
            if not holds:
                res.update(success=False, failure="goal_not_reached", reason=why)
        res["wall_s"] = round(time.perf_counter() - t0, 3)
        out.append(res)
        if not res["success"]:
            break
        earlier.append(cmd)
    return out
