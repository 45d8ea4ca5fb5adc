"""Perception node: RGB-D camera -> grounded scene, RViz markers and step verification.

Subscribes ``/camera/color/image_raw`` (rgb8 or bgr8), ``/camera/depth/image_rect_raw``
(32FC1 metres or 16UC1 millimetres) and ``/camera/color/camera_info``; colour and
depth are paired by stamp (:class:`promptbot.perception.sync.StampSync`).
Publishes ``/perception/scene`` (promptbot_msgs/SceneState, ``header.stamp`` =
the image stamp, ``source="perception"``) for every processed frame and
``/perception/markers`` (visualization_msgs/MarkerArray). Service
``/perception/verify_step`` (promptbot_msgs/VerifyStep): STALE_SCENE when no
scene stamped at or after ``not_before`` exists yet.

Camera pose in the base frame (optical frame, x right / y down / z forward), in
order of precedence:
1. ``camera_pose_topic`` (geometry_msgs/PoseStamped in ``frame_id``, latched), when
   something publishes it;
2. ``camera_pose_world`` = ``"<world>:<seed>"``: the scene camera of a sim world file
   (``sim_worlds/<world>.yaml`` with that seed's jitter, computed without the sim);
3. ``camera_pose_base`` = ``[x, y, z, qx, qy, qz, qw]`` (default: the sim's nominal scene camera).

Bad input (encodings, sizes, missing camera_info, NaN/zero depth, out-of-order
stamps) is dropped with a rate-limited error; nothing is published for it.
"""
from __future__ import annotations

import threading

import numpy as np
from builtin_interfaces.msg import Time
from geometry_msgs.msg import PoseStamped
from rclpy.node import Node
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header
from visualization_msgs.msg import Marker, MarkerArray

from promptbot.perception import FrameError, Perception, PerceptionConfig, StampError, verify_step
from promptbot.perception.colors import SIM_COLORS
from promptbot.perception.geometry import look_at, matrix_to_pose, pose_to_matrix
from promptbot.perception.sync import StampSync
from promptbot.perception.verify import BAD_REQUEST
from promptbot.ros.image import ImageConversionError, image_to_numpy
from promptbot.ros.params import ParamSpec, declare_params
from promptbot.ros.spin import spin_node
from promptbot.ros.qos import LATCHED, SENSOR_IMAGE
from promptbot.ros.scene_msgs import objects_to_scene
from promptbot.scene import RELATIONS
from promptbot_msgs.msg import SceneState
from promptbot_msgs.srv import VerifyStep

BASE_FRAME = "panda_link0"
STALE_SCENE = 1
# The sim's nominal scene camera (sim_worlds defaults: eye (1.0, 0, 1.1), target (0.5, 0, 0), up +x).
DEFAULT_POSE = [round(v, 6) for v in matrix_to_pose(look_at((1.0, 0.0, 1.1), (0.5, 0.0, 0.0), (1.0, 0.0, 0.0)))]


def _pose_ok(value) -> str | None:
    try:
        pose_to_matrix(value)
    except FrameError as exc:
        return str(exc)
    return None


def _world_pose_ok(value: str) -> str | None:
    if value == "":
        return None
    try:
        _world_pose(value)
    except Exception as exc:  # noqa: BLE001
        return f"camera_pose_world {value!r}: {exc}"
    return None


def _world_pose(value: str) -> np.ndarray:
    """``"world:seed"`` -> T_base_cam of that world's scene camera (pure, no simulator)."""
    from promptbot.sim.worlds import load_world, sample_render

    world, _, seed = value.partition(":")
    spec = load_world(world)
    rs = sample_render(spec, int(seed or 0))
    return look_at(rs.camera_position, rs.camera_target, spec.scene_camera.up)


def _relations_ok(value) -> str | None:
    bad = [v for v in value if v not in RELATIONS]
    return f"unknown relations {bad}; known: {sorted(RELATIONS)}" if bad else None


