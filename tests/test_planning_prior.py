"""The learned prior: id-free features, numpy inference, training on traces, the prior modes, hard tasks."""
from dataclasses import replace

import numpy as np
import pytest

from promptbot.planning import Planner, PlannerConfig, SearchConfig
from promptbot.planning.llm import LLMBackend
from promptbot.planning.prior_net import (
    ACTION_FEATURES,
    N_ACTION,
    N_STATE,
    LearnedPrior,
    action_features,
)
from promptbot.planning.world import WorldState, admissible
from promptbot.tasks import parse_goal
from promptbot.tasks.hard import HARD_FAMILIES, HELD_OUT_WORLDS, TRAIN_WORLDS, generate_hard, hard_tasks
from helpers.scenes import cube, tabletop


def _random_prior(seed=0, hidden=8) -> LearnedPrior:
    rng = np.random.default_rng(seed)
    pol = [(rng.normal(size=(N_ACTION + N_STATE, hidden)).astype(np.float32), np.zeros(hidden, np.float32)),
           (rng.normal(size=(hidden, 1)).astype(np.float32), np.zeros(1, np.float32))]
    val = [(rng.normal(size=(N_STATE, hidden)).astype(np.float32), np.zeros(hidden, np.float32)),
           (rng.normal(size=(hidden, 1)).astype(np.float32), np.zeros(1, np.float32))]
    return LearnedPrior(pol, val, np.zeros(N_ACTION, np.float32), np.ones(N_ACTION, np.float32), 12, {"hidden": hidden})


def _renamed(objs, mapping):
    return [replace(o, id=mapping.get(o.id, o.id), color="x" + o.color) for o in objs]


def test_features_carry_no_ids_or_colours():
    objs = [cube("red", 0.45, 0.0), cube("green", 0.45, 0.0, z=0.06), cube("blue", 0.55, 0.2)]
    goal = parse_goal("on(red_cube, green_cube) & on(blue_cube, red_cube)")
    s = WorldState.from_objects(objs)
    X, g = action_features(s, goal, s.by_id(), admissible(s))
    mapping = {"red_cube": "a_cube", "green_cube": "b_cube", "blue_cube": "c_cube"}
    s2 = WorldState.from_objects(_renamed(objs, mapping))
    goal2 = parse_goal("on(a_cube, b_cube) & on(c_cube, a_cube)")
    acts2 = admissible(s2)
    X2, g2 = action_features(s2, goal2, s2.by_id(), acts2)
    # the same actions (renamed) get the same features, in whatever order they are listed
    by_step = {str(a): x for a, x in zip(admissible(s), X)}
    for a, x in zip(acts2, X2):
        orig = str(a)
        for new, old in mapping.items():
            orig = orig.replace(old, new)
        assert np.allclose(by_step[orig], x), a
    assert np.allclose(g, g2)
    # the blocking cube (green, on top of red that must move) is marked a blocker
    names = [str(a) for a in admissible(s)]
    col = ACTION_FEATURES.index("obj_blocker")
    assert X[names.index("pick(green_cube)"), col] == 1.0
    assert X[names.index("pick(blue_cube)"), col] == 0.0


def test_policy_is_a_distribution_and_reports_entropy_and_range():
    lp = _random_prior()
    s = WorldState.from_objects(tabletop())
    goal = parse_goal("in(red_cube, yellow_bowl)")
    acts = admissible(s)
    p, ent, ood = lp.policy(s, goal, acts, s.by_id())
    assert len(p) == len(acts) and abs(sum(p) - 1) < 1e-5 and all(v > 0 for v in p)
    assert 0.0 <= ent <= 1.0
    assert isinstance(ood, bool)
    v = lp.values([s], goal, s.by_id())
    assert len(v) == 1 and 0.0 <= v[0] <= 1.0


def test_checkpoint_round_trip(tmp_path):
    lp = _random_prior(3)
    path = lp.save(tmp_path / "p.npz")
    back = LearnedPrior.load(path)
    s = WorldState.from_objects(tabletop())
    goal = parse_goal("on(green_cube, red_cube)")
    acts = admissible(s)
    assert np.allclose(lp.policy(s, goal, acts, s.by_id())[0], back.policy(s, goal, acts, s.by_id())[0])
    with pytest.raises(FileNotFoundError, match="train-prior"):
        LearnedPrior.load(tmp_path / "missing.npz")


class CountingLLM(LLMBackend):
    """A deterministic scorer (not an LLM) that counts its calls."""

    name = "counting"

    def _score(self, prefix, continuations):
        return [-1.0 - 0.01 * i for i in range(len(continuations))]


