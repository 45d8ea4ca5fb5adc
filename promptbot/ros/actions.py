"""An action client without the send/response race of rclpy's ``ActionClient``.

rclpy (Humble and Jazzy) sends a goal, cancel or result request and only *then*
records its sequence number in a pending table. When an executor spins the
client in another thread, the server's response can be taken and processed in
between: rclpy logs "Ignoring unexpected goal response" and the future never
completes, so the caller waits until its own timeout although the server
accepted the goal and is executing it. CI hit exactly this once (the policy node
ran the pick to completion while the test timed out waiting for the
acknowledgement).

``ActionClient`` here makes every request atomic with its registration (one
lock) and has the executor pass that lock before it looks a response up, so a
response can never be matched against a table that is still missing its entry.
Use it wherever a client is driven from a thread other than its executor's.

It also keeps delivering a goal's feedback for ``FEEDBACK_GRACE_S`` after its result:
rclpy drops feedback that is taken after the result, and the two travel separately.
"""
from __future__ import annotations

import threading
import time
from collections import deque

from rclpy.action import ActionClient as _RclpyActionClient

__all__ = ["ActionClient", "end_goal"]

FEEDBACK_GRACE_S = 2.0      # feedback still delivered this long after the goal's result [s]


class ActionClient(_RclpyActionClient):
    """rclpy ``ActionClient`` whose requests and response lookups are serialised."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._request_lock = threading.RLock()
        self._feedback_expiry: deque = deque()      # (monotonic deadline [s], goal uuid)

    def send_goal_async(self, goal, feedback_callback=None, goal_uuid=None):
        with self._request_lock:
            return super().send_goal_async(goal, feedback_callback=feedback_callback, goal_uuid=goal_uuid)

    def _cancel_goal_async(self, goal_handle):
        with self._request_lock:
            return super()._cancel_goal_async(goal_handle)

    def _get_result_async(self, goal_handle):
        with self._request_lock:
            return super()._get_result_async(goal_handle)

    def _remove_pending_result_request(self, future):
        # rclpy forgets a goal's feedback callback when its result arrives, but feedback published
        # just before the result travels on another DDS reader and can be taken after it: keep the
        # callback for FEEDBACK_GRACE_S more (the planner's last stage feedback was being lost).
        saved = dict(self._feedback_callbacks)
        super()._remove_pending_result_request(future)
        for uuid in set(saved) - set(self._feedback_callbacks):
            self._feedback_callbacks[uuid] = saved[uuid]
            self._feedback_expiry.append((time.monotonic() + FEEDBACK_GRACE_S, uuid))

    async def execute(self, taken_data):
        # Barrier: a response in taken_data was taken after its request was sent; if that
        # request's registration is still in progress it holds the lock, so wait for it.
        with self._request_lock:
            pass
        now = time.monotonic()
        while self._feedback_expiry and self._feedback_expiry[0][0] < now:
            self._feedback_callbacks.pop(self._feedback_expiry.popleft()[1], None)
        if "feedback" in taken_data and "result" in taken_data:     # feedback was sent first
            await super().execute({"feedback": taken_data.pop("feedback")})
        await super().execute(taken_data)


def end_goal(handle, succeeded: bool, canceled: bool) -> None:
    """End an action server goal: succeeded, canceled (only when the client asked to cancel), else aborted."""
    if succeeded:
        handle.succeed()
    elif canceled and handle.is_cancel_requested:
        handle.canceled()
    else:
        handle.abort()
