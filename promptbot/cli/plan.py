"""``promptbot plan --world W --seed N [--json] "instruction"``: plan on a world's initial state.

Stable contract (used by external evaluation scripts). With ``--json`` stdout is
one JSON object::

    {"world", "seed", "instruction", "status", "error_code", "message", "goal",
     "steps": [{"skill", "args", "instruction", "prior", "value", "visits"}],
     "satisfied",            # executing the steps symbolically satisfies the goal
     "llm_calls", "planning_time_s", "method", "llm", "simulations",
     "assumptions",          # what was assumed, in words ("'board' taken as 'bowl'")
     "readings": [{"goal", "logprob", "source"}],   # the readings weighed (rule parser, LLM parser)
     "understanding",        # rule | llm | hybrid
     "prior",                # the search's prior: llm | uniform | learned | hybrid
     "trace",                # the search trace file written (--trace-dir), else ""
     "load_time_s"}          # loading the model(s); planning_time_s excludes it

Exit code 0 when a plan satisfying the goal was found, 1 for a refusal /
clarification / impossible / no plan, 2 for bad arguments.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("instruction", help="natural-language instruction")
    parser.add_argument("--world", default="tabletop", help="world name (sim_worlds/) [tabletop]")
    parser.add_argument("--seed", type=int, default=0, help="scene seed [0]")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--llm", default="smollm2",
                        help="LLM backend: smollm2 (offline default), uniform, hf:DIR, gguf:FILE, http://HOST:PORT/v1")
    parser.add_argument("--method", default="mcts_llm", choices=["mcts_llm", "greedy_llm", "mcts_uniform"])
    parser.add_argument("--simulations", type=int, default=48, help="MCTS simulations per step [48]")
    parser.add_argument("--llm-budget", type=int, default=12, help="LLM scoring calls per plan [12]")
    parser.add_argument("--plan-seed", type=int, default=0, help="search seed [0]")
    parser.add_argument("--prior", default="hybrid", choices=["llm", "uniform", "learned", "hybrid"],
                        help="the search's prior: the LLM, uniform, the learned network (models/prior), or the network "
                             "asking the LLM where it is unsure [hybrid]")
    parser.add_argument("--prior-model", default="", help="learned prior checkpoint [models/prior/prior.npz]")
    parser.add_argument("--trace-dir", default="", help="write the search trace (JSON lines) into this folder")
    parser.add_argument("--tree", metavar="PATH", help="write the search tree (.json, .dot or .svg)")
    parser.add_argument("--understanding", default="rule", choices=["rule", "llm", "hybrid"],
                        help="who reads the instruction: the rule parser, the LLM semantic parser, or both [rule]")
    parser.add_argument("--parser", default="smollm2",
                        help="LLM semantic parser model for --understanding llm|hybrid: smollm2, hf:DIR, gguf:FILE, "
                             "http(s)://HOST/v1 [smollm2]")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from promptbot.planning import Planner, PlannerConfig, SearchConfig, make_backend
    from promptbot.planning.llm import LLMUnavailable, UniformBackend
    from promptbot.tasks import sample_scene

    try:
        objects = sample_scene(args.world, args.seed)
        cfg = PlannerConfig(method=args.method, understanding=args.understanding, prior=args.prior,
                            trace_dir=args.trace_dir, search=SearchConfig(
            simulations=args.simulations, llm_budget=args.llm_budget, seed=args.plan_seed))
        t_load = time.perf_counter()
        uses_llm = args.method != "mcts_uniform" and args.prior in ("llm", "hybrid")
        llm = make_backend(args.llm if uses_llm else "uniform")
        learned = None
        if args.prior in ("learned", "hybrid"):
            from promptbot.planning.prior_net import DEFAULT_CHECKPOINT, LearnedPrior

            learned = LearnedPrior.load(args.prior_model or DEFAULT_CHECKPOINT)
        if not isinstance(llm, UniformBackend):
            llm.score("Warm-up:", [" ok"])      # load the model now: planning_time_s is the planning alone
        goal_parser = None
        if args.understanding != "rule":
            from promptbot.planning.semantic_parser import make_parser

            goal_parser = make_parser(args.parser)
            goal_parser.load()
        load_s = time.perf_counter() - t_load
    except (ValueError, LLMUnavailable, FileNotFoundError) as exc:
        print(f"promptbot plan: {exc}", file=sys.stderr)
        return 2
    planner = Planner(llm, cfg, parser=goal_parser, learned=learned)
    t0 = time.perf_counter()
    try:
        result = planner.plan(args.instruction, objects)
    except LLMUnavailable as exc:
        print(f"promptbot plan: {exc}", file=sys.stderr)
        return 2
    wall = time.perf_counter() - t0
    out = {"world": args.world, "seed": args.seed, **result.to_dict(), "llm": llm.name,
           "understanding": args.understanding, "load_time_s": round(load_s, 3), "wall_time_s": round(wall, 3)}
    if args.tree:
        text = (result.tree_svg() if args.tree.endswith(".svg") else
                result.tree_dot() if args.tree.endswith(".dot") else json.dumps(result.tree()))
        with open(args.tree, "w") as fh:
            fh.write(text)
    if args.json:
        print(json.dumps(out))
    else:
        print(f"world {args.world} seed {args.seed}: {result.status} - {result.message}")
        if result.goal is not None:
            print(f"goal: {result.goal}")
        for i, s in enumerate(result.steps):
            print(f"  {i + 1}. {s.skill}({', '.join(s.args)})  \"{s.instruction}\"  "
                  f"P={s.prior:.2f} Q={s.value:.2f} N={s.visits}")
        for a in result.assumptions:
            print(f"assumed: {a}")
        print(f"satisfied: {result.satisfied}  llm_calls: {result.llm_calls}  "
              f"planning_time: {result.planning_time_s:.3f} s  (model load: {load_s:.2f} s)")
    return 0 if result.ok and result.satisfied else 1