def test_prior_modes_plan_and_hybrid_calls_stay_bounded():
    lp = _random_prior(1)
    goal = "on(green_cube, red_cube) & in(blue_cube, white_bowl)"
    for mode in ("learned", "hybrid", "uniform", "llm"):
        llm = CountingLLM()
        cfg = PlannerConfig(prior=mode, search=SearchConfig(simulations=32, llm_budget=2, max_steps=12))
        r = Planner(llm, cfg, learned=lp).plan("test", tabletop(), goal=goal)
        assert r.prior == mode and r.to_dict()["prior"] == mode
        assert r.llm_calls <= 2
        if mode == "learned" or mode == "uniform":
            assert r.llm_calls == 0
    # hybrid: never unsure (threshold 1, every feature in range) -> no LLM call; always unsure -> the budget
    wide = replace(lp, feat_min=np.full(N_ACTION, -9.0, np.float32), feat_max=np.full(N_ACTION, 9.0, np.float32))
    never = PlannerConfig(prior="hybrid", search=SearchConfig(simulations=16, hybrid_entropy=1.0))
    r = Planner(CountingLLM(), never, learned=wide).plan("test", tabletop(), goal=goal)
    assert r.ok and r.llm_calls == 0
    always = PlannerConfig(prior="hybrid", search=SearchConfig(simulations=16, hybrid_entropy=0.0, llm_budget=3))
    r = Planner(CountingLLM(), always, learned=wide).plan("test", tabletop(), goal=goal)
    assert r.ok and r.llm_calls == 3
    with pytest.raises(ValueError, match="learned prior"):
        Planner(None, PlannerConfig(prior="learned"))


class FailingLLM(LLMBackend):
    """An endpoint that times out on every call."""
    name = "failing"

    def __init__(self):
        super().__init__()
        self.tries = 0

    def _score(self, prefix, continuations):
        from promptbot.planning.llm import LLMUnavailable

        self.tries += 1
        raise LLMUnavailable("http://127.0.0.1:9/v1/completions unreachable after 3 attempt(s) (timeout 10.0 s)")


def test_hybrid_plans_on_with_the_network_when_the_llm_fails():
    """The LLM only sharpens the network's prior: a failing endpoint is tried once per plan, and the plan is
    made with the network alone."""
    wide = replace(_random_prior(1), feat_min=np.full(N_ACTION, -9.0, np.float32),
                   feat_max=np.full(N_ACTION, 9.0, np.float32))
    goal = "on(green_cube, red_cube) & in(blue_cube, white_bowl)"
    always = PlannerConfig(prior="hybrid", search=SearchConfig(simulations=16, hybrid_entropy=0.0, llm_budget=3))
    llm = FailingLLM()
    r = Planner(llm, always, learned=wide).plan("test", tabletop(), goal=goal)
    assert r.ok and r.llm_calls == 0 and llm.tries == 1


def test_training_on_traces_learns_the_teacher(tmp_path):
    torch = pytest.importorskip("torch")  # noqa: F841
    from promptbot.planning.prior_train import Samples, TrainConfig, fit, plan_goal, samples_from_trace

    data = Samples()
    goal = parse_goal("on(green_cube, red_cube) & on(blue_cube, green_cube)")
    for seed in range(3):
        res, _ = plan_goal(tabletop(), goal, "uniform", None, 64, seed=seed, record=True)
        assert res.trace is not None and res.solved
        data.extend(samples_from_trace(res.trace))
    assert data.policy and data.value
    assert all(abs(pi.sum() - 1) < 1e-5 for _, _, pi, _ in data.policy)
    cfg = TrainConfig(epochs=30, hidden=16)
    lp, curve = fit(data, cfg)
    assert curve["policy_train"][-1] < curve["policy_train"][0]
    # the network's favourite is the teacher's most visited action on most training decisions
    hits = sum(int(np.argmax(lp.logits(X, g)) == np.argmax(pi)) for X, g, pi, _ in data.policy)
    assert hits >= 0.6 * len(data.policy)


def test_hard_tasks_are_solvable_and_split_by_world():
    assert not set(TRAIN_WORLDS) & set(HELD_OUT_WORLDS)
    tasks = hard_tasks(TRAIN_WORLDS + HELD_OUT_WORLDS, range(2))
    fams = {t.family for t in tasks}
    assert fams == set(HARD_FAMILIES)
    from promptbot.planning.world import execute
    from promptbot.tasks import check

    for t in tasks:
        final = execute(t.oracle_plan, t.initial)
        assert check(t.goal, final.objects, initial=t.initial)[0] and final.holding is None, (t.world, t.family)
        assert not check(t.goal, t.initial, initial=t.initial)[0]
    a = generate_hard("stacking", 5, "tall_tower")
    b = generate_hard("stacking", 5, "tall_tower")
    assert a.goal == b.goal and a.oracle_plan == b.oracle_plan
