"""``promptbot demo``: the main job. A spoken command carried out in the default simulated world.

Brings up the graph, speaks the command with espeak-ng into the speech node (or
plays ``--audio``, or listens on ``--mic``), shows the stages live (heard ->
understood -> planned -> executing step k/n -> verified) and writes
runs/<time>/ (episode.mp4, recording.mcap, plan_tree.svg, report.md/json/html).
Exit code 0 only on success.
"""
from __future__ import annotations

import argparse
import sys

from promptbot.cli.run_task import add_common, options

DEFAULT_COMMAND = "put the red cube in the blue bowl"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    src = parser.add_mutually_exclusive_group()
    src.add_argument("--say", default=None, help=f"command to speak (default: {DEFAULT_COMMAND!r})")
    src.add_argument("--audio", default=None, help="a WAV file with the spoken command")
    src.add_argument("--mic", action="store_true", help="listen on the microphone (needs sounddevice)")
    add_common(parser)
    parser.set_defaults(seed=1)   # tabletop seed 1 has a red cube and a blue bowl (the default command)


def run(args: argparse.Namespace) -> int:
    from promptbot.e2e.runner import run_episode

    if args.mic:
        print("promptbot demo --mic: use `promptbot up sim -p speech.source:=microphone` and speak; "
              "the planner acts on confident transcripts", file=sys.stderr)
        return 2
    if args.say is None and args.audio is None:
        args.say = DEFAULT_COMMAND
    opts = options(args, live=True)
    print(f"promptbot demo: world {opts.world!r}, seed {opts.seed}, executor {opts.executor}; "
          f"command: {args.say or args.audio!r}", file=sys.stderr)
    try:
        report = run_episode(opts)
    except (RuntimeError, TimeoutError, FileNotFoundError) as exc:
        print(f"promptbot demo FAILED: {exc} (logs in {opts.out_dir}/logs)", file=sys.stderr)
        return 1
    verdict = "SUCCESS" if report.get("success") else "FAILED"
    print(f"\n{verdict}. Run folder: {report['run_dir']} (open report.html)", file=sys.stderr)
    return 0 if report.get("success") else 1
