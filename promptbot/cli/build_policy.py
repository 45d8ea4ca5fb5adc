"""``promptbot build-policy``: regenerate the VLA's data from seeds, train, evaluate, run DAgger rounds.

Resumable and cached by configuration (``promptbot.policy.build``): run it again after an
interruption, or with a changed setting, and only what is missing or depends on the change runs.

    promptbot build-policy                       # the cpu preset (docs/policy.md: sizes and times)
    promptbot build-policy --preset smoke        # a few episodes: the wiring in about two minutes
    promptbot build-policy --set dagger_rounds=3 --set workers=2 --install
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from promptbot.policy.build import PRESETS

    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override one BuildConfig setting (repeatable), e.g. dagger_rounds=3, takeover_s=0.5,6")
    parser.add_argument("--cache", type=Path, default=Path("data/policy_build"),
                        help="stage folders and report.json (default %(default)s)")
    parser.add_argument("--install", action="store_true", help="copy the best round's checkpoint to models/")
    parser.add_argument("--show", action="store_true", help="print the resolved configuration and stop")
    parser.add_argument("--json", action="store_true", help="print the report as JSON (no progress bars)")


def run(args: argparse.Namespace) -> int:
    import logging
    from dataclasses import asdict

    from promptbot.policy.build import build_policy, config_from

    overrides = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            print(f"build-policy: --set needs NAME=VALUE, got {item!r}", file=sys.stderr)
            return 2
        overrides[name.strip()] = value.strip()
    try:
        cfg = config_from(args.preset, overrides)
    except ValueError as exc:
        print(f"build-policy: {exc}", file=sys.stderr)
        return 2
    if args.show:
        print(json.dumps(asdict(cfg), indent=1))
        return 0
    logging.basicConfig(level=logging.INFO, format="[build-policy] %(message)s")
    report = build_policy(cfg, args.cache, progress=not args.json, install=args.install)
    if args.json:
        print(json.dumps(report, indent=1, default=str))
    else:
        for r in report["rounds"]:
            per = ", ".join(f"{s} {v:.0%}" for cond in r["results"].values() for s, v in cond.items())
            print(f"round {r['round']}: success {r['success']:.1%} ({per})")
        print(f"best: round {report['best_round']} -> {report['best_checkpoint']}; report: {args.cache}/report.json")
    return 0
