"""``promptbot doctor``: what is installed, which components exist, and a ROS graph self-test."""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys

# component -> (module that implements it, what it is)
COMPONENTS = {
    "interfaces": ("promptbot_msgs.msg", "promptbot_msgs built into this Python"),
    "sim": ("promptbot.nodes.sim_node", "PyBullet worlds + sim node"),
    "tasks": ("promptbot.tasks", "task library"),
    "speech": ("promptbot.nodes.speech_node", "Whisper speech node"),
    "planner": ("promptbot.nodes.planner_node", "MCTS-over-LLM planner node"),
    "perception": ("promptbot.nodes.perception_node", "RGB-D perception node"),
    "policy": ("promptbot.nodes.vla_node", "VLA policy node"),
    "safety": ("promptbot.nodes.safety_node", "safety governor node"),
}
PACKAGES = ["rclpy", "torch", "pybullet", "faster_whisper", "onnxruntime", "transformers", "cv2", "mcap"]
TOOLS = ["espeak-ng", "sox", "ffmpeg", "cmake", "chromium"]


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def component_status() -> dict[str, bool]:
    return {name: _has(module) for name, (module, _) in COMPONENTS.items()}


def graph_selftest(timeout: float = 20.0) -> dict:
    """Start the selftest node in a subprocess and call its service from here."""
    import rclpy

    from promptbot.ros.env import init_context
    from promptbot.testing import NodeProcess, isolated_env
    from promptbot_msgs.srv import CheckTask

    env = isolated_env()
    with NodeProcess("promptbot.ros.selftest", env=env) as proc:
        ctx = init_context(env)
        node = rclpy.create_node("promptbot_doctor", context=ctx)
        try:
            client = node.create_client(CheckTask, "/selftest/check")
            if not client.wait_for_service(timeout_sec=timeout):
                return {"ok": False, "error": "selftest node not discovered", "log": proc.output()[-1000:]}
            future = client.call_async(CheckTask.Request(goal="true"))
            from rclpy.executors import SingleThreadedExecutor

            ex = SingleThreadedExecutor(context=ctx)
            ex.add_node(node)
            ex.spin_until_future_complete(future, timeout_sec=timeout)
            ok = future.done() and future.result().success
            return {"ok": bool(ok)}
        finally:
            node.destroy_node()
            rclpy.try_shutdown(context=ctx)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--graph", action="store_true", help="also run a two-process ROS graph self-test")
    parser.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    report = {
        "python": sys.version.split()[0],
        "components": component_status(),
        "packages": {p: _has(p) for p in PACKAGES},
        "tools": {t: shutil.which(t) is not None for t in TOOLS},
        "dds_profile": os.environ.get("FASTRTPS_DEFAULT_PROFILES_FILE", "(set by promptbot at start)"),
    }
    if args.graph:
        report["graph_selftest"] = graph_selftest()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, ok in report["components"].items():
            print(f"  [{'x' if ok else ' '}] {name:11s} {COMPONENTS[name][1]}")
        missing = [k for k, v in {**report["packages"], **report["tools"]}.items() if not v]
        print("packages/tools missing: " + (", ".join(missing) if missing else "none"))
        if args.graph:
            print(f"ROS graph self-test: {'ok' if report['graph_selftest']['ok'] else 'FAILED'}")
    return 0 if not args.graph or report["graph_selftest"]["ok"] else 1
