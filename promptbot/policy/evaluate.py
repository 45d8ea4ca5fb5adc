"""Closed-loop evaluation of the VLA in simulation (pure: no ROS).

The loop is the policy node's loop without the middleware: camera images and
proprioception from joint angles -> Policy.infer -> SkillRun (temporal
ensembling, clipping, done flag, no-progress check) -> the sim's twist/gripper
action space. Success is judged from simulator ground truth after the policy
declares done, makes no progress (``SkillRun.check_progress``) or times out.

The default timeout is the graph's: the planner sends every ExecuteSkill goal
with its ``step_timeout_s`` (config/planner_node.yaml) and the policy node
honours it, so ``graph_skill_timeout_s()`` (promptbot.policy.paths) reads it from there.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from promptbot.policy.collect_skills import RENDER_SIZE, skill_episode_spec
from promptbot.policy.data import step_paraphrases
from promptbot.policy.paths import graph_skill_timeout_s
from promptbot.policy.proprio import GRIPPER_WIDTH_INDEX, TCP_XYZ, proprio_from_joints
from promptbot.policy.runner import ENSEMBLE_K, RELEASE_SKILLS, STALL_S, Decision, RunnerConfig, SkillRun
from promptbot.policy.servo import PushServo, ServoConfig, TargetServo, servo_for_skill
from promptbot.scene import REGIONS, is_in, is_on

HELDOUT_SEED0 = 1_000_000      # training data uses seeds below this


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
        held = env.contacts_with_fingers(args[0]) > 0
        return ok and not held, (f"{'in' if b.is_container else 'on'}({args[0]}, {args[1]}) = {ok}"
                                 + (", still in the fingers" if held else ""))
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
    end: str                    # done | timeout | stalled
    end_reason: str             # the runner's reason for the end (e.g. "no progress for 4.0 s: ...")
    control_steps: int
    wall_s: float
    mean_infer_ms: float
    servo_steps: int = 0        # control steps whose action the perception servo corrected (0: no servo)


@dataclass(frozen=True)
class LatencySpec:
    """Graph-like delays for the in-process loop, and how the runner compensates."""
    obs_delay_steps: int = 0           # the policy sees the camera frame (and joints) from this many periods ago
    compensation: bool = True          # SkillRun skips chunk entries by the observation's age
    chunk_offset_steps: float = 0.0

    def __post_init__(self):
        if not 0 <= self.obs_delay_steps <= 10:
            raise ValueError("obs_delay_steps must be in [0, 10]")
        RunnerConfig(chunk_offset_steps=self.chunk_offset_steps)     # the runner's own bounds, checked up front


@dataclass
class Drive:
    """How a closed-loop stretch of the policy ended."""
    end: str                    # done | timeout | stalled ("timeout": ``max_steps`` control periods ran out)
    end_reason: str
    control_steps: int
    mean_infer_ms: float


def drive_policy(policy, env, instruction: str, cfg: RunnerConfig, max_steps: int,
                 latency: LatencySpec = LatencySpec(), servo=None) -> Drive:
    """Run the policy in ``env`` for at most ``max_steps`` control periods (the policy node's loop without
    ROS: images + proprioception -> Policy.infer -> SkillRun -> twist/gripper action); the arm holds at the end.
    ``servo``: a :class:`promptbot.policy.servo.TargetServo` that corrects each action near its targets."""
    from promptbot.policy.policy import Observation

    use_wrist = policy.config.use_wrist
    run = SkillRun(cfg, policy.config.chunk, 0.0)
    infer_s: list[float] = []
    end, end_reason = "timeout", f"skill not finished after {max_steps * cfg.period_s:.1f} s"
    history: list = []                   # observations of the last obs_delay_steps + 1 periods
    for k in range(max_steps):
        if servo is not None and servo.complete:
            end, end_reason = "done", servo.end_reason
            break
        _, q, _, _ = env.joint_state()
        proprio = proprio_from_joints(q[:7], env.gripper_width())
        stalled = run.check_progress(k * cfg.period_s, proprio[TCP_XYZ], float(proprio[GRIPPER_WIDTH_INDEX]))
        if stalled is not None:
            end, end_reason = stalled.kind, stalled.reason
            break
        history.append(Observation(
            scene_rgb=env.render("scene", RENDER_SIZE, RENDER_SIZE).rgb,
            proprio=proprio,
            instruction=instruction,
            wrist_rgb=env.render("wrist", RENDER_SIZE, RENDER_SIZE).rgb if use_wrist else None))
        del history[:-(latency.obs_delay_steps + 1)]
        obs = history[0]
        age_s = (len(history) - 1) * cfg.period_s
        chunk = policy.infer(obs)
        infer_s.append(chunk.latency_s)
        d = run.on_chunk(chunk.actions, chunk.done_prob, obs_age_s=age_s)
        if d.kind == "done" and servo is not None and servo.in_control:     # the servo's step is not over
            d = Decision("act", action=np.array([0, 0, 0, 0, 0, 0, env.gripper_command]))
        if d.kind == "done":
            end, end_reason = "done", d.reason
            break
        if d.kind == "act":
            env.step(d.action if servo is None else servo.correct(
                d.action, proprio[TCP_XYZ], env.gripper_command, float(proprio[GRIPPER_WIDTH_INDEX]),
                now_s=k * cfg.period_s))
        else:
            env.step(np.array([0, 0, 0, 0, 0, 0, env.gripper_width()]))
    env.step(np.array([0, 0, 0, 0, 0, 0, env.gripper_width()]))
    return Drive(end, end_reason, run.steps, 1e3 * float(np.mean(infer_s)) if infer_s else 0.0)


def run_episode(policy, env, seed: int, heldout_paraphrase: bool = False, timeout_s: float | None = None,
                distractors: bool = False, latency: LatencySpec = LatencySpec(),
                stall_s: float = STALL_S, ensemble_k: float = ENSEMBLE_K,
                servo: ServoConfig | None = None) -> EpisodeResult:
    """One held-out skill episode; ``timeout_s`` None = the graph's (``graph_skill_timeout_s``).

    ``servo``: correct the policy's last centimetres toward perception's detections of the skill's
    objects (:mod:`promptbot.policy.servo`), found once in a full-size RGB-D frame of the scene
    camera before the skill starts (never simulator truth)."""
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
    # discarded: the first frame after a reset depends on earlier episodes (sim.demos)
    for camera in ("scene", "wrist") if policy.config.use_wrist else ("scene",):
        env.render(camera, RENDER_SIZE, RENDER_SIZE)
    timeout_s = graph_skill_timeout_s() if timeout_s is None else timeout_s
    cfg = RunnerConfig(control_rate_hz=env.config.control_hz, timeout_s=timeout_s,
                       latency_compensation=latency.compensation, chunk_offset_steps=latency.chunk_offset_steps,
                       stall_s=stall_s, release_done=skill in RELEASE_SKILLS,      # as the policy node
                       ensemble_k=ensemble_k)
    t0 = time.perf_counter()
    target_servo = None if servo is None else _perceived_servo(env, servo, skill, args)
    drive = drive_policy(policy, env, instruction, cfg, int(timeout_s * cfg.control_rate_hz), latency,
                         servo=target_servo)
    ok, reason = skill_succeeded(skill, tuple(args), env)
    return EpisodeResult(skill, seed, instruction, ok, reason, drive.end, drive.end_reason, drive.control_steps,
                         time.perf_counter() - t0, drive.mean_infer_ms,
                         0 if target_servo is None else target_servo.corrected_steps)


def _perceived_servo(env, config: ServoConfig, skill: str, args) -> TargetServo | PushServo | None:
    """A servo whose targets come from the perception pipeline on one scene-camera RGB-D frame
    (the sim node's camera, full size); the simulator's ids number duplicates differently, so
    objects match by colour and label (``exact_ids=False``)."""
    from promptbot.perception.pipeline import Perception

    frame = env.render("scene")
    scene = Perception().process(frame.rgb, frame.depth, frame.K, frame.T_base_cam, 0.0)
    return servo_for_skill(config, skill, args, scene.objects, exact_ids=False)


# --- batch evaluation (optionally in worker processes) ------------------------------------
_WORKER: dict = {}


def _init_worker(checkpoint: str, backend: str, embeddings: str | None, threads: int,
                 latency: LatencySpec = LatencySpec(), stall_s: float = STALL_S,
                 ensemble_k: float = ENSEMBLE_K, servo: ServoConfig | None = None) -> None:
    from promptbot.policy.policy import Policy
    from promptbot.sim.env import SimConfig, SimEnv

    encoder = None
    if embeddings:
        from promptbot.policy.embeddings import LookupEncoder

        encoder = LookupEncoder(embeddings)
    _WORKER["policy"] = Policy.load(checkpoint, backend=backend, encoder=encoder, threads=threads)
    _WORKER["env"] = SimEnv("tabletop", 0, SimConfig.from_env())
    _WORKER["latency"] = latency
    _WORKER["stall_s"] = stall_s
    _WORKER["ensemble_k"] = ensemble_k
    _WORKER["servo"] = servo
    import atexit

    atexit.register(_WORKER["env"].close)    # quiet close (the EGL plugin prints on teardown)


def _run_job(job: tuple[str, int, float]) -> tuple[str, EpisodeResult]:
    cond, seed, timeout_s = job
    r = run_episode(_WORKER["policy"], _WORKER["env"], seed, heldout_paraphrase=cond == "unseen",
                    distractors=cond == "distractors", timeout_s=timeout_s, latency=_WORKER["latency"],
                    stall_s=_WORKER["stall_s"], ensemble_k=_WORKER["ensemble_k"], servo=_WORKER["servo"])
    return cond, r


def heldout_seeds(skill: str, episodes: int, offset: int = 0) -> list[int]:
    """Held-out seeds whose skill (seed % 4, see collect_skills) is ``skill``."""
    from promptbot.planning.skills import SKILL_NAMES

    k = SKILL_NAMES.index(skill)
    return [HELDOUT_SEED0 + k + 4 * (i + offset) for i in range(episodes)]


def evaluate(checkpoint: str, backend: str, skills: list[str], conditions: list[str], episodes: int,
             timeout_s: float | None = None, workers: int = 1, embeddings: str | None = None, seed_offset: int = 0,
             progress: bool = True, latency: LatencySpec = LatencySpec(), stall_s: float = STALL_S,
             ensemble_k: float = ENSEMBLE_K, servo: ServoConfig | None = None) -> dict:
    """Success per condition and skill over held-out seeds; ``workers`` > 1 runs episodes in processes.

    ``timeout_s`` None = the graph's skill timeout (``graph_skill_timeout_s``); ``stall_s`` 0 = no
    no-progress check (the episode runs to done or the timeout); ``ensemble_k`` is the temporal
    ensembling's weight decay (the policy node's, by default; ``promptbot.policy.ensemble``);
    ``servo`` adds the perception servo (:mod:`promptbot.policy.servo`; None: the policy alone).
    """
    from dataclasses import asdict

    from tqdm import tqdm

    if workers < 1:
        raise ValueError("workers must be >= 1")
    timeout_s = graph_skill_timeout_s() if timeout_s is None else timeout_s
    jobs = [(cond, seed, timeout_s) for cond in conditions for skill in skills
            for seed in heldout_seeds(skill, episodes, seed_offset)]
    report: dict = {"checkpoint": str(checkpoint), "backend": backend, "episodes_per_cell": episodes,
                    "timeout_s": timeout_s, "stall_s": stall_s, "ensemble_k": ensemble_k, "latency": asdict(latency),
                    "servo": None if servo is None else asdict(servo), "results": {}, "counts": {}, "episodes": []}
    bar = tqdm(total=len(jobs), desc="eval-policy", unit="ep", disable=not progress)
    results: list[tuple[str, EpisodeResult]] = []
    try:
        if workers == 1:
            _init_worker(str(checkpoint), backend, embeddings, threads=2, latency=latency, stall_s=stall_s,
                          ensemble_k=ensemble_k, servo=servo)
            for job in jobs:
                results.append(_run_job(job))
                bar.update(1)
        else:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=_init_worker,
                                     initargs=(str(checkpoint), backend, embeddings, 1, latency, stall_s,
                                               ensemble_k, servo)) as pool:
                for out in pool.map(_run_job, jobs, chunksize=1):
                    results.append(out)
                    bar.update(1)
                    bar.set_postfix(success=f"{sum(r.success for _, r in results)}/{len(results)}")
    finally:
        bar.close()
        env = _WORKER.pop("env", None)
        if env is not None:
            env.close()
    for cond, r in results:
        wins, n = report["counts"].setdefault(cond, {}).get(r.skill, (0, 0))
        report["counts"][cond][r.skill] = (wins + int(r.success), n + 1)
        report["episodes"].append({"condition": cond, **asdict(r)})
        ends = report.setdefault("ends", {}).setdefault(cond, {})
        ends[r.end] = ends.get(r.end, 0) + 1
    for cond, per in report["counts"].items():
        report["results"][cond] = {s: w / n for s, (w, n) in per.items()}
    return report
