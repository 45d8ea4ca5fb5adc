"""ROS graph tests of the perception node (real rclpy, subprocess nodes, own domain).

1. Beside the sim node: the published scene matches /sim/ground_truth; verify_step answers.
2. Alone, fed by the test: bad input (encodings, sizes, NaN depth, no camera_info,
   out-of-order stamps) publishes nothing and does not crash; a good frame then does.
"""
from __future__ import annotations

import math
import threading

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy")

from builtin_interfaces.msg import Time  # noqa: E402
from geometry_msgs.msg import PoseStamped  # noqa: E402
from sensor_msgs.msg import CameraInfo, Image  # noqa: E402
from visualization_msgs.msg import MarkerArray  # noqa: E402

from promptbot.ros.image import numpy_to_image  # noqa: E402
from promptbot.ros.qos import LATCHED, SENSOR_IMAGE  # noqa: E402
from promptbot.testing import wait_for  # noqa: E402
from promptbot_msgs.msg import SceneState  # noqa: E402
from promptbot_msgs.srv import VerifyStep  # noqa: E402

PERCEPTION = "promptbot.nodes.perception_node"


class Collector:
    def __init__(self):
        self.msgs: list = []
        self.lock = threading.Lock()

    def __call__(self, msg) -> None:
        with self.lock:
            self.msgs.append(msg)

    def last(self):
        with self.lock:
            return self.msgs[-1] if self.msgs else None

    def count(self) -> int:
        with self.lock:
            return len(self.msgs)


def _call(node, client, req, timeout=10.0):
    fut = client.call_async(req)
    wait_for(fut.done, timeout, what="service response")
    return fut.result()


def test_scene_matches_sim_ground_truth(spawn, ros_node):
    spawn("promptbot.nodes.sim_node", "--ros-args", "-p", "world:=tabletop", "-p", "seed:=0",
          "-p", "camera_rate_hz:=5.0", "-p", "real_time_factor:=1.0")
    spawn(PERCEPTION, "--ros-args", "-p", "camera_pose_world:=tabletop:0")
    scenes, truth, markers = Collector(), Collector(), Collector()
    ros_node.create_subscription(SceneState, "/perception/scene", scenes, 10)
    ros_node.create_subscription(SceneState, "/sim/ground_truth", truth, LATCHED)
    ros_node.create_subscription(MarkerArray, "/perception/markers", markers, 10)
    wait_for(lambda: scenes.count() >= 2 and truth.count() >= 1 and markers.count() >= 1, 60.0,
             what="perception scene, markers and ground truth")
    scene, gt = scenes.last(), truth.last()
    assert scene.source == "perception" and scene.header.frame_id == "panda_link0"
    per = {o.id: o for o in scene.objects}
    assert set(per) == {o.id for o in gt.objects}, (sorted(per), sorted(o.id for o in gt.objects))
    for o in gt.objects:
        p = per[o.id]
        err = math.dist((p.position.x, p.position.y, p.position.z), (o.position.x, o.position.y, o.position.z))
        assert err < 0.015, (o.id, err)
        assert (p.label, p.color) == (o.label, o.color)
    boxes = [m for m in markers.last().markers if m.ns == "objects"]
    assert len(boxes) == len(scene.objects) and all(m.header.frame_id == "panda_link0" for m in boxes)
    # stamps are the image stamps and increase
    stamps = [m.header.stamp.sec + m.header.stamp.nanosec * 1e-9 for m in scenes.msgs]
    assert all(b > a for a, b in zip(stamps, stamps[1:]))

    client = ros_node.create_client(VerifyStep, "/perception/verify_step")
    wait_for(client.service_is_ready, 10.0, what="verify_step service")
    cube = next(o.id for o in gt.objects if o.label == "cube")
    bowl = next(o.id for o in gt.objects if o.label == "bowl")
    res = _call(ros_node, client, VerifyStep.Request(skill="place", args=[cube, bowl], not_before=Time()))
    assert res.error_code == VerifyStep.Response.OK and res.holds is False and bowl in res.reason
    res = _call(ros_node, client, VerifyStep.Request(skill="pick", args=["ghost_cube"], not_before=Time()))
    assert res.error_code == VerifyStep.Response.UNKNOWN_OBJECT
    future = Time(sec=scene.header.stamp.sec + 3600)
    res = _call(ros_node, client, VerifyStep.Request(skill="pick", args=[cube], not_before=future))
    assert res.error_code == VerifyStep.Response.STALE_SCENE and not res.holds


