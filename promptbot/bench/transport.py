"""Image transport: 640x480 rgb8 at 30 Hz between two processes (reliable and best effort).

Reports per QoS: received rate [Hz], frames lost, mean / p50 / p99 latency [ms]
and CPU of each process [% of one core]. Target: 30 Hz received, p99 <= 10 ms
with the shipped Fast DDS profile (config/fastdds.xml). ``--no-profile`` runs
with Fast DDS's default transports as the baseline.
"""
from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time

import numpy as np

from promptbot.testing import isolated_env

PEER = "promptbot.bench._transport_peer"


def measure(reliability: str, duration: float, rate: float, use_profile: bool = True,
            width: int = 640, height: int = 480) -> dict:
    """Run one publisher/subscriber pair and return the measured numbers."""
    env = isolated_env()
    if not use_profile:
        env.pop("FASTRTPS_DEFAULT_PROFILES_FILE", None)
        env.pop("FASTDDS_DEFAULT_PROFILES_FILE", None)
    common = ["--reliability", reliability, "--rate", str(rate), "--duration", str(duration),
              "--width", str(width), "--height", str(height)]
    sub = subprocess.Popen([sys.executable, "-m", PEER, "--role", "sub", *common], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = sub.stdout.readline()
        if '"ready"' not in ready:
            raise RuntimeError(f"subscriber failed to start: {sub.stderr.read()[-2000:]}")
        pub = subprocess.run([sys.executable, "-m", PEER, "--role", "pub", *common], env=env,
                             capture_output=True, text=True, timeout=duration + 60)
        if pub.returncode != 0:
            raise RuntimeError(f"publisher failed: {pub.stderr[-2000:]}")
        pub_out = json.loads(pub.stdout.strip().splitlines()[-1])
    finally:
        try:      # the subscriber ends by itself once it has every frame (or after a quiet spell)
            out, err = sub.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            sub.send_signal(signal.SIGINT)
            try:
                out, err = sub.communicate(timeout=20)
            except subprocess.TimeoutExpired:  # a subscriber flooded with fragments may not stop: kill it
                sub.kill()
                out, err = sub.communicate(timeout=10)
    lines = [ln for ln in out.strip().splitlines() if '"received"' in ln]
    try:
        sub_out = json.loads(lines[-1])
        if "received" not in sub_out:
            raise ValueError
    except (IndexError, ValueError):
        return {"qos": reliability, "dds_profile": use_profile, "resolution": f"{width}x{height}",
                "published": pub_out["published"], "received": None, "lost": None, "received_rate_hz": 0.0,
                "latency_mean_ms": None, "latency_p50_ms": None, "latency_p99_ms": None,
                "cpu_pub_percent": pub_out["cpu_percent"], "cpu_sub_percent": None,
                "error": "subscriber did not shut down cleanly; no measurement"}
    lat = np.asarray(sub_out["latencies_ms"], dtype=float)
    received = sub_out["received"]
    return {
        "qos": reliability,
        "dds_profile": use_profile,
        "resolution": f"{width}x{height}",
        "published": pub_out["published"],
        "received": received,
        "lost": pub_out["published"] - received,
        "received_rate_hz": received / pub_out["wall_s"],
        "latency_mean_ms": float(lat.mean()) if lat.size else None,
        "latency_p50_ms": float(np.percentile(lat, 50)) if lat.size else None,
        "latency_p99_ms": float(np.percentile(lat, 99)) if lat.size else None,
        "cpu_pub_percent": pub_out["cpu_percent"],
        "cpu_sub_percent": sub_out["cpu_percent"],
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run (default 10)")
    parser.add_argument("--rate", type=float, default=30.0, help="frames per second (default 30)")
    parser.add_argument("--baseline", action="store_true", help="also run without the DDS profile")
    parser.add_argument("--json", action="store_true", help="print JSON only")


def run(args: argparse.Namespace) -> int:
    runs = []
    for use_profile in ([True, False] if args.baseline else [True]):
        for rel in ("reliable", "best_effort"):
            print(f"transport: {rel}, profile={'shipped' if use_profile else 'default'}, "
                  f"{args.duration:.0f} s ...", file=sys.stderr)
            runs.append(measure(rel, args.duration, args.rate, use_profile))
    target = {"received_rate_hz": ">= 29.5", "latency_p99_ms": "<= 10"}
    shipped = [r for r in runs if r["dds_profile"]]
    met = all(r["received_rate_hz"] >= 0.98 * args.rate and (r["latency_p99_ms"] or 1e9) <= 10.0 for r in shipped)
    report = {"benchmark": "transport", "runs": runs, "target": target, "target_met": met}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        def ms(v):
            return "   n/a" if v is None else f"{v:6.2f}"

        for r in runs:
            print(f"{r['qos']:12s} profile={r['dds_profile']!s:5s} {r['received_rate_hz']:5.1f} Hz "
                  f"lost={r['lost'] if r['lost'] is not None else 'n/a'!s:>3s} mean={ms(r['latency_mean_ms'])} ms p99={ms(r['latency_p99_ms'])} ms "
                  f"cpu pub/sub={r['cpu_pub_percent']:.0f}/{r['cpu_sub_percent'] or 0:.0f} %")
        print("target met" if met else "target NOT met")
    return 0
