"""``promptbot up sim|robot``: start the ROS graph from config/graph.yaml without ros2 launch.

Each node runs as its own process with the parameter file and respawn settings
of config/graph.yaml (the launch files read the same file), logs go to
``runs/up-<time>/logs/<node>.log``, Ctrl-C stops everything cleanly.

Readiness: every second each node's ``/<node>/health`` service is probed
(:mod:`promptbot.ros.health`); "graph ready" is printed once every node answered ready
(the planner's LLM and the speech model loaded), and after a respawn the time until that
node answered ready again. ``runs/up-<time>/health.json`` holds the current state (rewritten
at each probe): per node answered / ready / message, the first time-to-ready and every
recovery. ``--no-health`` turns the probes off.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

from promptbot.graph import GraphError, graph_names
from promptbot.supervisor import Supervisor, node_processes

PROBE_PERIOD_S = 1.0          # health probe period [s]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("graph", choices=graph_names(), help="which graph of config/graph.yaml to start")
    parser.add_argument("--log-dir", type=Path, default=None, help="per-node logs (default runs/up-<time>/logs)")
    parser.add_argument("--only", default="", help="comma-separated subset of nodes to start")
    parser.add_argument("--domain-id", type=int, default=None, help="ROS_DOMAIN_ID for the graph")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NODE.NAME:=VALUE",
                        help="override a node parameter, e.g. sim.world:=clutter")
    parser.add_argument("--remap", action="append", default=[], metavar="ARG:=TOPIC",
                        help="robot graph: remap a topic argument, e.g. camera_color_topic:=/rs/color")
    parser.add_argument("--no-health", action="store_true",
                        help="do not probe the nodes' health services (no readiness, no health.json)")


class _Watch:
    """The health probes of ``promptbot up``: an rclpy node of its own on the graph's domain."""

    def __init__(self, sup: Supervisor, env: dict[str, str], out: Path):
        import threading

        import rclpy
        from promptbot.ros.env import init_context
        from promptbot.ros.executor import make_executor
        from promptbot.ros.health import GraphWatch

        self.out = out
        self.context = init_context(env)
        self.node = rclpy.create_node(f"promptbot_up_{os.getpid()}", context=self.context)
        self.executor = make_executor(2, context=self.context)
        self.executor.add_node(self.node)
        threading.Thread(target=self.executor.spin, daemon=True).start()
        self.watch = GraphWatch(self.node, sup)

    def step(self) -> None:
        for event in self.watch.step():
            print(f"promptbot up: {event}", file=sys.stderr, flush=True)
        tmp = self.out.with_name(self.out.name + ".tmp")
        tmp.write_text(json.dumps(self.watch.readiness.summary(), indent=2))
        os.replace(tmp, self.out)

    def close(self) -> None:
        import rclpy

        self.executor.shutdown(timeout_sec=2.0)
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="[up] %(message)s")
    only = {n for n in args.only.split(",") if n} or None
    try:
        specs, missing = node_processes(args.graph, only, args.param, args.remap, args.domain_id)
    except GraphError as exc:
        print(f"promptbot up: {exc}", file=sys.stderr)
        return 2
    if missing:
        print(f"promptbot up: not built yet, skipped: {', '.join(missing)}", file=sys.stderr)
    if not specs:
        print("promptbot up: no node to start", file=sys.stderr)
        return 1
    log_dir = args.log_dir or Path("runs") / time.strftime("up-%Y%m%d-%H%M%S") / "logs"
    sup = Supervisor(specs, log_dir)
    print(f"promptbot up {args.graph}: {', '.join(s.name for s in specs)}; logs in {log_dir}", file=sys.stderr)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    sup.start()
    watch = None
    if not args.no_health:
        watch = _Watch(sup, specs[0].env, log_dir.parent / "health.json")
        print(f"promptbot up: readiness in {watch.out}", file=sys.stderr)
    next_probe = time.monotonic()
    try:
        while not stop:
            sup.poll()
            if watch is not None and time.monotonic() >= next_probe:
                watch.step()
                next_probe = time.monotonic() + PROBE_PERIOD_S
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        if watch is not None:
            watch.close()
    codes = sup.stop()
    print(f"promptbot up: stopped ({', '.join(f'{k}={v}' for k, v in codes.items())})", file=sys.stderr)
    return 0
