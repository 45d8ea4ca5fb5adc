"""/sim/check_task judges unmoved(x) against the ground truth at the request's ``since`` (graph test).

After a reset the scripted expert picks a cube up: unmoved(cube) is false since the reset (zero, or
the reset's stamp) and true since a ground truth stamped after the pick; a time before the reset has
no reference (NO_REFERENCE), never a guess.
"""
from __future__ import annotations

import pytest

rclpy = pytest.importorskip("rclpy")

from builtin_interfaces.msg import Time  # noqa: E402
from std_msgs.msg import Header  # noqa: E402

from promptbot.ros.actions import ActionClient  # noqa: E402
from promptbot.ros.qos import LATCHED  # noqa: E402
from promptbot.testing import wait_for  # noqa: E402
from promptbot_msgs.action import ExecuteSkill  # noqa: E402
from promptbot_msgs.msg import SceneState  # noqa: E402
from promptbot_msgs.srv import CheckTask, ResetWorld  # noqa: E402


def _sec(stamp) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


def _expert_sim(spawn, real_time_factor: float):
    """A small tabletop sim node (no cameras) with the scripted-expert skill server."""
    return spawn("promptbot.nodes.sim_node", "--ros-args", "-p", "world:=tabletop", "-p", "seed:=0",
                 "-p", "width:=64", "-p", "height:=48", "-p", "publish_cameras:=false",
                 "-p", f"real_time_factor:={real_time_factor}", "-p", "expert_skill_server:=true",
                 "-p", "expert_scene_topic:=''")


def test_check_task_unmoved_since(spawn, ros_node):
    node = _expert_sim(spawn, real_time_factor=2.0)
    gt: list = []
    resets: list = []
    ros_node.create_subscription(SceneState, "/sim/ground_truth", gt.append, LATCHED)
    ros_node.create_subscription(Header, "/sim/world_reset", resets.append, LATCHED)
    reset = ros_node.create_client(ResetWorld, "/sim/reset")
    check = ros_node.create_client(CheckTask, "/sim/check_task")
    skill = ActionClient(ros_node, ExecuteSkill, "/policy/execute_skill")
    wait_for(lambda: (gt and reset.service_is_ready() and check.service_is_ready() and skill.server_is_ready())
             or not node.alive, 60.0, what="the sim node's ground truth, services and skill server")
    assert node.alive, node.output()
    wait_for(lambda: _sec(gt[-1].header.stamp) > 1.0, 30.0, what="1 s of sim time")   # a reset later than t = 1 s

    def call(client, request, what):
        fut = client.call_async(request)
        wait_for(fut.done, 60.0, what=what)
        return fut.result()

    assert call(reset, ResetWorld.Request(world="", seed=0), "the reset").error_code == ResetWorld.Response.OK
    wait_for(lambda: resets, 10.0, what="/sim/world_reset")
    t_reset = resets[-1].stamp
    cube = next(o.id for o in gt[-1].objects if o.label == "cube")

    def unmoved(since):
        return call(check, CheckTask.Request(goal=f"unmoved({cube})", since=since), "the check")

    r = unmoved(Time())
    assert r.error_code == CheckTask.Response.OK and r.success, (r.error_msg, r.reason)

    goal_fut = skill.send_goal_async(ExecuteSkill.Goal(skill="pick", args=[cube], timeout=60.0))
    wait_for(goal_fut.done, 30.0, what="the expert accepting the pick")
    assert goal_fut.result().accepted
    res_fut = goal_fut.result().get_result_async()
    wait_for(res_fut.done, 120.0, what="the expert's pick")
    assert res_fut.result().result.error_code == ExecuteSkill.Result.SUCCEEDED, res_fut.result().result.error_msg
    n = len(gt)
    wait_for(lambda: len(gt) > n + 1, 30.0, what="ground truth after the pick")
    after = gt[-1].header.stamp

    for since in (Time(), t_reset):       # zero = the last reset; the reset's own stamp: the same scene
        r = unmoved(since)
        assert r.error_code == CheckTask.Response.OK and not r.success, (r.error_msg, r.reason)
        assert f"unmoved({cube}) does not hold" in r.reason
    r = unmoved(after)
    assert r.error_code == CheckTask.Response.OK and r.success, (r.error_msg, r.reason)
    r = unmoved(Time(sec=0, nanosec=500_000_000))
    assert r.error_code == CheckTask.Response.NO_REFERENCE and "before the world's last reset" in r.error_msg
    assert node.alive


def test_a_canceled_expert_skill_stops_the_arm(spawn, ros_node):
    """The expert skill server honours cancel (a spoken "stop" reaches it through the planner): the
    result is CANCELED (the pick does not run to its end), and the arm then holds still. How fast the
    cancel lands is not asserted here: wall-clock bounds flake on a loaded 2-core machine."""
    from sensor_msgs.msg import JointState

    node = _expert_sim(spawn, real_time_factor=1.0)
    gt: list = []
    joints: list = []
    ros_node.create_subscription(SceneState, "/sim/ground_truth", gt.append, LATCHED)
    ros_node.create_subscription(JointState, "/joint_states", joints.append, 50)
    skill = ActionClient(ros_node, ExecuteSkill, "/policy/execute_skill")
    wait_for(lambda: (gt and skill.server_is_ready()) or not node.alive, 60.0, what="the sim's skill server")
    assert node.alive, node.output()
    cube = next(o.id for o in gt[-1].objects if o.label == "cube")
    goal_fut = skill.send_goal_async(ExecuteSkill.Goal(skill="pick", args=[cube], timeout=60.0))
    wait_for(goal_fut.done, 30.0, what="the expert accepting the pick")
    handle = goal_fut.result()
    assert handle.accepted
    n = len(joints)
    wait_for(lambda: len(joints) > n + 10, 10.0, what="joint states while the pick runs")
    first = list(joints[n].position[:7])
    wait_for(lambda: max(abs(a - b) for a, b in zip(joints[-1].position[:7], first)) > 0.02, 10.0,
             what="the arm moving")
    cancel_fut = handle.cancel_goal_async()
    wait_for(cancel_fut.done, 10.0, what="the cancel response")
    assert len(cancel_fut.result().goals_canceling) == 1
    res_fut = handle.get_result_async()
    wait_for(res_fut.done, 10.0, what="the canceled pick's result")    # a liveness bound, not a timing claim
    result = res_fut.result().result
    assert result.error_code == ExecuteSkill.Result.CANCELED, result.error_msg    # it did not run to its end
    n = len(joints)
    wait_for(lambda: len(joints) > n + 40, 10.0, what="joint states after the cancel")
    window = [list(j.position[:7]) for j in joints[n:]]
    settle = max(abs(a - b) for row in window for a, b in zip(row, window[0]))
    assert settle < 0.05, f"the arm kept moving after the cancel: {settle:.4f} rad"    # it decelerates, then
    late = window[len(window) // 2:]
    drift = max(abs(a - b) for row in late for a, b in zip(row, late[0]))
    assert drift < 0.005, f"the arm does not hold after the cancel: {drift:.4f} rad"    # holds
    assert node.alive
