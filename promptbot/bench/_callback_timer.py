"""Run a node as a normal process and time one of its callbacks in that process.

``python -m promptbot.bench._callback_timer OUT.json MODULE CLASS.METHOD [node arguments...]``

e.g. ``... /tmp/t.json promptbot.nodes.safety_node SafetyNode._on_twist --ros-args --params-file ...``

The node module is named by a string and imported in the child process only, so a benchmark
needs no import of ``promptbot.nodes``. The method is wrapped before the node is built, so
every call the executor makes is timed with the node's real subscriptions, publishers and
matched subscribers (message in -> the node's work -> messages published). When the node
exits (SIGINT), the durations [s] are written to OUT as ``{"durations_s": [...], "cpu_s": [...]}``:
wall time, and the calling thread's CPU time (without the time the process was preempted).
"""
from __future__ import annotations

import functools
import importlib
import json
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 3 or "." not in argv[2]:
        raise SystemExit("usage: python -m promptbot.bench._callback_timer OUT.json MODULE CLASS.METHOD [args...]")
    out, module_name, target, *node_args = argv
    module = importlib.import_module(module_name)
    cls_name, method_name = target.split(".", 1)
    cls = getattr(module, cls_name)
    original = getattr(cls, method_name)
    durations: list[float] = []
    cpu: list[float] = []

    @functools.wraps(original)
    def timed(self, *args, **kwargs):
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            durations.append(time.perf_counter() - t0)
            cpu.append(time.thread_time() - c0)

    setattr(cls, method_name, timed)
    sys.argv = [module_name, *node_args]          # the node's main() parses --ros-args from sys.argv
    try:
        module.main()
    finally:
        Path(out).write_text(json.dumps({"durations_s": durations, "cpu_s": cpu}))


if __name__ == "__main__":
    main()
