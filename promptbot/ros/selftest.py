"""A small node that exercises promptbot_msgs across processes (graph self-test).

- echoes ``SceneState`` from ``/selftest/scene_in`` to ``/selftest/scene_out``
- ``/selftest/check`` (CheckTask): success iff the goal text is ``true``
- ``/selftest/run_task`` (RunTask): "executes" ``steps=N`` steps at 20 Hz with
  feedback per step; honours cancel.

Used by the foundation tests and ``promptbot doctor --graph``. Run with
``python -m promptbot.ros.selftest``.
"""
from __future__ import annotations

import re
import time

import rclpy
from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node

from promptbot_msgs.action import RunTask
from promptbot_msgs.msg import PlanStep, SceneState
from promptbot_msgs.srv import CheckTask
from promptbot.ros.executor import make_executor

STEP_PERIOD_S = 0.05
MAX_STEPS = 1000


class SelfTestNode(Node):
    def __init__(self):
        super().__init__("promptbot_selftest")
        group = ReentrantCallbackGroup()
        self._echo_pub = self.create_publisher(SceneState, "/selftest/scene_out", 10)
        self.create_subscription(SceneState, "/selftest/scene_in", self._on_scene, 10)
        self.create_service(CheckTask, "/selftest/check", self._on_check)
        self._action = ActionServer(
            self,
            RunTask,
            "/selftest/run_task",
            execute_callback=self._execute,
            goal_callback=self._on_goal,
            cancel_callback=lambda _goal: CancelResponse.ACCEPT,
            callback_group=group,
        )

    def _on_scene(self, msg: SceneState) -> None:
        self._echo_pub.publish(msg)

    def _on_check(self, request: CheckTask.Request, response: CheckTask.Response) -> CheckTask.Response:
        response.success = request.goal.strip() == "true"
        response.error_code = CheckTask.Response.OK
        response.reason = f"goal {request.goal!r} is {'true' if response.success else 'not true'}"
        return response

    @staticmethod
    def _steps(instruction: str) -> int | None:
        m = re.fullmatch(r"\s*steps=(\d+)\s*", instruction)
        return int(m.group(1)) if m and int(m.group(1)) <= MAX_STEPS else None

    def _on_goal(self, goal: RunTask.Goal) -> GoalResponse:
        return GoalResponse.ACCEPT if self._steps(goal.instruction) is not None else GoalResponse.REJECT

    def _execute(self, handle) -> RunTask.Result:
        n = self._steps(handle.request.instruction) or 0
        result = RunTask.Result()
        result.plan.instruction = handle.request.instruction
        for i in range(n):
            if handle.is_cancel_requested:
                handle.canceled()
                result.error_code = RunTask.Result.CANCELED
                result.error_msg = f"canceled after {i} of {n} steps"
                return result
            fb = RunTask.Feedback(stage="executing", step_index=i, step_count=n, message=f"step {i + 1}/{n}")
            handle.publish_feedback(fb)
            result.plan.steps.append(PlanStep(index=i, skill="noop", status=PlanStep.SUCCEEDED))
            time.sleep(STEP_PERIOD_S)
        handle.succeed()
        result.error_code = RunTask.Result.SUCCEEDED
        return result


def main(args=None) -> None:
    rclpy.init(args=args)
    node = SelfTestNode()
    executor = make_executor(3)
    executor.add_node(node)
    try:
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == "__main__":
    main()
