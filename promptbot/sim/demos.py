"""Scripted-expert demonstrations: episodes in a chunked on-disk format (npz per episode + JSON index).

Layout of a dataset folder::

    DIR/index.json                 # format, schema (names, shapes, rates) and one entry per episode
    DIR/episodes/ep_000000.npz     # one compressed npz per episode

Each episode npz holds, for T control steps (``control_hz`` in the index):

- ``scene_rgb``  (T, H, W, 3) uint8   scene camera before the action (rendered at ``render_size`` in the
                                      index, stored at ``image_size``: INTER_AREA, as training resizes)
- ``wrist_rgb``  (T, h, w, 3) uint8   wrist camera before the action (absent if the world has none)
- ``proprio``    (T, 15) float32      7 arm joints [rad], gripper width [m], EE xyz [m], EE quat xyzw
- ``action``     (T, 7) float32       EE twist in panda_link0 (vx vy vz [m/s], wx wy wz [rad/s]) + gripper width [m]
- ``plan_step``  (T,) int16           index of the plan step being executed
- ``targets``    (T, 6) float32       where the step's object and destination are, relative to the EE [m] in
                                      panda_link0: object - EE, destination - EE (NaN where the step has none: a
                                      pick's destination); training's auxiliary target (``step_targets``), never an
                                      input
- ``instruction`` () str, ``success`` () bool, ``step_success`` (S,) bool

The index entry of an episode repeats instruction, goal, plan, success and T, so a
loader can filter without opening shards. Collection is resumable: episodes whose
file and index entry exist are skipped. ``workers`` > 1 records episodes in
parallel processes (each episode depends only on its seed: same content).

Where an episode's time goes on this 2-core CPU (EGL on llvmpipe, see
``promptbot bench collect``): rendering the two cameras ~80 %, of which most is
a per-frame cost that does not shrink with the size (a 64 px frame costs about
as much as a 96 px one), physics with the per-substep IK ~12 %, compressing
and writing the npz ~1 %.
"""
from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from promptbot.planning.skills import SKILL_NAMES
from promptbot.sim.env import ACTION_NAMES, SimConfig, SimEnv
from promptbot.sim.expert import ActionNoise, Expert, SkillError
from promptbot.sim.trials import make_trial
from promptbot.sim.worlds import load_world

log = logging.getLogger(__name__)

FORMAT = "promptbot-demos"
VERSION = 1
PROPRIO_NAMES = tuple(f"q{i}_rad" for i in range(1, 8)) + ("gripper_width_m", "ee_x_m", "ee_y_m", "ee_z_m",
                                                           "ee_qx", "ee_qy", "ee_qz", "ee_qw")
SKILL_TEMPLATES = {
    "pick": ["pick up the {a}", "grab the {a}", "lift the {a}"],
    "place": ["put the {a} in the {b}", "place the {a} into the {b}", "drop the {a} in the {b}"],
    "stack": ["stack the {a} on the {b}", "put the {a} on top of the {b}", "place the {a} onto the {b}"],
    "push": ["push the {a} to the {b}", "slide the {a} to the {b} side", "move the {a} to the {b} by pushing it"],
}


@dataclass
class EpisodeSpec:
    world: str
    seed: int
    instruction: str
    goal: str
    plan: list[tuple[str, tuple[str, ...]]]
    setup_plan: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    family: str = "single_skill"
    # True when ``goal`` is a grounded goal of promptbot.tasks.goal, checked on the final scene. Single-skill
    # specs carry descriptive pseudo-goals (holding(x), region(x, name)): their expert's own check decides.
    goal_checked: bool = False


def _name(oid: str) -> str:
    parts = oid.split("_")
    if parts[-1].isdigit():
        parts = parts[:-1]
    return " ".join(parts)


