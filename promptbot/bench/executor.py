"""Executors: rclpy's MultiThreadedExecutor against promptbot's PoolExecutor, same load, same run.

Each run is its own process: one node, a 50 Hz timer and a subscription that a thread feeds at
100 Hz (the safety governor's command rate) for ``--duration`` seconds. Reported per executor and
thread count: timer rate [Hz] and its longest gap [s], messages taken [Hz], CPU [s per s of wall
time], and the ratios PoolExecutor / rclpy. ``promptbot.ros.executor`` says why the baseline
starves.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time

from promptbot.testing import isolated_env

TIMER_PERIOD_S = 0.02
FEED_PERIOD_S = 0.01
KINDS = ("rclpy", "pool")


def _one(kind: str, threads: int, duration: float) -> dict:
    """Measure one executor in this process (the child side)."""
    import rclpy
    from rclpy.executors import MultiThreadedExecutor
    from std_msgs.msg import Float64

    from promptbot.ros.env import init_context
    from promptbot.ros.executor import PoolExecutor

    context = init_context(dict(os.environ))
    node = rclpy.create_node("bench_executor", context=context)
    executor = (PoolExecutor if kind == "pool" else MultiThreadedExecutor)(threads, context=context)
    executor.add_node(node)
    ticks: list[float] = []
    taken: list[float] = []
    node.create_timer(TIMER_PERIOD_S, lambda: ticks.append(time.monotonic()))
    pub = node.create_publisher(Float64, "/bench_executor/x", 10)
    node.create_subscription(Float64, "/bench_executor/x", lambda m: taken.append(time.monotonic()), 100)
    threading.Thread(target=executor.spin, daemon=True).start()
    deadline = time.monotonic() + 10.0
    while pub.get_subscription_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)
    t0, c0 = time.monotonic(), time.process_time()
    sent = 0
    while time.monotonic() - t0 < duration:
        pub.publish(Float64(data=float(sent)))
        sent += 1
        time.sleep(FEED_PERIOD_S)
    wall, cpu = time.monotonic() - t0, time.process_time() - c0
    window = [t for t in ticks if t0 <= t <= t0 + wall]
    gaps = [b - a for a, b in zip([t0, *window], [*window, t0 + wall])]
    return {"executor": kind, "threads": threads, "duration_s": round(wall, 3),
            "timer_hz": round(len(window) / wall, 2), "timer_target_hz": round(1.0 / TIMER_PERIOD_S, 2),
            "timer_max_gap_s": round(max(gaps), 3),
            "sent": sent, "taken_hz": round(sum(1 for t in taken if t0 <= t <= t0 + wall) / wall, 2),
            "sent_hz": round(sent / wall, 2), "cpu_s_per_s": round(cpu / wall, 3)}


def measure(kind: str, threads: int, duration: float) -> dict:
    """Run :func:`_one` in a fresh process on an isolated graph; the child's os._exit skips a stuck shutdown."""
    code = (f"import json, os; from promptbot.bench.executor import _one; "
            f"print(json.dumps(_one({kind!r}, {threads}, {duration})), flush=True); os._exit(0)")
    out = subprocess.run([sys.executable, "-c", code], env=isolated_env(), capture_output=True, text=True,
                         timeout=duration + 60)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} x{threads} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per run (default 5)")
    parser.add_argument("--threads", type=int, nargs="+", default=[2, 4], help="pool sizes (default 2 4)")
    parser.add_argument("--json", action="store_true", help="print JSON only")


def run(args: argparse.Namespace) -> int:
    if args.duration <= 0 or any(t < 2 for t in args.threads):
        raise SystemExit("--duration must be > 0 and every --threads at least 2")
    runs = []
    for threads in args.threads:
        for kind in KINDS:
            print(f"executor: {kind} x{threads}, {args.duration:.0f} s ...", file=sys.stderr)
            runs.append(measure(kind, threads, args.duration))
    ratios = []
    for threads in args.threads:
        base, pool = (next(r for r in runs if r["executor"] == k and r["threads"] == threads) for k in KINDS)
        ratios.append({"threads": threads,
                       "timer_hz": round(pool["timer_hz"] / max(base["timer_hz"], 1e-9), 2),
                       "taken_hz": round(pool["taken_hz"] / max(base["taken_hz"], 1e-9), 2),
                       "cpu_s_per_s": round(pool["cpu_s_per_s"] / max(base["cpu_s_per_s"], 1e-9), 3)})
    report = {"benchmark": "executor", "load": {"timer_period_s": TIMER_PERIOD_S, "feed_period_s": FEED_PERIOD_S},
              "runs": runs, "ratios_pool_over_rclpy": ratios}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for r in runs:
            print(f"{r['executor']:6s} x{r['threads']}  timer {r['timer_hz']:6.1f} Hz (max gap {r['timer_max_gap_s']:.3f} s)"
                  f"  taken {r['taken_hz']:6.1f} of {r['sent_hz']:.1f} Hz  cpu {r['cpu_s_per_s']:.2f} s/s")
        for q in ratios:
            print(f"pool / rclpy x{q['threads']}: timer x{q['timer_hz']}, taken x{q['taken_hz']}, cpu x{q['cpu_s_per_s']}")
    return 0
