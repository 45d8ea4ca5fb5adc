"""Record the graph's topics to MCAP (raw CDR, Foxglove-openable) and the camera to MP4.

Subscriptions use ``raw=True``: messages are written exactly as serialised on the
wire, with "ros2msg" schemas from the installed message definitions.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
from rclpy.node import Node

from promptbot.ros import qos
from promptbot.sim.recording import msgdef, overlay

# topic -> (type string, message class import path)
TOPICS: dict[str, str] = {
    "/camera/color/image_raw": "sensor_msgs/msg/Image",
    "/camera/depth/image_rect_raw": "sensor_msgs/msg/Image",
    "/camera/color/camera_info": "sensor_msgs/msg/CameraInfo",
    "/joint_states": "sensor_msgs/msg/JointState",
    "/sim/ground_truth": "promptbot_msgs/msg/SceneState",
    "/perception/scene": "promptbot_msgs/msg/SceneState",
    "/perception/markers": "visualization_msgs/msg/MarkerArray",
    "/speech/transcript": "promptbot_msgs/msg/Transcript",
    "/planner/plan": "promptbot_msgs/msg/TaskPlan",
    "/promptbot/cmd_twist": "geometry_msgs/msg/TwistStamped",
    "/promptbot/gripper_cmd": "std_msgs/msg/Float64",
    "/servo_node/delta_twist_cmds": "geometry_msgs/msg/TwistStamped",
    "/gripper/command": "std_msgs/msg/Float64",
    "/safety/state": "promptbot_msgs/msg/SafetyState",
    "/safety/interventions": "promptbot_msgs/msg/SafetyState",
}
QOS = {"/camera/color/image_raw": qos.SENSOR_IMAGE, "/camera/depth/image_rect_raw": qos.SENSOR_IMAGE,
       "/camera/color/camera_info": qos.SENSOR_IMAGE, "/sim/ground_truth": qos.LATCHED,
       "/planner/plan": qos.LATCHED, "/safety/state": qos.LATCHED, "/speech/transcript": qos.EVENTS,
       "/promptbot/cmd_twist": qos.COMMAND, "/promptbot/gripper_cmd": qos.COMMAND,
       "/servo_node/delta_twist_cmds": qos.COMMAND, "/gripper/command": qos.COMMAND}


def _msg_class(type_str: str):
    import importlib

    pkg, _, name = type_str.split("/")
    return getattr(importlib.import_module(f"{pkg}.msg"), name)


class GraphRecorder:
    """MCAP of ``TOPICS`` + an MP4 of the colour camera at ``video_fps`` with a status overlay."""

    def __init__(self, node: Node, out_dir: Path, video_fps: float = 10.0, video: bool = True):
        from mcap.writer import Writer

        self.out_dir = Path(out_dir)
        self._lock = threading.Lock()
        self._file = open(self.out_dir / "recording.mcap", "wb")
        self._writer = Writer(self._file)
        self._writer.start(profile="ros2", library="promptbot")
        self._channels = {}
        self.counts: dict[str, int] = {}
        self.status_lines: list[str] = []
        self._video = None
        self._video_period = 1.0 / video_fps
        self._last_frame = 0.0
        if video:
            import imageio.v2 as imageio

            self._video = imageio.get_writer(str(self.out_dir / "episode.mp4"), fps=video_fps, codec="libx264",
                                             quality=7, macro_block_size=8, pixelformat="yuv420p")
        self._closed = False
        for topic, type_str in TOPICS.items():
            try:
                schema = self._writer.register_schema(name=type_str, encoding="ros2msg",
                                                      data=msgdef(type_str.replace("/msg/", "/")).encode())
            except FileNotFoundError:
                continue
            self._channels[topic] = self._writer.register_channel(topic=topic, message_encoding="cdr",
                                                                  schema_id=schema)
            node.create_subscription(_msg_class(type_str), topic, lambda data, t=topic: self._on_raw(t, data),
                                     QOS.get(topic, 10), raw=True)
        if self._video is not None:
            node.create_subscription(_msg_class("sensor_msgs/msg/Image"), "/camera/color/image_raw",
                                     self._on_image, qos.SENSOR_IMAGE)

    def _on_raw(self, topic: str, data: bytes) -> None:
        now = time.time_ns()
        with self._lock:
            if self._closed:
                return
            self._writer.add_message(channel_id=self._channels[topic], log_time=now, publish_time=now,
                                     data=bytes(data), sequence=self.counts.get(topic, 0))
            self.counts[topic] = self.counts.get(topic, 0) + 1

    def _on_image(self, msg) -> None:
        from promptbot.ros.image import image_to_numpy

        now = time.monotonic()
        if now - self._last_frame < self._video_period or msg.encoding != "rgb8":
            return
        self._last_frame = now
        frame = overlay(np.asarray(image_to_numpy(msg)), list(self.status_lines)) if self.status_lines else \
            np.ascontiguousarray(image_to_numpy(msg))
        with self._lock:
            if not self._closed:
                self._video.append_data(frame)

    def close(self) -> dict[str, int]:
        with self._lock:
            self._closed = True
            self._writer.finish()
            self._file.close()
            if self._video is not None:
                self._video.close()
        return dict(self.counts)
