"""Planner benchmark: MCTS + LLM prior vs greedy LLM vs MCTS with a uniform prior.

``promptbot bench planner --json [--tasks N]``

Same run, equal budgets (simulations per step, LLM calls per plan, step limit).
Methods: ``mcts_llm`` (MCTS, LLM prior at each committed step's root), ``greedy_llm``,
``mcts_uniform``, and with the distilled network (``models/prior/prior.npz``, ``promptbot
train-prior``) ``mcts_learned`` (no LLM) and ``mcts_hybrid`` (the network, the LLM where it is
unsure). The ``prior`` section runs the harder task set (:mod:`promptbot.tasks.hard`: held-out
worlds and seeds the network never saw) at several simulation budgets and draws success against
budget (``prior_budget.png`` in ``--run-dir``).
For every library task (1-8 steps, random worlds/seeds/families) the instruction
is interpreted once (goal interpretation, LLM-scored where readings compete), then
each method plans from the task's initial scene; success = executing the plan on
the symbolic world model satisfies the task's reference goal. Also measured:
goal-interpretation accuracy on every paraphrase template (and on a held-out set
of paraphrases that are not in the library's templates), and refusal / clarification
accuracy on impossible, ambiguous and unsafe instructions.
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import time
from collections import defaultdict

HELD_OUT = {   # paraphrases written separately from the library templates
    "put_in": ["grab the {A} and put it in the {C}", "could you drop the {A} into the {C} please",
               "get the {A} into the {C}", "the {A} should end up inside the {C}"],
    "put_on": ["set the {A} on top of the {B}", "lay the {A} onto the {B}", "place the {A} on the {B} please"],
    "place_near": ["put the {A} by the {B}", "place the {A} close to the {B}", "drop the {A} next to the {B}"],
    "push_region": ["push the {A} over to the {R} of the table", "slide the {A} towards the {R}"],
    "all_in": ["put each of the {L}s in the {C}", "place all of the {L}s inside the {C}"],
    "put_two_in": ["put both the {A} and the {B} inside the {C}", "drop the {A} and the {B} into the {C}"],
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    parser.add_argument("--tasks", type=int, default=300, help="library tasks [300]")
    parser.add_argument("--invalid", type=int, default=90, help="impossible/ambiguous/unsafe instructions [90]")
    parser.add_argument("--llm-tasks", type=int, default=None,
                        help="run the LLM methods on only this many of the tasks (evenly spread; "
                             "for a loaded CPU) [all]")
    parser.add_argument("--llm", default="smollm2", help="LLM backend spec [smollm2]")
    parser.add_argument("--llm-timeout", type=float, default=10.0,
                        help="seconds per request to an http(s):// LLM back-end, as the node's llm_timeout_s [10]")
    parser.add_argument("--simulations", type=int, default=48, help="MCTS simulations per step [48]")
    parser.add_argument("--llm-budget", type=int, default=12, help="LLM calls per plan [12]")
    parser.add_argument("--max-steps", type=int, default=10, help="plan length limit [10]")
    parser.add_argument("--methods", default="mcts_llm,greedy_llm,mcts_uniform,mcts_learned,mcts_hybrid",
                        help="comma-separated: " + ", ".join(VARIANTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write per-task rows (JSON lines, flushed as they come) to this file")
    parser.add_argument("--shard", default="0/1", help="run shard K of N of the task list (K/N) [0/1]")
    parser.add_argument("--merge", help="comma-separated --out files: print the summary of their rows, run nothing")
    parser.add_argument("--prior-model", default="", help="learned prior checkpoint [models/prior/prior.npz]")
    parser.add_argument("--hard-seeds", type=int, default=6,
                        help="held-out seeds of the harder set (x 5 worlds x 4 families; 0: skip the prior section) [6]")
    parser.add_argument("--hard-llm-tasks", type=int, default=16,
                        help="run the LLM methods on only this many harder tasks (evenly spread) [16]")
    parser.add_argument("--budgets", default="6,12,24,48,96", help="simulation budgets of the budget curve")
    parser.add_argument("--run-dir", help="folder for the budget curve and the harder set's rows [runs/bench-planner-<time>]")


# bench method -> (planner method, prior)
VARIANTS = {
    "mcts_llm": ("mcts_llm", "llm"), "greedy_llm": ("greedy_llm", "llm"), "mcts_uniform": ("mcts_uniform", "uniform"),
    "mcts_learned": ("mcts_llm", "learned"), "mcts_hybrid": ("mcts_llm", "hybrid"),
    "greedy_learned": ("greedy_llm", "learned"),
}
LLM_VARIANTS = ("mcts_llm", "greedy_llm", "mcts_hybrid")


def _tasks(n: int, seed: int):
    from promptbot.sim.worlds import list_worlds
    from promptbot.tasks import TaskNotApplicable, families, generate

    worlds = list_worlds()
    fams = families()
    out = []
    rng = random.Random(seed)
    for s in itertools.count(seed * 1000):
        order = [(w, f) for w in worlds for f in fams]
        rng.shuffle(order)
        for w, f in order:
            try:
                out.append(generate(w, s, f))
            except TaskNotApplicable:
                continue
            if len(out) >= n:
                return out
        if s > seed * 1000 + 200:
            return out


def _median(v):
    return round(statistics.median(v), 4) if v else None


def _p90(v):
    return round(sorted(v)[min(len(v) - 1, int(0.9 * len(v)))], 4) if v else None


def run(args: argparse.Namespace) -> int:
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.merge:
        rows, inv_rows, meta = [], [], {}
        for path in args.merge.split(","):
            with open(path) as fh:
                for line in fh:
                    rec = json.loads(line)
                    if rec["type"] == "task":
                        rows.append(rec)
                    elif rec["type"] == "invalid":
                        inv_rows.append(rec)
                    else:
                        meta = rec
        summary = _full_summary(rows, inv_rows, meta)
        print(json.dumps(summary) if args.json else json.dumps(summary, indent=2))
        return 0

    from promptbot.planning import Planner, PlannerConfig, SearchConfig, make_backend
    from promptbot.planning.world import execute
    from promptbot.sim.worlds import list_worlds
    from promptbot.tasks import TaskNotApplicable, check, generate_invalid

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    for m in methods:
        if m not in VARIANTS:
            print(f"unknown method {m!r}; known: {sorted(VARIANTS)}", file=sys.stderr)
            return 2
    learned = None
    if any(VARIANTS[m][1] in ("learned", "hybrid") for m in methods) or args.hard_seeds > 0:
        from promptbot.planning.prior_net import DEFAULT_CHECKPOINT, LearnedPrior

        try:
            learned = LearnedPrior.load(args.prior_model or DEFAULT_CHECKPOINT)
        except (FileNotFoundError, ValueError) as exc:
            print(f"promptbot bench planner: {exc}", file=sys.stderr)
            return 2
    try:
        k_shard, n_shard = (int(v) for v in args.shard.split("/"))
        assert 0 <= k_shard < n_shard
    except (ValueError, AssertionError):
        print(f"--shard must be K/N with 0 <= K < N, got {args.shard!r}", file=sys.stderr)
        return 2
    if args.llm_timeout <= 0:
        print(f"--llm-timeout must be > 0, got {args.llm_timeout}", file=sys.stderr)
        return 2
    llm = make_backend(args.llm, timeout_s=args.llm_timeout)
    t0 = time.perf_counter()
    llm.score("Warm-up:", [" ok"])            # load the model outside the timings
    load_s = time.perf_counter() - t0
    search = SearchConfig(simulations=args.simulations, llm_budget=args.llm_budget, max_steps=args.max_steps,
                          seed=args.seed)
    planner = Planner(llm, PlannerConfig(search=search))
    planners = {m: Planner(llm, PlannerConfig(search=search, prior=VARIANTS[m][1]), learned=learned) for m in methods}
    all_tasks = _tasks(args.tasks, args.seed)
    n_llm = len(all_tasks) if args.llm_tasks is None else max(0, min(args.llm_tasks, len(all_tasks)))
    llm_idx = {round(j * len(all_tasks) / n_llm) for j in range(n_llm)} if n_llm else set()
    tasks = [(k, t) for k, t in enumerate(all_tasks)][k_shard::n_shard]
    meta = {"type": "meta", "methods": methods, "llm": llm.name, "model_load_s": round(load_s, 2),
            "budgets": {"simulations_per_step": args.simulations, "llm_calls_per_plan": args.llm_budget,
                        "max_steps": args.max_steps}}
    sink = open(args.out, "w") if args.out else None

    def emit(rec: dict) -> None:
        if sink is not None:
            sink.write(json.dumps(rec) + "\n")
            sink.flush()

    emit(meta)
    print(f"[bench planner] {len(tasks)} tasks (shard {args.shard}), methods {methods}, "
          f"model load {load_s:.1f} s", file=sys.stderr)
    rows, inv_rows = [], []
    t_start = time.perf_counter()
    for i, (k_task, task) in enumerate(tasks):
        interp = planner.interpret(task.instruction, task.initial)
        n_ok = n_tot = 0
        for p in task.paraphrases:
            r = interp if p == task.instruction else planner.interpret(p, task.initial)
            n_tot += 1
            n_ok += int(r.status == "ok" and r.goal == task.goal)
        h_ok = h_tot = 0
        slots = _slots_for(task)
        for tmpl in HELD_OUT.get(task.family, []) if slots else []:
            r = planner.interpret(tmpl.format(**slots), task.initial)
            h_tot += 1
            h_ok += int(r.status == "ok" and r.goal == task.goal)
        row = {"type": "task", "world": task.world, "seed": task.seed, "family": task.family,
               "n_steps": task.n_steps, "instruction": task.instruction, "goal": str(task.goal),
               "interpreted": str(interp.goal) if interp.goal else interp.status,
               "interp_ok": n_ok, "interp_total": n_tot, "held_ok": h_ok, "held_total": h_tot}
        for m in methods:
            if m in LLM_VARIANTS and k_task not in llm_idx:
                continue
            if interp.status != "ok":
                row[m] = {"success": False, "steps": 0, "llm_calls": 0, "time_s": 0.0, "cpu_s": 0.0,
                          "status": interp.status}
                continue
            c0 = time.thread_time()     # planning runs on this thread (LLM with 1 torch thread)
            res = planners[m].plan(task.instruction, task.initial, goal=interp.goal, method=VARIANTS[m][0])
            cpu_s = time.thread_time() - c0
            final = execute([s.step for s in res.steps], task.initial)
            success = res.ok and check(task.goal, final.objects, initial=task.initial)[0] and final.holding is None
            row[m] = {"success": success, "steps": len(res.steps), "llm_calls": res.llm_calls,
                      "time_s": round(res.planning_time_s, 4), "cpu_s": round(cpu_s, 4), "status": res.status}
        rows.append(row)
        emit(row)
        if (i + 1) % 5 == 0 or i + 1 == len(tasks):
            rates = {m: round(sum(r[m]["success"] for r in rows if m in r) / max(1, sum(m in r for r in rows)), 3)
                     for m in methods}
            print(f"[bench planner] {i + 1}/{len(tasks)} tasks, {time.perf_counter() - t_start:.0f} s, "
                  f"success {json.dumps(rates)}", file=sys.stderr)

    kinds = ["impossible", "ambiguous", "unsafe"]
    worlds = list_worlds()
    cases = []
    for k in range(args.invalid * 4):
        if len(cases) >= args.invalid:
            break
        try:
            cases.append(generate_invalid(worlds[(k // 3) % len(worlds)], args.seed * 1000 + k, kinds[k % 3]))
        except TaskNotApplicable:
            continue
    for case in cases[k_shard::n_shard]:
        res = planner.plan(case.instruction, case.objects, method="mcts_llm")
        rec = {"type": "invalid", "kind": case.kind, "instruction": case.instruction, "expected": case.expected,
               "status": res.status, "message": res.message, "moved_nothing": not res.steps,
               "correct": res.status == case.expected and not res.steps}
        inv_rows.append(rec)
        emit(rec)
    if args.hard_seeds > 0 and k_shard == 0:
        meta["prior"] = _prior_section(args, llm, learned, search)
    meta["wall_time_s"] = round(time.perf_counter() - t0, 1)
    meta["llm_stats"] = llm.stats()
    emit({**meta, "type": "meta_end"})
    if sink is not None:
        sink.close()
    summary = _full_summary(rows, inv_rows, meta)
    print(json.dumps(summary) if args.json else json.dumps(summary, indent=2))
    return 0


def _full_summary(rows, inv_rows, meta) -> dict:
    methods = meta.get("methods") or [m for m in VARIANTS if rows and m in rows[0]]
    summary = _summarise(rows, methods, inv_rows)
    it = sum(r["interp_total"] for r in rows)
    ht = sum(r["held_total"] for r in rows)
    summary.update({
        "tasks": len(rows), "families": len({r["family"] for r in rows}),
        "llm": meta.get("llm"), "model_load_s": meta.get("model_load_s"), "budgets": meta.get("budgets"),
        "goal_interpretation": {
            "paraphrases": it, "accuracy": round(sum(r["interp_ok"] for r in rows) / max(1, it), 4),
            "instruction_accuracy": round(sum(1 for r in rows if r["interpreted"] == r["goal"]) / max(1, len(rows)), 4),
            "held_out_paraphrases": ht, "held_out_accuracy": round(sum(r["held_ok"] for r in rows) / max(1, ht), 4)},
        "wall_time_s": meta.get("wall_time_s"),
    })
    if meta.get("prior"):
        summary["prior"] = meta["prior"]
    return summary


def _slots_for(task) -> dict | None:
    """Recover template slots from the task's objects (names of goal objects)."""
    by_id = {o.id: o for o in task.initial}
    nm = lambda i: f"{by_id[i].color} {by_id[i].label}"  # noqa: E731
    lits = task.goal.literals
    f = task.family
    try:
        if f in ("put_in", "put_on", "place_near"):
            return {"A": nm(lits[0].args[0]), "B": nm(lits[0].args[1]), "C": nm(lits[0].args[1])}
        if f == "push_region":
            return {"A": nm(lits[0].args[0]), "R": lits[0].args[1]}
        if f == "all_in":
            return {"L": by_id[lits[0].args[0]].label, "C": nm(lits[0].args[1])}
        if f == "put_two_in":
            return {"A": nm(lits[0].args[0]), "B": nm(lits[1].args[0]), "C": nm(lits[0].args[1])}
    except (KeyError, IndexError):
        return None
    return None


