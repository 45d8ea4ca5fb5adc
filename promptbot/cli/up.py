"""``promptbot up sim|robot``: start the ROS graph from config/graph.yaml without ros2 launch.

Each node runs as its own process with the parameter file and respawn settings
of config/graph.yaml (the launch files read the same file), logs go to
``runs/up-<time>/logs/<node>.log``, Ctrl-C stops everything cleanly.
"""
from __future__ import annotations

import argparse
import importlib.util
import logging
import signal
import sys
import time
from pathlib import Path

from promptbot.graph import GraphError, graph_names, graph_remaps, load_graph
from promptbot.ros.env import graph_env
from promptbot.supervisor import ProcSpec, Supervisor


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("graph", choices=graph_names(), help="which graph of config/graph.yaml to start")
    parser.add_argument("--log-dir", type=Path, default=None, help="per-node logs (default runs/up-<time>/logs)")
    parser.add_argument("--only", default="", help="comma-separated subset of nodes to start")
    parser.add_argument("--domain-id", type=int, default=None, help="ROS_DOMAIN_ID for the graph")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NODE.NAME:=VALUE",
                        help="override a node parameter, e.g. sim.world:=clutter")
    parser.add_argument("--remap", action="append", default=[], metavar="ARG:=TOPIC",
                        help="robot graph: remap a topic argument, e.g. camera_color_topic:=/rs/color")


def node_processes(graph: str, only: set[str] | None = None, params: list[str] = (),
                   remaps: list[str] = (), domain_id: int | None = None,
                   env_base: dict | None = None) -> tuple[list[ProcSpec], list[str]]:
    """Process specs for a graph, plus the names of nodes that are not built yet."""
    overrides: dict[str, dict[str, str]] = {}
    for item in params:
        key, sep, value = item.partition(":=")
        node, dot, name = key.partition(".")
        if not sep or not dot or not name:
            raise GraphError(f"bad parameter override {item!r}; use NODE.NAME:=VALUE")
        overrides.setdefault(node, {})[name] = value
    known_remaps = graph_remaps(graph)
    remap_args = []
    for item in remaps:
        arg, sep, topic = item.partition(":=")
        if not sep or arg not in known_remaps:
            raise GraphError(f"bad remap {item!r}; known arguments: {', '.join(known_remaps) or 'none'}")
        remap_args += ["-r", f"{known_remaps[arg]}:={topic}"]
    specs, missing = [], []
    env = graph_env(domain_id=domain_id, base=env_base)
    nodes = load_graph(graph)
    unknown = (only or set()) - {n.name for n in nodes}
    if unknown:
        raise GraphError(f"graph {graph!r} has no node(s) {sorted(unknown)}")
    for node in nodes:
        if only and node.name not in only:
            continue
        if importlib.util.find_spec(node.module) is None:
            missing.append(node.name)
            continue
        argv = [sys.executable, "-m", node.module, *node.ros_args(overrides.get(node.name)), *remap_args]
        specs.append(ProcSpec(node.name, argv, env, node.respawn, node.respawn_delay))
    return specs, missing


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
