"""unmoved(x) in the world model and the search: no step moves a protected object, and a goal
that needs one moved is answered impossible with the reason (pure)."""
import pytest

from promptbot.planning import Planner, PlannerConfig, SearchConfig
from promptbot.planning.llm import LLMBackend
from promptbot.planning.mcts import unmoved_conflict
from promptbot.planning.skills import Step
from promptbot.planning.world import (
    InadmissibleAction,
    WorldState,
    admissible,
    apply,
    execute,
)
from promptbot.tasks import check, parse_goal
from helpers.scenes import bowl, cube, tabletop

METHODS = ("mcts_uniform", "mcts_llm", "greedy_llm")


class PreferRed(LLMBackend):
    """A deterministic scorer (not an LLM) that likes every step naming the red cube: the prior
    pushes the search towards moving the one object the goal protects."""

    name = "prefer-red"

    def _score(self, prefix, continuations):
        return [(-0.1 if "red" in c else -3.0) for c in continuations]


def _plan(objs, goal, method="mcts_uniform", sims=48):
    llm = None if method == "mcts_uniform" else PreferRed()
    planner = Planner(llm, PlannerConfig(method=method, search=SearchConfig(simulations=sims)))
    return planner.plan("test", objs, goal=goal)


def _moved(steps) -> set[str]:
    return {s.args[0] for s in steps}


def red_on_green() -> list:
    """red_cube stacked on green_cube; blue_cube and the bowls on the table."""
    return [cube("red", 0.45, 0.0, z=0.06), cube("green", 0.45, 0.0), cube("blue", 0.40, -0.20),
            bowl("yellow", 0.62, 0.20), bowl("white", 0.62, -0.22)]


def test_a_pinned_object_is_never_moved_by_a_step():
    s = WorldState.from_objects(tabletop(), fixed={"red_cube"})
    assert s.fixed == {"red_cube"}
    acts = admissible(s)
    assert acts and not any(a.args[0] == "red_cube" for a in acts)
    assert Step("pick", ("green_cube",)) in acts
    for skill in (Step("pick", ("red_cube",)), Step("push", ("red_cube", "right"))):
        with pytest.raises(InadmissibleAction, match=r"red_cube must stay where it is \(the task says unmoved"):
            apply(skill, s)
    # successors keep the pin, and stacking onto the pinned cube does not move it
    after = execute([("pick", ("green_cube",)), ("stack", ("green_cube", "red_cube"))], s)
    assert after.fixed == {"red_cube"} and after.by_id()["red_cube"] == s.by_id()["red_cube"]
    assert not any(a.args[0] == "red_cube" for a in admissible(after))
    # pinned() adds to the pins; an unpinned state allows picking the red cube
    assert WorldState.from_objects(tabletop()).pinned(["red_cube"]).fixed == {"red_cube"}
    assert Step("pick", ("red_cube",)) in admissible(WorldState.from_objects(tabletop()))
    # a pinned object in the hand has nowhere to go: putting it down moves it
    held = WorldState.from_objects(tabletop()).pinned([])
    held = apply(Step("pick", ("red_cube",)), held).pinned(["red_cube"])
    assert admissible(held) == []


@pytest.mark.parametrize("goal, scene, why", [
    ("on(red_cube, green_cube) & unmoved(red_cube)", tabletop,
     "on(red_cube, green_cube) needs red_cube moved, but the goal says unmoved(red_cube)"),
    ("in_region(red_cube, right) & unmoved(red_cube)", tabletop, "needs red_cube moved"),
    ("!on_table(red_cube) & unmoved(red_cube)", tabletop, "needs red_cube moved"),
    ("near(red_cube, green_cube) & unmoved(green_cube) & unmoved(red_cube)", tabletop,
     "near(red_cube, green_cube) needs red_cube or green_cube moved, but the goal says unmoved(red_cube) "
     "and unmoved(green_cube)"),
    ("near(red_cube, yellow_bowl) & unmoved(red_cube)", tabletop, "needs red_cube or yellow_bowl moved"),
    # "every cube in the bowl except the red one", with the red one on top of the green one
    ("in(green_cube, yellow_bowl) & in(blue_cube, yellow_bowl) & unmoved(red_cube)", red_on_green,
     "in(green_cube, yellow_bowl) needs green_cube moved, but red_cube is on top of it and the goal says "
     "unmoved(red_cube)"),
])
def test_goals_that_need_a_protected_object_moved_are_impossible(goal, scene, why):
    objs = scene()
    msg = unmoved_conflict(parse_goal(goal), WorldState.from_objects(objs))
    assert msg is not None and why in msg, msg
    for method in METHODS:
        r = _plan(objs, goal, method)
        assert r.status == "impossible" and why in r.message and r.steps == [], (method, r.status, r.message)


@pytest.mark.parametrize("goal", [
    "in(green_cube, yellow_bowl) & unmoved(red_cube)",
    "on(green_cube, red_cube) & unmoved(red_cube)",              # stacking onto it does not move it
    "near(red_cube, green_cube) & unmoved(red_cube)",            # the other object comes to it
    "left_of(red_cube, blue_cube) & unmoved(red_cube)",
    "on_table(red_cube) & unmoved(red_cube)",                    # holds already
])
def test_reachable_goals_have_no_conflict(goal):
    assert unmoved_conflict(parse_goal(goal), WorldState.from_objects(tabletop())) is None


def test_held_protected_object_is_impossible():
    s = apply(Step("pick", ("red_cube",)), WorldState.from_objects(tabletop()))
    msg = unmoved_conflict(parse_goal("in(green_cube, yellow_bowl) & unmoved(red_cube)"), s)
    assert msg and "red_cube is in the gripper" in msg


@pytest.mark.parametrize("method", METHODS)
def test_search_never_moves_a_protected_object(method):
    """The prior likes the red cube; without unmoved the plans move it, with unmoved none does."""
    objs = tabletop()
    free = _plan(objs, "near(red_cube, green_cube)", method)
    assert "red_cube" in _moved(s.step for s in free.steps), (method, free.steps)
    for goal in ("near(red_cube, green_cube) & unmoved(red_cube)",
                 "in(green_cube, yellow_bowl) & in(blue_cube, yellow_bowl) & unmoved(red_cube)",
                 "on(green_cube, red_cube) & unmoved(red_cube)"):
        r = _plan(objs, goal, method)
        assert "red_cube" not in _moved(s.step for s in r.steps), (method, goal, r.steps)
        if method != "greedy_llm":                     # greedy follows the prior and may give up
            assert r.ok and r.satisfied, (method, goal, r.message)
            final = execute([s.step for s in r.steps], objs)
            assert check(goal, final.objects, initial=objs)[0]


def test_every_cube_but_the_protected_one_when_it_is_not_in_the_way():
    """'Put every cube in the bowl except the red one' with the red cube beside the tower."""
    objs = [cube("red", 0.45, 0.10), cube("green", 0.45, -0.05), cube("blue", 0.45, -0.05, z=0.06),
            bowl("yellow", 0.62, 0.20)]
    goal = "in(green_cube, yellow_bowl) & in(blue_cube, yellow_bowl) & unmoved(red_cube)"
    for method in ("mcts_uniform", "mcts_llm"):
        r = _plan(objs, goal, method)
        assert r.ok and r.satisfied and "red_cube" not in _moved(s.step for s in r.steps), (method, r.message)


def test_goal_already_holding_with_unmoved_is_nothing_to_do():
    r = _plan(tabletop(), "on_table(red_cube) & unmoved(red_cube)")
    assert r.ok and r.steps == [] and "already holds" in r.message
