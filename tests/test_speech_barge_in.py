"""Barge-in through the graph: a spoken "stop" while a task runs cancels it at once.

The planner node listens on /speech/transcript; the ExecuteSkill server is the symbolic TEST HELPER
of test_planning_node.py (tests/helpers/symbolic_skill_server.py), whose steps take 1.5 s each, so
a cancel that waited for the step to end would show.
"""
import threading
import time

from promptbot.ros.qos import EVENTS
from promptbot.testing import wait_for
from promptbot_msgs.action import RunTask
from promptbot_msgs.msg import Transcript

from test_planning_node import _symbolic_graph

STEP_S = 1.5  # [s] each helper step


def test_a_spoken_stop_cancels_the_running_task_and_other_speech_does_not(ros_node, ros_env, spawn):
    client, counts = _symbolic_graph(ros_node, ros_env, spawn, f"step_delay_s:={STEP_S}")
    transcripts = ros_node.create_publisher(Transcript, "/speech/transcript", EVENTS)
    feedback, box, done = [], {}, threading.Event()
    fut = client.send_goal_async(RunTask.Goal(instruction="put the red cube and the green cube in the blue bowl"),
                                 feedback_callback=lambda f: feedback.append(f.feedback))
    wait_for(lambda: fut.done(), 20.0, what="goal acceptance")
    handle = fut.result()
    assert handle.accepted
    handle.get_result_async().add_done_callback(
        lambda r: (box.update(r=r.result().result, t=time.monotonic()), done.set()))
    wait_for(lambda: any(f.stage == "executing" for f in feedback), 30.0, what="execution start")
    wait_for(lambda: transcripts.get_subscription_count() > 0, 10.0, what="planner listening to transcripts")
    # another command while busy: answered (refused as busy), the running task goes on
    transcripts.publish(Transcript(text="push the green cube to the back", is_command=True, confidence=0.9,
                                   error_code=Transcript.OK))
    assert not done.wait(0.5), "a command heard while busy must not end the running task"
    sent = time.monotonic()
    transcripts.publish(Transcript(text="stop", is_command=True, confidence=0.9, error_code=Transcript.OK))
    assert done.wait(10.0)
    assert box["r"].error_code == RunTask.Result.CANCELED, box["r"].error_msg
    took = box["t"] - sent
    # at once: the step in flight is canceled, not finished first (each takes STEP_S)
    assert took < STEP_S, f"the task ended {took:.2f} s after 'stop'"
    print(f"'stop' -> task canceled in {took:.3f} s")
    assert counts[-1] < 4
