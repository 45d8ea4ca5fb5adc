"""Planner benchmark: MCTS + LLM prior vs greedy LLM vs MCTS with a uniform prior.

``promptbot bench planner --json [--tasks N]``

Same run, equal budgets (simulations per step, LLM calls per plan, step limit).
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
    parser.add_argument("--simulations", type=int, default=48, help="MCTS simulations per step [48]")
    parser.add_argument("--llm-budget", type=int, default=12, help="LLM calls per plan [12]")
    parser.add_argument("--max-steps", type=int, default=10, help="plan length limit [10]")
    parser.add_argument("--methods", default="mcts_llm,greedy_llm,mcts_uniform")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write per-task rows (JSON lines, flushed as they come) to this file")
    parser.add_argument("--shard", default="0/1", help="run shard K of N of the task list (K/N) [0/1]")
    parser.add_argument("--merge", help="comma-separated --out files: print the summary of their rows, run nothing")


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
    from promptbot.planning.planner import METHODS
    from promptbot.planning.world import execute
    from promptbot.sim.worlds import list_worlds
    from promptbot.tasks import TaskNotApplicable, check, generate_invalid

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    for m in methods:
        if m not in METHODS:
            print(f"unknown method {m!r}; known: {METHODS}", file=sys.stderr)
            return 2
    try:
        k_shard, n_shard = (int(v) for v in args.shard.split("/"))
        assert 0 <= k_shard < n_shard
    except (ValueError, AssertionError):
        print(f"--shard must be K/N with 0 <= K < N, got {args.shard!r}", file=sys.stderr)
        return 2
    llm = make_backend(args.llm)
    t0 = time.perf_counter()
    llm.score("Warm-up:", [" ok"])            # load the model outside the timings
    load_s = time.perf_counter() - t0
    search = SearchConfig(simulations=args.simulations, llm_budget=args.llm_budget, max_steps=args.max_steps,
                          seed=args.seed)
    planner = Planner(llm, PlannerConfig(search=search))
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
            if m != "mcts_uniform" and k_task not in llm_idx:
                continue
            if interp.status != "ok":
                row[m] = {"success": False, "steps": 0, "llm_calls": 0, "time_s": 0.0, "cpu_s": 0.0,
                          "status": interp.status}
                continue
            c0 = time.thread_time()     # planning runs on this thread (LLM with 1 torch thread)
            res = planner.plan(task.instruction, task.initial, goal=interp.goal, method=m)
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
    meta["wall_time_s"] = round(time.perf_counter() - t0, 1)
    meta["llm_stats"] = llm.stats()
    emit({**meta, "type": "meta_end"})
    if sink is not None:
        sink.close()
    summary = _full_summary(rows, inv_rows, meta)
    print(json.dumps(summary) if args.json else json.dumps(summary, indent=2))
    return 0


def _full_summary(rows, inv_rows, meta) -> dict:
    methods = meta.get("methods") or [m for m in ("mcts_llm", "greedy_llm", "mcts_uniform") if rows and m in rows[0]]
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