def test_world_reset_restarts_the_tracks(spawn, ros_node):
    """After /sim/reset every object teleports. Bench e2e: the old tracks were held (and stole
    detections of the same colour), so the planner saw ``red_cube_2`` and asked "which red cube?".
    The sim announces the reset on /sim/world_reset; the first scene of the new world must hold
    exactly the new world's objects under the sim's ids."""
    from std_msgs.msg import Header

    from promptbot_msgs.srv import ResetWorld

    spawn("promptbot.nodes.sim_node", "--ros-args", "-p", "world:=tabletop", "-p", "seed:=1",
          "-p", "camera_rate_hz:=5.0", "-p", "real_time_factor:=1.0")
    spawn(PERCEPTION)
    scenes, truth, resets = Collector(), Collector(), Collector()
    ros_node.create_subscription(SceneState, "/perception/scene", scenes, 10)
    ros_node.create_subscription(SceneState, "/sim/ground_truth", truth, LATCHED)
    ros_node.create_subscription(Header, "/sim/world_reset", resets, LATCHED)
    wait_for(lambda: scenes.count() >= 2 and truth.count() >= 1, 60.0, what="perception scene and ground truth")
    reset = ros_node.create_client(ResetWorld, "/sim/reset")
    wait_for(reset.service_is_ready, 10.0, what="/sim/reset")
    res = _call(ros_node, reset, ResetWorld.Request(world="", seed=2), timeout=30.0)
    assert res.error_code == ResetWorld.Response.OK, res.error_msg
    wait_for(lambda: resets.count() >= 1, 10.0, what="/sim/world_reset")
    ev = resets.last()
    assert ev.frame_id == "tabletop:2"
    t_reset = ev.stamp.sec + ev.stamp.nanosec * 1e-9

    def after(msg, dt: float = 0.0) -> bool:
        return msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9 >= t_reset + dt

    # The reset notice, the camera pose and the images are separate topics, so the first frame or
    # two of the new world may still be tracked against the old world. One second of sim time later
    # (track_hold_s is 3 s: without the reset the old tracks would still be reported) the scene
    # must be exactly the new world.
    wait_for(lambda: after(truth.last()) and any(after(m, 1.0) for m in list(scenes.msgs)), 30.0,
             what="a scene of the new world 1 s after the reset")
    gt = {o.id for o in truth.last().objects}
    settled = next(m for m in list(scenes.msgs) if after(m, 1.0))
    assert {o.id for o in settled.objects} == gt, (sorted(o.id for o in settled.objects), sorted(gt))


def _frames():
    """A rendered tabletop frame (pure render through the sim core)."""
    from promptbot.sim.env import SimEnv

    with SimEnv("tabletop", 0) as env:
        f = env.render("scene", 320, 240)
    return f


def test_bad_input_is_dropped_without_crash(spawn, ros_node):
    from promptbot.perception.geometry import matrix_to_pose

    f = _frames()
    pose = ",".join(f"{v:.9f}" for v in matrix_to_pose(f.T_base_cam))
    proc = spawn(PERCEPTION, "--ros-args", "-p", f"camera_pose_base:=[{pose}]", "-p", "camera_pose_topic:=''",
                 "-p", "error_log_period_s:=0.0")
    scenes = Collector()
    ros_node.create_subscription(SceneState, "/perception/scene", scenes, 10)
    pub_c = ros_node.create_publisher(Image, "/camera/color/image_raw", SENSOR_IMAGE)
    pub_d = ros_node.create_publisher(Image, "/camera/depth/image_rect_raw", SENSOR_IMAGE)
    pub_i = ros_node.create_publisher(CameraInfo, "/camera/color/camera_info", SENSOR_IMAGE)
    wait_for(lambda: pub_c.get_subscription_count() > 0 and pub_d.get_subscription_count() > 0
             and pub_i.get_subscription_count() > 0 and ros_node.count_publishers("/perception/scene") > 0,
             20.0, what="perception node discovery")

    info = CameraInfo(width=f.width, height=f.height, k=[float(v) for v in f.K.reshape(-1)])

    def send(sec, rgb=f.rgb, depth=f.depth, color_enc="rgb8", depth_enc="32FC1", with_info=True):
        stamp = Time(sec=sec)
        if with_info:
            info.header.stamp = stamp
            pub_i.publish(info)
        c = numpy_to_image(rgb, color_enc) if color_enc in ("rgb8", "bgr8") else numpy_to_image(rgb[:, :, 0], color_enc)
        d = numpy_to_image(depth, depth_enc)
        c.header.stamp = d.header.stamp = stamp
        pub_c.publish(c)
        pub_d.publish(d)

    # each bad frame is answered by its own error log and nothing is published
    send(1, with_info=False)
    wait_for(lambda: "no camera_info" in proc.output(), 15.0, what="missing camera_info log")
    cases = [
        (dict(color_enc="mono8"), "colour encoding 'mono8'"),
        (dict(depth=np.ascontiguousarray(f.depth[:-10])), "sizes differ"),
        (dict(depth=np.full_like(f.depth, np.nan)), "no valid pixel"),
    ]
    sec = 100
    for kwargs, log in cases:
        for _ in range(50):      # the first frames may race the first camera_info (dropped, logged)
            sec += 1
            send(sec, **kwargs)
            try:
                wait_for(lambda: log in proc.output(), 0.5, what=f"error log {log!r}")
                break
            except TimeoutError:
                continue
        assert log in proc.output()
    assert scenes.count() == 0
    assert proc.alive
    # 5. a good frame is published with its own stamp
    send(1000)
    wait_for(lambda: scenes.count() == 1, 15.0, what="scene for the good frame")
    assert scenes.last().header.stamp.sec == 1000 and len(scenes.last().objects) >= 4
    # 6. an older frame afterwards is refused (never published as new)
    send(500)
    wait_for(lambda: "not newer" in proc.output(), 15.0, what="out-of-order error log")
    send(1001)
    wait_for(lambda: scenes.count() == 2, 15.0, what="scene for the next good frame")
    assert [m.header.stamp.sec for m in scenes.msgs] == [1000, 1001]
    assert proc.alive


