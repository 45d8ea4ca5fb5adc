"""Expert iteration for the learned prior: search -> traces -> train -> search with the new prior (torch).

Round 0 plans the training tasks with MCTS and a uniform prior at a large budget (the teacher);
every later round plans *new* training tasks with the current network at the normal budget. After
each round the network is retrained on every trace so far and measured on tasks no round saw
(held-out seeds of the training worlds, and the held-out worlds entirely):
:mod:`promptbot.tasks.hard`. ``promptbot train-prior`` runs it (:mod:`promptbot.cli.train_prior`).

Targets (cross entropy for the policy, binary cross entropy for the value):

* the root's visit distribution of each committed step (weight :data:`VISIT_WEIGHT`, or
  :data:`UNSOLVED_WEIGHT` when the run did not reach the goal);
* hindsight: the plan of a solved run, shortened (:func:`shorten`: every pick-and-put-down pair
  whose removal still reaches the goal is dropped, e.g. a mug moved back and forth), gives each
  of its states the next step as a one-hot target (:data:`PLAN_WEIGHT`). The search found the
  plan; the shortening only removes its detours;
* the value head: 1 discounted by :data:`GAMMA` per remaining step of the (shortened) plan for
  the states of solved runs, 0 for the states of runs that did not reach the goal.
"""
from __future__ import annotations

import json
import logging
import random
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from promptbot.planning.prior_net import (
    N_ACTION,
    N_STATE,
    LearnedPrior,
    _GoalView,
    action_features,
    state_features,
)

log = logging.getLogger(__name__)

GAMMA = 0.95                    # value target discount per remaining step
UNSOLVED_WEIGHT = 0.2           # weight of the visit targets of runs that did not reach the goal
VISIT_WEIGHT = 0.5              # weight of the visit targets of runs that did
PLAN_WEIGHT = 1.0               # weight of the steps of a solved run's plan, shortened (hindsight)
NEAR_PREDS = ("near", "left_of", "right_of")


@dataclass(frozen=True)
class TrainConfig:
    rounds: int = 3                     # expert-iteration rounds after the teacher round
    teacher_simulations: int = 192      # round 0: uniform prior, this many simulations per step
    simulations: int = 48               # later rounds and evaluation [simulations per step]
    train_seeds: int = 16               # seeds per round (x train worlds x hard families + library tasks)
    library_tasks: int = 20             # library tasks per round (train worlds)
    eval_seeds: int = 6                 # held-out seeds (x every world x hard families)
    max_steps: int = 20                 # step limit of a plan (promptbot.tasks.hard.HARD_PLAN_STEPS)
    hidden: int = 64
    epochs: int = 40
    lr: float = 3e-3
    weight_decay: float = 1e-4
    seed: int = 0
    max_minutes: float = 30.0           # stop starting rounds after this [min]
    value_mix: float = 0.6              # learned value's weight in the leaf value while searching with the network

    def __post_init__(self):
        if self.rounds < 0 or self.teacher_simulations < 1 or self.simulations < 1:
            raise ValueError("rounds >= 0, simulations >= 1")
        if self.train_seeds < 1 or self.eval_seeds < 1 or self.epochs < 1 or self.hidden < 4:
            raise ValueError("train_seeds, eval_seeds, epochs >= 1 and hidden >= 4")
        if not self.lr > 0 or self.max_minutes <= 0:
            raise ValueError("lr and max_minutes must be > 0")


# --- planning runs -----------------------------------------------------------------------------

def plan_goal(objects, goal, mode: str, learned: LearnedPrior | None, simulations: int, max_steps: int = 20,
              seed: int = 0, record: bool = False, meta: dict | None = None, value_mix: float = 0.6):
    """MCTS from ``objects`` to ``goal`` (already grounded) with the given prior; no LLM. (SearchResult, seconds)."""
    from promptbot.planning.mcts import MCTS, PriorFn, SearchConfig
    from promptbot.planning.world import WorldState

    cfg = SearchConfig(simulations=simulations, max_steps=max_steps, seed=seed, llm_budget=0,
                       value_mix=value_mix if mode in ("learned", "hybrid") else 0.0)
    state = WorldState.from_objects(objects)
    prior = PriorFn(None, "", cfg, state.by_id(), learned=learned if mode in ("learned", "hybrid") else None,
                    mode=mode)
    refs = sorted({l.args[1] for l in goal.literals if l.pred in NEAR_PREDS})
    t0 = time.perf_counter()
    res = MCTS(goal, cfg, prior, refs, record=record, trace_meta=meta).search(state)
    return res, time.perf_counter() - t0


