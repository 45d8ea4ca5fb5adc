"""Closed-loop evaluation of the VLA in simulation (pure: no ROS).

The loop is the policy node's loop without the middleware: camera images and
proprioception from joint angles -> Policy.infer -> SkillRun (temporal
ensembling, clipping, done flag) -> the sim's twist/gripper action space. Success
is judged from simulator ground truth after the policy declares done or times out.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from promptbot.policy.collect_skills import skill_episode_spec
from promptbot.policy.data import step_paraphrases
from promptbot.policy.proprio import proprio_from_joints
from promptbot.policy.runner import RunnerConfig, SkillRun
from promptbot.scene import REGIONS, is_in, is_on

HELDOUT_SEED0 = 1_000_000      # training data uses seeds below this
RENDER_SIZE = 96               # what the demonstrations were rendered at


def skill_succeeded(skill: str, args: tuple[str, ...], env) -> tuple[bool, str]:
    gt = {o.id: o for o in env.ground_truth()}
    a = gt.get(args[0])
    if a is None:
        return False, f"{args[0]} is gone"
    if skill == "pick":
        ok = a.bottom > 0.03 and env.contacts_with_fingers(args[0]) > 0
        return ok, f"{args[0]} bottom at {a.bottom * 100:.1f} cm, finger contacts {env.contacts_with_fingers(args[0])}"
    if skill in ("place", "stack"):
        b = gt.get(args[1])
        if b is None:
            return False, f"{args[1]} is gone"
        ok = is_in(a, b) if b.is_container else is_on(a, b)
        return ok and env.contacts_with_fingers(args[0]) == 0, f"{'in' if b.is_container else 'on'}({args[0]}, {args[1]}) = {ok}"
    if skill == "push":
        ok = REGIONS[args[1]].contains(a.position)
        return ok, f"{args[0]} at ({a.position[0]:.2f}, {a.position[1]:.2f}) {'inside' if ok else 'outside'} {args[1]}"
    raise ValueError(f"unknown skill {skill!r}")


@dataclass
class EpisodeResult:
    skill: str
    seed: int
    instruction: str
    success: bool
    reason: str
    end: str                    # done | timeout
    control_steps: int
    wall_s: float
    mean_infer_ms: float


def run_episode(policy, env, seed: int, heldout_paraphrase: bool = False, timeout_s: float = 20.0,
                distractors: bool = False) -> EpisodeResult:
    from promptbot.policy.policy import Observation
    from promptbot.sim.expert import Expert

    spec = skill_episode_spec(seed)
    skill, args = spec.plan[0]
    world = "clutter" if distractors else spec.world
    env.reset(world, seed)
    if distractors and any(x not in {o.id for o in env.ground_truth()} for x in args if x not in REGIONS):
        env.reset(spec.world, seed)   # the clutter scene lacks the trial's objects: fall back
    if spec.setup_plan:
        Expert(env).run_plan(spec.setup_plan)
    texts = step_paraphrases(skill, args, heldout=heldout_paraphrase)
    instruction = texts[seed % len(texts)]
    cfg = RunnerConfig(control_rate_hz=env.config.control_hz, timeout_s=timeout_s)
    run = SkillRun(cfg, policy.config.chunk, 0.0)
    use_wrist = policy.config.use_wrist
    t0, infer_s, end = time.perf_counter(), [], "timeout"
    for k in range(int(timeout_s * cfg.control_rate_hz)):
        _, q, _, _ = env.joint_state()
        obs = Observation(
            scene_rgb=env.render("scene", RENDER_SIZE, RENDER_SIZE).rgb,
            proprio=proprio_from_joints(q[:7], env.gripper_width()),
            instruction=instruction,
            wrist_rgb=env.render("wrist", RENDER_SIZE, RENDER_SIZE).rgb if use_wrist else None)
        chunk = policy.infer(obs)
        infer_s.append(chunk.latency_s)
        d = run.on_chunk(chunk.actions, chunk.done_prob)
        if d.kind == "done":
            end = "done"
            break
        if d.kind == "act":
            env.step(d.action)
        else:
            env.step(np.array([0, 0, 0, 0, 0, 0, env.gripper_width()]))
    env.step(np.array([0, 0, 0, 0, 0, 0, env.gripper_width()]))
    ok, reason = skill_succeeded(skill, tuple(args), env)
    return EpisodeResult(skill, seed, instruction, ok, reason, end, run.steps, time.perf_counter() - t0,
                         1e3 * float(np.mean(infer_s)) if infer_s else 0.0)
