"""promptbot.ros.actions.ActionClient: a goal response that arrives before rclpy has
registered the request's sequence number is still delivered.

The race window (request sent, sequence number not yet recorded) is widened on
purpose by a handle wrapper that sleeps right after sending, so the test is
deterministic: rclpy's own client loses the acknowledgement, ours does not.
"""
from __future__ import annotations

import time

from rclpy.action import ActionClient as RclpyActionClient
from rclpy.action import ActionServer

from promptbot.ros.actions import ActionClient
from promptbot.testing import wait_for
from promptbot_msgs.action import RunTask

GAP = 0.3                # [s] between sending a request and rclpy registering it


class _SlowHandle:
    """Delegates to rclpy's C handle; sleeps after sending each request."""

    def __init__(self, handle) -> None:
        self._h = handle

    def __getattr__(self, name):
        attr = getattr(self._h, name)
        if name.startswith("send_") and name.endswith("_request"):
            def sent_then_wait(request, _send=attr):
                seq = _send(request)
                time.sleep(GAP)
                return seq
            return sent_then_wait
        return attr

    def __enter__(self):
        return self._h.__enter__()

    def __exit__(self, *exc):
        return self._h.__exit__(*exc)


def _serve(node, name: str) -> ActionServer:
    def execute(goal_handle):
        goal_handle.succeed()
        return RunTask.Result(error_code=RunTask.Result.SUCCEEDED, error_msg=f"did {goal_handle.request.instruction}")
    return ActionServer(node, RunTask, name, execute)


def _round_trip(client) -> tuple[bool, str]:
    """Send one goal; return (acknowledged within 5 s, result message)."""
    client._client_handle = _SlowHandle(client._client_handle)
    assert client.wait_for_server(timeout_sec=10.0)
    send = client.send_goal_async(RunTask.Goal(instruction="wave"))
    try:
        wait_for(send.done, 5.0, what="goal acknowledgement")
    except TimeoutError:
        return False, ""
    res = send.result().get_result_async()
    wait_for(res.done, 5.0, what="result")
    return True, res.result().result.error_msg


def test_locked_client_gets_the_acknowledgement_despite_the_race(ros_node):
    _serve(ros_node, "/race/ours")
    ok, message = _round_trip(ActionClient(ros_node, RunTask, "/race/ours"))
    assert ok, "goal acknowledgement lost"
    assert message == "did wave"


def test_the_injected_gap_does_break_rclpys_client(ros_node):
    """Proves the test above exercises the race. Fails if a future rclpy registers requests
    atomically: then promptbot.ros.actions can be dropped."""
    _serve(ros_node, "/race/rclpy")
    ok, _ = _round_trip(RclpyActionClient(ros_node, RunTask, "/race/rclpy"))
    assert not ok, "rclpy's ActionClient survived the race; promptbot.ros.actions is no longer needed"
