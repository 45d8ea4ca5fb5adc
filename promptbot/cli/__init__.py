"""The ``promptbot`` command line.

Each sub-command lives in its own module ``promptbot.cli.<module>`` with two
functions: ``add_arguments(parser)`` and ``run(args) -> int`` (the exit code).
Modules are imported only when their command runs, so ``promptbot --help``
stays fast and never imports torch or rclpy.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# command -> (module under promptbot.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "voice command -> finished task in the default simulated world"),
    "run": ("run_task", "one task end to end through the ROS graph, JSON report"),
    "plan": ("plan", "plan an instruction on a world's initial state"),
    "transcribe": ("transcribe", "transcribe a WAV file with Whisper (offline)"),
    "bench": ("bench", "run a benchmark by name: promptbot bench NAME --json"),
    "collect": ("collect", "record scripted-expert demonstrations in simulation"),
    "train": ("train", "train the VLA policy"),
    "build-policy": ("build_policy", "regenerate data, train and evaluate the VLA with DAgger rounds (resumable)"),
    "train-parser": ("train_parser", "fine-tune the LLM semantic parser (SmolLM2 + LoRA)"),
    "train-prior": ("train_prior", "distil MCTS into the planner's learned prior and value (expert iteration)"),
    "export": ("export", "export the VLA policy (ONNX, TensorRT)"),
    "eval-policy": ("eval_policy", "evaluate the VLA policy in simulation"),
    "up": ("up", "start the promptbot ROS graph (sim or robot) without ros2 launch"),
    "live": ("live", "serve a running graph's topics to Foxglove over a WebSocket (ws://localhost:8765)"),
    "doctor": ("doctor", "show what is installed and which components are available"),
}


def _load(name: str):
    module_name, _ = COMMANDS[name]
    try:
        return importlib.import_module(f"promptbot.cli.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"promptbot.cli.{module_name}":
            return None
        raise


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="promptbot",
        description="Prompt a robot like an LLM: ROS 2 speech, perception, planning and policy.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == selected:
            module = _load(name)
            if module is not None:
                module.add_arguments(p)
            else:
                p.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _version() -> str:
    from promptbot import __version__

    return f"promptbot {__version__}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    selected = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(selected if selected in COMMANDS else None)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    module = _load(args.command)
    if module is None:
        print(f"promptbot {args.command}: not available yet in this version.", file=sys.stderr)
        return 2
    try:
        return int(module.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