def _summarise(rows, methods, inv_rows) -> dict:
    out: dict = {"methods": {}}
    all_rows = rows
    for m in methods:
        rows = [r for r in all_rows if m in r]
        by_len = defaultdict(list)
        for r in rows:
            by_len[r["n_steps"]].append(r)
        succ = [r for r in rows if r[m]["success"]]
        ratio = [r[m]["steps"] / r["n_steps"] for r in succ]
        long_rows = [r for r in rows if r["n_steps"] >= 4]
        short_rows = [r for r in rows if r["n_steps"] <= 4]
        out["methods"][m] = {
            "tasks": len(rows),
            "success": round(len(succ) / max(1, len(rows)), 4),
            "success_4plus": round(sum(r[m]["success"] for r in long_rows) / max(1, len(long_rows)), 4),
            "plan_length_ratio_mean": round(statistics.mean(ratio), 4) if ratio else None,
            "optimal_or_shorter": round(sum(1 for x in ratio if x <= 1.0) / max(1, len(ratio)), 4),
            "llm_calls_mean": round(statistics.mean(r[m]["llm_calls"] for r in rows), 3) if rows else None,
            "planning_time_median_s_le4": _median([r[m]["time_s"] for r in short_rows]),
            # thread CPU time: what the plan takes on an idle core (wall time above includes waiting for a
            # CPU shared with other jobs)
            "planning_cpu_median_s_le4": _median([r[m].get("cpu_s", r[m]["time_s"]) for r in short_rows]),
            "by_length": {
                str(n): {"tasks": len(v), "success": round(sum(r[m]["success"] for r in v) / len(v), 4),
                         "time_median_s": _median([r[m]["time_s"] for r in v]),
                         "time_p90_s": _p90([r[m]["time_s"] for r in v]),
                         "cpu_median_s": _median([r[m].get("cpu_s", r[m]["time_s"]) for r in v]),
                         "llm_calls_mean": round(statistics.mean(r[m]["llm_calls"] for r in v), 2)}
                for n, v in sorted(by_len.items())
            },
        }
    rows = all_rows
    if "mcts_learned" in methods and "mcts_llm" in methods:
        same = [r for r in rows if "mcts_llm" in r and "mcts_learned" in r]
        out["mcts_learned_vs_llm_on_llm_subset"] = {
            "tasks": len(same),
            "mcts_learned": round(sum(r["mcts_learned"]["success"] for r in same) / max(1, len(same)), 4),
            "mcts_llm": round(sum(r["mcts_llm"]["success"] for r in same) / max(1, len(same)), 4)}
    if "mcts_llm" in methods and "greedy_llm" in methods:
        same = [r for r in rows if "mcts_llm" in r and "greedy_llm" in r and r["n_steps"] >= 4]
        if "mcts_uniform" in methods:
            out["mcts_uniform_success_4plus_on_llm_subset"] = round(
                sum(r["mcts_uniform"]["success"] for r in same) / max(1, len(same)), 4)
        a, b = out["methods"]["mcts_llm"]["success_4plus"], out["methods"]["greedy_llm"]["success_4plus"]
        out["mcts_llm_minus_greedy_4plus_points"] = round(100 * (a - b), 1)
    kinds = defaultdict(list)
    for r in inv_rows:
        kinds[r["kind"]].append(r["correct"])
    out["refusals"] = {
        "cases": len(inv_rows),
        "accuracy": round(sum(r["correct"] for r in inv_rows) / max(1, len(inv_rows)), 4),
        "moved_nothing": round(sum(r["moved_nothing"] for r in inv_rows) / max(1, len(inv_rows)), 4),
        "by_kind": {k: round(sum(v) / len(v), 4) for k, v in kinds.items()},
    }
    return out


