"""Fault injection with real processes: the policy node is killed mid-skill.

sim node + safety governor + VLA policy node (the committed checkpoint) run as
separate processes. Once the policy is driving the arm through the governor, the
policy process gets SIGKILL. The governor must bring the arm command to zero
within 0.3 s of sim time (its command timeout is 0.2 s) and keep it there.
"""
from __future__ import annotations

import math
import threading

from geometry_msgs.msg import TwistStamped
from rclpy.action import ActionClient
from rosgraph_msgs.msg import Clock

from promptbot.policy.paths import default_checkpoint
from promptbot.ros import qos
from promptbot.testing import wait_for
from promptbot_msgs.action import ExecuteSkill

import pytest

pytestmark = pytest.mark.skipif(not default_checkpoint().is_file(), reason="no committed VLA checkpoint")


def _t(stamp) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


def test_killing_the_policy_mid_skill_stops_the_arm(spawn, ros_node):
    spawn("promptbot.nodes.sim_node", "--ros-args", "-p", "world:=tabletop", "-p", "seed:=1",
          "-p", "width:=320", "-p", "height:=240", "-p", "real_time_factor:=1.0")
    spawn("promptbot.nodes.safety_node", "--ros-args", "-p", "use_sim_time:=true")
    vla = spawn("promptbot.nodes.vla_node", "--ros-args", "-p", "use_sim_time:=true", "-p", "backend:=torch",
                "-p", "max_image_age_s:=1.0")
    lock = threading.Lock()
    twists: list[tuple[float, float]] = []      # (stamp [s, sim], speed)
    clock = [0.0]

    def on_twist(msg: TwistStamped) -> None:
        v = msg.twist.linear
        with lock:
            twists.append((_t(msg.header.stamp), math.sqrt(v.x * v.x + v.y * v.y + v.z * v.z)))

    ros_node.create_subscription(TwistStamped, "/servo_node/delta_twist_cmds", on_twist, qos.COMMAND)
    ros_node.create_subscription(Clock, "/clock", lambda m: clock.__setitem__(0, _t(m.clock)), 10)
    client = ActionClient(ros_node, ExecuteSkill, "/policy/execute_skill")
    assert client.wait_for_server(timeout_sec=120.0), "policy node did not come up:\n" + vla.output()[-3000:]
    client.send_goal_async(ExecuteSkill.Goal(skill="pick", args=["red_cube"], instruction="pick up the red cube",
                                             timeout=60.0))

    def moving() -> bool:
        with lock:
            return sum(1 for _, s in twists if s > 1e-4) >= 5
    wait_for(moving, 120.0, what="the policy moving the arm through the governor")

    vla.kill()
    t_kill = clock[0]
    wait_for(lambda: clock[0] > t_kill + 1.0, 30.0, what="1 s of sim time after the kill")
    with lock:
        after = [(t, s) for t, s in twists if t > t_kill]
    late_motion = [(round(t - t_kill, 3), s) for t, s in after if t > t_kill + 0.3 and s > 1e-6]
    assert not late_motion, f"arm still commanded to move after 0.3 s: {late_motion[:5]}"
    zero_in_time = [t for t, s in after if s <= 1e-6 and t <= t_kill + 0.3]
    assert zero_in_time, f"no zero command within 0.3 s of the kill; commands after kill: {after[:10]}"