SPECS = [
    ParamSpec("color_topic", "/camera/color/image_raw", "colour image topic (rgb8 or bgr8)", read_only=True),
    ParamSpec("depth_topic", "/camera/depth/image_rect_raw", "depth image topic (32FC1 m or 16UC1 mm)",
              read_only=True),
    ParamSpec("info_topic", "/camera/color/camera_info", "camera_info of the colour camera", read_only=True),
    ParamSpec("camera_pose_topic", "/camera/pose", "PoseStamped of the optical frame in frame_id ('' = off)",
              read_only=True),
    ParamSpec("world_reset_topic", "/sim/world_reset",
              "std_msgs/Header: the sim reset its world at header.stamp; tracks restart, older frames are dropped "
              "('' = off; a real robot has no resets)", read_only=True),
    ParamSpec("camera_pose_world", "", "'<world>:<seed>': use that sim world's scene camera pose ('' = off)",
              validator=_world_pose_ok),
    ParamSpec("camera_pose_base", DEFAULT_POSE, "optical frame pose in the base frame [x y z qx qy qz qw] (m)",
              validator=_pose_ok),
    ParamSpec("frame_id", BASE_FRAME, "base frame of the published scene", read_only=True),
    ParamSpec("sync_slop_s", 0.001, "max colour/depth stamp difference for a pair [s]", min=0.0, max=0.1),
    ParamSpec("track_hold_s", 3.0, "keep unseen tracks this long (occlusion) [s]", min=0.0, max=30.0),
    ParamSpec("track_hidden_hold_s", 120.0, "keep unseen tracks this long while their place is hidden behind "
              "something nearer the camera [s]", min=0.0, max=3600.0),
    ParamSpec("track_gate_m", 0.12, "max track jump between frames [m]", min=0.01, max=1.0),
    ParamSpec("min_height_m", 0.007, "points below this height above the table are table [m]", min=0.001, max=0.1),
    ParamSpec("downsample", 2, "process every n-th pixel in both axes (1 = full resolution)", min=1, max=4),
    ParamSpec("edge_jump_m", 0.012, "depth step that separates surfaces [m]", min=0.002, max=0.2),
    ParamSpec("min_pixels", 40, "smallest object component at 640x480 [px] (scaled with image area)",
              min=1, max=100000),
    ParamSpec("robot_min_top_m", 0.095, "achromatic surfaces taller than this are the arm [m]", min=0.02, max=1.0),
    ParamSpec("max_fit_cost", 30.0, "reject components that fit no shape template better than this", min=0.1,
              max=1e6),
    ParamSpec("color_table", "", "colour table .npz (ColorTable.save); '' = shipped sim table", read_only=True),
    ParamSpec("relations", ["in", "on", "near", "left_of", "right_of"], "relations to publish",
              validator=_relations_ok),
    ParamSpec("publish_markers", True, "publish /perception/markers"),
    ParamSpec("error_log_period_s", 2.0, "min period between repeated error logs [s]", min=0.0, max=600.0),
]

_RECONFIG = ("track_hold_s", "track_hidden_hold_s", "track_gate_m", "min_height_m", "downsample", "edge_jump_m",
             "min_pixels",
             "robot_min_top_m", "max_fit_cost", "relations")


def _to_ns(t: Time) -> int:
    return int(t.sec) * 1_000_000_000 + int(t.nanosec)


