"""RunTask calls from a test's in-process node: send, collect feedback, wait (bounded) for the result."""
from __future__ import annotations

import threading
import time

from promptbot_msgs.action import RunTask


class TaskCall:
    """One RunTask goal in flight: ``call = TaskCall(client, "put ..."); result = call.wait(60.0)``."""

    def __init__(self, client, instruction: str, plan_only: bool = False, transcripts: tuple[str, ...] = (),
                 speech_confidence: float = -1.0):
        self.instruction = instruction
        self.feedback: list = []
        self.result = None
        self.accepted: bool | None = None
        self.handle = None                      # the goal handle, once the server answered
        self.t_sent = time.monotonic()
        self.t_done: float | None = None
        self._done = threading.Event()
        fut = client.send_goal_async(RunTask.Goal(instruction=instruction, plan_only=plan_only,
                                                  transcripts=list(transcripts), speech_confidence=speech_confidence),
                                     feedback_callback=lambda f: self.feedback.append(f.feedback))
        fut.add_done_callback(self._on_goal)

    def _on_goal(self, fut) -> None:
        handle = self.handle = fut.result()
        self.accepted = bool(handle.accepted)
        if not handle.accepted:
            self._finish(None)
            return
        handle.get_result_async().add_done_callback(lambda f: self._finish(f.result().result))

    def _finish(self, result) -> None:
        self.result, self.t_done = result, time.monotonic()
        self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def elapsed_s(self) -> float:
        return (self.t_done if self.t_done is not None else time.monotonic()) - self.t_sent

    def stages(self) -> list[str]:
        return [f.stage for f in list(self.feedback)]

    def wait(self, timeout: float):
        if not self._done.wait(timeout):
            raise TimeoutError(f"no RunTask result for {self.instruction!r} within {timeout:.0f} s; "
                               f"feedback stages so far: {self.stages()}")
        assert self.accepted, f"RunTask goal {self.instruction!r} was rejected"
        return self.result