def solved(task, res) -> bool:
    from promptbot.planning.world import execute
    from promptbot.tasks import check

    final = execute(res.steps, task.initial)
    return final.holding is None and check(task.goal, final.objects, initial=task.initial)[0]


def train_tasks(round_k: int, cfg: TrainConfig):
    """The round's training tasks: hard tasks of the training worlds on its own seeds, + library tasks."""
    from promptbot.tasks import TaskNotApplicable, families, generate
    from promptbot.tasks.hard import TRAIN_WORLDS, hard_tasks

    s0 = cfg.seed * 10_000 + round_k * cfg.train_seeds
    tasks = hard_tasks(TRAIN_WORLDS, range(s0, s0 + cfg.train_seeds))
    rng = random.Random(f"library|{cfg.seed}|{round_k}")
    fams = families()
    tries = 0
    lib = []
    while len(lib) < cfg.library_tasks and tries < 20 * cfg.library_tasks:
        tries += 1
        w, f = rng.choice(TRAIN_WORLDS), rng.choice(fams)
        try:
            lib.append(generate(w, s0 + tries, f))
        except TaskNotApplicable:
            continue
    return tasks + lib


def eval_tasks(cfg: TrainConfig):
    """Validation tasks: hard families on validation seeds of every world (held-out worlds: never trained on).
    The benchmark's test seeds (``TEST_SEED0``) are not these."""
    from promptbot.tasks.hard import HELD_OUT_WORLDS, TRAIN_WORLDS, VALIDATION_SEED0, hard_tasks

    seeds = range(VALIDATION_SEED0, VALIDATION_SEED0 + cfg.eval_seeds)
    return {"held_out_worlds": hard_tasks(HELD_OUT_WORLDS, seeds), "train_worlds_new_seeds": hard_tasks(TRAIN_WORLDS, seeds)}


def evaluate(tasks, mode: str, learned: LearnedPrior | None, simulations: int, max_steps: int = 20,
             value_mix: float = 0.6) -> dict:
    ok, times = 0, []
    for t in tasks:
        res, dt = plan_goal(t.initial, t.goal, mode, learned, simulations, max_steps, value_mix=value_mix)
        ok += int(solved(t, res))
        times.append(dt)
    return {"tasks": len(tasks), "success": round(ok / max(1, len(tasks)), 4),
            "time_median_s": round(statistics.median(times), 4) if times else None}


# --- data ------------------------------------------------------------------------------------

@dataclass
class Samples:
    policy: list = field(default_factory=list)      # (X [n, N_ACTION], g [N_STATE], pi [n], weight)
    value: list = field(default_factory=list)       # (state features [N_STATE], target)

    def extend(self, other: "Samples") -> None:
        self.policy += other.policy
        self.value += other.value


def shorten(plan, state, goal, start) -> list:
    """``plan`` without the pick-and-put-down pairs whose removal still reaches ``goal`` from ``state``."""
    from promptbot.planning.mcts import goal_value
    from promptbot.planning.world import InadmissibleAction, execute

    def reaches(p) -> bool:
        try:
            return goal_value(goal, execute(p, state), start)[0]
        except InadmissibleAction:
            return False

    plan = list(plan)
    changed = True
    while changed:
        changed = False
        for i in range(len(plan) - 1):
            if plan[i].skill == "pick" and plan[i + 1].args[0] == plan[i].args[0] and \
                    reaches(plan[:i] + plan[i + 2:]):
                plan = plan[:i] + plan[i + 2:]
                changed = True
                break
    return plan