# --- the prior section: harder tasks, budgets, held-out worlds ------------------------------------

def _prior_section(args, llm, learned, search) -> dict:
    """Harder held-out tasks: every prior at equal simulation budgets, success against budget (a PNG)."""
    from dataclasses import replace as dc_replace
    from pathlib import Path

    from promptbot.planning import Planner, PlannerConfig
    from promptbot.planning.world import execute
    from promptbot.tasks import check
    from promptbot.tasks.hard import HARD_PLAN_STEPS, HELD_OUT_WORLDS, TEST_SEED0, TRAIN_WORLDS, hard_tasks

    run_dir = Path(args.run_dir or f"runs/bench-planner-{time.strftime('%Y%m%d-%H%M%S')}")
    run_dir.mkdir(parents=True, exist_ok=True)
    seeds = range(TEST_SEED0, TEST_SEED0 + args.hard_seeds)     # frozen test seeds (train-prior validates on others)
    sets = {"held_out_worlds": hard_tasks(HELD_OUT_WORLDS, seeds), "train_worlds_new_seeds": hard_tasks(TRAIN_WORLDS, seeds)}
    budgets = sorted({int(b) for b in args.budgets.split(",") if b.strip()} | {args.simulations})
    quarter = max(1, args.simulations // 4)
    full = args.simulations
    runs = [("mcts_uniform", b) for b in budgets] + [("mcts_learned", b) for b in budgets]
    runs += [("greedy_learned", full)]
    if llm.name != "uniform":
        runs += [("mcts_llm", full), ("mcts_llm", quarter), ("greedy_llm", full), ("mcts_hybrid", full),
                 ("mcts_hybrid", quarter)]
    planners: dict = {}
    out: dict = {"tasks": {k: len(v) for k, v in sets.items()}, "budgets": budgets, "results": {}}
    sink = open(run_dir / "hard_rows.jsonl", "w")
    t0 = time.perf_counter()
    for name, tasks in sets.items():
        n_llm = min(len(tasks), args.hard_llm_tasks)
        llm_idx = {round(j * len(tasks) / n_llm) for j in range(n_llm)} if n_llm else set()
        res_set: dict = {}
        for m, b in runs:
            key = f"{m}@{b}"
            if (m, b) not in planners:
                cfg = dc_replace(search, simulations=b, max_steps=HARD_PLAN_STEPS)
                planners[(m, b)] = Planner(llm, PlannerConfig(search=cfg, prior=VARIANTS[m][1]), learned=learned)
            rows = []
            for k, t in enumerate(tasks):
                if m in LLM_VARIANTS and k not in llm_idx:
                    continue
                r = planners[(m, b)].plan(t.instruction, t.initial, goal=t.goal, method=VARIANTS[m][0])
                final = execute([s.step for s in r.steps], t.initial)
                ok = r.ok and final.holding is None and check(t.goal, final.objects, initial=t.initial)[0]
                row = {"set": name, "method": m, "simulations": b, "world": t.world, "seed": t.seed,
                       "family": t.family, "oracle_steps": t.n_steps, "success": ok, "steps": len(r.steps),
                       "llm_calls": r.llm_calls, "time_s": round(r.planning_time_s, 4), "llm_subset": k in llm_idx}
                rows.append(row)
                sink.write(json.dumps(row) + "\n")
            sink.flush()
            res_set[key] = _hard_summary(rows)
            sub = [r for r in rows if r["llm_subset"]]
            if m not in LLM_VARIANTS and llm.name != "uniform" and sub:
                res_set[key]["success_on_llm_subset"] = round(sum(r["success"] for r in sub) / len(sub), 4)
            print(f"[bench planner] prior {name} {key}: {json.dumps(res_set[key])[:160]} "
                  f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        out["results"][name] = res_set
    sink.close()
    out["wall_time_s"] = round(time.perf_counter() - t0, 1)
    out["run_dir"] = str(run_dir)
    try:
        from promptbot.bench._chart import Series, line_chart

        series = []
        short = {"held_out_worlds": "held-out worlds", "train_worlds_new_seeds": "new seeds"}
        for name, dashed in (("held_out_worlds", False), ("train_worlds_new_seeds", True)):
            res_set = out["results"][name]
            for m in ("mcts_uniform", "mcts_learned"):
                series.append(Series(f"{m[5:]}, {short[name]}", budgets,
                                     [res_set[f"{m}@{b}"]["success"] for b in budgets], dashed=dashed))
            if f"mcts_llm@{full}" in res_set:
                bs = [b for b in (quarter, full) if f"mcts_llm@{b}" in res_set]
                series.append(Series(f"llm, {short[name]}", bs, [res_set[f"mcts_llm@{b}"]["success"] for b in bs],
                                     dashed=dashed))
        out["budget_curve"] = str(line_chart(run_dir / "prior_budget.png", series,
                                             "harder tasks: success vs MCTS simulations per step",
                                             "simulations per step (log scale)", "success", (0, 1), log_x=True))
    except (ImportError, ValueError) as exc:
        out["budget_curve"] = f"not drawn: {exc}"
    return out


def _hard_summary(rows) -> dict:
    if not rows:
        return {"tasks": 0}
    by_len = defaultdict(list)
    for r in rows:
        by_len["<=4" if r["oracle_steps"] <= 4 else "5-8" if r["oracle_steps"] <= 8 else "9+"].append(r)
    return {"tasks": len(rows), "success": round(sum(r["success"] for r in rows) / len(rows), 4),
            "time_median_s": _median([r["time_s"] for r in rows]),
            "llm_calls_mean": round(statistics.mean(r["llm_calls"] for r in rows), 2),
            "by_family": {f: round(sum(r["success"] for r in v) / len(v), 3)
                          for f, v in sorted(_group(rows, "family").items())},
            "by_length": {k: {"tasks": len(v), "success": round(sum(r["success"] for r in v) / len(v), 3),
                              "time_median_s": _median([r["time_s"] for r in v])} for k, v in sorted(by_len.items())}}


def _group(rows, key):
    out = defaultdict(list)
    for r in rows:
        out[r[key]].append(r)
    return out
