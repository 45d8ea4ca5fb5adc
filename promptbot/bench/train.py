"""Training throughput of the VLA: a float32 step against a bfloat16-forward step, in one run.

``promptbot bench train --json [--batch-size 64] [--steps 30] [--preset cpu]`` builds the preset's network
(binary gripper head, as ``build-policy`` trains it) twice from the same seed and times optimiser steps on
the same synthetic batch (two 64 px cameras, instruction embedding, proprioception) in turn, one fp32 step
then one bf16 step, so a change in the machine's load falls on both alike. It reports the median step,
samples per second and the ratio bf16 / fp32, and checks that the bfloat16 forward computes the same thing:
the relative difference of the loss and the cosine similarity of the two gradients on one batch.

``TrainConfig.precision = "auto"`` (the default) trains in bf16 only where ``cpu_has_bf16()`` says the CPU
has the units for it; this benchmark runs both paths wherever it runs, and says which one "auto" picks.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


BLOCK = 10       # timed steps of one path before the other path's turn
WARMUP = 2       # untimed steps at the start of each turn


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")
    parser.add_argument("--preset", default="cpu", help="training preset whose network is timed [cpu]")
    parser.add_argument("--batch-size", type=int, default=64, help="samples per step [64, the cpu preset's]")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per path, after 5 warm-up steps [30]")
    parser.add_argument("--threads", type=int, default=2, help="torch threads [2, the cpu preset's]")


def _setup(preset: str, batch: int, seed: int):
    import torch

    from promptbot.models.vla import VLA, VLAConfig
    from promptbot.policy.presets import PRESETS

    model_cfg = {**PRESETS[preset]["model"], "gripper_head": "binary"}
    model_cfg["channels"] = tuple(model_cfg["channels"])
    torch.manual_seed(seed)
    model = VLA(VLAConfig(**model_cfg))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(seed + 1)
    size = model.cfg.image_size
    batch_t = {"scene": torch.rand(batch, 3, size, size, generator=g),
               "wrist": torch.rand(batch, 3, size, size, generator=g),
               "lang": torch.randn(batch, 384, generator=g),
               "proprio": torch.randn(batch, model.cfg.proprio_dim, generator=g),
               "target": torch.randn(batch, model.cfg.chunk, model.cfg.action_dim, generator=g)}
    return model, opt, batch_t


def _loss(model, b, bf16: bool):
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        heads = model.forward_heads(b["scene"], b["wrist"], b["lang"], b["proprio"])
    actions = heads["actions"].float()
    return (actions - b["target"]).abs().mean() + heads["done"].float().abs().mean()


def _step(model, opt, b, bf16: bool) -> float:
    t0 = time.perf_counter()
    loss = _loss(model, b, bf16)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return time.perf_counter() - t0


def _agreement(model, b) -> dict:
    """Loss and gradient of one batch in fp32 and with the bf16 forward, from the same weights."""
    import torch

    out = {}
    grads = {}
    for name, bf16 in (("fp32", False), ("bf16", True)):
        model.zero_grad(set_to_none=True)
        loss = _loss(model, b, bf16)
        loss.backward()
        out[name] = float(loss.detach())
        grads[name] = torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])
    cos = torch.nn.functional.cosine_similarity(grads["fp32"], grads["bf16"], dim=0)
    return {"loss_fp32": round(out["fp32"], 5), "loss_bf16": round(out["bf16"], 5),
            "loss_rel_diff": round(abs(out["bf16"] - out["fp32"]) / max(1e-9, abs(out["fp32"])), 5),
            "grad_cosine": round(float(cos), 5)}


def run(args: argparse.Namespace) -> int:
    import torch

    from promptbot.policy.train import cpu_has_bf16, resolve_precision

    if args.batch_size < 1 or args.steps < 1:
        print("bench train: --batch-size and --steps must be >= 1", file=sys.stderr)
        return 2
    torch.set_num_threads(max(1, args.threads))
    paths = {name: _setup(args.preset, args.batch_size, seed=0) for name in ("fp32", "bf16")}
    agreement = _agreement(paths["fp32"][0], paths["fp32"][2])
    times: dict[str, list[float]] = {"fp32": [], "bf16": []}
    # blocks of BLOCK steps in turn: the machine's load falls on both alike, and each path keeps its caches
    # warm within a block (step-by-step alternation measures the switching too, which training never does)
    done = 0
    while done < args.steps:
        n = min(BLOCK, args.steps - done)
        for name in ("fp32", "bf16"):
            model, opt, b = paths[name]
            for i in range(n + WARMUP):
                dt = _step(model, opt, b, name == "bf16")
                if i >= WARMUP:
                    times[name].append(dt)
        done += n
    result: dict = {"preset": args.preset, "batch_size": args.batch_size, "steps": args.steps,
                    "threads": torch.get_num_threads(), "cpu_has_bf16": cpu_has_bf16(),
                    "auto_picks": resolve_precision("auto", "cpu"), "agreement": agreement}
    for name, ts in times.items():
        med = float(np.median(ts))
        result[name] = {"median_step_ms": round(1000 * med, 2), "p90_step_ms": round(1000 * float(np.percentile(ts, 90)), 2),
                        "samples_per_s": round(args.batch_size / med, 1)}
    result["speedup_bf16_vs_fp32"] = round(result["fp32"]["median_step_ms"] / result["bf16"]["median_step_ms"], 3)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"fp32 {result['fp32']['median_step_ms']} ms/step, bf16 {result['bf16']['median_step_ms']} ms/step: "
              f"{result['speedup_bf16_vs_fp32']}x (auto picks {result['auto_picks']}); "
              f"loss rel. diff {agreement['loss_rel_diff']}, grad cosine {agreement['grad_cosine']}")
    return 0