def samples_from_trace(trace) -> Samples:
    """Policy and value samples of one search trace (:mod:`.traces`)."""
    from promptbot.planning.mcts import _with_fixed_refs
    from promptbot.planning.skills import Step
    from promptbot.planning.traces import decision_state, header_objects
    from promptbot.planning.world import admissible, apply, pushable_objects
    from promptbot.tasks import parse_goal

    out = Samples()
    goal = parse_goal(trace.header["goal"])
    objs = header_objects(trace.header)
    start = {o.id: o for o in objs}
    won = bool(trace.outcome["solved"])
    for d in trace.decisions:
        state = decision_state(trace.header, d, objs)
        view = _GoalView(state, goal, start)
        if not won:
            out.value.append((state_features(view, 0), 0.0))
        visits = np.array(d["visits"], dtype=np.float32)
        if d["shortcut"] or visits.sum() <= 0 or len(visits) < 2:
            continue
        actions = [Step(a[0], tuple(a[1])) for a in d["actions"]]
        X, g = action_features(state, goal, start, actions, view=view)
        out.policy.append((X, g, visits / visits.sum(), VISIT_WEIGHT if won else UNSOLVED_WEIGHT))
    if won and trace.decisions:
        root = decision_state(trace.header, trace.decisions[0], objs)
        plan = [Step(d["actions"][d["chosen"]][0], tuple(d["actions"][d["chosen"]][1])) for d in trace.decisions]
        plan = shorten(plan, root, goal, start)
        refs = _with_fixed_refs(goal, sorted({l.args[1] for l in goal.literals if l.pred in NEAR_PREDS}))
        push = pushable_objects(goal.literals)
        state = root
        for k, step in enumerate(plan):
            view = _GoalView(state, goal, start)
            out.value.append((state_features(view, 0), GAMMA ** (len(plan) - k)))
            acts = admissible(state, refs, push)
            if step in acts and len(acts) > 1:
                X, g = action_features(state, goal, start, acts, view=view)
                pi = np.zeros(len(acts), dtype=np.float32)
                pi[acts.index(step)] = 1.0
                out.policy.append((X, g, pi, PLAN_WEIGHT))
            state = apply(step, state)
    return out


# --- training (torch) -----------------------------------------------------------------------

def _net(n_in: int, hidden: int):
    import torch.nn as nn

    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, 1))


def _layers(net) -> list[tuple[np.ndarray, np.ndarray]]:
    import torch.nn as nn

    return [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy())
            for m in net if isinstance(m, nn.Linear)]


