"""``promptbot run --world W --seed N (--say TEXT | --audio FILE | --text TEXT) --json``.

One task end to end through the ROS graph (sim, safety, perception, speech,
policy, planner as separate processes). The JSON report on stdout is a stable
contract for evaluation scripts: keys ``success``, ``transcript``, ``plan``,
``result``, ``ground_truth_check``, ``latency_s``, ``timeline``, ``run_dir``.
Exit code 0 only when the task succeeded and the goal holds in the simulator.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from promptbot.e2e.runner import DEFAULT_EXECUTOR


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--world", default="tabletop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--executor", choices=["vla", "expert"], default=DEFAULT_EXECUTOR,
                        help="who executes skills: 'vla' (default) = the VLA policy node (cameras and joint "
                             "states, with its servo on perception's detections, through the safety governor; "
                             "models/MODEL_CARD.md) or 'expert' = the scripted expert inside the sim node "
                             "(privileged: reads simulator truth, not through the governor; a sim-only baseline)")
    parser.add_argument("--out", type=Path, default=None, help="run folder (default runs/<time>)")
    parser.add_argument("--timeout", type=float, default=600.0, help="task time limit [s]")
    parser.add_argument("--speak", action="store_true", help="answer by voice (espeak-ng)")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NODE.NAME:=VALUE",
                        help="extra node parameter, e.g. planner.simulations:=64")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--say", help="speak this command with espeak-ng into the speech node")
    src.add_argument("--audio", type=Path, help="a WAV file with the spoken command")
    src.add_argument("--text", help="a typed command (skips speech)")
    add_common(parser)
    parser.add_argument("--json", action="store_true", help="JSON report on stdout")


def options(args: argparse.Namespace, live: bool):
    from promptbot.e2e.runner import RunOptions

    out = args.out or Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    return RunOptions(world=args.world, seed=args.seed, text=getattr(args, "text", None),
                      say=getattr(args, "say", None), audio=getattr(args, "audio", None), executor=args.executor,
                      out_dir=out, timeout_s=args.timeout, live=live, speak_replies=args.speak,
                      extra_params=list(args.param))


def run(args: argparse.Namespace) -> int:
    import logging

    from promptbot.e2e.runner import run_episode

    logging.basicConfig(level=logging.WARNING)
    try:
        report = run_episode(options(args, live=not args.json))
    except (RuntimeError, TimeoutError, FileNotFoundError) as exc:
        report = {"success": False, "error": str(exc)}
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(f"{'SUCCESS' if report.get('success') else 'FAILED'}: {report.get('run_dir', '')}"
              + (f" ({report['error']})" if report.get("error") else ""))
    return 0 if report.get("success") else 1
