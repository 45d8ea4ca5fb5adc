"""``promptbot train-parser``: fine-tune SmolLM2-135M-Instruct (LoRA) into the semantic parser.

    promptbot train-parser --out models/parser/smollm2-lora            # CPU defaults, <= 90 min
    promptbot train-parser --device cuda --steps 1500 --batch-size 32  # where a GPU is lent

Resumable (rerun the same command), deterministic for a seed, tqdm progress bar; writes the
adapter (float16 safetensors) and ``train_report.json`` to ``--out``. See models/PARSER_CARD.md.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from promptbot.planning.parser_train import ParserTrainConfig as C

    parser.add_argument("--out", default=C.out, help=f"output folder [{C.out}]")
    parser.add_argument("--examples", type=int, default=C.examples, help=f"generated examples [{C.examples}]")
    parser.add_argument("--val-examples", type=int, default=C.val_examples,
                        help=f"held-out examples for exact match [{C.val_examples}]")
    parser.add_argument("--steps", type=int, default=C.steps, help=f"optimiser steps [{C.steps}]")
    parser.add_argument("--batch-size", type=int, default=C.batch_size, help=f"[{C.batch_size}]")
    parser.add_argument("--lr", type=float, default=C.lr, help=f"peak learning rate [{C.lr}]")
    parser.add_argument("--lora-r", type=int, default=C.lora_r, help=f"LoRA rank [{C.lora_r}]")
    parser.add_argument("--seed", type=int, default=C.seed, help=f"[{C.seed}]")
    parser.add_argument("--threads", type=int, default=C.threads, help=f"CPU threads [{C.threads}]")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default=C.device, help="[auto]")
    parser.add_argument("--save-every", type=int, default=C.save_every, help=f"checkpoint period [{C.save_every}]")
    parser.add_argument("--max-minutes", type=float, default=C.max_minutes,
                        help=f"wall-clock cap; stops, saves and reports [{C.max_minutes}]")


def run(args: argparse.Namespace) -> int:
    from promptbot.planning.parser_train import ParserTrainConfig, train

    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    try:
        cfg = ParserTrainConfig(out=args.out, examples=args.examples, val_examples=args.val_examples,
                                steps=args.steps, batch_size=args.batch_size, lr=args.lr, lora_r=args.lora_r,
                                lora_alpha=2 * args.lora_r, seed=args.seed, threads=args.threads,
                                device=args.device, save_every=args.save_every, max_minutes=args.max_minutes)
    except ValueError as exc:
        print(f"train-parser: {exc}", file=sys.stderr)
        return 2
    report = train(cfg)
    print(json.dumps(report))
    return 0
