"""Sim node graph test with real rclpy: topics and encodings, twist moves the EE, reset restores the world."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy")

from geometry_msgs.msg import TwistStamped  # noqa: E402
from rosgraph_msgs.msg import Clock  # noqa: E402
from sensor_msgs.msg import CameraInfo, Image, JointState  # noqa: E402

from promptbot.ros.image import image_to_numpy  # noqa: E402
from promptbot.ros.qos import COMMAND, LATCHED, SENSOR_IMAGE  # noqa: E402
from promptbot.safety.kinematics import tcp_position  # noqa: E402
from promptbot.testing import wait_for  # noqa: E402
from promptbot_msgs.msg import SceneState  # noqa: E402
from promptbot_msgs.srv import CheckTask, ResetWorld  # noqa: E402


class Latest:
    def __init__(self):
        self.msg = None
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, msg):
        with self.lock:
            self.msg = msg
            self.count += 1


def _sec(stamp) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


def _tcp(js: JointState) -> np.ndarray:
    q = [js.position[list(js.name).index(f"panda_joint{i}")] for i in range(1, 8)]
    return np.array(tcp_position(q))


def test_sim_node_graph(spawn, ros_node):
    node = spawn("promptbot.nodes.sim_node", "--ros-args", "-p", "width:=160", "-p", "height:=120",
                 "-p", "real_time_factor:=1.0", "-p", "world:=tabletop", "-p", "seed:=0")
    subs = {name: Latest() for name in ("rgb", "depth", "info", "joints", "clock", "gt")}
    ros_node.create_subscription(Image, "/camera/color/image_raw", subs["rgb"], SENSOR_IMAGE)
    ros_node.create_subscription(Image, "/camera/depth/image_rect_raw", subs["depth"], SENSOR_IMAGE)
    ros_node.create_subscription(CameraInfo, "/camera/color/camera_info", subs["info"], SENSOR_IMAGE)
    ros_node.create_subscription(JointState, "/joint_states", subs["joints"], 10)
    ros_node.create_subscription(Clock, "/clock", subs["clock"], 10)
    ros_node.create_subscription(SceneState, "/sim/ground_truth", subs["gt"], LATCHED)
    wait_for(lambda: all(s.count > 0 for s in subs.values()) or not node.alive, 60.0, what="all sim topics")
    assert node.alive, node.output()

    rgb, depth = subs["rgb"].msg, subs["depth"].msg
    assert rgb.encoding == "rgb8" and (rgb.width, rgb.height) == (160, 120)
    assert depth.encoding == "32FC1"
    d = image_to_numpy(depth)
    assert 0.3 < float(np.median(d)) < 3.0                    # metres
    info = subs["info"].msg
    assert info.k[2] == pytest.approx(80.0) and info.k[0] > 0
    assert subs["gt"].msg.source == "ground_truth" and len(subs["gt"].msg.objects) == 5
    # camera at 30 Hz of sim time (stamps); the wall rate depends on the machine's load, so only loosely
    stamps: list[float] = []
    ros_node.create_subscription(
        Image, "/camera/color/image_raw",
        lambda m: stamps.append(m.header.stamp.sec + m.header.stamp.nanosec * 1e-9), SENSOR_IMAGE)
    t0 = time.monotonic()
    wait_for(lambda: len(stamps) >= 16, 20.0, what="16 camera frames")
    wall_rate = len(stamps) / (time.monotonic() - t0)
    gaps = np.diff(sorted(set(stamps)))
    assert np.median(gaps) == pytest.approx(1.0 / 30.0, abs=0.005), f"camera period {np.median(gaps):.4f} s sim"
    assert wall_rate > 1.0, f"camera wall rate {wall_rate:.1f} Hz"

    initial_gt = {o.id: (o.position.x, o.position.y, o.position.z) for o in subs["gt"].msg.objects}
    p0 = _tcp(subs["joints"].msg)
    pub = ros_node.create_publisher(TwistStamped, "/servo_node/delta_twist_cmds", COMMAND)
    wait_for(lambda: pub.get_subscription_count() > 0, 20.0, what="the sim node's twist subscription")

    def send(frame: str, vx: float, seconds: float):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            msg = TwistStamped()
            msg.header.frame_id = frame
            msg.header.stamp = ros_node.get_clock().now().to_msg()
            msg.twist.linear.x = vx
            pub.publish(msg)
            time.sleep(0.05)

    def sim_window(seconds: float) -> None:
        """A counted window in sim time: until joint states (and ground truth) stamped ``seconds``
        of sim time after now have arrived, whatever the machine's load does to the wall rate."""
        t = _sec(subs["clock"].msg.clock) + seconds
        wait_for(lambda: _sec(subs["joints"].msg.header.stamp) >= t and _sec(subs["gt"].msg.header.stamp) >= t,
                 30.0, what=f"{seconds} s more of sim time")

    send("camera_link", 0.1, 1.0)      # wrong frame: rejected, no motion
    wait_for(lambda: "frame 'camera_link'" in node.output(), 10.0, what="the wrong-frame rejection in the sim's log")
    sim_window(0.3)
    assert np.linalg.norm(_tcp(subs["joints"].msg) - p0) < 0.01
    # keep commanding +x until the TCP has gone 5 cm (bounded): the sim's real-time factor depends on load
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline and (_tcp(subs["joints"].msg) - p0)[0] <= 0.05:
        send("panda_link0", 0.1, 0.25)
    moved = _tcp(subs["joints"].msg) - p0
    assert moved[0] > 0.05, f"EE moved {moved}"

    reset = ros_node.create_client(ResetWorld, "/sim/reset")
    assert reset.wait_for_service(timeout_sec=10.0)
    fut = reset.call_async(ResetWorld.Request(world="", seed=0))
    wait_for(fut.done, 30.0, what="reset response")
    res = fut.result()
    assert res.error_code == ResetWorld.Response.OK, res.error_msg
    sim_window(0.2)                    # joint states and ground truth from after the reset
    assert np.linalg.norm(_tcp(subs["joints"].msg) - p0) < 0.01
    gt = {o.id: (o.position.x, o.position.y, o.position.z) for o in subs["gt"].msg.objects}
    assert gt.keys() == initial_gt.keys()
    for k in gt:
        assert np.allclose(gt[k], initial_gt[k], atol=0.005)

    fut = reset.call_async(ResetWorld.Request(world="atlantis", seed=0))
    wait_for(fut.done, 30.0, what="bad reset response")
    assert fut.result().error_code == ResetWorld.Response.UNKNOWN_WORLD

    check = ros_node.create_client(CheckTask, "/sim/check_task")
    assert check.wait_for_service(timeout_sec=10.0)
    fut = check.call_async(CheckTask.Request(goal=""))
    wait_for(fut.done, 30.0, what="check_task response")
    assert fut.result().error_code == CheckTask.Response.NO_TASK
    assert node.alive
