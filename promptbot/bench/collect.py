"""Demonstration collection cost: seconds per episode, the old path against the new, in one run.

``promptbot bench collect --json [--episodes 4] [--workers 2]`` records the same skill episodes
(``python -m promptbot.policy.collect_skills``, seeds ``seed0 ..``) three ways:

- ``baseline``: the old path: 96 px frames stored, one process;
- ``new``: 64 px frames stored (INTER_AREA from the same 96 px renders, what training computes),
  ``--workers`` processes;
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


def _render_ms_by_size(sizes=(64, 96), frames: int = 30) -> dict:
    """Mean cost of one scene + one wrist frame per render size [ms], sizes interleaved (same load)."""
    from promptbot.sim.env import SimConfig, SimEnv

    env = SimEnv("tabletop", 0, SimConfig.from_env())
    spent = dict.fromkeys(sizes, 0.0)
    try:
        for _ in range(frames):
            for size in sizes:
                t = time.perf_counter()
                env.render("scene", size, size)
                env.render("wrist", size, size)
                spent[size] += time.perf_counter() - t
    finally:
        env.close()
    return {f"{size}px": round(1e3 * v / (2 * frames), 1) for size, v in spent.items()}


def run(args: argparse.Namespace) -> int:
    if args.episodes < 1 or args.workers < 1 or args.breakdown_episodes < 0:
        print("bench collect: --episodes and --workers must be >= 1", file=sys.stderr)
        return 2
    from promptbot.policy.collect_skills import RENDER_SIZE

    report: dict = {"cpu_count": os.cpu_count(), "seed0": args.seed0}
    with tempfile.TemporaryDirectory(prefix="bench_collect_") as tmp:
        old, new = Path(tmp) / "baseline", Path(tmp) / "new"
        _log(f"baseline: {args.episodes} episodes, {RENDER_SIZE} px stored, 1 process")
        report["baseline"] = _timed(old, args.episodes, args.seed0, RENDER_SIZE, 1)
        _log(f"new: {args.episodes} episodes, {NEW_IMAGE_SIZE} px stored, {args.workers} processes")
        report["new"] = _timed(new, args.episodes, args.seed0, NEW_IMAGE_SIZE, args.workers)
        report["content"] = _same_content(old, new, args.episodes, NEW_IMAGE_SIZE)
        report["dataset_mb"] = {name: round(sum(f.stat().st_size for f in (Path(tmp) / name).rglob("*.npz")) / 1e6, 2)
                                for name in ("baseline", "new")}
    report["speedup"] = round(report["baseline"]["s_per_episode"] / max(1e-9, report["new"]["s_per_episode"]), 2)
    if args.breakdown_episodes:
        _log(f"breakdown: {args.breakdown_episodes} episodes with timers")
        report["breakdown"] = _breakdown(args.breakdown_episodes, args.seed0)
        report["breakdown"]["render_ms_per_frame_by_size"] = _render_ms_by_size()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        b, n = report["baseline"], report["new"]
        print(f"baseline {b['s_per_episode']:.2f} s/episode, new {n['s_per_episode']:.2f} s/episode "
              f"({n['workers']} processes): {report['speedup']:.2f}x; content {report['content']}")
    return 0 if report["content"]["same_actions"] and report["content"]["frames_equal_resized_baseline"] else 1
