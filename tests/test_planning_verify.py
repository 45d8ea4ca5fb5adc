"""One step-effect rule: the planner's scene check (planning.verify.expected_effect) and perception's
verify_step service answer the same, with the same thresholds."""
from __future__ import annotations

from dataclasses import replace

import pytest

from promptbot.perception import verify as pv
from promptbot.planning.skills import Step
from promptbot.planning.verify import LIFT_MIN_M, REST_MAX_M, Problem, expected_effect, judge_step
from helpers.scenes import verification_scene
from promptbot.scene import ObjectState


def _obj(oid, label, x, y, z, size=(0.04, 0.04, 0.04)):
    return ObjectState(oid, label, oid.split("_")[0], (x, y, z), size)


SCENE = verification_scene()
STEPS = [
    ("pick", ("purple_cube",)), ("pick", ("yellow_cube",)), ("pick", ("red_cube",)),
    ("place", ("green_cube", "blue_bowl")), ("place", ("red_cube", "blue_bowl")),
    ("place", ("yellow_cube", "red_cube")),
    ("place", ("orange_cube", "left")), ("place", ("orange_cube", "right")), ("place", ("red_cube", "table")),
    ("place", ("purple_cube", "table")), ("place", ("red_cube", "left_of:blue_bowl")),
    ("place", ("red_cube", "right_of:blue_bowl")), ("place", ("red_cube", "near:ghost")),
    ("place", ("red_cube", "above:blue_bowl")), ("stack", ("yellow_cube", "red_cube")),
    ("stack", ("red_cube", "blue_bowl")), ("push", ("orange_cube", "left")), ("push", ("purple_cube", "front")),
    ("push", ("red_cube", "nowhere")), ("pick", ("ghost_cube",)), ("fly", ("red_cube",)), ("pick", ()),
]


@pytest.mark.parametrize("skill,args", STEPS)
def test_the_planner_and_the_service_judge_a_step_alike(skill, args):
    v = pv.verify_step(skill, args, SCENE)
    assert expected_effect(Step(skill, args), SCENE) == (v.holds, v.reason)
    assert v.reason


def test_problems_map_to_the_service_codes():
    cases = {("pick", ("red_cube",)): pv.OK, ("pick", ("ghost_cube",)): pv.UNKNOWN_OBJECT,
             ("place", ("red_cube", "near:ghost")): pv.UNKNOWN_OBJECT,
             ("stack", ("red_cube", "blue_bowl")): pv.BAD_REQUEST,
             ("place", ("red_cube", "above:blue_bowl")): pv.BAD_REQUEST, ("pick", ()): pv.BAD_REQUEST}
    for (skill, args), code in cases.items():
        assert pv.verify_step(skill, args, SCENE).code == code, (skill, args)
    hidden = [replace(o, attrs={"occluded": True}) if o.id == "red_cube" else o for o in SCENE]
    j = judge_step("pick", ("red_cube",), hidden)
    assert (j.holds, j.problem) == (False, Problem.OCCLUDED)
    assert pv.verify_step("pick", ("red_cube",), hidden).code == pv.OCCLUDED


def test_service_codes_are_the_messages():
    from promptbot_msgs.srv import VerifyStep

    r = VerifyStep.Response
    ours = (pv.OK, pv.UNKNOWN_OBJECT, pv.BAD_REQUEST, pv.OCCLUDED)
    assert ours == (r.OK, r.UNKNOWN_OBJECT, r.BAD_REQUEST, r.OCCLUDED)


@pytest.mark.parametrize("bottom,rests", [(0.0, True), (REST_MAX_M - 0.002, True),
                                          (REST_MAX_M + 0.002, False), (LIFT_MIN_M - 0.002, False)])
def test_an_object_rests_on_the_table_only_below_rest_max(bottom, rests):
    """A cube hovering 2 cm up has not been placed (the scene check once allowed up to 3 cm)."""
    cube = _obj("red_cube", "cube", 0.5, 0.25, bottom + 0.02)
    for step in (Step("place", ("red_cube", "table")), Step("place", ("red_cube", "left")),
                 Step("push", ("red_cube", "left"))):
        assert expected_effect(step, [cube])[0] is rests, step


def test_a_pick_needs_the_lift_and_no_support():
    assert expected_effect(Step("pick", ("red_cube",)), [_obj("red_cube", "cube", 0.5, 0, LIFT_MIN_M + 0.021)])[0]
    assert not expected_effect(Step("pick", ("red_cube",)), [_obj("red_cube", "cube", 0.5, 0, LIFT_MIN_M + 0.019)])[0]
    ok, why = expected_effect(Step("pick", ("yellow_cube",)), SCENE)
    assert not ok and "rests on red_cube" in why


def test_an_object_in_a_bowl_is_not_placed_on_the_table():
    """A bowl's floor is about as low as the table: resting height alone would call it placed."""
    bowl = _obj("blue_bowl", "bowl", 0.5, 0.0, 0.03, size=(0.14, 0.14, 0.06))
    cube = _obj("red_cube", "cube", 0.5, 0.0, 0.025)          # bottom 5 mm up: on the bowl's floor
    assert cube.bottom < REST_MAX_M
    j = judge_step("place", ("red_cube", "table"), [bowl, cube])
    assert not j.holds and j.reason == "red_cube is in blue_bowl, not on the table"
    assert expected_effect(Step("place", ("red_cube", "table")), [bowl, cube])[0] is False
    beside = replace(cube, position=(0.7, 0.2, 0.02))
    assert judge_step("place", ("red_cube", "table"), [bowl, beside]).holds
