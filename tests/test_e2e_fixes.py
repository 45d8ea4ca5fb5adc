"""Failures of `promptbot bench e2e` reproduced as pure unit tests (no ROS, no simulator).

1. ASR: "left of" heard as "left on" -> the planner stacked instead of placing beside.
2. Planner: "Which purple cube do you mean: the purple cube or the purple cube?" (two tracks of
   one cube after a world reset; and a question listing identical names).
3. Perception ids vs sim ids: the expert got perception ids it does not know, or that name another
   object in the sim.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from helpers.scenes import bowl, cube
from promptbot.perception.detector import Detection
from promptbot.perception.ids import UnknownObjectError, resolve_ids
from promptbot.perception.tracker import Tracker
from promptbot.planning.interpret import interpret
from promptbot.scene import ObjectState
from promptbot.speech.backend import DecodeResult, Hypothesis
from promptbot.speech.recognizer import Recognizer
from promptbot.speech.text import repair_side_of, repair_transcript
from promptbot.tasks import parse_goal

# --- 1. "left of" heard as "left on" ---------------------------------------------------------------

# (what tiny.en wrote for espeak-ng's voice, what was said) from `promptbot transcribe` / bench e2e
HEARD = [
    ("move the green cube so that it is left on the purple cube",
     "move the green cube so that it is left of the purple cube"),
    ("place the purple cube on the left on the green bowl", "place the purple cube on the left of the green bowl"),
    ("Put the red cube to the left on the blue bowl.", "Put the red cube to the left of the blue bowl."),
    ("put the yellow cube on the right on the green cube", "put the yellow cube on the right of the green cube"),
    ("so it's right on a red bowl", "so it's right of a red bowl"),
    # "to the" heard as "turn the" too (bench e2e, session 8: seeds 38 and 12 of 50)
    ("put the purple cube turn the left on the orange cube", "put the purple cube to the left of the orange cube"),
    ("the yellow cube turn the right on the green bowl", "the yellow cube to the right of the green bowl"),
    ("slide the purple cube turn the front on the table", "slide the purple cube to the front on the table"),
]
KEPT = [
    "put the red cube on the green cube",
    "push the red cube to the left",
    "push the red cube to the left on the table",       # "on the table" is a sensible "on"
    "put it on the left on top of the blue cube",
    "place the blue cube right on the red bowl",         # "right on" = directly on: kept
    "take the cube left on the plate",                   # "left" = remaining: kept
    "turn the red cube around",                          # "turn the" before no side: kept
]


class _FakeBackend:
    name = "fake"
    english_only = True

    def __init__(self, text: str):
        self.text = text

    def transcribe(self, audio, options):
        return DecodeResult([Hypothesis(self.text, -0.1, 12)], 0.01, "en")


@pytest.mark.parametrize("heard,said", HEARD)
def test_side_on_is_repaired_to_side_of(heard, said):
    assert repair_side_of(heard) == said


@pytest.mark.parametrize("text", KEPT)
def test_sensible_on_is_kept(text):
    assert repair_side_of(text) == text
    assert repair_transcript(text) == text


@pytest.mark.parametrize("heard,said", [
    ("But the red cube next to the purple cube.", "Put the red cube next to the purple cube."),
    ("but the green cube that is in the pink bowl into the yellow bowl",
     "put the green cube that is in the pink bowl into the yellow bowl"),
    ("put the red cube in the bowl, but the green one stays", "put the red cube in the bowl, but the green one stays"),
    ("butter the toast", "butter the toast"),
    ("put the purple cube on top and the orange cube", "put the purple cube on top of the orange cube"),
    ("place the green cube on the left and the white bowl.", "place the green cube on the left of the white bowl."),
    ("put the yellow cube to the right and yellow bowl", "put the yellow cube to the right of yellow bowl"),
    ("push the red cube to the left and the blue cube to the right",
     "push the red cube to the left and the blue cube to the right"),
    ("put the red cube on top and then the green cube in the bowl",
     "put the red cube on top and then the green cube in the bowl"),
    ("take the blue cube out in the white bowl", "take the blue cube out of the white bowl"),
    ("Lift the red cube out in the green bowl.", "Lift the red cube out of the green bowl."),
    ("put the red cube out in the open", "put the red cube out in the open"),
    # session 32: a side said without "the", or with "side" ("on left side on the purple cube"), and "please" after it
    ("Please put the orange cube on left side on the purple cube.", "Please put the orange cube on left side of the purple cube."),
    ("put the yellow cube on the right hand side on the red block", "put the yellow cube on the right hand side of the red block"),
    ("Orange cube, you put on left and purple cube, please.", "Orange cube, you put on left of purple cube, please."),
    ("put the cube on the left side on the table", "put the cube on the left side on the table"),
    # kept: a container's own side ("the tray's left half"), and two moves with "the" before the side
    ("Put the red cube to the left side on the tray.", "Put the red cube to the left side on the tray."),
    ("Push the red cube to the left and the blue cube, please.", "Push the red cube to the left and the blue cube, please."),
])
def test_other_mishearings_are_repaired(heard, said):
    assert repair_transcript(heard) == said


def test_transcript_text_is_repaired_and_raw_text_kept():
    heard = "move the green cube so that it is left on the purple cube"
    rec = Recognizer(_FakeBackend(heard))
    res = rec.classify(rec.backend.transcribe(None, None), 3.0)
    assert res.is_command and res.text == "move the green cube so that it is left of the purple cube"
    assert res.raw_text == heard


def test_repaired_transcript_gives_the_intended_goal():
    scene = [cube("green", 0.45, 0.10), cube("purple", 0.55, -0.05), bowl("pink", 0.62, 0.20)]
    heard = "move the green cube so that it is left on the purple cube"
    assert interpret(heard, scene).goal == parse_goal("on(green_cube, purple_cube)")      # the failure
    assert interpret(repair_side_of(heard), scene).goal == parse_goal("left_of(green_cube, purple_cube)")


# --- 2. "the purple cube or the purple cube?" ------------------------------------------------------

def test_question_tells_same_named_objects_apart_by_position():
    scene = [cube("purple", 0.40, 0.18), cube("purple", 0.39, -0.25, oid="purple_cube_2"),
             bowl("green", 0.64, 0.16)]
    r = interpret("put the purple cube in the green bowl", scene)
    assert r.status == "ambiguous"
    assert r.message == "Which purple cube do you mean: the one on the left or the one on the right?"
    # side by side across the table -> left/right; one behind the other -> front/back
    scene[1] = cube("purple", 0.55, 0.19, oid="purple_cube_2")
    r = interpret("put the purple cube in the green bowl", scene)
    assert r.message == "Which purple cube do you mean: the one in front or the one at the back?"


def test_listing_with_mixed_names_qualifies_only_duplicates():
    scene = [cube("red", 0.45, 0.25), cube("red", 0.45, -0.20, oid="red_cube_2"), cube("blue", 0.5, 0.0),
             bowl("green", 0.64, 0.16)]
    r = interpret("put the cube in the green bowl", scene)
    assert r.status == "ambiguous"
    assert "the red cube on the left" in r.message and "the red cube on the right" in r.message
    assert "the blue cube" in r.message and "blue cube on the" not in r.message


def test_one_red_cube_and_one_red_bowl_is_not_ambiguous():
    scene = [cube("red", 0.45, 0.10), bowl("red", 0.62, 0.20), bowl("green", 0.62, -0.2)]
    r = interpret("put the red cube in the green bowl", scene)
    assert r.status == "ok" and r.goal == parse_goal("in(red_cube, green_bowl)")


def _det(label, color, x, y, z=0.02):
    return Detection(label, color, (x, y, z), (0.04, 0.04, 0.04), 0.9)


def test_world_reset_does_not_create_a_second_track_of_the_same_object():
    """Bench e2e chain 2: after /sim/reset the old purple cube track was still held (hold_s of
    sim time, seconds of wall time on a loaded machine) while the new purple cube, 43 cm away,
    became purple_cube_2: the planner saw two purple cubes."""
    tr = Tracker(hold_s=1.5, gate_m=0.12)
    old = [_det("cube", "purple", 0.39, -0.25), _det("cube", "green", 0.39, -0.25, 0.06),
           _det("cube", "yellow", 0.34, -0.17), _det("bowl", "pink", 0.60, -0.25)]
    tr.update(old, 20.0)
    new = [_det("cube", "purple", 0.34, 0.18), _det("cube", "green", 0.34, -0.32), _det("cube", "red", 0.51, 0.27),
           _det("bowl", "blue", 0.42, -0.03), _det("bowl", "green", 0.64, 0.16)]
    objs = tr.update(new, 20.1)
    ids = {o.id for o in objs if not o.attrs["occluded"]}
    assert ids == {"purple_cube", "green_cube", "red_cube", "blue_bowl", "green_bowl"}
    purple = [o for o in objs if o.color == "purple"]
    assert len(purple) == 1 and purple[0].position[1] == pytest.approx(0.18)
    objs = tr.update(new, 22.0)           # the vanished objects' tracks expire
    assert {o.id for o in objs} == ids


def test_reset_puts_a_same_coloured_bowl_where_the_cube_was():
    """Bench e2e (50 chains, chain 3): after a reset the new red bowl stood within the gate of the
    old red cube's track and took it over (same colour; a label mismatch only cost 3 cm); the real
    red cube became red_cube_2 and the planner asked "which red cube?"."""
    tr = Tracker(hold_s=1.5, gate_m=0.12)
    for t in (10.0, 10.1):
        tr.update([_det("cube", "red", 0.51, 0.27), _det("bowl", "green", 0.64, 0.16)], t)
    objs = tr.update([_det("cube", "red", 0.42, -0.19), _det("bowl", "red", 0.58, 0.20),
                      _det("bowl", "white", 0.41, 0.21)], 10.2)
    seen = {o.id: o for o in objs if not o.attrs["occluded"]}
    assert set(seen) == {"red_cube", "red_bowl", "white_bowl"}, sorted(seen)
    assert seen["red_cube"].label == "cube" and seen["red_cube"].position[1] == pytest.approx(-0.19)
    assert seen["red_bowl"].label == "bowl"


def test_object_carried_while_hidden_keeps_its_id_and_true_duplicates_are_numbered():
    tr = Tracker(hold_s=1.5, gate_m=0.12)
    tr.update([_det("cube", "red", 0.40, 0.20), _det("cube", "red", 0.60, -0.20)], 0.0)
    first = {o.id: o.position for o in tr.update([_det("cube", "red", 0.40, 0.20),
                                                  _det("cube", "red", 0.60, -0.20)], 0.1)}
    assert set(first) == {"red_cube", "red_cube_2"}
    left_id = min(first, key=lambda i: -first[i][1])
    # the left cube vanishes under the gripper and reappears 30 cm away: same id, no red_cube_3
    tr.update([_det("cube", "red", 0.60, -0.20)], 0.5)
    objs = tr.update([_det("cube", "red", 0.55, -0.05, 0.1), _det("cube", "red", 0.60, -0.20)], 1.0)
    by = {o.id: o for o in objs}
    assert set(by) == {"red_cube", "red_cube_2"} and by[left_id].position[1] == pytest.approx(-0.05)
    # a third red cube that is really there is numbered
    objs = tr.update([_det("cube", "red", 0.55, -0.05, 0.1), _det("cube", "red", 0.60, -0.20),
                      _det("cube", "red", 0.35, 0.30)], 1.1)
    assert {o.id for o in objs} == {"red_cube", "red_cube_2", "red_cube_3"}


# --- 3. perception ids -> sim ids for the privileged expert ---------------------------------------

def _o(oid, label, color, x, y, z=0.02):
    return ObjectState(oid, label, color, (x, y, z), (0.04, 0.04, 0.04))


TRUTH = [_o("green_cube", "cube", "green", 0.60, -0.20), _o("green_cube_2", "cube", "green", 0.40, 0.20),
         _o("blue_cube", "cube", "blue", 0.50, 0.00), _o("red_bowl", "bowl", "red", 0.62, 0.22, 0.025)]


def test_duplicates_are_mapped_by_the_position_perception_reported():
    # perception numbers duplicates nearest-the-robot first: its green_cube is the sim's green_cube_2
    perceived = [_o("green_cube", "cube", "green", 0.41, 0.19), _o("green_cube_2", "cube", "green", 0.61, -0.2),
                 _o("blue_cube", "cube", "blue", 0.5, 0.0), _o("red_bowl", "bowl", "red", 0.62, 0.22, 0.025)]
    args, notes = resolve_ids(("green_cube", "red_bowl"), perceived, TRUTH)
    assert args == ("green_cube_2", "red_bowl")
    assert notes[0].how == "position" and notes[1].how == "identity"
    assert resolve_ids(("green_cube_2", "left_of:green_cube"), perceived, TRUTH)[0] == \
        ("green_cube", "left_of:green_cube_2")
    assert resolve_ids(("blue_cube", "left"), perceived, TRUTH)[0] == ("blue_cube", "left")


def test_drifted_ids_are_mapped_by_colour_and_label():
    # a re-created track (blue_cube_2) and a cube perception once saw as a lego
    perceived = [_o("blue_cube_2", "cube", "blue", 0.52, 0.01), _o("red_lego", "lego", "red", 0.61, 0.22)]
    args, notes = resolve_ids(("blue_cube_2", "red_lego"), perceived, TRUTH)
    assert args == ("blue_cube", "red_bowl")
    assert [n.how for n in notes] == ["position", "position"]
    # no perceived scene at all: by name (the k-th duplicate in perception's order)
    assert resolve_ids(("blue_cube_2",), None, TRUTH)[0] == ("blue_cube",)
    assert resolve_ids(("green_cube",), None, TRUTH)[0] == ("green_cube",)
    # green #3 does not exist: the last green cube in perception's order (nearest the robot first)
    assert resolve_ids(("green_cube_3",), None, TRUTH)[0] == ("green_cube",)
    # two arguments never map onto one sim object
    perceived = [_o("green_cube", "cube", "green", 0.40, 0.20), _o("green_cube_2", "cube", "green", 0.41, 0.21)]
    args, _ = resolve_ids(("green_cube_2", "green_cube"), perceived, TRUTH)
    assert set(args) == {"green_cube", "green_cube_2"}


def test_unknown_objects_are_reported():
    with pytest.raises(UnknownObjectError, match="purple_cube"):
        resolve_ids(("purple_cube",), [], TRUTH)
    with pytest.raises(UnknownObjectError, match="nothing yellow"):
        resolve_ids(("yellow_mug",), [_o("yellow_mug", "mug", "yellow", 0.5, 0.0)], TRUTH)


@pytest.mark.graph
@pytest.mark.parametrize("module", ["promptbot.perception.ids", "promptbot.perception.tracker",
                                    "promptbot.speech.text", "promptbot.speech.recognizer",
                                    "promptbot.planning.interpret"])
def test_fixed_modules_import_no_rclpy(module):
    code = (f"import sys, importlib; importlib.import_module({module!r}); "
            "print([m for m in sys.modules if m.split('.')[0] in ('rclpy', 'rcl_interfaces')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, HF_HUB_OFFLINE="1"))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