def test_camera_pose_topic_overrides_the_parameter(spawn, ros_node):
    """A latched PoseStamped on /camera/pose (what the sim should publish) is used for back-projection."""
    from promptbot.perception.geometry import matrix_to_pose
    from promptbot.sim.env import SimEnv

    with SimEnv("tabletop", 0) as env:
        f = env.render("scene", 320, 240)
        truth = env.ground_truth()
    wrong = matrix_to_pose(f.T_base_cam)
    wrong[0] += 0.10                                   # parameter pose 10 cm off
    proc = spawn(PERCEPTION, "--ros-args", "-p", "camera_pose_base:=[" + ",".join(f"{v:.9f}" for v in wrong) + "]")
    scenes = Collector()
    ros_node.create_subscription(SceneState, "/perception/scene", scenes, 10)
    pub_pose = ros_node.create_publisher(PoseStamped, "/camera/pose", LATCHED)
    pub_c = ros_node.create_publisher(Image, "/camera/color/image_raw", SENSOR_IMAGE)
    pub_d = ros_node.create_publisher(Image, "/camera/depth/image_rect_raw", SENSOR_IMAGE)
    pub_i = ros_node.create_publisher(CameraInfo, "/camera/color/camera_info", SENSOR_IMAGE)
    bad = PoseStamped()
    bad.header.frame_id = "world"
    bad.pose.orientation.w = 1.0
    pub_pose.publish(bad)
    wait_for(lambda: "camera pose in frame 'world'" in proc.output(), 20.0, what="wrong-frame pose refused")
    good = PoseStamped()
    good.header.frame_id = "panda_link0"
    p = matrix_to_pose(f.T_base_cam)
    good.pose.position.x, good.pose.position.y, good.pose.position.z = p[:3]
    (good.pose.orientation.x, good.pose.orientation.y, good.pose.orientation.z,
     good.pose.orientation.w) = p[3:]
    pub_pose.publish(good)
    wait_for(lambda: pub_c.get_subscription_count() > 0 and pub_i.get_subscription_count() > 0, 20.0,
             what="perception node discovery")
    info = CameraInfo(width=f.width, height=f.height, k=[float(v) for v in f.K.reshape(-1)])
    sec = 0

    def matches() -> bool:
        nonlocal sec
        sec += 1
        stamp = Time(sec=sec)
        info.header.stamp = stamp
        pub_i.publish(info)
        c, d = numpy_to_image(f.rgb, "rgb8"), numpy_to_image(f.depth, "32FC1")
        c.header.stamp = d.header.stamp = stamp
        pub_c.publish(c)
        pub_d.publish(d)
        last = scenes.last()
        if last is None or len(last.objects) != len(truth):
            return False
        per = {o.id: o for o in last.objects}
        return all(o.id in per and math.dist((per[o.id].position.x, per[o.id].position.y, per[o.id].position.z),
                                             o.position) < 0.015 for o in truth)

    wait_for(matches, 20.0, interval=0.3, what="scene computed with the topic pose")
