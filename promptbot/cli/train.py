"""``promptbot train --data DIR [DIR ...]``: train the VLA by behaviour cloning.

``--data`` takes dataset folders (``promptbot collect``) and/or packs
(``python -m promptbot.policy.pack``, ``*.pack.npz``: 64 px frames as video, with
their instruction embeddings). Presets: ``--preset cpu`` (64 px, small CNN, sized
to train on 2 CPU cores in <= 90 min), ``--preset gpu`` (the same network, batch
256, every frame resident on the GPU) and ``--preset gpu-large`` (4x the channels).
Progress bar, periodic validation, ``--resume`` from ``<out>/last.pt``,
deterministic ``--seed``.
``--init CKPT`` fine-tunes a serving checkpoint (e.g. ``--init
models/vla_tabletop.pt`` with new demonstrations; use a lower ``--lr``).
``--install`` copies the best checkpoint to models/vla_tabletop.pt.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from promptbot.policy.presets import PRESETS



def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", nargs="+", required=True, type=Path, help="dataset folders (promptbot collect) and/or *.pack.npz packs")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument("--out", type=Path, default=Path("runs/train"))
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None, help="override the preset's torch device (cpu, cuda, cuda:1)")
    parser.add_argument("--chunk", type=int, default=None, help="override the preset's action-chunk length")
    parser.add_argument("--gripper-head", choices=("regression", "binary"), default=None,
                        help="gripper output: a regressed width (the committed checkpoint) or open/close "
                             "classification [the preset's: regression]")
    parser.add_argument("--aux-targets", action="store_true",
                        help="add the auxiliary head that learns where the step's object and destination are "
                             "relative to the gripper (needs data recorded with targets; never used to act)")
    parser.add_argument("--aux-weight", type=float, default=None, help="weight of the auxiliary loss [0.5]")
    parser.add_argument("--near-weight", type=float, default=None,
                        help="extra action-loss weight on samples within --near-radius of the step's object or "
                             "destination (data recorded with targets): 2 = they count 3 times [0, off]")
    parser.add_argument("--near-radius", type=float, default=None, help="radius of --near-weight [m, 0.10]")
    parser.add_argument("--max-minutes", type=float, default=0.0, help="stop after this wall time")
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                        help="forward pass in bfloat16: auto = on a CPU with AMX / AVX-512 BF16 units (default)")
    parser.add_argument("--max-episodes", type=int, default=0, help="use at most this many skill episodes")
    parser.add_argument("--resume", action="store_true", help="continue from <out>/last.pt")
    parser.add_argument("--init", type=Path, default=None, metavar="CKPT",
                        help="fine-tune: start from this checkpoint's weights and normalisation (same network)")
    parser.add_argument("--lr", type=float, default=None, help="override the preset's peak learning rate")
    parser.add_argument("--embeddings", type=Path, default=None,
                        help="npz with 'texts' and 'vectors' (instruction embeddings computed elsewhere)")
    parser.add_argument("--install", action="store_true", help="copy best.pt to models/vla_tabletop.pt")
    parser.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    import logging

    from promptbot.policy.data import load_segments
    from promptbot.policy.embeddings import instruction_embedder
    from promptbot.policy.pack import is_pack, load_pack
    from promptbot.policy.paths import default_checkpoint
    from promptbot.policy.train import TrainConfig, train

    logging.basicConfig(level=logging.INFO, format="[train] %(message)s")
    preset = dict(PRESETS[args.preset])
    if args.epochs:
        preset["epochs"] = args.epochs
    if args.batch_size:
        preset["batch_size"] = args.batch_size
    if args.device:
        preset["device"] = args.device
    if args.lr is not None:
        preset["lr"] = args.lr
    if args.init is not None:
        if not args.init.is_file():
            raise SystemExit(f"--init: no such checkpoint: {args.init}")
        preset["init_checkpoint"] = str(args.init)
    if args.chunk:
        preset["model"] = {**preset["model"], "chunk": args.chunk}
    if args.gripper_head is not None:
        preset["model"] = {**preset["model"], "gripper_head": args.gripper_head}
    if args.aux_targets:
        from promptbot.models.vla import TARGET_DIM

        preset["model"] = {**preset["model"], "aux_dim": TARGET_DIM}
    if args.aux_weight is not None:
        preset["aux_weight"] = args.aux_weight
    if args.near_weight is not None:
        preset["near_weight"] = args.near_weight
    if args.near_radius is not None:
        preset["near_radius_m"] = args.near_radius
    cfg = TrainConfig(out_dir=str(args.out), seed=args.seed, max_minutes=args.max_minutes, precision=args.precision,
                      **preset)
    if str(cfg.device).startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise SystemExit(f"the {args.preset} preset trains on CUDA, which this machine lacks: "
                             f"use --preset cpu, or --device cpu to try this preset slowly")
    print(f"loading episodes from {', '.join(map(str, args.data))} ...", file=sys.stderr)
    packs = [p for p in args.data if is_pack(p)]
    folders = [p for p in args.data if not is_pack(p)]
    missing = [p for p in args.data if not p.exists()]
    if missing:
        raise SystemExit(f"no such dataset: {', '.join(map(str, missing))}")
    episodes = load_segments(folders, cfg.model.image_size, cfg.model.use_wrist, seed=args.seed,
                             max_episodes=args.max_episodes) if folders else []
    for p in packs:
        eps = load_pack(p)
        size = eps[0]["scene"].shape[1] if eps else cfg.model.image_size
        if size != cfg.model.image_size:
            raise SystemExit(f"{p} holds {size} px frames; the {args.preset} preset needs {cfg.model.image_size} px")
        episodes += eps
    if args.max_episodes:
        episodes = episodes[:args.max_episodes]
    by_skill: dict[str, int] = {}
    for e in episodes:
        by_skill[e["skill"]] = by_skill.get(e["skill"], 0) + 1
    print(f"{len(episodes)} skill episodes: {by_skill}", file=sys.stderr)
    tables = [args.embeddings] if args.embeddings else []
    if (packs and not folders) or args.embeddings:
        tables += packs      # a pack carries the embeddings of its own instructions
    embed = instruction_embedder(tables)
    metrics = train(episodes, cfg, embed, resume=args.resume, progress=not args.json)
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
