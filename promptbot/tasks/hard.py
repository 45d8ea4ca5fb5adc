"""Harder planning tasks, generated from seeds: where a search needs a good prior (pure, no ROS).

The library's tasks (:mod:`promptbot.tasks.library`) are solved by MCTS with a *uniform* prior;
they cannot show what a prior is worth. These are longer and start from a cluttered scene:

* ``long_sort``     every stackable object of the scene (3-6) into a named container, some of them
                    first buried under others or lying in the wrong container;
* ``tall_tower``    a tower of 4-5 objects in a given order, starting from towers built in the
                    wrong order;
* ``swap_full``     swap two objects between two containers, one full (``CONTAINER_CAPACITY``), the
                    other as full as the scene allows: the order matters;
* ``tower_and_sort`` a tower of 3 and two objects into containers, the tower's base buried.

Every task's oracle plan (clear every stack to the table, then do the goal's moves in order) is
executed on the symbolic world model and must reach the goal: the task is solvable. The goal is
planned directly (the planner's ``goal=``); the instruction text is only a description.

Worlds: the prior is trained on :data:`TRAIN_WORLDS`; :data:`HELD_OUT_WORLDS` are never seen in
training. Training uses seeds below :data:`VALIDATION_SEED0`; ``promptbot train-prior`` measures its
rounds on validation seeds (:data:`VALIDATION_SEED0` and up) and ``promptbot bench planner`` on
test seeds (:data:`TEST_SEED0` and up) that nothing else reads.
"""
from __future__ import annotations

import random

from promptbot.scene import ObjectState
from promptbot.tasks.generator import Task, TaskNotApplicable, sample_scene
from promptbot.tasks.goal import Goal, Literal, check

HARD_FAMILIES = ("long_sort", "tall_tower", "swap_full", "tower_and_sort")
TRAIN_WORLDS = ("tabletop", "sorting", "stacking")
HELD_OUT_WORLDS = ("long_horizon", "clutter")
VALIDATION_SEED0 = 100_000      # train-prior measures every round (and picks the checkpoint) on these seeds
TEST_SEED0 = 200_000            # the benchmark's frozen test seeds: never trained on, never read for a choice
MAX_HARD_STEPS = 16             # oracle plans are at most this long
HARD_PLAN_STEPS = 20            # the planner's step limit on these tasks (the oracle's length + slack)

Steps = list[tuple[str, tuple[str, ...]]]
_STACKABLE = ("cube", "block", "lego")


def _name(o: ObjectState) -> str:
    return f"{o.color} {o.label}"


def _unique(objs: list[ObjectState], o: ObjectState) -> bool:
    return sum(1 for x in objs if x.color == o.color and x.label == o.label) == 1


def _clear_all(state) -> Steps:
    """Steps that put every stacked object back on the table, top first."""
    from promptbot.planning.world import execute, is_clear, support_of

    out: Steps = []
    st = state
    while True:
        tops = [o for o in st.objects if not o.is_container and support_of(o, st) is not None
                and support_of(o, st)[0] == "on" and is_clear(o, st)]
        if not tops:
            return out
        o = tops[0]
        seq = [("pick", (o.id,)), ("place", (o.id, "table"))]
        st = execute(seq, st)
        out += seq


