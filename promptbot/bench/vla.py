"""VLA inference latency: batch-1 p50/p99 per backend (torch eager, torch compiled, ONNX Runtime, TensorRT).

Runs on random inputs shaped like the committed checkpoint (or a fresh model of
the default config with --random-weights); latency does not depend on the weights.
On a CUDA machine the torch backends also run on the GPU.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _time(fn, n: int, warmup: int = 10) -> dict:
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    a = np.asarray(ts) * 1e3
    return {"p50_ms": float(np.percentile(a, 50)), "p99_ms": float(np.percentile(a, 99)), "n": n}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--iters", type=int, default=300)
    parser.add_argument("--checkpoint", type=Path, default=None)
    parser.add_argument("--random-weights", action="store_true", help="use a fresh default-config model")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for torch and onnxruntime (0 = default)")
    parser.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    import torch

    from promptbot.models.vla import VLA, VLAConfig, count_parameters
    from promptbot.policy.backends import BackendUnavailable, OnnxRuntimeBackend, TensorRTBackend, TorchBackend
    from promptbot.policy.checkpoint import load_checkpoint
    from promptbot.policy.export import example_inputs, export_onnx
    from promptbot.policy.paths import default_checkpoint

    if args.threads:
        torch.set_num_threads(args.threads)
    ckpt = args.checkpoint or default_checkpoint()
    if args.random_weights or not Path(ckpt).is_file():
        model, source = VLA(VLAConfig()).eval(), "random weights (default config)"
    else:
        model, _, _ = load_checkpoint(ckpt)
        source = str(ckpt)
    inputs = [x[:1].numpy() for x in example_inputs(model, batch=1)]
    report = {"benchmark": "vla", "model": source, "parameters": count_parameters(model),
              "config": model.cfg.to_dict(), "device_cpu_threads": torch.get_num_threads(), "backends": {}}
    tmp = Path(tempfile.mkdtemp(prefix="promptbot-vla-"))
    onnx_path = export_onnx(model, tmp / "vla.onnx")
    runs = [("torch_eager_cpu", lambda: TorchBackend(model, "cpu"))]
    runs.append(("onnxruntime_cpu", lambda: OnnxRuntimeBackend(onnx_path, threads=args.threads)))
    if torch.cuda.is_available():
        runs += [("torch_eager_cuda", lambda: TorchBackend(model, "cuda")),
                 ("torch_compiled_cuda", lambda: TorchBackend(model, "cuda", compile=True))]
    runs.append(("tensorrt_fp16", lambda: TensorRTBackend(onnx_path)))
    for name, make in runs:
        print(f"vla bench: {name} ...", file=sys.stderr)
        try:
            be = make()
        except BackendUnavailable as exc:
            report["backends"][name] = {"skipped": str(exc)}
            continue
        report["backends"][name] = _time(lambda: be.run(*inputs), args.iters)
    if torch.cuda.is_available():
        report["gpu"] = torch.cuda.get_device_name()
    ort = report["backends"].get("onnxruntime_cpu", {})
    report["target"] = {"onnxruntime_cpu_p50_ms": "<= 10"}
    report["target_met"] = bool(ort.get("p50_ms", 1e9) <= 10.0)
    eager = report["backends"]["torch_eager_cpu"]["p50_ms"]
    report["speedup_onnxruntime_vs_torch_cpu"] = eager / ort["p50_ms"] if "p50_ms" in ort else None
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, r in report["backends"].items():
            print(f"{name:22s} " + (f"p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms" if "p50_ms" in r else r["skipped"]))
    return 0
