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
"""
from __future__ import annotations

import threading

from rclpy.action import ActionClient as _RclpyActionClient

__all__ = ["ActionClient"]


class ActionClient(_RclpyActionClient):
    """rclpy ``ActionClient`` whose requests and response lookups are serialised."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._request_lock = threading.RLock()

    def send_goal_async(self, goal, feedback_callback=None, goal_uuid=None):
        with self._request_lock:
            return super().send_goal_async(goal, feedback_callback=feedback_callback, goal_uuid=goal_uuid)

    def _cancel_goal_async(self, goal_handle):
        with self._request_lock:
            return super()._cancel_goal_async(goal_handle)

    def _get_result_async(self, goal_handle):
        with self._request_lock:
            return super()._get_result_async(goal_handle)

    async def execute(self, taken_data):
        # Barrier: a response in taken_data was taken after its request was sent; if that
        # request's registration is still in progress it holds the lock, so wait for it.
        with self._request_lock:
            pass
        await super().execute(taken_data)