def episode_spec(world: str, seed: int) -> EpisodeSpec:
    """A task from ``promptbot.tasks`` when available, else a templated single-skill episode."""
    try:
        from promptbot.tasks import generate
    except ImportError:
        generate = None
    if generate is not None:
        try:
            t = generate(world, seed)
            return EpisodeSpec(world, seed, t.instruction, str(t.goal), list(t.oracle_plan),
                               list(t.setup_plan), t.family, goal_checked=True)
        except Exception as exc:  # noqa: BLE001 - fall back to single skills
            log.info("task generation failed for %s/%d (%s); using a single-skill episode", world, seed, exc)
    skill = SKILL_NAMES[seed % len(SKILL_NAMES)]
    trial = make_trial(skill, seed)
    if trial.world != world:   # keep the requested world: choose args from its scene
        from promptbot.sim.worlds import sample_scene
        objs = sample_scene(world, seed)
        movable = [o for o in objs if not o.is_container]
        boxes = [o for o in objs if o.is_container]
        rng = np.random.default_rng([seed, 5])
        a = movable[int(rng.integers(len(movable)))]
        if skill == "place" and boxes:
            args: tuple[str, ...] = (a.id, boxes[int(rng.integers(len(boxes)))].id)
        elif skill == "stack" and len(movable) > 1:
            b = [o for o in movable if o.id != a.id][0]
            args = (a.id, b.id)
        else:
            skill, args = "pick", (a.id,)
        trial = trial.__class__(skill, world, seed, args)
    rng = np.random.default_rng([seed, 6])
    tmpl = SKILL_TEMPLATES[trial.skill][int(rng.integers(3))]
    a_name = _name(trial.args[0])
    b_name = _name(trial.args[1]) if len(trial.args) > 1 else ""
    instruction = tmpl.format(a=a_name, b=b_name)
    goal = {"pick": f"holding({trial.args[0]})", "place": f"in({trial.args[0]},{b_name.replace(' ', '_')})",
            "stack": f"on({trial.args[0]},{trial.args[1] if len(trial.args) > 1 else ''})",
            "push": f"region({trial.args[0]},{b_name})"}[trial.skill]
    return EpisodeSpec(world, seed, instruction, goal, [(trial.skill, trial.args)])


def stored_frame(rgb: np.ndarray, image_size: int) -> np.ndarray:
    """A rendered frame at the stored size: INTER_AREA, the resize training applies
    (promptbot.policy.data and promptbot.policy.policy.preprocess_image), so the stored
    frame equals what the model would have seen from the render."""
    if rgb.shape[:2] == (image_size, image_size):
        return rgb
    return cv2.resize(rgb, (image_size, image_size), interpolation=cv2.INTER_AREA)


def step_targets(env: SimEnv, skill: str, args) -> np.ndarray:
    """(6,) object - EE and destination - EE [m] for a plan step (NaN where there is none).

    The destination is the other object of a place or stack, a region's centre at the object's height for a push
    or a place on a region, nothing for a pick. Read from the simulator: a label for training, never an input.
    """
    from promptbot.scene import REGIONS

    ee = np.asarray(env.ee_pose()[0], np.float64)
    out = np.full(6, np.nan, np.float32)
    if not args or args[0] not in env.bodies:
        return out
    obj = env.object_pose(args[0])[0]
    out[:3] = obj - ee
    dest = args[1] if len(args) > 1 else None
    if skill != "pick" and dest is not None:
        if dest in env.bodies:
            out[3:] = env.object_pose(dest)[0] - ee
        elif dest in REGIONS:
            cx, cy = REGIONS[dest].center
            out[3:] = np.array([cx, cy, obj[2]]) - ee
    return out


