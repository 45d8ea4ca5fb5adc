"""``promptbot eval-policy --episodes N --json``: VLA success per skill in simulation.

Held-out seeds (>= 1,000,000; training uses lower ones), three conditions:
seen paraphrases, unseen paraphrases, and the cluttered world (distractors).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--episodes", type=int, default=200, help="episodes per skill and condition")
    parser.add_argument("--checkpoint", type=Path, default=None)
    parser.add_argument("--backend", default="onnxruntime", choices=["torch", "onnxruntime", "tensorrt"])
    parser.add_argument("--conditions", default="seen,unseen,distractors")
    parser.add_argument("--skills", default="pick,place,stack,push")
    parser.add_argument("--timeout", type=float, default=20.0, help="per-skill timeout [s sim time]")
    parser.add_argument("--embeddings", type=Path, default=None, help="precomputed instruction embeddings (npz)")
    parser.add_argument("--seed-offset", type=int, default=0, help="skip this many held-out seeds per cell (sharding)")
    parser.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from promptbot.policy.collect_skills import SKILL_ORDER
    from promptbot.policy.evaluate import HELDOUT_SEED0, run_episode
    from promptbot.policy.paths import default_checkpoint
    from promptbot.policy.policy import Policy
    from promptbot.sim.env import SimEnv

    ckpt = args.checkpoint or default_checkpoint()
    if not Path(ckpt).is_file():
        print(f"eval-policy: no checkpoint at {ckpt}; train one with `promptbot train --install`", file=sys.stderr)
        return 2
    encoder = None
    if args.embeddings:
        from promptbot.policy.embeddings import LookupEncoder

        encoder = LookupEncoder(args.embeddings)
    policy = Policy.load(ckpt, backend=args.backend, encoder=encoder)
    skills = [s for s in args.skills.split(",") if s]
    conditions = [c for c in args.conditions.split(",") if c]
    import os

    from promptbot.sim.env import SimConfig

    env = SimEnv("tabletop", 0, SimConfig(renderer=os.environ.get("PROMPTBOT_SIM_RENDERER", "auto")))
    report: dict = {"checkpoint": str(ckpt), "backend": args.backend, "episodes_per_cell": args.episodes,
                    "results": {}, "episodes": []}
    try:
        for cond in conditions:
            for skill in skills:
                k = SKILL_ORDER.index(skill)
                seeds = [HELDOUT_SEED0 + k + 4 * (i + args.seed_offset) for i in range(args.episodes)]
                wins = 0
                for seed in tqdm(seeds, desc=f"{cond}/{skill}", disable=args.json, leave=False):
                    r = run_episode(policy, env, seed, heldout_paraphrase=cond == "unseen",
                                    distractors=cond == "distractors", timeout_s=args.timeout)
                    wins += r.success
                    report["episodes"].append({"condition": cond, **asdict(r)})
                report["results"].setdefault(cond, {})[skill] = wins / max(1, len(seeds))
                if not args.json:
                    print(f"{cond:12s} {skill:6s} {wins}/{len(seeds)} = {wins / max(1, len(seeds)):.2f}")
    finally:
        env.close()
    if args.json:
        print(json.dumps(report, indent=2))
    return 0
