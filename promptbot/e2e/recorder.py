"""Record the graph's topics to MCAP (raw CDR, Foxglove-openable) and the camera to MP4.

Subscriptions use ``raw=True``: messages are written exactly as serialised on the
wire, with "ros2msg" schemas from the installed message definitions.

Nothing lost on a crash: the writer closes its chunk and flushes the file to the OS at least
every ``FLUSH_PERIOD_S`` (and at ``CHUNK_SIZE_B``), so after a SIGKILL of the whole graph the
recording holds everything up to its last complete chunk; :func:`read_recording` reads such a
file (no summary section, a truncated tail) as far as it goes.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rclpy.node import Node

from promptbot.ros import qos
from promptbot.sim.recording import msgdef, overlay

FLUSH_PERIOD_S = 1.0               # a chunk is closed and written at least this often [s]
CHUNK_SIZE_B = 1024 * 1024         # ... and when it holds this many bytes (the mcap default) [B]

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

    def __init__(self, node: Node, out_dir: Path, video_fps: float = 10.0, video: bool = True,
                 topics: dict[str, str] | None = None, filename: str = "recording.mcap"):
        from mcap.writer import Writer

        self.out_dir = Path(out_dir)
        self.path = self.out_dir / filename
        self._node = node
        self._subs: list = []
        self._lock = threading.Lock()
        self._file = open(self.path, "wb")   # Writer.flush() flushes it to the OS
        self._writer = Writer(self._file, chunk_size=CHUNK_SIZE_B)
        self._writer.start(profile="ros2", library="promptbot")
        self._last_flush = time.monotonic()
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
        for topic, type_str in (TOPICS if topics is None else topics).items():
            try:
                schema = self._writer.register_schema(name=type_str, encoding="ros2msg",
                                                      data=msgdef(type_str.replace("/msg/", "/")).encode())
            except FileNotFoundError:
                continue
            self._channels[topic] = self._writer.register_channel(topic=topic, message_encoding="cdr",
                                                                  schema_id=schema)
            self._subs.append(node.create_subscription(
                _msg_class(type_str), topic, lambda data, t=topic: self._on_raw(t, data), QOS.get(topic, 10), raw=True))
        if self._video is not None:
            self._subs.append(node.create_subscription(_msg_class("sensor_msgs/msg/Image"), "/camera/color/image_raw",
                                                       self._on_image, qos.SENSOR_IMAGE))
        self._timer = node.create_timer(FLUSH_PERIOD_S, self.flush)    # quiet topics: the chunk still closes

    def flush(self) -> None:
        """Close the chunk in progress and hand it to the OS (survives a SIGKILL of this process)."""
        with self._lock:
            if not self._closed:
                self._writer.flush()
                self._last_flush = time.monotonic()

    def _on_raw(self, topic: str, data: bytes) -> None:
        now = time.time_ns()
        with self._lock:
            if self._closed:
                return
            self._writer.add_message(channel_id=self._channels[topic], log_time=now, publish_time=now,
                                     data=bytes(data), sequence=self.counts.get(topic, 0))
            self.counts[topic] = self.counts.get(topic, 0) + 1
            if time.monotonic() - self._last_flush >= FLUSH_PERIOD_S:
                self._writer.flush()
                self._last_flush = time.monotonic()

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
            if self._closed:
                return dict(self.counts)
            self._closed = True
            self._writer.finish()
            self._file.close()
            if self._video is not None:
                self._video.close()
        try:                       # a recorder closed while the graph goes on (the soak rotates files)
            self._node.destroy_timer(self._timer)
            for sub in self._subs:
                self._node.destroy_subscription(sub)
        except Exception:  # noqa: BLE001 - the node may already be destroyed (end of a run)
            pass
        return dict(self.counts)


@dataclass
class RecordingSummary:
    """What :func:`read_recording` could read: messages per topic up to the last complete chunk."""
    messages: dict[str, int] = field(default_factory=dict)
    chunks: int = 0
    complete: bool = False           # the file ends with its footer (closed cleanly)
    error: str = ""                  # why reading stopped early ("" when complete)

    @property
    def total(self) -> int:
        return sum(self.messages.values())


def read_recording(path: str | Path) -> RecordingSummary:
    """Read an MCAP recording with the ``mcap`` library as far as it is whole.

    A graph killed mid-run leaves no summary section and possibly half a chunk at the end:
    the records are read in order and reading stops at the first one that is cut off or
    corrupt; every message of the complete chunks before it is counted.
    """
    from mcap.records import Channel, Chunk, Footer, Message
    from mcap.stream_reader import StreamReader, breakup_chunk

    out = RecordingSummary()
    topics: dict[int, str] = {}
    with open(path, "rb") as fh:
        reader = StreamReader(fh, emit_chunks=True, validate_crcs=True)
        try:
            for record in reader.records:
                if isinstance(record, Channel):
                    topics[record.id] = record.topic
                elif isinstance(record, Chunk):
                    inner = breakup_chunk(record, validate_crc=True)
                    out.chunks += 1
                    for r in inner:
                        if isinstance(r, Channel):
                            topics[r.id] = r.topic
                        elif isinstance(r, Message):
                            topic = topics.get(r.channel_id, str(r.channel_id))
                            out.messages[topic] = out.messages.get(topic, 0) + 1
                elif isinstance(record, Footer):
                    out.complete = True
        except Exception as exc:  # noqa: BLE001 - a truncated tail raises EndOfFile, struct or zstd errors
            out.error = f"{type(exc).__name__}: {exc}"
    return out
