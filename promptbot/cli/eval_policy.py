"""``promptbot eval-policy --episodes N --json``: VLA success per skill in simulation.

Held-out seeds (>= 1,000,000; training uses lower ones), three conditions:
seen paraphrases, unseen paraphrases, and the cluttered world (distractors).
The skill timeout defaults to the graph's (the planner's ``step_timeout_s``),
a skill that makes no progress for ``--stall`` seconds ends early, and the servo
on perception's detections is the policy node's default (``guided``), so the
default evaluation measures what the node runs; ``--servo none`` measures the
network alone.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from promptbot.planning.skills import SKILL_NAMES
from promptbot.policy.ensemble import K_LIMIT
from promptbot.policy.runner import ENSEMBLE_K, STALL_S
from promptbot.policy.servo import DEFAULT_SERVO, SERVO_PRESETS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from promptbot.policy.paths import graph_skill_timeout_s

    parser.add_argument("--episodes", type=int, default=200, help="episodes per skill and condition")
    parser.add_argument("--checkpoint", type=Path, default=None)
    parser.add_argument("--backend", default="onnxruntime", choices=["torch", "onnxruntime", "tensorrt"])
    parser.add_argument("--conditions", default="seen,unseen,distractors")
    parser.add_argument("--skills", default="pick,place,stack,push")
    parser.add_argument("--timeout", type=float, default=None,
                        help="per-skill timeout [s sim time]; default: the policy's skill timeout in the graph, "
                             "the planner's step_timeout_s in config/planner_node.yaml "
                             f"({graph_skill_timeout_s():.0f} s)")
    parser.add_argument("--stall", type=float, default=STALL_S, metavar="S",
                        help="end a skill that makes no progress for this long, as the policy node does "
                             "(its stall_s; promptbot.policy.runner) [s sim time]; 0 = off (default %(default)s)")
    parser.add_argument("--ensemble-k", type=float, default=ENSEMBLE_K, metavar="K",
                        help="temporal ensembling of the action chunks: weight decay per prediction age, > 0 favours "
                             f"the oldest (ACT), 0 = mean, < 0 favours the newest; in [-{K_LIMIT:g}, {K_LIMIT:g}] "
                             "(default %(default)s, the policy node's ensemble_k)")
    parser.add_argument("--servo", choices=list(SERVO_PRESETS), default=DEFAULT_SERVO,
                        help="a servo on perception's RGB-D detections of the skill's objects for the last "
                             "centimetres (promptbot.policy.servo): 'align' steers over the object and the "
                             "destination, 'finish' also closes / lowers and opens there when the policy waits, 'settle' "
                             "also takes the height from a hovering policy and opens once the carried object rests "
                             "on the destination, 'settle_push' also pushes once the hand is at the object "
                             "and 'guided' also goes to the object or the destination itself after 3 s without getting "
                             "near it, holds the policy's 'done' until the step is done and lets it open only over the "
                             "destination; 'none' = the network alone (default %(default)s, the policy node's servo)")
    parser.add_argument("--embeddings", type=Path, default=None, help="precomputed instruction embeddings (npz)")
    parser.add_argument("--seed-offset", type=int, default=0, help="skip this many held-out seeds per cell (sharding)")
    parser.add_argument("--workers", type=int, default=1, help="episodes in parallel processes")
    parser.add_argument("--latency-steps", type=int, default=0,
                        help="the policy sees observations this many control periods old (a graph's camera and "
                             "inference delay); 0 = the synchronous loop the demonstrations were recorded in")
    parser.add_argument("--no-latency-compensation", action="store_true",
                        help="execute chunks from their first entry whatever the observation's age")
    parser.add_argument("--chunk-offset", type=float, default=0.0, help="extra chunk entries to skip [periods]")
    parser.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from promptbot.policy.evaluate import LatencySpec, evaluate
    from promptbot.policy.paths import default_checkpoint

    ckpt = args.checkpoint or default_checkpoint()
    if not Path(ckpt).is_file():
        print(f"eval-policy: no checkpoint at {ckpt}; train one with `promptbot train --install`", file=sys.stderr)
        return 2
    try:
        latency = LatencySpec(args.latency_steps, not args.no_latency_compensation, args.chunk_offset)
    except ValueError as exc:
        print(f"eval-policy: --latency-steps / --chunk-offset: {exc}", file=sys.stderr)
        return 2
    if args.episodes < 1 or args.workers < 1 or (args.timeout is not None and args.timeout <= 0) or args.stall < 0 \
            or not -K_LIMIT <= args.ensemble_k <= K_LIMIT:
        print("eval-policy: --episodes and --workers must be >= 1, --timeout > 0, --stall >= 0 and --ensemble-k "
              f"in [-{K_LIMIT:g}, {K_LIMIT:g}]", file=sys.stderr)
        return 2
    skills = [s for s in args.skills.split(",") if s]
    conditions = [c for c in args.conditions.split(",") if c]
    bad = [s for s in skills if s not in SKILL_NAMES] + \
        [c for c in conditions if c not in ("seen", "unseen", "distractors")]
    if bad:
        print(f"eval-policy: unknown skill/condition {bad}", file=sys.stderr)
        return 2
    report = evaluate(str(ckpt), args.backend, skills, conditions, args.episodes, args.timeout, args.workers,
                      str(args.embeddings) if args.embeddings else None, args.seed_offset, progress=True,
                      latency=latency, stall_s=args.stall, ensemble_k=args.ensemble_k,
                      servo=SERVO_PRESETS[args.servo])
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"timeout {report['timeout_s']:.0f} s, no-progress stop after {report['stall_s']:.1f} s, "
              f"servo {args.servo}")
        for cond, per in report["counts"].items():
            for skill, (wins, n) in per.items():
                print(f"{cond:12s} {skill:6s} {wins}/{n} = {wins / max(1, n):.2f}")
            print(f"{cond:12s} ends: {report['ends'][cond]}")
    return 0
