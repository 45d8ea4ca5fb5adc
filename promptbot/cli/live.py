"""``promptbot live``: serve a running graph's topics over a Foxglove WebSocket (ws://localhost:8765).

Start the graph in one terminal (``promptbot up sim``), this in another with the same
``ROS_DOMAIN_ID``, then open the Foxglove app and connect to ``ws://localhost:8765``.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765                  # Foxglove's default WebSocket port


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default: localhost only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="WebSocket port")
    parser.add_argument("--domain-id", type=int, default=None,
                        help="ROS_DOMAIN_ID of the graph (default: $ROS_DOMAIN_ID or 0)")


def run(args: argparse.Namespace) -> int:
    import importlib.util

    if importlib.util.find_spec("foxglove") is None:
        print("promptbot live: foxglove-sdk is not installed (pip install -r requirements/base.txt)", file=sys.stderr)
        return 2
    import rclpy
    from rclpy.executors import SingleThreadedExecutor

    from promptbot.e2e.live import FoxgloveBridge
    from promptbot.ros.env import graph_env, init_context

    env = graph_env(domain_id=args.domain_id)
    context = init_context({**env, "ROS_DOMAIN_ID": str(args.domain_id if args.domain_id is not None
                                                       else os.environ.get("ROS_DOMAIN_ID", "0"))})
    node = rclpy.create_node("promptbot_live", context=context)
    bridge = FoxgloveBridge(node, host=args.host, port=args.port)
    print(f"promptbot live: serving {len(bridge.channels)} topics on ws://{args.host}:{bridge.port} "
          f"(ROS_DOMAIN_ID {context.get_domain_id()}); Ctrl-C stops", file=sys.stderr, flush=True)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(node)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):      # after rclpy.init, which installs its own handler
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.wait(0.2) and spinner.is_alive():
            pass
    finally:
        bridge.stop()
        executor.shutdown(timeout_sec=1.0)
        node.destroy_node()
        rclpy.try_shutdown(context=context)
    return 0

