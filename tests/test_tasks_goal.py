"""Goal syntax round trip and checkers on hand-built states (pure)."""
import pytest

from promptbot.scene import ObjectState
from promptbot.tasks import Goal, GoalSyntaxError, check, parse_goal
from helpers.scenes import bowl, cube


@pytest.mark.parametrize("text", [
    "in(red_cube, blue_bowl)",
    "in(red_cube, blue_bowl) & on(green_cube, red_cube)",
    "near(a, b) & left_of(c, d) & right_of(e, f)",
    "in_region(red_cube, left) & on_table(green_cube_2) & in_any(blue_cube)",
    "!on(red_cube, green_cube) & on_table(red_cube)",
])
def test_goal_text_round_trips(text):
    g = parse_goal(text)
    assert parse_goal(str(g)) == g
    assert isinstance(g, Goal) and len(g) == text.count("&") + 1


def test_goal_is_canonical():
    assert parse_goal("on(a, b) & in(c, d)") == parse_goal(" in( c ,d )&on(a,b) & on(a, b)")


@pytest.mark.parametrize("bad", ["", "in(red_cube)", "fly(red_cube)", "in(red_cube, Blue)", "in red_cube",
                                 "in_region(red_cube, moon)", "in(a, b) && on(c, d)", "in(a,b))"])
def test_bad_goals_raise(bad):
    with pytest.raises(GoalSyntaxError):
        parse_goal(bad)


def test_checks_on_hand_built_states():
    red_in = cube("red", 0.62, 0.20, z=0.025 - 0.025 + 0.005 + 0.02)
    green = cube("green", 0.45, 0.0)
    blue_on_green = cube("blue", 0.45, 0.0, z=0.06)
    yellow = bowl("yellow", 0.62, 0.20)
    objs = [red_in, green, blue_on_green, yellow]
    assert check("in(red_cube, yellow_bowl)", objs) == (True, "all 1 goal conditions hold")
    assert check("on(blue_cube, green_cube) & on_table(green_cube)", objs)[0]
    assert check("in_any(red_cube) & !in_any(green_cube)", objs)[0]
    assert check("left_of(yellow_bowl, green_cube) & right_of(green_cube, red_cube)", objs)[0]
    # beside-relations are placements: the red cube inside the bowl is not "left of" the green cube
    assert not check("left_of(red_cube, green_cube)", objs)[0]
    assert not check("near(red_cube, yellow_bowl)", objs)[0]
    assert check("near(blue_cube, green_cube)", objs)[0]
    assert check("in_region(green_cube, center)", objs)[0]
    # a side of the table is not a bowl standing on it: the red cube in the yellow bowl (on the left)
    # is not "on the left side"; the bowl itself is
    assert check("in_region(yellow_bowl, left)", objs)[0]
    ok, why = check("in_region(red_cube, left)", objs)
    assert not ok and "red_cube is in yellow_bowl" in why
    assert check("!in_region(red_cube, left)", objs)[0]
    ok, why = check("on(green_cube, blue_cube) & in(green_cube, yellow_bowl)", objs)
    assert not ok and "on(green_cube, blue_cube)" in why and "in(green_cube, yellow_bowl)" in why
    ok, why = check("in(purple_cube, yellow_bowl)", objs)
    assert not ok and "unknown object 'purple_cube'" in why
    assert not check("on_table(blue_cube)", objs)[0]
    assert not check("in(green_cube, yellow_bowl)", objs)[0]


def test_object_state_is_the_input_type():
    o = ObjectState("x_cube", "cube", "x", (0.5, 0.0, 0.02), (0.04, 0.04, 0.04))
    assert check("on_table(x_cube)", [o])[0]


def test_near_scales_with_object_size():
    from promptbot.scene import NEAR_DIST, NEAR_GAP, is_near, near_limit

    a, b = cube("red", 0.5, 0.0), cube("green", 0.5 + NEAR_DIST - 0.005, 0.0)
    assert near_limit(a, b) == pytest.approx(NEAR_DIST)          # cubes: the plain centre distance
    assert is_near(a, b) and not is_near(a, cube("green", 0.5 + NEAR_DIST + 0.005, 0.0))
    big = bowl("yellow", 0.5, 0.3)
    lim = near_limit(cube("red", 0.5, 0.3 - 0.14), big)
    assert lim == pytest.approx(0.5 * max(big.size[:2]) + 0.02 + NEAR_GAP, abs=1e-3) and lim > NEAR_DIST
    # 3 cm of table between the cube and the bowl's rim is "near the bowl"
    assert check("near(red_cube, yellow_bowl)", [cube("red", 0.5, 0.3 - 0.12), big])[0]
    assert not check("near(red_cube, yellow_bowl)", [cube("red", 0.5, 0.3 - lim - 0.01), big])[0]
    assert is_near(a, b, dist=0.05) is False                       # an explicit distance still wins


