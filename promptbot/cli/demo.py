"""``promptbot demo``: the main job (voice command -> finished task in the default world).

Until every component exists, it runs the most complete pipeline that exists
and says what is missing.
"""
from __future__ import annotations

import argparse
import sys

from promptbot.cli.doctor import COMPONENTS, component_status, graph_selftest


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--say", default="put the red cube in the blue bowl", help="command to speak")
    parser.add_argument("--world", default="tabletop")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    status = component_status()
    missing = [name for name, ok in status.items() if not ok]
    print("promptbot demo: components", file=sys.stderr)
    for name, ok in status.items():
        print(f"  [{'x' if ok else ' '}] {COMPONENTS[name][1]}", file=sys.stderr)
    result = graph_selftest()
    print(f"ROS graph self-test (custom messages across two processes): {'ok' if result['ok'] else 'FAILED'}",
          file=sys.stderr)
    if missing:
        print(f"MISSING for the voice-to-task demo: {', '.join(missing)}", file=sys.stderr)
    return 0 if result["ok"] else 1