def _to_time(ns: int) -> Time:
    return Time(sec=ns // 1_000_000_000, nanosec=ns % 1_000_000_000)


class PerceptionNode(Node):
    def __init__(self):
        super().__init__("perception_node")
        self._lock = threading.Lock()
        self.params = declare_params(self, SPECS, on_change=self._on_param)
        p = self.params
        self.perception = Perception(self._config(), predicates=tuple(p.relations))
        self.sync = StampSync(int(p.sync_slop_s * 1e9))
        self.info: CameraInfo | None = None
        self.topic_pose: np.ndarray | None = None
        self._pose_cache: tuple | None = None
        self.last_scene: SceneState | None = None
        self.last_scene_ns: int | None = None
        self.last_objects: list = []
        self.frames_ok = 0
        self.frames_bad = 0
        self._marker_ids = 0

        self.pub_scene = self.create_publisher(SceneState, "/perception/scene", 10)
        self.pub_markers = self.create_publisher(MarkerArray, "/perception/markers", 10)
        self.create_subscription(Image, p.color_topic, self._on_color, SENSOR_IMAGE)
        self.create_subscription(Image, p.depth_topic, self._on_depth, SENSOR_IMAGE)
        self.create_subscription(CameraInfo, p.info_topic, self._on_info, SENSOR_IMAGE)
        if p.camera_pose_topic:
            self.create_subscription(PoseStamped, p.camera_pose_topic, self._on_pose, LATCHED)
        self._reset_ns = -1                    # frames stamped before the last world reset are dropped
        if p.world_reset_topic:
            self.create_subscription(Header, p.world_reset_topic, self._on_world_reset, LATCHED)
        self.create_service(VerifyStep, "/perception/verify_step", self._on_verify)
        self.get_logger().info(f"perception up: {p.color_topic} + {p.depth_topic} -> /perception/scene "
                               f"(frame {p.frame_id})")

    # --- parameters ---------------------------------------------------------------------------
    def _config(self) -> PerceptionConfig:
        p = self.params
        return PerceptionConfig(track_hold_s=p.track_hold_s, track_hidden_hold_s=p.track_hidden_hold_s,
                                track_gate_m=p.track_gate_m,
                                min_height_m=p.min_height_m, downsample=p.downsample,
                                edge_jump_m=p.edge_jump_m, min_pixels=p.min_pixels,
                                robot_min_top_m=p.robot_min_top_m, max_fit_cost=p.max_fit_cost,
                                color_table=p.color_table)

    def _on_param(self, name: str, value) -> None:
        if name in _RECONFIG:
            with self._lock:
                # detection thresholds apply from the next frame; tracks are kept
                old = self.perception
                self.perception = Perception(self._config(), predicates=tuple(self.params.relations))
                self.perception.tracker = old.tracker
                self.perception.tracker.hold_s = self.params.track_hold_s
                self.perception.tracker.hidden_hold_s = self.params.track_hidden_hold_s
                self.perception.tracker.gate_m = self.params.track_gate_m
        elif name == "sync_slop_s":
            self.sync.slop_ns = int(value * 1e9)

    # --- input ----------------------------------------------------------------------------------
    def _error(self, msg: str) -> None:
        self.frames_bad += 1
        self.get_logger().error(msg, throttle_duration_sec=max(self.params.error_log_period_s, 1e-3))

    def _on_info(self, msg: CameraInfo) -> None:
        self.info = msg

    def _on_pose(self, msg: PoseStamped) -> None:
        if msg.header.frame_id and msg.header.frame_id != self.params.frame_id:
            self._error(f"camera pose in frame {msg.header.frame_id!r}, expected {self.params.frame_id!r}; ignored")
            return
        q, t = msg.pose.orientation, msg.pose.position
        try:
            self.topic_pose = pose_to_matrix([t.x, t.y, t.z, q.x, q.y, q.z, q.w])
        except FrameError as exc:
            self._error(f"bad camera pose: {exc}")

    def _on_world_reset(self, msg: Header) -> None:
        with self._lock:
            self._reset_ns = _to_ns(msg.stamp)
            self.perception.reset()
            self.last_objects = []
        self.get_logger().info(f"world reset ({msg.frame_id or '?'}) at {self._reset_ns / 1e9:.3f} s: tracks restart")

    def _on_color(self, msg: Image) -> None:
        self._feed(msg, is_color=True)

    def _on_depth(self, msg: Image) -> None:
        self._feed(msg, is_color=False)

    def _feed(self, msg: Image, is_color: bool) -> None:
        with self._lock:
            ns = _to_ns(msg.header.stamp)
            out = self.sync.add_a(ns, msg) if is_color else self.sync.add_b(ns, msg)
            if isinstance(out, str):
                self._error(("colour " if is_color else "depth ") + out)
                return
            if out is None:
                return
            stamp_ns, color_msg, depth_msg = out
            if stamp_ns < self._reset_ns:
                return                          # from the world before the reset, still in flight
            self._process(stamp_ns, color_msg, depth_msg)

    def camera_pose(self) -> np.ndarray:
        if self.topic_pose is not None:
            return self.topic_pose
        key = (self.params.camera_pose_world, tuple(self.params.camera_pose_base))
        if self._pose_cache is None or self._pose_cache[0] != key:
            T = _world_pose(key[0]) if key[0] else pose_to_matrix(key[1])
            self._pose_cache = (key, T)
        return self._pose_cache[1]

    def _process(self, stamp_ns: int, color_msg: Image, depth_msg: Image) -> None:
        info = self.info
        if info is None:
            self._error("no camera_info received yet; frame dropped")
            return
        try:
            rgb = image_to_numpy(color_msg)
            if color_msg.encoding == "bgr8":
                rgb = rgb[:, :, ::-1]
            elif color_msg.encoding != "rgb8":
                raise ImageConversionError(f"colour encoding {color_msg.encoding!r}; expected rgb8 or bgr8")
            depth = image_to_numpy(depth_msg)
            if depth_msg.encoding == "16UC1":
                depth = depth.astype(np.float32) * 0.001
            elif depth_msg.encoding != "32FC1":
                raise ImageConversionError(f"depth encoding {depth_msg.encoding!r}; expected 32FC1 or 16UC1")
            if (info.width, info.height) != (rgb.shape[1], rgb.shape[0]):
                raise FrameError(f"camera_info is {info.width}x{info.height} but the image is "
                                 f"{rgb.shape[1]}x{rgb.shape[0]}")
            K = np.asarray(info.k, dtype=np.float64).reshape(3, 3)
            valid = np.isfinite(depth) & (depth > 0)
            if not valid.any():
                raise FrameError("depth image has no valid pixel (all NaN / zero)")
            resets = self.perception.clock_resets
            result = self.perception.process(np.ascontiguousarray(rgb), depth, K, self.camera_pose(),
                                             stamp_ns * 1e-9)
            if self.perception.clock_resets != resets:
                self.get_logger().warning(f"camera clock went back to {stamp_ns * 1e-9:.3f} s (a restarted "
                                          "simulator or recording): tracking restarted")
        except (ImageConversionError, FrameError, StampError, ValueError) as exc:
            self._error(f"frame at {stamp_ns * 1e-9:.6f} s dropped: {exc}")
            return
        self.frames_ok += 1
        for event in result.events:       # rare: an object's track established, lost or found elsewhere
            self.get_logger().info(f"track {event}")
        msg = objects_to_scene(result.objects, stamp=_to_time(stamp_ns), frame_id=self.params.frame_id,
                               source="perception", relations=result.relations)
        self.last_scene, self.last_scene_ns, self.last_objects = msg, stamp_ns, result.objects
        self.pub_scene.publish(msg)
        if self.params.publish_markers:
            self.pub_markers.publish(self._markers(msg))

    def _markers(self, scene: SceneState) -> MarkerArray:
        arr = MarkerArray()
        clear = Marker(action=Marker.DELETEALL)
        clear.header = scene.header
        arr.markers.append(clear)
        for i, o in enumerate(scene.objects):
            rgb = SIM_COLORS.get(o.color, (0.5, 0.5, 0.5))
            box = Marker(ns="objects", id=i, type=Marker.CUBE, action=Marker.ADD)
            box.header = scene.header
            box.pose.position = o.position
            box.pose.orientation.w = 1.0
            box.scale.x, box.scale.y, box.scale.z = o.size.x, o.size.y, o.size.z
            box.color.r, box.color.g, box.color.b, box.color.a = float(rgb[0]), float(rgb[1]), float(rgb[2]), 0.6
            arr.markers.append(box)
            text = Marker(ns="labels", id=i, type=Marker.TEXT_VIEW_FACING, action=Marker.ADD, text=o.id)
            text.header = scene.header
            text.pose.position.x, text.pose.position.y = o.position.x, o.position.y
            text.pose.position.z = o.position.z + o.size.z / 2 + 0.03
            text.pose.orientation.w = 1.0
            text.scale.z = 0.02
            text.color.r = text.color.g = text.color.b = text.color.a = 1.0
            arr.markers.append(text)
        return arr

    # --- service ----------------------------------------------------------------------------------
    def _on_verify(self, req: VerifyStep.Request, res: VerifyStep.Response) -> VerifyStep.Response:
        with self._lock:
            scene_ns, objects = self.last_scene_ns, list(self.last_objects)
        need_ns = _to_ns(req.not_before)
        if scene_ns is None or scene_ns < need_ns:
            res.error_code = STALE_SCENE
            have = "no scene yet" if scene_ns is None else f"newest scene at {scene_ns * 1e-9:.6f} s"
            res.error_msg = f"no scene at or after {need_ns * 1e-9:.6f} s ({have})"
            res.holds = False
            res.reason = res.error_msg
            return res
        if not req.skill:
            res.error_code, res.error_msg = BAD_REQUEST, "empty skill"
            return res
        v = verify_step(req.skill, list(req.args), objects)
        res.error_code = v.code
        res.error_msg = "" if v.code == 0 else v.reason
        res.holds = bool(v.holds)
        res.reason = v.reason
        return res


def main(args=None) -> None:
    spin_node(PerceptionNode, "perception_node", args=args)


if __name__ == "__main__":
    main()
