"""Live view: serve the graph's main topics over a Foxglove WebSocket (foxglove-sdk).

Each topic is subscribed with ``raw=True`` and forwarded byte for byte as CDR with
its "ros2msg" schema (the same schemas as the MCAP recording), so the Foxglove app
(``ws://localhost:8765``) decodes images, markers and promptbot messages itself.
foxglove-sdk only sends a topic to clients that subscribed to it.
"""
from __future__ import annotations

import logging
import time

from rclpy.node import Node

from promptbot.e2e.recorder import QOS, _msg_class
from promptbot.sim.recording import msgdef

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765                  # Foxglove's default WebSocket port

# topic -> ROS type: camera, detections as markers, the plan and what the planner works from
LIVE_TOPICS: dict[str, str] = {
    "/camera/color/image_raw": "sensor_msgs/msg/Image",
    "/camera/color/camera_info": "sensor_msgs/msg/CameraInfo",
    "/perception/markers": "visualization_msgs/msg/MarkerArray",
    "/perception/scene": "promptbot_msgs/msg/SceneState",
    "/planner/plan": "promptbot_msgs/msg/TaskPlan",
    "/speech/transcript": "promptbot_msgs/msg/Transcript",
    "/joint_states": "sensor_msgs/msg/JointState",
    "/safety/state": "promptbot_msgs/msg/SafetyState",
    "/sim/ground_truth": "promptbot_msgs/msg/SceneState",
}

log = logging.getLogger(__name__)


class FoxgloveBridge:
    """ROS topics of ``node``'s graph -> a Foxglove WebSocket server on ``host:port``."""

    def __init__(self, node: Node, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 topics: dict[str, str] | None = None):
        import foxglove

        self.context = foxglove.Context()
        self.server = foxglove.start_server(name="promptbot", host=host, port=port, context=self.context)
        self.port = self.server.port
        self.channels: dict[str, object] = {}
        self.counts: dict[str, int] = {}
        for topic, type_str in (LIVE_TOPICS if topics is None else topics).items():
            try:
                schema = foxglove.Schema(name=type_str, encoding="ros2msg",
                                         data=msgdef(type_str.replace("/msg/", "/")).encode())
            except FileNotFoundError:
                log.warning("no message definition for %s: %s not served", type_str, topic)
                continue
            self.channels[topic] = foxglove.Channel(topic, schema=schema, message_encoding="cdr",
                                                    context=self.context)
            node.create_subscription(_msg_class(type_str), topic, lambda data, t=topic: self._forward(t, data),
                                     QOS.get(topic, 10), raw=True)

    def _forward(self, topic: str, data: bytes) -> None:
        self.channels[topic].log(bytes(data), log_time=time.time_ns())
        self.counts[topic] = self.counts.get(topic, 0) + 1

    def stop(self) -> None:
        self.server.stop()
