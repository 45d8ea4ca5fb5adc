"""One side of the image transport benchmark: ``--role pub`` or ``--role sub``.

pub: waits for a subscriber, publishes ``rate * duration`` 640x480 rgb8 frames
stamped with the wall clock, prints a JSON line ``{"published": N, "cpu_s": ...}``.
sub: receives until it has every frame, or no frame came for ``IDLE_END_S`` after the
first, or SIGINT/SIGTERM; then prints a JSON line with the count and per-frame
latencies [ms] (receive wall time - stamp; both processes share a clock). The line is
printed before the ROS context shuts down: a DDS shutdown that stalls (stale shared
memory segments of killed processes) must not lose the measurement.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image

from promptbot.ros.image import image_to_numpy, numpy_to_image

TOPIC = "/bench/image"
IDLE_END_S = 3.0                 # [s] the subscriber ends this long after the last frame


def qos(reliability: str) -> QoSProfile:
    rel = ReliabilityPolicy.RELIABLE if reliability == "reliable" else ReliabilityPolicy.BEST_EFFORT
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=5, reliability=rel)


def stamp_now(msg: Image) -> None:
    t = time.time_ns()
    msg.header.stamp.sec, msg.header.stamp.nanosec = divmod(t, 1_000_000_000)


def run_pub(args) -> dict:
    node = rclpy.create_node("bench_image_pub")
    pub = node.create_publisher(Image, TOPIC, qos(args.reliability))
    deadline = time.monotonic() + 20.0
    while pub.get_subscription_count() == 0:
        if time.monotonic() > deadline:
            raise TimeoutError("no subscriber matched within 20 s")
        rclpy.spin_once(node, timeout_sec=0.05)
    time.sleep(0.5)  # let the reader's side of discovery settle too
    frame = np.random.default_rng(0).integers(0, 255, (args.height, args.width, 3), dtype=np.uint8)
    n = int(round(args.rate * args.duration))
    period = 1.0 / args.rate
    cpu0, t0 = time.process_time(), time.monotonic()
    for i in range(n):
        frame[0, 0, 0] = i % 256
        msg = numpy_to_image(frame, "rgb8", frame_id=str(i))
        stamp_now(msg)
        pub.publish(msg)
        next_t = t0 + (i + 1) * period
        time.sleep(max(0.0, next_t - time.monotonic()))
    wall = time.monotonic() - t0
    time.sleep(0.5)
    node.destroy_node()
    return {"published": n, "cpu_percent": 100.0 * (time.process_time() - cpu0) / wall, "wall_s": wall}


def run_sub(args) -> dict:
    node = rclpy.create_node("bench_image_sub")
    latencies: list[float] = []
    seen: set[str] = set()
    first = [None]

    def on_image(msg: Image) -> None:
        now = time.time_ns()
        image_to_numpy(msg)  # the zero-copy view a consumer would take
        stamp = msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec
        latencies.append((now - stamp) / 1e6)
        seen.add(msg.header.frame_id)
        if first[0] is None:
            first[0] = (time.monotonic(), time.process_time())

    node.create_subscription(Image, TOPIC, on_image, qos(args.reliability))
    print(json.dumps({"ready": True}), flush=True)
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    expected = int(round(args.rate * args.duration))
    count, last_t = 0, time.monotonic()
    try:
        while len(seen) < expected:
            executor.spin_once(timeout_sec=0.1)
            if len(latencies) != count:
                count, last_t = len(latencies), time.monotonic()
            elif count and time.monotonic() - last_t > IDLE_END_S:
                break
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    wall = time.monotonic() - first[0][0] if first[0] else 0.0
    cpu = time.process_time() - first[0][1] if first[0] else 0.0
    return {
        "received": len(seen),
        "latencies_ms": latencies,
        "cpu_percent": 100.0 * cpu / wall if wall > 0 else 0.0,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--role", choices=["pub", "sub"], required=True)
    p.add_argument("--reliability", choices=["reliable", "best_effort"], default="reliable")
    p.add_argument("--rate", type=float, default=30.0)
    p.add_argument("--duration", type=float, default=10.0)
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=480)
    args = p.parse_args(argv)
    rclpy.init()
    try:
        out = run_pub(args) if args.role == "pub" else run_sub(args)
        print(json.dumps(out), flush=True)
    finally:
        rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