def record_episode(env: SimEnv, spec: EpisodeSpec, image_size: int = 96, wrist: bool = True,
                   on_frame: Callable[[int, np.ndarray], None] | None = None,
                   noise_lin_m_s: float = 0.0, render_size: int | None = None,
                   prelude: Callable[[SimEnv, EpisodeSpec], dict] | None = None,
                   release_width_m: float | None = None) -> tuple[dict, dict]:
    """Run ``spec`` with the expert and return (arrays, metadata).

    ``prelude(env, spec)``, when given, acts after the setup plan and before the expert starts (DAgger:
    the policy drives first, promptbot.policy.dagger); only the expert's part is recorded, the prelude's
    returned dict goes into the metadata under "prelude".

    ``noise_lin_m_s`` > 0 disturbs the executed twists (``ActionNoise``, DART) while the
    recorded actions stay the expert's clean corrections. Frames are rendered at
    ``render_size`` (default ``image_size``) and stored at ``image_size`` (``stored_frame``).
    ``release_width_m``: the expert's gripper width when a place or stack lets go (None: its default,
    the pre-grasp width; ``Expert``).
    """
    render_size = int(render_size or image_size)
    env.reset(spec.world, spec.seed)
    setup = Expert(env)
    if spec.setup_plan:
        res = setup.run_plan(spec.setup_plan)
        if not all(r.success for r in res):
            raise SkillError(f"setup plan failed: {[(r.skill, r.args, r.success) for r in res]}")
        setup.go_home(2.0)
    prelude_info = prelude(env, spec) if prelude is not None else None
    start = env.ground_truth()          # the episode's start: reference of the goal's unmoved(x)
    scene, wrist_imgs, proprio, actions, steps, targets = [], [], [], [], [], []
    use_wrist = wrist and env.world.wrist_camera.enabled
    # PyBullet's EGL renderer draws the first frame after a reset partly from its previous state (a few
    # pixels differed with the episode recorded before): one discarded frame per camera makes an episode's
    # frames depend on its seed only, whatever this process recorded earlier (--workers, resumed runs)
    env.render("scene", render_size, render_size)
    if use_wrist:
        env.render("wrist", render_size, render_size)
    current = [0]

    def observe(action: np.ndarray) -> None:
        scene.append(stored_frame(env.render("scene", render_size, render_size).rgb, image_size))
        if use_wrist:
            wrist_imgs.append(stored_frame(env.render("wrist", render_size, render_size).rgb, image_size))
        proprio.append(env.proprio())
        actions.append(action.astype(np.float32))
        steps.append(current[0])
        targets.append(step_targets(env, *spec.plan[current[0]]))
        if on_frame is not None:
            on_frame(current[0], scene[-1])

    noise = None
    if noise_lin_m_s > 0:
        noise = ActionNoise(lin_std_m_s=noise_lin_m_s, ang_std_rad_s=3.0 * noise_lin_m_s, seed=spec.seed)
    expert = Expert(env, observer=observe, noise=noise, release_width_m=release_width_m)
    step_ok = []
    for i, (skill, args) in enumerate(spec.plan):
        current[0] = i
        r = expert.run(skill, args)
        step_ok.append(r.success)
        if not r.success:
            break
    success = len(step_ok) == len(spec.plan) and all(step_ok)
    if success and spec.goal_checked:
        from promptbot.tasks import check
        success = bool(check(spec.goal, env.ground_truth(), initial=start)[0])
    arrays = {
        "scene_rgb": np.stack(scene) if scene else np.zeros((0, image_size, image_size, 3), np.uint8),
        "proprio": np.stack(proprio) if proprio else np.zeros((0, 15), np.float32),
        "action": np.stack(actions) if actions else np.zeros((0, 7), np.float32),
        "plan_step": np.array(steps, dtype=np.int16),
        "targets": np.stack(targets) if targets else np.zeros((0, 6), np.float32),
        "instruction": np.array(spec.instruction),
        "success": np.array(success),
        "step_success": np.array(step_ok, dtype=bool),
    }
    if use_wrist:
        arrays["wrist_rgb"] = np.stack(wrist_imgs) if wrist_imgs else np.zeros((0, image_size, image_size, 3),
                                                                               np.uint8)
    meta = {"world": spec.world, "seed": spec.seed, "family": spec.family, "instruction": spec.instruction,
            "goal": spec.goal, "plan": [[s, list(a)] for s, a in spec.plan], "success": success,
            "n_steps": int(len(actions)), "noise_lin_m_s": float(noise_lin_m_s), "render_size": render_size}
    if release_width_m is not None:
        meta["release_width_m"] = float(release_width_m)
    if prelude_info is not None:
        meta["prelude"] = prelude_info
    return arrays, meta


