"""Confirmation mode: the pure rules (promptbot.planning.confirm) and the planner node asking first.

Node tests use real processes: the planner node (uniform prior, no LLM) and the symbolic
ExecuteSkill test helper (tests/helpers/symbolic_skill_server.py), which counts executed steps
on the latched /symbolic/executions, so "nothing moved before the answer" is checked directly.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from promptbot.ros import qos
from promptbot.planning.confirm import NO, OTHER, YES, ConfirmPolicy, classify_reply, parse_skill_list, question

HELPERS = str(Path(__file__).resolve().parent)


# --- pure ------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["yes", "Yes.", "yeah", "go ahead", "Yes, go ahead!", "confirm", "OK, do it",
                                  "sure", "proceed"])
def test_yes_replies(text):
    assert classify_reply(text) == YES


@pytest.mark.parametrize("text", ["no", "No!", "cancel", "stop", "nope", "don't", "do not do that",
                                  "yes, stop", "no, go ahead", "cancel it now", "abort"])
def test_no_replies_and_any_cancel_word_wins(text):
    assert classify_reply(text) == NO


@pytest.mark.parametrize("text", ["", "   ", "hmm", "the red one", "put the red cube in the blue bowl ok yes",
                                  "what is the plan"])
def test_other_replies(text):
    assert classify_reply(text) == OTHER


def test_policy_rules():
    off = ConfirmPolicy()
    assert not off.enabled and off.reason(["pick", "place", "pick", "place"]) is None
    by_length = ConfirmPolicy(min_steps=2)
    assert by_length.reason(["pick", "place"]) is None
    assert by_length.reason(["pick", "place", "pick"]) == "the plan has 3 steps (more than 2)"
    # a replan of a task the user already confirmed does not ask again for its length
    assert by_length.reason(["pick", "place", "pick"], approved={"pick", "place"}) is None
    sensitive = ConfirmPolicy(sensitive_skills=parse_skill_list("push, stack"))
    assert sensitive.reason(["pick", "place"]) is None
    assert sensitive.reason(["pick", "stack"]) == "it uses the sensitive skill(s) stack"
    # ... but a replan that brings in a sensitive skill not approved yet asks again
    assert sensitive.reason(["push"], approved={"pick", "stack"}) == "it uses the sensitive skill(s) push"
    assert sensitive.reason(["stack"], approved={"pick", "stack"}) is None
    both = ConfirmPolicy(min_steps=1, sensitive_skills=frozenset({"place"}))
    assert both.reason(["pick", "place"]) == \
        "the plan has 2 steps (more than 1) and it uses the sensitive skill(s) place"


def test_an_unsure_hearing_asks_once_and_typed_text_never():
    policy = ConfirmPolicy(min_speech_confidence=0.7)
    assert policy.enabled and not ConfirmPolicy().unsure_hearing(0.1)
    assert policy.reason(["pick", "place"], speech_confidence=0.62) == \
        "I am not sure I heard you right (speech confidence 0.62)"
    assert policy.reason(["pick", "place"], speech_confidence=0.7) is None          # at the floor: sure enough
    assert policy.reason(["pick", "place"]) is None                                 # typed
    # a replan of a task the user already confirmed does not ask about the hearing again
    assert policy.reason(["pick", "place"], approved={"pick", "place"}, speech_confidence=0.3) is None
    with pytest.raises(ValueError, match="min_speech_confidence"):
        ConfirmPolicy(min_speech_confidence=1.5)


def test_a_plan_from_another_hearing_is_always_read_back_once():
    # the recogniser's best hearing meant nothing here and the plan is for a lower n-best one: asked even when the
    # hearing was confident, not again for a replan the user confirmed, and not where unsure hearings are not read
    # back either (the scripted runs: nobody answers)
    heard, policy = "'put the black cup beside the green brick'", ConfirmPolicy(min_speech_confidence=0.7)
    assert policy.reason(["pick", "place"], speech_confidence=0.95, other_hearing=heard) == \
        f"I did not catch all of that and went by {heard}"
    assert policy.reason(["pick", "place"], approved={"pick", "place"}, other_hearing=heard) is None
    assert policy.reason(["pick", "place"], speech_confidence=0.95) is None
    assert ConfirmPolicy().reason(["pick", "place"], speech_confidence=0.95, other_hearing=heard) is None


def test_policy_validation_and_skill_lists():
    assert parse_skill_list("") == frozenset() and parse_skill_list(" push,stack  pick ") == {"push", "stack", "pick"}
    with pytest.raises(ValueError, match="unknown skill"):
        parse_skill_list("push, launch_missiles")
    with pytest.raises(ValueError):
        ConfirmPolicy(min_steps=-1)
    with pytest.raises(ValueError):
        ConfirmPolicy(sensitive_skills=frozenset({"fly"}))


def test_question_names_the_plan_and_how_to_answer():
    q = question("put the red cube in the blue bowl", ["pick up the red cube", "put it in the blue bowl"],
                 "the plan has 2 steps (more than 1)")
    assert "1. pick up the red cube; 2. put it in the blue bowl" in q
    assert "more than 1" in q and "yes / no" in q


# --- planner node ----------------------------------------------------------------------
def _graph(ros_node, ros_env, spawn, *planner_params: str):
    from promptbot.ros.actions import ActionClient
    from std_msgs.msg import String, UInt32

    from promptbot.ros.qos import EVENTS, LATCHED
    from promptbot_msgs.action import RunTask

    env = dict(ros_env, PYTHONPATH=HELPERS + os.pathsep + ros_env.get("PYTHONPATH", ""))
    spawn("helpers.symbolic_skill_server", "--ros-args", "-p", "world:=tabletop", "-p", "seed:=1",
          env=env, name="symbolic_skill_server")
    planner = spawn("promptbot.nodes.planner_node", "--ros-args", "-p", "llm:=uniform", "-p", "method:=mcts_uniform",
                    *planner_params, name="planner_node")
    questions, counts = [], []
    ros_node.create_subscription(String, "/planner/question", lambda m: questions.append(m.data), EVENTS)
    ros_node.create_subscription(UInt32, "/symbolic/executions", lambda m: counts.append(m.data), LATCHED)
    client = ActionClient(ros_node, RunTask, "/planner/run_task", feedback_sub_qos_profile=qos.OBSERVER)
    assert client.wait_for_server(timeout_sec=60.0), "RunTask server did not appear:\n" + planner.output()[-3000:]
    from promptbot.testing import wait_for

    wait_for(lambda: counts, 30.0, what="the skill helper's execution counter")
    wait_for(lambda: ros_node.count_publishers("/planner/question") >= 1, 10.0, what="the question publisher")
    return client, questions, counts


def test_planner_asks_and_executes_after_a_spoken_yes(ros_node, ros_env, spawn):
    from promptbot.ros.qos import EVENTS
    from promptbot.testing import wait_for
    from promptbot_msgs.action import RunTask
    from promptbot_msgs.msg import Transcript
    from helpers.tasks import TaskCall

    client, questions, counts = _graph(ros_node, ros_env, spawn, "-p", "confirm_min_steps:=1",
                                       "-p", "confirm_timeout_s:=60.0")
    speech = ros_node.create_publisher(Transcript, "/speech/transcript", EVENTS)
    wait_for(lambda: speech.get_subscription_count() >= 1, 10.0, what="the planner's transcript subscription")
    call = TaskCall(client, "put the red cube in the blue bowl")
    wait_for(lambda: "confirm" in call.stages(), 60.0, what="the planner asking for a confirmation")
    wait_for(lambda: questions, 10.0, what="the question on /planner/question")
    assert "2 steps (more than 1)" in questions[-1] and "yes / no" in questions[-1], questions[-1]
    assert not call.done and counts[-1] == 0, "something was executed before the answer"
    # a confident spoken command "yes" answers it
    speech.publish(Transcript(text="Yes, go ahead.", confidence=0.9, is_command=True, error_code=Transcript.OK))
    r = call.wait(60.0)
    assert r.error_code == RunTask.Result.SUCCEEDED, r.error_msg
    # both skills ran after the yes; a step whose verification came late on a loaded machine may be
    # replanned, and the plan that finished is then the 1-step rest (CI saw that once)
    assert counts[-1] == 2 and 1 <= len(r.plan.steps) <= 2, (counts[-1], len(r.plan.steps))


def test_planner_refuses_after_no_or_timeout(ros_node, ros_env, spawn):
    from std_srvs.srv import SetBool

    from promptbot.testing import wait_for
    from promptbot_msgs.action import RunTask
    from helpers.tasks import TaskCall

    client, questions, counts = _graph(ros_node, ros_env, spawn, "-p", "sensitive_skills:=place",
                                       "-p", "confirm_timeout_s:=3.0")
    confirm = ros_node.create_client(SetBool, "/planner/confirm")
    assert confirm.wait_for_service(timeout_sec=10.0)

    def call_confirm(yes: bool):
        fut = confirm.call_async(SetBool.Request(data=yes))
        wait_for(fut.done, 10.0, what="/planner/confirm response")
        return fut.result()

    resp = call_confirm(True)
    assert not resp.success and "no question" in resp.message     # nothing pending: nothing happens

    # "no" through the service -> REFUSED, nothing executed
    call = TaskCall(client, "put the red cube in the blue bowl")
    wait_for(lambda: "confirm" in call.stages(), 60.0, what="the planner asking for a confirmation")
    wait_for(lambda: questions, 10.0, what="the question on /planner/question")
    assert "sensitive skill(s) place" in questions[-1], questions[-1]
    resp = call_confirm(False)
    assert resp.success, resp.message
    r = call.wait(30.0)
    assert r.error_code == RunTask.Result.REFUSED and r.error_msg.startswith("not confirmed"), r.error_msg
    assert counts[-1] == 0

    # no answer -> REFUSED after confirm_timeout_s (3 s), bounded
    call = TaskCall(client, "put the red cube in the blue bowl")
    wait_for(lambda: "confirm" in call.stages(), 60.0, what="the second question")
    r = call.wait(30.0)
    assert r.error_code == RunTask.Result.REFUSED and "no answer within 3 s" in r.error_msg, r.error_msg
    assert counts[-1] == 0
    assert 3.0 <= call.elapsed_s < 25.0, call.elapsed_s


def test_an_unsure_spoken_command_is_read_back_and_a_sure_one_runs(ros_node, ros_env, spawn):
    from std_srvs.srv import SetBool

    from promptbot.testing import wait_for
    from promptbot_msgs.action import RunTask
    from helpers.tasks import TaskCall

    client, questions, counts = _graph(ros_node, ros_env, spawn, "-p", "confirm_below_speech_confidence:=0.7",
                                       "-p", "confirm_timeout_s:=60.0")
    confirm = ros_node.create_client(SetBool, "/planner/confirm")
    assert confirm.wait_for_service(timeout_sec=10.0)
    heard = ("put the red cube in the blue bowl", "put the red cube in the blue ball")
    call = TaskCall(client, heard[0], transcripts=heard, speech_confidence=0.55)
    wait_for(lambda: "confirm" in call.stages(), 60.0, what="the plan read back")
    wait_for(lambda: questions, 10.0, what="the question on /planner/question")
    assert "not sure I heard you right (speech confidence 0.55)" in questions[-1], questions[-1]
    assert not call.done and counts[-1] == 0, "something was executed before the answer"
    fut = confirm.call_async(SetBool.Request(data=True))
    wait_for(fut.done, 10.0, what="/planner/confirm response")
    r = call.wait(60.0)
    assert r.error_code == RunTask.Result.SUCCEEDED, r.error_msg
    done = counts[-1]
    # heard surely, or typed (speech_confidence -1): no question
    n_questions = len(questions)
    r = TaskCall(client, "put the purple cube in the green bowl", transcripts=("put the purple cube in the green bowl",),
                 speech_confidence=0.9).wait(60.0)
    assert r.error_code == RunTask.Result.SUCCEEDED and len(questions) == n_questions, (r.error_msg, questions)
    assert counts[-1] > done and len(r.plan.steps) >= 1