def _draft(family: str, objs: list[ObjectState], rng: random.Random):
    """(goal literals, description, setup steps, goal moves) or None when the family does not fit."""
    movers = [o for o in objs if o.label in _STACKABLE and _unique(objs, o)]
    boxes = [o for o in objs if o.is_container and _unique(objs, o)]
    rng.shuffle(movers)
    if family == "long_sort":
        if not boxes or len(movers) < 3:
            return None
        k = min(len(movers), rng.randint(3, 6))
        pick = movers[:k]
        cap = {b.id: 4 for b in boxes}
        lits, moves = [], []
        for o in pick:
            free = [b for b in boxes if cap[b.id] > 0]
            if not free:
                return None
            b = rng.choice(free)
            cap[b.id] -= 1
            lits.append(Literal("in", (o.id, b.id)))
            moves += [("pick", (o.id,)), ("place", (o.id, b.id))]
        setup: Steps = []
        # bury: one or two goal objects end up under another object
        for _ in range(rng.randint(1, 2)):
            a, b = rng.sample(pick, 2)
            setup += [("pick", (a.id,)), ("stack", (a.id, b.id))]
        if len(boxes) >= 2:     # one object starts in a container it does not belong in
            o = rng.choice(pick)
            want = next(l.args[1] for l in lits if l.args[0] == o.id)
            wrong = [b for b in boxes if b.id != want]
            setup = [("pick", (o.id,)), ("place", (o.id, rng.choice(wrong).id))] + setup
        desc = "put " + ", ".join(f"the {_name(o)} in the {_name(next(b for b in boxes if b.id == l.args[1]))}"
                                  for o, l in zip(pick, lits))
        return lits, desc, setup, moves
    if family == "tall_tower":
        if len(movers) < 4:
            return None
        k = min(len(movers), rng.randint(4, 5))
        order = movers[:k]
        lits = [Literal("on", (up.id, lo.id)) for lo, up in zip(order, order[1:])]
        moves = []
        for lo, up in zip(order, order[1:]):
            moves += [("pick", (up.id,)), ("stack", (up.id, lo.id))]
        # start: the same objects in one or two towers in a scrambled order
        scr = order[:]
        while scr == order:
            rng.shuffle(scr)
        cut = rng.randint(2, k)
        setup = []
        for part in (scr[:cut], scr[cut:]):
            for lo, up in zip(part, part[1:]):
                setup += [("pick", (up.id,)), ("stack", (up.id, lo.id))]
        desc = "build a tower: " + ", then ".join(f"the {_name(o)}" for o in order) + " (bottom to top)"
        return lits, desc, setup, moves
    if family == "swap_full":
        # the target of one is full (CONTAINER_CAPACITY), the other as full as the scene allows:
        # when both are full, one of the two objects has to wait on the table
        from promptbot.planning.world import CONTAINER_CAPACITY

        fillers = [o for o in objs if not o.is_container and o.label != "mug"]
        rng.shuffle(fillers)
        if len(boxes) < 2 or len(movers) < 2 or len(fillers) < CONTAINER_CAPACITY + 1:
            return None
        c1, c2 = rng.sample(boxes, 2)
        a, b = movers[0], movers[1]
        rest = [o for o in fillers if o.id not in (a.id, b.id)]
        n_fill = CONTAINER_CAPACITY - 1
        setup = [("pick", (a.id,)), ("place", (a.id, c1.id)), ("pick", (b.id,)), ("place", (b.id, c2.id))]
        for o in rest[:n_fill]:
            setup += [("pick", (o.id,)), ("place", (o.id, c2.id))]
        for o in rest[n_fill:2 * n_fill]:
            setup += [("pick", (o.id,)), ("place", (o.id, c1.id))]
        lits = [Literal("in", (a.id, c2.id)), Literal("in", (b.id, c1.id))]
        moves = [("pick", (b.id,)), ("place", (b.id, "table")), ("pick", (a.id,)), ("place", (a.id, c2.id)),
                 ("pick", (b.id,)), ("place", (b.id, c1.id))]
        return lits, f"swap the {_name(a)} and the {_name(b)}", setup, moves
    if family == "tower_and_sort":
        if not boxes or len(movers) < 5:
            return None
        t, s = movers[:3], movers[3:5]
        lits = [Literal("on", (t[1].id, t[0].id)), Literal("on", (t[2].id, t[1].id))]
        moves = [("pick", (t[1].id,)), ("stack", (t[1].id, t[0].id)),
                 ("pick", (t[2].id,)), ("stack", (t[2].id, t[1].id))]
        for o in s:
            b = rng.choice(boxes)
            lits.append(Literal("in", (o.id, b.id)))
            moves = [("pick", (o.id,)), ("place", (o.id, b.id))] + moves
        # the tower's base is buried under a goal object and the top one
        setup = [("pick", (s[0].id,)), ("stack", (s[0].id, t[0].id)),
                 ("pick", (t[2].id,)), ("stack", (t[2].id, s[0].id))]
        desc = (f"stack the {_name(t[1])} on the {_name(t[0])} and the {_name(t[2])} on top, "
                f"and put the {_name(s[0])} and the {_name(s[1])} away")
        return lits, desc, setup, moves
    raise ValueError(f"unknown hard family {family!r}; known: {', '.join(HARD_FAMILIES)}")


def generate_hard(world: str, seed: int, family: str) -> Task:
    """A reproducible hard task; raises TaskNotApplicable when ``family`` does not fit the world/seed."""
    from promptbot.planning.world import InadmissibleAction, execute

    objs = sample_scene(world, seed)
    rng = random.Random(f"hard|{world}|{seed}|{family}")
    for _attempt in range(6):
        d = _draft(family, objs, rng)
        if d is None:
            break
        lits, desc, setup, moves = d
        goal = Goal(tuple(lits))
        try:
            start = execute(setup, objs)
            if start.holding is not None:
                continue
            oracle = _clear_all(start)
            final = execute(oracle + moves, start)
        except InadmissibleAction:
            continue
        oracle += moves
        if check(goal, start.objects, initial=start.objects)[0] \
                or not check(goal, final.objects, initial=start.objects)[0]:
            continue
        if len(oracle) > MAX_HARD_STEPS:
            continue
        return Task(world=world, seed=seed, family=family, instruction=desc, goal=goal,
                    oracle_plan=[(s, tuple(a)) for s, a in oracle], initial=list(start.objects),
                    setup_plan=[(s, tuple(a)) for s, a in setup], paraphrases=(desc,))
    raise TaskNotApplicable(f"hard family {family} does not fit world {world!r} seed {seed}")


def hard_tasks(worlds, seeds, families=HARD_FAMILIES) -> list[Task]:
    """Every applicable (world, seed, family) task, in a deterministic order."""
    out = []
    for seed in seeds:
        for w in worlds:
            for f in families:
                try:
                    out.append(generate_hard(w, seed, f))
                except TaskNotApplicable:
                    continue
    return out