def fit(samples: Samples, cfg: TrainConfig, init: LearnedPrior | None = None, progress=None) -> tuple[LearnedPrior, dict]:
    """Train both heads on ``samples`` (10 % of the decisions held back for validation). (prior, curve)."""
    import torch

    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    pol = list(samples.policy)
    rng.shuffle(pol)
    n_val = max(1, len(pol) // 10)
    val, tr = pol[:n_val], pol[n_val:]

    def batchify(items):
        m = max(len(x[0]) for x in items)
        B = len(items)
        X = np.zeros((B, m, N_ACTION + N_STATE), dtype=np.float32)
        P = np.zeros((B, m), dtype=np.float32)
        M = np.zeros((B, m), dtype=bool)
        W = np.zeros((B,), dtype=np.float32)
        for i, (x, g, pi, w) in enumerate(items):
            n = len(x)
            X[i, :n, :N_ACTION] = x
            X[i, :n, N_ACTION:] = g
            P[i, :n] = pi
            M[i, :n] = True
            W[i] = w
        return torch.from_numpy(X), torch.from_numpy(P), torch.from_numpy(M), torch.from_numpy(W)

    policy = _net(N_ACTION + N_STATE, cfg.hidden)
    value = _net(N_STATE, cfg.hidden // 2)
    if init is not None and init.meta.get("hidden") == cfg.hidden:     # warm start from the last round
        for net, layers in ((policy, init.policy_layers), (value, init.value_layers)):
            lin = [m for m in net if isinstance(m, torch.nn.Linear)]
            for m, (w, b) in zip(lin, layers):
                m.weight.data = torch.from_numpy(w.T.copy())
                m.bias.data = torch.from_numpy(b.copy())
    opt = torch.optim.AdamW(list(policy.parameters()) + list(value.parameters()), lr=cfg.lr,
                            weight_decay=cfg.weight_decay)
    Xv, Pv, Mv, Wv = batchify(val)
    G = torch.from_numpy(np.stack([g for g, _ in samples.value]).astype(np.float32))
    Y = torch.from_numpy(np.array([y for _, y in samples.value], dtype=np.float32))
    vperm = torch.randperm(len(G), generator=torch.Generator().manual_seed(cfg.seed))
    nv = max(1, len(G) // 10)
    Gv, Yv, Gt, Yt = G[vperm[:nv]], Y[vperm[:nv]], G[vperm[nv:]], Y[vperm[nv:]]
    batch = 64
    curve = {"epoch": [], "policy_train": [], "policy_val": [], "value_train": [], "value_val": [], "top1_val": []}

    def policy_loss(X, P, M, W):
        z = policy(X).squeeze(-1).masked_fill(~M, -1e9)
        logp = torch.log_softmax(z, dim=1)
        ce = -(P * logp.masked_fill(~M, 0.0)).sum(1)
        return (ce * W).sum() / W.sum(), z

    for ep in range(cfg.epochs):
        rng.shuffle(tr)
        policy.train()
        value.train()
        tl, tn = 0.0, 0
        for i in range(0, len(tr), batch):
            X, P, M, W = batchify(tr[i:i + batch])
            loss, _ = policy_loss(X, P, M, W)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tl += float(loss.detach()) * len(W)
            tn += len(W)
        vl, vn = 0.0, 0
        perm = torch.randperm(len(Gt), generator=torch.Generator().manual_seed(cfg.seed + ep))
        for i in range(0, len(Gt), 256):
            idx = perm[i:i + 256]
            lv = torch.nn.functional.binary_cross_entropy_with_logits(value(Gt[idx]).squeeze(-1), Yt[idx])
            opt.zero_grad()
            lv.backward()
            opt.step()
            vl += float(lv.detach()) * len(idx)
            vn += len(idx)
        policy.eval()
        value.eval()
        with torch.no_grad():
            lval, z = policy_loss(Xv, Pv, Mv, Wv)
            top1 = float((z.argmax(1) == Pv.argmax(1)).float().mean())
            vval = float(torch.nn.functional.binary_cross_entropy_with_logits(value(Gv).squeeze(-1), Yv))
        curve["epoch"].append(ep + 1)
        curve["policy_train"].append(round(tl / max(1, tn), 4))
        curve["policy_val"].append(round(float(lval), 4))
        curve["value_train"].append(round(vl / max(1, vn), 4))
        curve["value_val"].append(round(vval, 4))
        curve["top1_val"].append(round(top1, 4))
        if progress is not None:
            progress.set_postfix(policy_val=f"{float(lval):.3f}", top1=f"{top1:.2f}", value_val=f"{vval:.3f}")
            progress.update(1)
    allX = np.concatenate([x for x, *_ in samples.policy])
    n_obj = int(round(max(g[5] for _, g, _, _ in samples.policy) * 12)) if samples.policy else 0
    prior = LearnedPrior(_layers(policy), _layers(value), allX.min(0), allX.max(0), n_obj,
                         {"hidden": cfg.hidden, "decisions": len(samples.policy), "states": len(samples.value)})
    return prior, curve


# --- expert iteration -----------------------------------------------------------------------

def collect(tasks, mode: str, learned, simulations: int, cfg: TrainConfig, trace_dir: Path, progress=None) -> dict:
    """Plan every task, write its trace under ``trace_dir``; (samples, success rate, seconds)."""
    samples = Samples()
    ok = 0
    t0 = time.perf_counter()
    for t in tasks:
        res, _ = plan_goal(t.initial, t.goal, mode, learned, simulations, cfg.max_steps, seed=cfg.seed, record=True,
                           meta={"world": t.world, "seed": t.seed, "family": t.family}, value_mix=cfg.value_mix)
        res.trace.write(trace_dir)
        samples.extend(samples_from_trace(res.trace))
        ok += int(solved(t, res))
        if progress is not None:
            progress.update(1)
    return {"samples": samples, "success": round(ok / max(1, len(tasks)), 4), "seconds": round(time.perf_counter() - t0, 1)}


def expert_iteration(cfg: TrainConfig, run_dir: Path, checkpoint: Path | None = None) -> dict:
    """Teacher round + ``cfg.rounds`` rounds; writes traces, per-round checkpoints and report.json
    (with the training curves) under ``run_dir``; copies the best round's network to ``checkpoint``."""
    from tqdm import tqdm

    run_dir.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    evals = eval_tasks(cfg)
    report: dict = {"config": asdict(cfg), "rounds": [], "eval_tasks": {k: len(v) for k, v in evals.items()}}

    def measure(mode, learned):
        out = {}
        for name, ts in evals.items():
            out[name] = {f"sims_{s}": evaluate(ts, mode, learned, s, cfg.max_steps, cfg.value_mix)
                         for s in sorted({cfg.simulations, max(1, cfg.simulations // 4)})}
        return out

    log.info("baseline: uniform prior on the held-out tasks")
    report["uniform"] = measure("uniform", None)
    data = Samples()
    learned = None
    curves = []
    best = None
    for k in range(cfg.rounds + 1):
        if k > 0 and (time.perf_counter() - t_start) / 60.0 > cfg.max_minutes * 0.8:
            log.warning("time limit: stopping before round %d", k)
            report["stopped_early"] = f"before round {k} (time limit {cfg.max_minutes} min)"
            break
        tasks = train_tasks(k, cfg)
        mode, sims = ("uniform", cfg.teacher_simulations) if k == 0 else ("learned", cfg.simulations)
        with tqdm(total=len(tasks), desc=f"round {k}: search ({mode}, {sims} sims)", unit="task") as bar:
            got = collect(tasks, mode, learned, sims, cfg, run_dir / "traces" / f"round{k}", bar)
        data.extend(got["samples"])
        with tqdm(total=cfg.epochs, desc=f"round {k}: train", unit="epoch") as bar:
            learned, curve = fit(data, cfg, init=learned, progress=bar)
        learned.meta.update({"round": k})
        learned.save(run_dir / f"prior_round{k}.npz")
        curves.append(curve)
        m = measure("learned", learned)
        row = {"round": k, "search": f"{mode} prior, {sims} sims", "train_tasks": len(tasks),
               "train_success": got["success"], "search_s": got["seconds"],
               "decisions_total": len(data.policy), "states_total": len(data.value),
               "final_policy_val": curve["policy_val"][-1], "final_top1_val": curve["top1_val"][-1],
               "final_value_val": curve["value_val"][-1], "held_out": m,
               "elapsed_min": round((time.perf_counter() - t_start) / 60.0, 2)}
        score = m["held_out_worlds"][f"sims_{cfg.simulations}"]["success"] + \
            m["held_out_worlds"][f"sims_{max(1, cfg.simulations // 4)}"]["success"]
        prev = best[0] if best else None
        row["helped"] = prev is None or score > prev
        if best is None or score > best[0]:
            best = (score, k, learned)
        report["rounds"].append(row)
        log.info("round %d: %s", k, json.dumps(row))
        (run_dir / "report.json").write_text(json.dumps(report, indent=2))
    assert best is not None
    report["best_round"] = best[1]
    report["wall_time_min"] = round((time.perf_counter() - t_start) / 60.0, 2)
    best[2].meta.update({"best_round": best[1], "train_command": "promptbot train-prior"})
    if checkpoint is not None:
        best[2].save(checkpoint)
        report["checkpoint"] = str(checkpoint)
    report["curves"] = curves
    (run_dir / "report.json").write_text(json.dumps(report, indent=2))
    return report
