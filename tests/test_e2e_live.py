"""Live view: the Foxglove WebSocket bridge advertises the main topics and forwards CDR messages.

A minimal WebSocket client (RFC 6455 over a plain socket) speaks the Foxglove
protocol: it reads ``serverInfo`` / ``advertise``, subscribes to /planner/plan,
and checks that a TaskPlan published on the ROS graph arrives as a message frame.
"""
from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time

import pytest

pytest.importorskip("foxglove", reason="foxglove-sdk not installed (pip install -r requirements/base.txt)")

SUBPROTOCOL = "foxglove.sdk.v1"
OP_MESSAGE_DATA = 0x01


class WsClient:
    def __init__(self, port: int, timeout: float = 10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                           f"Sec-WebSocket-Protocol: {SUBPROTOCOL}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head
        assert SUBPROTOCOL.encode() in head, head

    def _exact(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        return buf

    def recv(self) -> tuple[int, bytes]:
        b0, b1 = self._exact(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._exact(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._exact(8))[0]
        return b0 & 0x0F, self._exact(n)

    def send_json(self, obj) -> None:
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        head = bytes([0x81]) + (bytes([0x80 | len(data)]) if len(data) < 126
                                else bytes([0x80 | 126]) + struct.pack(">H", len(data)))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def close(self) -> None:
        self.sock.close()


def test_bridge_advertises_topics_and_forwards_cdr(ros_node):
    from promptbot.e2e.live import LIVE_TOPICS, FoxgloveBridge
    from promptbot.ros import qos
    from promptbot_msgs.msg import TaskPlan

    bridge = FoxgloveBridge(ros_node, port=0)
    client = None
    try:
        assert bridge.port > 0
        client = WsClient(bridge.port)
        channels: dict[str, dict] = {}
        deadline = time.monotonic() + 10.0
        while set(LIVE_TOPICS) - set(channels) and time.monotonic() < deadline:
            op, data = client.recv()
            if op == 1:
                msg = json.loads(data)
                if msg.get("op") == "advertise":
                    channels.update({c["topic"]: c for c in msg["channels"]})
        assert set(LIVE_TOPICS) <= set(channels), sorted(channels)
        image = channels["/camera/color/image_raw"]
        assert image["encoding"] == "cdr" and image["schemaName"] == "sensor_msgs/msg/Image"
        assert image["schemaEncoding"] == "ros2msg" and "uint32 height" in image["schema"]
        assert channels["/perception/markers"]["schemaName"] == "visualization_msgs/msg/MarkerArray"

        client.send_json({"op": "subscribe", "subscriptions": [{"id": 7, "channelId": channels["/planner/plan"]["id"]}]})
        pub = ros_node.create_publisher(TaskPlan, "/planner/plan", qos.LATCHED)
        deadline = time.monotonic() + 15.0
        got = None
        while got is None and time.monotonic() < deadline:
            pub.publish(TaskPlan(instruction="live view check", goal="in(red_cube, blue_bowl)"))
            client.sock.settimeout(1.0)
            try:
                op, data = client.recv()
            except socket.timeout:
                continue
            if op == 2 and data[0] == OP_MESSAGE_DATA and struct.unpack("<I", data[1:5])[0] == 7:
                got = data[13:]                 # op u8, subscription id u32, log time u64, CDR payload
        assert got is not None, "no message frame for /planner/plan"
        assert b"live view check" in got and got[:2] == b"\x00\x01"    # CDR little-endian encapsulation
    finally:
        if client is not None:
            client.close()
        bridge.stop()
