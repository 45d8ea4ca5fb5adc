"""``promptbot train-prior``: distil MCTS into the planner's learned prior and value (expert iteration).

Round 0 searches the training tasks with a uniform prior at a large budget; each later round
searches new tasks with the current network; the network is retrained on every trace after each
round and measured on held-out seeds and held-out worlds (long_horizon, clutter). Writes under
``--run-dir`` (default ``runs/prior-<time>``): ``traces/round<k>/`` (search traces), ``prior_round<k>.npz``,
``report.json`` (every round's numbers) and ``training_curve.png``; the best round's network goes to
``--out`` (default ``models/prior/prior.npz``). docs/planner.md, models/PRIOR_CARD.md.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=3, help="expert-iteration rounds after the teacher round [3]")
    parser.add_argument("--teacher-simulations", type=int, default=192,
                        help="round 0: simulations per step with a uniform prior [192]")
    parser.add_argument("--simulations", type=int, default=48, help="later rounds and evaluation [48]")
    parser.add_argument("--train-seeds", type=int, default=16, help="seeds per round (hard tasks) [16]")
    parser.add_argument("--library-tasks", type=int, default=20, help="library tasks per round [20]")
    parser.add_argument("--eval-seeds", type=int, default=6, help="held-out seeds [6]")
    parser.add_argument("--epochs", type=int, default=40, help="training epochs per round [40]")
    parser.add_argument("--hidden", type=int, default=64, help="hidden units [64]")
    parser.add_argument("--value-mix", type=float, default=0.6,
                        help="learned value's weight in the leaf value when searching with the network [0.6]")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-minutes", type=float, default=30.0, help="no new round after 80 %% of this [30]")
    parser.add_argument("--run-dir", help="output folder [runs/prior-<time>]")
    parser.add_argument("--out", default="", help="where the best network goes [models/prior/prior.npz]")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    from promptbot.bench._chart import Series, line_chart
    from promptbot.planning.prior_net import DEFAULT_CHECKPOINT
    from promptbot.planning.prior_train import TrainConfig, expert_iteration

    try:
        cfg = TrainConfig(rounds=args.rounds, teacher_simulations=args.teacher_simulations,
                          simulations=args.simulations, train_seeds=args.train_seeds,
                          library_tasks=args.library_tasks, eval_seeds=args.eval_seeds, epochs=args.epochs,
                          hidden=args.hidden, seed=args.seed, max_minutes=args.max_minutes,
                          value_mix=args.value_mix)
    except ValueError as exc:
        print(f"promptbot train-prior: {exc}", file=sys.stderr)
        return 2
    run_dir = Path(args.run_dir or f"runs/prior-{time.strftime('%Y%m%d-%H%M%S')}")
    out = Path(args.out) if args.out else DEFAULT_CHECKPOINT
    t0 = time.perf_counter()
    report = expert_iteration(cfg, run_dir, out)
    curves = report.get("curves", [])
    series, off = [], 0
    pv, vv, top1 = ([], []), ([], []), ([], [])
    for c in curves:
        for e, a, b, t in zip(c["epoch"], c["policy_val"], c["value_val"], c["top1_val"]):
            pv[0].append(off + e)
            pv[1].append(a)
            vv[0].append(off + e)
            vv[1].append(b)
            top1[0].append(off + e)
            top1[1].append(t)
        off += len(c["epoch"])
    series = [Series("policy val (CE)", *pv), Series("value val (BCE)", *vv), Series("top-1 val", *top1)]
    line_chart(run_dir / "training_curve.png", series, "learned prior: validation, rounds one after the other",
               "epoch", "loss / accuracy")
    rounds = report["rounds"]
    s, q = cfg.simulations, max(1, cfg.simulations // 4)
    ev = []
    for name in ("held_out_worlds", "train_worlds_new_seeds"):
        for sims in (s, q):
            label = {"held_out_worlds": "held-out worlds", "train_worlds_new_seeds": "new seeds"}[name]
            ev.append(Series(f"{label} @{sims}", [r["round"] for r in rounds],
                             [r["held_out"][name][f"sims_{sims}"]["success"] for r in rounds], dashed=sims == q))
    line_chart(run_dir / "rounds.png", ev, "validation success per expert-iteration round", "round", "success", (0, 1))
    summary = {k: v for k, v in report.items() if k != "curves"}
    summary["wall_time_s"] = round(time.perf_counter() - t0, 1)
    summary["run_dir"] = str(run_dir)
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return 0
