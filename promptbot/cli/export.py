"""``promptbot export --onnx [--checkpoint PATH] [--out PATH]``: export the VLA and check parity."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from promptbot.policy.paths import default_checkpoint


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--onnx", action="store_true", help="export to ONNX (opset 18, dynamic batch)")
    parser.add_argument("--tensorrt", action="store_true",
                        help="also build the TensorRT FP16 engine from the ONNX (needs TensorRT + a CUDA GPU)")
    parser.add_argument("--checkpoint", type=Path, default=None, help="default: the committed checkpoint")
    parser.add_argument("--out", type=Path, default=None, help="ONNX path (default: next to the checkpoint)")
    parser.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    if not (args.onnx or args.tensorrt):
        print("promptbot export: choose --onnx and/or --tensorrt", file=sys.stderr)
        return 2
    from promptbot.policy.backends import BackendUnavailable, TensorRTBackend
    from promptbot.policy.checkpoint import load_checkpoint
    from promptbot.policy.export import export_onnx, parity

    ckpt = args.checkpoint or default_checkpoint()
    model, _cfg, _meta = load_checkpoint(ckpt)
    onnx_path = args.out or Path(ckpt).with_suffix(".onnx")
    report: dict = {"checkpoint": str(ckpt), "onnx": str(onnx_path)}
    export_onnx(model, onnx_path)
    report["onnx_bytes"] = onnx_path.stat().st_size
    report["parity_max_abs_diff"] = parity(model, onnx_path)
    report["parity_ok"] = report["parity_max_abs_diff"] <= 1e-4
    if args.tensorrt:
        try:
            be = TensorRTBackend(onnx_path)
            report["tensorrt_engine"] = str(be.engine_path)
        except BackendUnavailable as exc:
            report["tensorrt_error"] = str(exc)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for k, v in report.items():
            print(f"{k}: {v}")
    return 0 if report["parity_ok"] and "tensorrt_error" not in report else 1
