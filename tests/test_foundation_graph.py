"""Foundation graph tests: promptbot_msgs across processes (topic, service, action) and image transport."""
from __future__ import annotations

import threading

import pytest

from promptbot.ros.actions import ActionClient
from promptbot.testing import wait_for

from promptbot_msgs.action import RunTask
from promptbot_msgs.msg import DetectedObject, Relation, SceneState
from promptbot_msgs.srv import CheckTask

SELFTEST = "promptbot.ros.selftest"


@pytest.fixture
def selftest(spawn, ros_node):
    proc = spawn(SELFTEST)
    client = ros_node.create_client(CheckTask, "/selftest/check")
    assert client.wait_for_service(timeout_sec=20.0), "selftest node did not come up:\n" + proc.output()
    return proc


def _call(client, request, timeout=10.0):
    future = client.call_async(request)
    done = threading.Event()
    future.add_done_callback(lambda _f: done.set())
    assert done.wait(timeout), "service call timed out"
    return future.result()


def test_custom_message_round_trip_across_processes(selftest, ros_node):
    received: list[SceneState] = []
    ros_node.create_subscription(SceneState, "/selftest/scene_out", received.append, 10)
    pub = ros_node.create_publisher(SceneState, "/selftest/scene_in", 10)
    wait_for(lambda: pub.get_subscription_count() > 0 and ros_node.count_publishers("/selftest/scene_out") > 0,
             20.0, what="discovery of the selftest node")

    msg = SceneState(source="ground_truth")
    msg.header.frame_id = "panda_link0"
    obj = DetectedObject(id="red_cube", label="cube", color="red", confidence=0.97)
    obj.position.x, obj.position.y, obj.position.z = 0.5, -0.1, 0.025
    obj.size.x = obj.size.y = obj.size.z = 0.05
    msg.objects.append(obj)
    msg.relations.append(Relation(predicate=Relation.IN, subject="red_cube", object="blue_bowl"))

    # publish until the echo arrives (the subscriber side of discovery may lag the publisher side)
    def echoed() -> bool:
        if not received:
            pub.publish(msg)
        return bool(received)

    wait_for(echoed, 20.0, interval=0.2, what="the echoed SceneState")
    got = received[0]
    assert got.header.frame_id == "panda_link0"
    assert got.source == "ground_truth"
    assert [o.id for o in got.objects] == ["red_cube"]
    assert got.objects[0].position.x == pytest.approx(0.5)
    assert got.objects[0].confidence == pytest.approx(0.97)
    assert (got.relations[0].predicate, got.relations[0].subject, got.relations[0].object) == (
        "in", "red_cube", "blue_bowl")


def test_service_round_trip(selftest, ros_node):
    client = ros_node.create_client(CheckTask, "/selftest/check")
    assert client.wait_for_service(timeout_sec=10.0)
    yes = _call(client, CheckTask.Request(goal="true"))
    no = _call(client, CheckTask.Request(goal="in(red_cube, blue_bowl)"))
    assert yes.success and yes.error_code == CheckTask.Response.OK
    assert not no.success and "not true" in no.reason


def _send_goal(client, instruction, feedback):
    future = client.send_goal_async(RunTask.Goal(instruction=instruction), feedback_callback=feedback)
    done = threading.Event()
    future.add_done_callback(lambda _f: done.set())
    assert done.wait(10.0), "goal was not answered"
    return future.result()


def _result(handle, timeout=20.0):
    future = handle.get_result_async()
    done = threading.Event()
    future.add_done_callback(lambda _f: done.set())
    assert done.wait(timeout), "no result"
    return future.result()


def test_run_task_action_with_feedback(selftest, ros_node):
    client = ActionClient(ros_node, RunTask, "/selftest/run_task")
    assert client.wait_for_server(timeout_sec=20.0)
    feedback: list[RunTask.Feedback] = []
    handle = _send_goal(client, "steps=5", lambda fb: feedback.append(fb.feedback))
    assert handle.accepted
    res = _result(handle)
    assert res.result.error_code == RunTask.Result.SUCCEEDED
    assert len(res.result.plan.steps) == 5
    assert [fb.step_index for fb in feedback] == [0, 1, 2, 3, 4]
    assert all(fb.step_count == 5 and fb.stage == "executing" for fb in feedback)

    rejected = _send_goal(client, "steps=notanumber", None)
    assert not rejected.accepted


def test_run_task_action_cancel(selftest, ros_node):
    client = ActionClient(ros_node, RunTask, "/selftest/run_task")
    assert client.wait_for_server(timeout_sec=20.0)
    feedback: list = []
    handle = _send_goal(client, "steps=400", lambda fb: feedback.append(fb.feedback))
    wait_for(lambda: len(feedback) >= 3, 10.0, what="feedback before cancel")
    cancel = handle.cancel_goal_async()
    done = threading.Event()
    cancel.add_done_callback(lambda _f: done.set())
    assert done.wait(10.0)
    res = _result(handle)
    assert res.result.error_code == RunTask.Result.CANCELED
    assert 3 <= len(res.result.plan.steps) < 400


@pytest.mark.graph
@pytest.mark.parametrize("reliability", ["reliable", "best_effort"])
def test_images_at_30hz_between_processes_lose_no_frames(reliability):
    from promptbot.bench.transport import measure

    r = measure(reliability, duration=3.0, rate=30.0)
    assert r["published"] == 90
    assert r["lost"] == 0, r
    assert r["received_rate_hz"] >= 29.0, r
