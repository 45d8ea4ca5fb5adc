"""Client side of the two-host test: call the selftest node's service and RunTask action.

Prints one JSON line: discovery time, service result, action result. Run inside
another network namespace than the selftest node (``python -m promptbot.ros.remote_probe``).
"""
from __future__ import annotations

import json
import sys
import time

import rclpy

from promptbot.ros.actions import ActionClient
from promptbot_msgs.action import RunTask
from promptbot_msgs.srv import CheckTask


def main() -> int:
    rclpy.init()
    node = rclpy.create_node("remote_probe")
    out: dict = {}
    try:
        client = node.create_client(CheckTask, "/selftest/check")
        t0 = time.monotonic()
        out["service_found"] = client.wait_for_service(timeout_sec=30.0)
        out["discovery_s"] = time.monotonic() - t0
        if out["service_found"]:
            f = client.call_async(CheckTask.Request(goal="true"))
            rclpy.spin_until_future_complete(node, f, timeout_sec=10.0)
            out["service_success"] = bool(f.done() and f.result().success)
            actions = ActionClient(node, RunTask, "/selftest/run_task")
            if actions.wait_for_server(timeout_sec=20.0):
                fb: list = []
                g = actions.send_goal_async(RunTask.Goal(instruction="steps=3"), feedback_callback=fb.append)
                rclpy.spin_until_future_complete(node, g, timeout_sec=10.0)
                r = g.result().get_result_async()
                rclpy.spin_until_future_complete(node, r, timeout_sec=20.0)
                out["action_error_code"] = r.result().result.error_code if r.done() else None
                out["action_feedback"] = len(fb)
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