class Dataset:
    """A dataset folder: read/write the index, write episodes atomically."""

    def __init__(self, root: str | os.PathLike, world: str, image_size: int, control_hz: float):
        self.root = Path(root)
        (self.root / "episodes").mkdir(parents=True, exist_ok=True)
        self.index_path = self.root / "index.json"
        if self.index_path.is_file():
            self.index = json.loads(self.index_path.read_text())
            if self.index.get("format") != FORMAT:
                raise ValueError(f"{self.index_path} is not a {FORMAT} index")
            if self.index.get("image_size") != [image_size, image_size]:
                raise ValueError(f"existing dataset has image_size {self.index.get('image_size')}, "
                                 f"asked for {image_size}")
        else:
            self.index = {"format": FORMAT, "version": VERSION, "world": world,
                          "image_size": [image_size, image_size], "control_hz": control_hz,
                          "action_names": list(ACTION_NAMES), "action_frame": "panda_link0",
                          "proprio_names": list(PROPRIO_NAMES), "episodes": []}

    def done(self) -> set[int]:
        return {e["episode"] for e in self.index["episodes"]
                if (self.root / e["file"]).is_file()}

    def write(self, episode: int, arrays: dict, meta: dict) -> None:
        self.add(episode, write_episode_file(self.root, episode, arrays), meta)

    def add(self, episode: int, rel: str, meta: dict) -> None:
        """Enter an episode file (already written, ``write_episode_file``) into the index."""
        self.index["episodes"] = [e for e in self.index["episodes"] if e["episode"] != episode]
        self.index["episodes"].append({"episode": episode, "file": rel, **meta})
        self.index["episodes"].sort(key=lambda e: e["episode"])
        tmp_idx = self.index_path.with_suffix(".tmp")
        tmp_idx.write_text(json.dumps(self.index, indent=1))
        os.replace(tmp_idx, self.index_path)


def write_episode_file(root: str | os.PathLike, episode: int, arrays: dict) -> str:
    """Write one episode's npz atomically; returns its path relative to ``root``."""
    rel = f"episodes/ep_{episode:06d}.npz"
    tmp = Path(root) / f"episodes/.ep_{episode:06d}.tmp.npz"
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, Path(root) / rel)
    return rel


def load_episode(root: str | os.PathLike, episode: int) -> dict[str, np.ndarray]:
    path = Path(root) / "episodes" / f"ep_{episode:06d}.npz"
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


# --- one recorder per process -------------------------------------------------------------
_RECORDER: dict = {}


LLVMPIPE_THREADS_PER_WORKER = "1"   # Mesa's CPU rasteriser threads in each parallel recorder (it defaults to
                                    # one per core: N recorders would start N x cores threads on a small CPU)


def _init_recorder(world: str, seed0: int, root: str, spec_fn, image_size: int, render_size: int | None,
                   wrist: bool, noise_lin_m_s: float, prelude=None, parallel: bool = False,
                   release_width_m: float | None = None) -> None:
    import atexit

    if parallel:     # before the EGL context exists; a value the user set wins
        os.environ.setdefault("LP_NUM_THREADS", LLVMPIPE_THREADS_PER_WORKER)
    _RECORDER.update(env=SimEnv(load_world(world), seed0, SimConfig.from_env()), world=world, root=root,
                     spec_fn=spec_fn, image_size=image_size, render_size=render_size, wrist=wrist,
                     noise_lin_m_s=noise_lin_m_s, prelude=prelude, release_width_m=release_width_m)
    atexit.register(_RECORDER["env"].close)


