"""``promptbot up sim|robot``: start the ROS graph from config/graph.yaml without ros2 launch.

Each node runs as its own process with the parameter file and respawn settings
of config/graph.yaml (the launch files read the same file), logs go to
``runs/up-<time>/logs/<node>.log``, Ctrl-C stops everything cleanly.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from pathlib import Path

from promptbot.graph import GraphError, graph_names
from promptbot.supervisor import Supervisor, node_processes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("graph", choices=graph_names(), help="which graph of config/graph.yaml to start")
    parser.add_argument("--log-dir", type=Path, default=None, help="per-node logs (default runs/up-<time>/logs)")
    parser.add_argument("--only", default="", help="comma-separated subset of nodes to start")
    parser.add_argument("--domain-id", type=int, default=None, help="ROS_DOMAIN_ID for the graph")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NODE.NAME:=VALUE",
                        help="override a node parameter, e.g. sim.world:=clutter")
    parser.add_argument("--remap", action="append", default=[], metavar="ARG:=TOPIC",
                        help="robot graph: remap a topic argument, e.g. camera_color_topic:=/rs/color")


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
    try:
        while not stop:
            sup.poll()
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    codes = sup.stop()
    print(f"promptbot up: stopped ({', '.join(f'{k}={v}' for k, v in codes.items())})", file=sys.stderr)
    return 0
