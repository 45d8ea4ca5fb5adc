"""Demonstration collection cost: seconds per episode, the old path against the new, in one run.

``promptbot bench collect --json [--episodes 4] [--workers 2]`` records the same skill episodes
(``python -m promptbot.policy.collect_skills``, seeds ``seed0 ..``) three ways:

- ``baseline``: the old path: 96 px frames stored, one process;
- ``new_64px``: 64 px frames stored (INTER_AREA from the same 96 px renders, what training computes),
  one process (these two take turns episode by episode, so the machine's load falls on both alike);
- ``new_64px_workers``: the same in ``--workers`` processes (each pays its own start: imports, GL context);
- ``breakdown``: one more pass (this process) over the first episodes with timers around rendering
  and physics, to say where an episode's time goes, and the cost of one frame by render size
  (why rendering at 64 px directly is not the saving it looks like with EGL on a CPU).

It checks that the new path is a pure speed-up: per seed the same actions and proprioception, and
its frames equal the baseline's frames resized (``promptbot.sim.demos.stored_frame``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

NEW_IMAGE_SIZE = 64      # [px] the committed model's input (models/vla_tabletop.pt config image_size)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")
    parser.add_argument("--episodes", type=int, default=4, help="episodes per path (default 4: one per skill)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes of the new path (default: 2, or 1 on a single core)")
    parser.add_argument("--seed0", type=int, default=0, help="seed of the first episode")
    parser.add_argument("--breakdown-episodes", type=int, default=2,
                        help="episodes timed by phase (render, physics, the rest); 0 = skip")


def _log(msg: str) -> None:
    print(f"[bench collect] {msg}", file=sys.stderr, flush=True)


def _timed(out: Path, episodes: int, seed0: int, image_size: int, workers: int) -> dict:
    from promptbot.policy.collect_skills import collect_skills

    t0 = time.perf_counter()
    summary = collect_skills(str(out), episodes, seed0, image_size=image_size, progress=False, workers=workers)
    wall = time.perf_counter() - t0
    return {"image_size": image_size, "workers": workers, "episodes": summary["episodes"],
            "successful": summary["successful"], "wall_s": round(wall, 2),
            "s_per_episode": round(wall / max(1, episodes), 2)}


def _interleaved(root: Path, sizes: dict[str, int], episodes: int, seed0: int) -> dict:
    """One-process paths timed episode by episode in turn (A0 B0 A1 B1 ...), so a change in the machine's load
    during the run falls on every path alike; each call resumes its dataset and records one more episode."""
    from promptbot.policy.collect_skills import collect_skills

    spent = dict.fromkeys(sizes, 0.0)
    summaries: dict = {}
    for i in range(episodes):
        for name, size in sizes.items():
            t0 = time.perf_counter()
            summaries[name] = collect_skills(str(root / name), i + 1, seed0, image_size=size, progress=False)
            spent[name] += time.perf_counter() - t0
    return {name: {"image_size": size, "workers": 1, "episodes": summaries[name]["episodes"],
                   "successful": summaries[name]["successful"], "wall_s": round(spent[name], 2),
                   "s_per_episode": round(spent[name] / episodes, 2)} for name, size in sizes.items()}


def _same_content(old: Path, new: Path, episodes: int, image_size: int) -> dict:
    from promptbot.sim.demos import load_episode, stored_frame

    actions = proprio = frames = True
    max_diff = 0
    for i in range(episodes):
        a, b = load_episode(old, i), load_episode(new, i)
        actions &= np.array_equal(a["action"], b["action"])
        proprio &= np.array_equal(a["proprio"], b["proprio"])
        for cam in ("scene_rgb", "wrist_rgb"):
            resized = np.stack([stored_frame(f, image_size) for f in a[cam]])
            same_shape = resized.shape == b[cam].shape
            frames &= same_shape and np.array_equal(resized, b[cam])
            if same_shape:
                max_diff = max(max_diff, int(np.abs(resized.astype(int) - b[cam].astype(int)).max()))
    return {"same_actions": bool(actions), "same_proprio": bool(proprio),
            "frames_equal_resized_baseline": bool(frames), "max_abs_pixel_diff": max_diff}


def _breakdown(episodes: int, seed0: int) -> dict:
    """Time rendering and physics inside ``record_episode`` (the baseline's settings, one process)."""
    from promptbot.policy.collect_skills import RENDER_SIZE, skill_episode_spec
    from promptbot.sim.demos import record_episode
    from promptbot.sim.env import SimConfig, SimEnv

    env = SimEnv("tabletop", seed0, SimConfig.from_env())
    spent = {"render": 0.0, "physics": 0.0}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - t
        return wrapper

    env.render = timed("render", env.render)                 # instance attributes: only this env is timed
    env.step_physics = timed("physics", env.step_physics)
    steps = 0
    t0 = time.perf_counter()
    try:
        for seed in range(seed0, seed0 + episodes):
            arrays, _ = record_episode(env, skill_episode_spec(seed), image_size=RENDER_SIZE)
            steps += len(arrays["action"])
            t_write = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                np.savez_compressed(Path(tmp) / "ep.npz", **arrays)
            spent["npz_write"] = spent.get("npz_write", 0.0) + time.perf_counter() - t_write
    finally:
        env.close()
    total = time.perf_counter() - t0
    shares = {k: round(v / total, 3) for k, v in spent.items()}
    shares["rest (expert, IK outside physics, reset, specs)"] = round(1.0 - sum(spent.values()) / total, 3)
    return {"episodes": episodes, "control_steps": steps, "renderer": env.renderer_name, "wall_s": round(total, 2),
            "ms_per_control_step": round(1e3 * total / max(1, steps), 1),
            "render_ms_per_frame": round(1e3 * spent["render"] / max(1, 2 * steps), 1), "share": shares}


def _render_ms_per_frame(frames: int = 60) -> dict:
    """Mean cost of one frame (scene and wrist alternately) [ms] by render size, and without shadows
    (which would change the images: the sim node renders with them), variants interleaved (same load)."""
    from promptbot.sim.env import SimConfig, SimEnv

    envs = {shadows: SimEnv("tabletop", 0, SimConfig.from_env(shadows=shadows)) for shadows in (True, False)}
    variants = {"64px": (64, True), "96px": (96, True), "96px_no_shadows": (96, False)}
    spent = dict.fromkeys(variants, 0.0)
    try:
        for _ in range(frames):
            for name, (size, shadows) in variants.items():
                t = time.perf_counter()
                envs[shadows].render("scene", size, size)
                envs[shadows].render("wrist", size, size)
                spent[name] += time.perf_counter() - t
    finally:
        for env in envs.values():
            env.close()
    return {name: round(1e3 * v / (2 * frames), 1) for name, v in spent.items()}


def run(args: argparse.Namespace) -> int:
    if args.episodes < 1 or args.workers < 1 or args.breakdown_episodes < 0:
        print("bench collect: --episodes and --workers must be >= 1", file=sys.stderr)
        return 2
    from promptbot.policy.collect_skills import RENDER_SIZE   # imports (torch among them) before any timing
    from promptbot.sim.env import SimConfig, SimEnv

    with SimEnv("tabletop", args.seed0, SimConfig.from_env()) as env:   # warm-up: the first GL context in a
        env.render("scene", RENDER_SIZE, RENDER_SIZE)                  # process compiles its shaders, which
        env.render("wrist", RENDER_SIZE, RENDER_SIZE)                  # would be charged to the first path

    report: dict = {"cpu_count": os.cpu_count(), "seed0": args.seed0, "paths": {}, "content": {}, "dataset_mb": {}}
    sizes = {"baseline": RENDER_SIZE, "new_64px": NEW_IMAGE_SIZE}
    with tempfile.TemporaryDirectory(prefix="bench_collect_") as tmp:
        root = Path(tmp)
        _log(f"baseline ({RENDER_SIZE} px stored) and new_64px, 1 process each, {args.episodes} episodes in turn")
        report["paths"] = _interleaved(root, sizes, args.episodes, args.seed0)
        if args.workers > 1:
            _log(f"new_64px_workers: {args.episodes} episodes, {NEW_IMAGE_SIZE} px stored, {args.workers} processes")
            report["paths"]["new_64px_workers"] = _timed(root / "new_64px_workers", args.episodes, args.seed0,
                                                         NEW_IMAGE_SIZE, args.workers)
        base = report["paths"]["baseline"]["s_per_episode"]
        for name, row in report["paths"].items():
            row["speedup_vs_baseline"] = round(base / max(1e-9, row["s_per_episode"]), 2)
            report["dataset_mb"][name] = round(sum(f.stat().st_size for f in (root / name).rglob("*.npz")) / 1e6, 2)
            if name != "baseline":
                report["content"][name] = _same_content(root / "baseline", root / name, args.episodes,
                                                        row["image_size"])
    if args.breakdown_episodes:
        _log(f"breakdown: {args.breakdown_episodes} episodes with timers")
        report["breakdown"] = _breakdown(args.breakdown_episodes, args.seed0)
        report["breakdown"]["render_ms_per_frame_variants"] = _render_ms_per_frame()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, row in report["paths"].items():
            print(f"{name:18s} {row['s_per_episode']:6.2f} s/episode  x{row['speedup_vs_baseline']:.2f}  "
                  f"{report['dataset_mb'][name]:.2f} MB  {report['content'].get(name, '')}")
    pure = all(c["same_actions"] and c["same_proprio"] and c["frames_equal_resized_baseline"]
               for c in report["content"].values())
    return 0 if pure else 1