def _record_job(job: tuple[int, int]) -> tuple[int, int, str | None, dict | None]:
    """Record episode ``i`` (seed ``seed``) and write its file; (i, seed, relative path or None, meta or error)."""
    i, seed = job
    r = _RECORDER
    es = r["spec_fn"](r["world"], seed)
    try:
        arrays, meta = record_episode(r["env"], es, image_size=r["image_size"], wrist=r["wrist"],
                                      noise_lin_m_s=r["noise_lin_m_s"], render_size=r["render_size"],
                                      prelude=r["prelude"], release_width_m=r["release_width_m"])
    except SkillError as exc:
        return i, seed, None, {"error": str(exc)}
    return i, seed, write_episode_file(r["root"], i, arrays), meta


def collect(world: str, episodes: int, out: str | os.PathLike, seed0: int = 0, image_size: int = 96,
            wrist: bool = True, progress: bool = True,
            spec_fn: Callable[[str, int], EpisodeSpec] | None = None, label: str | None = None,
            max_minutes: float = 0.0, noise_lin_m_s: float = 0.0, workers: int = 1,
            render_size: int | None = None, prelude: Callable[[SimEnv, EpisodeSpec], dict] | None = None,
            release_width_m: float | None = None) -> dict:
    """Record ``episodes`` episodes of ``world`` into ``out`` (resumable). Returns a summary dict.

    ``spec_fn(world, seed)`` chooses each episode (default: ``episode_spec``, library tasks; with
    ``workers`` > 1 it must be picklable: a module-level function or a ``functools.partial``);
    ``label`` names the dataset (default: the world); ``max_minutes`` stops starting new
    episodes after that wall time; ``render_size`` renders at that size and stores at
    ``image_size`` (``stored_frame``); ``prelude`` (picklable with ``workers`` > 1) acts before the
    expert in every episode (``record_episode``); ``release_width_m`` sets how wide the expert lets go
    (``Expert``; None: its default). The renderer can be forced with PROMPTBOT_SIM_RENDERER.
    """
    if workers < 1:
        raise ValueError("workers must be >= 1")
    spec = load_world(world)
    spec_fn = spec_fn or episode_spec
    ds = Dataset(out, label or spec.name, image_size, SimConfig().control_hz)
    done = ds.done()
    todo = [(i, seed0 + i) for i in range(episodes) if i not in done]
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=episodes, initial=episodes - len(todo), desc=f"collect {label or spec.name}", unit="ep")
    ok = failed = 0
    t_end = time.monotonic() + 60.0 * max_minutes if max_minutes else None
    init = (world, seed0, str(out), spec_fn, image_size, render_size, wrist, noise_lin_m_s, prelude)

    def finish(result: tuple[int, int, str | None, dict | None]) -> None:
        nonlocal ok, failed
        i, seed, rel, meta = result
        if rel is None:
            log.warning("episode %d (seed %d) skipped: %s", i, seed, meta["error"])
            failed += 1
        else:
            ds.add(i, rel, meta)
            ok += bool(meta["success"])
        if bar:
            bar.update(1)
            bar.set_postfix(success=f"{ok}/{len(todo)}")

    def time_left() -> bool:
        return t_end is None or time.monotonic() <= t_end

    try:
        if workers == 1:
            _init_recorder(*init, False, release_width_m)
            try:
                for job in todo:
                    if not time_left():
                        break
                    finish(_record_job(job))
            finally:
                _RECORDER.pop("env").close()
        else:
            import multiprocessing as mp
            from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

            with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=_init_recorder,
                                     initargs=(*init, True, release_width_m)) as pool:
                pending: set = set()
                jobs = iter(todo)
                while True:
                    while len(pending) < 2 * workers and time_left():
                        job = next(jobs, None)
                        if job is None:
                            break
                        pending.add(pool.submit(_record_job, job))
                    if not pending:
                        break
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in finished:
                        finish(f.result())
    finally:
        if bar:
            bar.close()
    total = len(ds.index["episodes"])
    n_ok = sum(1 for e in ds.index["episodes"] if e["success"])
    return {"out": str(out), "episodes": total, "successful": n_ok, "skipped_errors": failed,
            "resumed_from": len(done)}
