"""``promptbot train --data DIR [DIR ...]``: train the VLA by behaviour cloning.

Presets: ``--preset cpu`` (64 px, small CNN, sized to train on 2 CPU cores in
<= 90 min) and ``--preset gpu`` (96 px, full CNN). Progress bar, periodic
validation, ``--resume`` from ``<out>/last.pt``, deterministic ``--seed``.
``--install`` copies the best checkpoint to models/vla_tabletop.pt.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

PRESETS = {
    "cpu": dict(epochs=40, batch_size=64, lr=1e-3, threads=2, eval_every_steps=2000,
                model=dict(image_size=64, channels=(16, 32, 48, 64), strides=(2, 2, 2, 1), hidden=256, chunk=10,
                           use_wrist=True)),
    "gpu": dict(epochs=40, batch_size=256, lr=1e-3, device="cuda",
                model=dict(image_size=96, channels=(32, 64, 96, 128), hidden=512, chunk=10, use_wrist=True)),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", nargs="+", required=True, type=Path, help="dataset folders (promptbot collect)")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument("--out", type=Path, default=Path("runs/train"))
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-minutes", type=float, default=0.0, help="stop after this wall time")
    parser.add_argument("--max-episodes", type=int, default=0, help="use at most this many skill episodes")
    parser.add_argument("--resume", action="store_true", help="continue from <out>/last.pt")
    parser.add_argument("--embeddings", type=Path, default=None,
                        help="npz with 'texts' and 'vectors' (instruction embeddings computed elsewhere)")
    parser.add_argument("--install", action="store_true", help="copy best.pt to models/vla_tabletop.pt")
    parser.add_argument("--json", action="store_true")


def embedder(path: Path | None):
    import numpy as np

    if path is None:
        from promptbot.policy.language import default_encoder

        return default_encoder().encode
    data = np.load(path, allow_pickle=False)
    table = {str(t): v for t, v in zip(data["texts"], data["vectors"].astype(np.float32))}

    def embed(texts):
        missing = [t for t in texts if t not in table]
        if missing:
            raise KeyError(f"{len(missing)} instruction(s) not in {path}, e.g. {missing[0]!r}")
        return np.stack([table[t] for t in texts])

    return embed


def run(args: argparse.Namespace) -> int:
    import logging

    from promptbot.policy.data import load_segments
    from promptbot.policy.paths import default_checkpoint
    from promptbot.policy.train import TrainConfig, train

    logging.basicConfig(level=logging.INFO, format="[train] %(message)s")
    preset = dict(PRESETS[args.preset])
    if args.epochs:
        preset["epochs"] = args.epochs
    if args.batch_size:
        preset["batch_size"] = args.batch_size
    cfg = TrainConfig(out_dir=str(args.out), seed=args.seed, max_minutes=args.max_minutes, **preset)
    print(f"loading episodes from {', '.join(map(str, args.data))} ...", file=sys.stderr)
    episodes = load_segments(args.data, cfg.model.image_size, cfg.model.use_wrist, seed=args.seed,
                             max_episodes=args.max_episodes)
    by_skill: dict[str, int] = {}
    for e in episodes:
        by_skill[e["skill"]] = by_skill.get(e["skill"], 0) + 1
    print(f"{len(episodes)} skill episodes: {by_skill}", file=sys.stderr)
    metrics = train(episodes, cfg, embedder(args.embeddings), resume=args.resume, progress=not args.json)
    metrics["episodes_by_skill"] = by_skill
    if args.install:
        shutil.copyfile(Path(cfg.out_dir) / "best.pt", default_checkpoint())
        metrics["installed"] = str(default_checkpoint())
    if args.json:
        print(json.dumps({k: v for k, v in metrics.items() if k != "config"}, indent=2, default=str))
    else:
        print(f"done: {metrics['steps']} steps, best validation L1 {metrics['best_val_l1']:.4f}, "
              f"{metrics['minutes']:.1f} min; checkpoints in {cfg.out_dir}")
    return 0
