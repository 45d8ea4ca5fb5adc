"""Export the VLA to ONNX (dynamic batch) and check parity against torch."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from promptbot.models.vla import VLA
from promptbot.policy.backends import INPUT_NAMES, OUTPUT_NAMES, OnnxRuntimeBackend

OPSET = 18


def example_inputs(model: VLA, batch: int = 2, seed: int = 0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    s, cfg = model.cfg.image_size, model.cfg
    return (torch.rand(batch, 3, s, s, generator=g), torch.rand(batch, 3, s, s, generator=g),
            torch.nn.functional.normalize(torch.randn(batch, cfg.lang_dim, generator=g), dim=-1),
            torch.randn(batch, cfg.proprio_dim, generator=g) * 0.3)


def export_onnx(model: VLA, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    dyn = {name: {0: "batch"} for name in (*INPUT_NAMES, *OUTPUT_NAMES)}
    with torch.no_grad():
        torch.onnx.export(model, example_inputs(model), str(path), input_names=list(INPUT_NAMES),
                          output_names=list(OUTPUT_NAMES), dynamic_axes=dyn, opset_version=OPSET, dynamo=False)
    return path


def parity(model: VLA, onnx_path: str | Path, batches=(1, 3)) -> float:
    """Max abs difference between torch and onnxruntime outputs over a few random batches."""
    ort = OnnxRuntimeBackend(onnx_path)
    worst = 0.0
    for i, b in enumerate(batches):
        inputs = example_inputs(model, b, seed=100 + i)
        with torch.no_grad():
            ta, td = model(*inputs)
        oa, od = ort.run(*(x.numpy() for x in inputs))
        worst = max(worst, float(np.abs(ta.numpy() - oa).max()), float(np.abs(td.numpy() - od).max()))
    return worst
