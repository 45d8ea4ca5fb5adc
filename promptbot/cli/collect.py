"""``promptbot collect``: record scripted-expert demonstrations in simulation (resumable)."""
from __future__ import annotations

import argparse
import json
import logging
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--world", default="tabletop", help="world name or YAML path (default tabletop)")
    parser.add_argument("--episodes", type=int, required=True, help="number of episodes")
    parser.add_argument("--out", required=True, help="dataset folder (created; resumed if it exists)")
    parser.add_argument("--seed", type=int, default=0, help="seed of episode 0 (episode i uses seed+i)")
    parser.add_argument("--image-size", type=int, default=96, help="square image size [px] (default 96)")
    parser.add_argument("--no-wrist", action="store_true", help="do not record the wrist camera")
    parser.add_argument("--workers", type=int, default=1, help="episodes in parallel processes (same content)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--media", type=int, default=0, metavar="N",
                        help="also write an MP4 (overlay) + MCAP of the first N episodes to OUT/media/")


def run(args: argparse.Namespace) -> int:
    from promptbot.sim.demos import collect
    from promptbot.sim.worlds import WorldError

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.episodes < 1 or not 16 <= args.image_size <= 512 or args.seed < 0 or args.workers < 1:
        print("collect: --episodes >= 1, --image-size in 16..512, --seed >= 0 and --workers >= 1 are required",
              file=sys.stderr)
        return 2
    try:
        summary = collect(args.world, args.episodes, args.out, seed0=args.seed, image_size=args.image_size,
                          wrist=not args.no_wrist, progress=not args.quiet, workers=args.workers)
    except (WorldError, ValueError) as exc:
        print(f"collect: {exc}", file=sys.stderr)
        return 2
    if args.media > 0:
        from pathlib import Path

        from promptbot.sim.recording import record_episode_media

        summary["media"] = [record_episode_media(args.world, args.seed + i,
                                                 Path(args.out) / "media" / f"ep_{i:06d}")
                            for i in range(min(args.media, args.episodes))]
    print(json.dumps(summary))
    return 0