def test_failed_beside_says_why():
    """A failed near/left_of/right_of names the measured distance, or the container it counts as inside."""
    far = [cube("red", 0.40, 0.10), cube("blue", 0.40, -0.10)]
    ok, why = check(parse_goal("near(red_cube, blue_cube)"), far)
    assert not ok and "centres 20.0 cm apart" in why, why
    inside = [cube("red", 0.50, 0.10, z=0.025), bowl("blue", 0.50, 0.10), cube("green", 0.50, 0.00)]
    ok, why = check(parse_goal("near(red_cube, green_cube)"), inside)
    assert not ok and "red_cube is in blue_bowl" in why, why
    assert check(parse_goal("!near(red_cube, green_cube)"), inside)[0]


def test_unmoved_syntax():
    g = parse_goal("unmoved(red_cube) & in(blue_cube, green_bowl)")
    assert str(g) == "in(blue_cube, green_bowl) & unmoved(red_cube)"      # canonical order
    assert parse_goal(str(g)) == g and g.unmoved() == {"red_cube"}
    assert parse_goal(" unmoved( red_cube )&in(blue_cube,green_bowl)") == g
    for bad in ("unmoved()", "unmoved(a, b)", "unmoved(Red)"):
        with pytest.raises(GoalSyntaxError):
            parse_goal(bad)
    # "moved somewhere" is not a goal
    with pytest.raises(GoalSyntaxError, match="not a goal"):
        parse_goal("in(a, b) & !unmoved(red_cube)")


def test_unmoved_needs_the_start_scene_and_has_a_tolerance():
    from promptbot.tasks.goal import UNMOVED_TOL_M, satisfied_fraction

    start = [cube("red", 0.50, 0.10), cube("blue", 0.40, -0.10), bowl("green", 0.60, -0.20)]
    goal = parse_goal("unmoved(red_cube)")
    # without the start scene it cannot be judged: never a success by default
    ok, why = check(goal, start)
    assert not ok and "no start reference" in why
    assert check(goal, start, initial=start) == (True, "all 1 goal conditions hold")
    assert goal.check(start, start)[0]
    # just inside / just outside the tolerance, in xy and in z
    inside = UNMOVED_TOL_M - 0.002
    outside = UNMOVED_TOL_M + 0.002
    assert check(goal, [cube("red", 0.50 + inside, 0.10)], initial=start)[0]
    ok, why = check(goal, [cube("red", 0.50, 0.10 + outside)], initial=start)
    assert not ok and "red_cube moved 3.2 cm in xy" in why, why
    assert check(goal, [cube("red", 0.50, 0.10, z=0.02 + inside)], initial=start)[0]
    ok, why = check(goal, [cube("red", 0.50, 0.10, z=0.02 + outside)], initial=start)
    assert not ok and "+3.2 cm in z" in why, why
    # the start scene as a mapping id -> object works too; an object absent at the start cannot be judged
    assert check(goal, start, initial={o.id: o for o in start})[0]
    ok, why = check("unmoved(blue_cube)", start, initial=start[:1])
    assert not ok and "not in the start scene" in why
    # alongside other literals: both are checked, both reasons are given
    moved = [cube("red", 0.60, -0.20, z=0.03), start[1], start[2]]
    ok, why = check("in(blue_cube, green_bowl) & unmoved(red_cube)", moved, initial=start)
    assert not ok and "in(blue_cube, green_bowl)" in why and "unmoved(red_cube)" in why
    assert satisfied_fraction(parse_goal("on_table(blue_cube) & unmoved(red_cube)"), moved, start) == 0.5
    assert satisfied_fraction(parse_goal("on_table(blue_cube) & unmoved(red_cube)"), start, start) == 1.0
