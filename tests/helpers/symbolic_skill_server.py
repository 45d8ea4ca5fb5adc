"""TEST HELPER (not the policy): an ExecuteSkill server that executes steps on the
symbolic world model and publishes the resulting SceneState.

Stands in for the sim + VLA policy in the planner node's graph test until those
nodes are wired. Steps are applied with ``promptbot.planning.world.apply``.

Parameters: world, seed (initial scene from promptbot.sim.worlds.sample_scene),
scene_topic (/sim/ground_truth), rate_hz, fail_first (the first N executions
fail without changing the world, to exercise replanning), step_delay_s,
scene_latency_s (each scene shows, and is stamped with, the world as it was that long
ago: a camera + perception pipeline's lag).
Publishes std_msgs/UInt32 ``/symbolic/executions`` (latched): successful steps, and,
with heartbeat_period_s > 0, the VLA node's heartbeat (``/policy/heartbeat``).
"""
from __future__ import annotations

import threading
import time

from rclpy.action import ActionServer, CancelResponse
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.duration import Duration
from rclpy.node import Node
from std_msgs.msg import Header, UInt32

from promptbot.planning.skills import Step
from promptbot.planning.world import InadmissibleAction, WorldState, apply
from promptbot.ros.params import ParamSpec, declare_params
from promptbot.ros.qos import LATCHED, heartbeat
from promptbot.ros.scene_msgs import objects_to_scene
from promptbot.ros.spin import spin_node
from promptbot_msgs.action import ExecuteSkill
from promptbot_msgs.msg import SceneState

SPECS = [
    ParamSpec("world", "tabletop", "world name"),
    ParamSpec("seed", 0, "scene seed", min=0),
    ParamSpec("scene_topic", "/sim/ground_truth", "SceneState topic"),
    ParamSpec("rate_hz", 10.0, "scene publishing rate [Hz]", min=0.5, max=100.0),
    ParamSpec("fail_first", 0, "the first N executions fail", min=0, max=100),
    ParamSpec("step_delay_s", 0.05, "simulated execution time per step [s]", min=0.0, max=120.0),
    ParamSpec("scene_latency_s", 0.0, "age of the world state each scene shows (and is stamped with) [s]",
              min=0.0, max=5.0),
    ParamSpec("heartbeat_period_s", 0.0, "publish std_msgs/Header on /policy/heartbeat like the VLA node "
              "(0 = off) [s]", min=0.0, max=10.0),
]


class SymbolicSkillServer(Node):
    def __init__(self):
        super().__init__("symbolic_skill_server")
        self.params = declare_params(self, SPECS)
        from promptbot.sim.worlds import sample_scene

        self.state = WorldState.from_objects(sample_scene(self.params.world, self.params.seed))
        self.lock = threading.Lock()
        self.history = [(time.monotonic(), self.state)]     # (time the state began, state)
        self.failures_left = self.params.fail_first
        self.executions = 0
        self.scene_pub = self.create_publisher(SceneState, self.params.scene_topic, 5)
        self.count_pub = self.create_publisher(UInt32, "/symbolic/executions", LATCHED)
        self.count_pub.publish(UInt32(data=0))
        cb = ReentrantCallbackGroup()
        self.create_timer(1.0 / self.params.rate_hz, self._publish, callback_group=cb)
        if self.params.heartbeat_period_s > 0:
            hb_pub = self.create_publisher(Header, "/policy/heartbeat", heartbeat(self.params.heartbeat_period_s))
            self.create_timer(self.params.heartbeat_period_s,
                              lambda: hb_pub.publish(Header(stamp=self.get_clock().now().to_msg(), frame_id="alive")),
                              callback_group=cb)
        self.server = ActionServer(self, ExecuteSkill, "/policy/execute_skill", execute_callback=self._execute,
                                   cancel_callback=lambda _g: CancelResponse.ACCEPT, callback_group=cb)

    def _publish(self) -> None:
        lag = self.params.scene_latency_s
        stamp = (self.get_clock().now() - Duration(nanoseconds=int(lag * 1e9))).to_msg()
        seen_at = time.monotonic() - lag
        with self.lock:
            objs = next(st for t, st in reversed(self.history) if t <= seen_at or t == self.history[0][0]).objects
        self.scene_pub.publish(objects_to_scene(objs, stamp=stamp, frame_id="panda_link0", source="ground_truth"))

    def _execute(self, gh) -> ExecuteSkill.Result:
        req = gh.request
        t0 = time.monotonic()
        time.sleep(self.params.step_delay_s)
        if gh.is_cancel_requested:
            gh.canceled()
            return ExecuteSkill.Result(error_code=ExecuteSkill.Result.CANCELED, error_msg="canceled")
        with self.lock:
            if self.failures_left > 0:
                self.failures_left -= 1
                gh.abort()
                return ExecuteSkill.Result(error_code=ExecuteSkill.Result.FAILED, error_msg="injected failure",
                                           duration=float(time.monotonic() - t0))
            try:
                self.state = apply(Step(req.skill, tuple(req.args)), self.state)
                self.history = self.history[-20:] + [(time.monotonic(), self.state)]
            except (InadmissibleAction, ValueError) as exc:
                gh.abort()
                return ExecuteSkill.Result(error_code=ExecuteSkill.Result.INVALID_GOAL, error_msg=str(exc))
            self.executions += 1
            self.count_pub.publish(UInt32(data=self.executions))
        self._publish()
        gh.succeed()
        return ExecuteSkill.Result(error_code=ExecuteSkill.Result.SUCCEEDED, duration=float(time.monotonic() - t0))


def main(args=None) -> None:
    spin_node(SymbolicSkillServer, "symbolic_skill_server", threads=3, args=args)


if __name__ == "__main__":
    main()
