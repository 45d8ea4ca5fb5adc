"""Inference backends for the VLA network: torch, ONNX Runtime, TensorRT.

All take batched float32 numpy arrays ``scene (B,3,S,S)``, ``wrist (B,3,S,S)``,
``lang (B,384)``, ``proprio (B,P)`` and return ``actions (B,H,7)`` in raw units
and ``done`` logits ``(B,)``.
"""
from __future__ import annotations

import hashlib
import logging
import os
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

INPUT_NAMES = ("scene", "wrist", "lang", "proprio")
OUTPUT_NAMES = ("actions", "done")


class BackendUnavailable(RuntimeError):
    """The backend cannot run on this machine (the message says why)."""


class Backend(ABC):
    name = "base"

    @abstractmethod
    def run(self, scene, wrist, lang, proprio) -> tuple[np.ndarray, np.ndarray]:
        ...


class TorchBackend(Backend):
    name = "torch"

    def __init__(self, model, device: str = "cpu", compile: bool = False, threads: int = 0):
        import torch

        if threads:
            torch.set_num_threads(threads)   # process-wide: torch has no per-model thread pool
        self._torch = torch
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        if compile:
            self.model = torch.compile(self.model)
            self.name = "torch-compiled"

    def run(self, scene, wrist, lang, proprio):
        t = self._torch
        with t.inference_mode():
            args = [t.as_tensor(np.ascontiguousarray(a), device=self.device) for a in (scene, wrist, lang, proprio)]
            actions, done = self.model(*args)
        return actions.float().cpu().numpy(), done.float().cpu().numpy()


class OnnxRuntimeBackend(Backend):
    name = "onnxruntime"

    def __init__(self, onnx_path: str | os.PathLike, providers: list[str] | None = None, threads: int = 0):
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - installed by the set-up
            raise BackendUnavailable("onnxruntime is not installed") from exc
        path = Path(onnx_path)
        if not path.is_file():
            raise BackendUnavailable(f"ONNX model {path} not found (run `promptbot export --onnx`)")
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), opts, providers=providers or ["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]

    def run(self, scene, wrist, lang, proprio):
        feeds = dict(zip(INPUT_NAMES, (scene, wrist, lang, proprio)))
        feeds = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in feeds.items() if k in self.input_names}
        actions, done = self.session.run(list(OUTPUT_NAMES), feeds)
        return actions, done


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class TensorRTBackend(Backend):
    """TensorRT engine built from the ONNX export (FP16), cached by hash.

    Written against the TensorRT 8.6/10 Python API shipped with JetPack 6
    (``import tensorrt``) and CUDA through torch. The engine file is named after
    the SHA-256 of the ONNX file, the TensorRT version and the GPU, so a new
    model, TensorRT or device builds a new engine and a cached one is reused.
    """

    name = "tensorrt"

    def __init__(self, onnx_path: str | os.PathLike, cache_dir: str | os.PathLike | None = None,
                 fp16: bool = True, max_batch: int = 8):
        try:
            import tensorrt as trt
        except ImportError as exc:
            raise BackendUnavailable(
                "TensorRT is not installed: it ships with JetPack on Jetson (python3-libnvinfer) and is not "
                "installable from the package registries on x86_64 CPU machines") from exc
        import torch

        if not torch.cuda.is_available():
            raise BackendUnavailable("TensorRT needs a CUDA GPU; torch sees none")
        self._trt, self._torch = trt, torch
        onnx_path = Path(onnx_path)
        if not onnx_path.is_file():
            raise BackendUnavailable(f"ONNX model {onnx_path} not found (run `promptbot export --onnx`)")
        cache = Path(cache_dir or Path.home() / ".cache" / "promptbot" / "trt")
        cache.mkdir(parents=True, exist_ok=True)
        key = hashlib.sha256(
            f"{file_sha256(onnx_path)}|{trt.__version__}|{torch.cuda.get_device_name()}|fp16={fp16}|b={max_batch}".encode()
        ).hexdigest()[:24]
        self.engine_path = cache / f"vla-{key}.engine"
        logger = trt.Logger(trt.Logger.WARNING)
        if not self.engine_path.is_file():
            log.info("building TensorRT engine %s (FP16=%s); this takes a while the first time", self.engine_path, fp16)
            self._build(onnx_path, logger, fp16, max_batch)
        runtime = trt.Runtime(logger)
        self.engine = runtime.deserialize_cuda_engine(self.engine_path.read_bytes())
        self.context = self.engine.create_execution_context()

    def _build(self, onnx_path: Path, logger, fp16: bool, max_batch: int) -> None:
        trt = self._trt
        builder = trt.Builder(logger)
        network = builder.create_network(1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH))
        parser = trt.OnnxParser(network, logger)
        if not parser.parse(onnx_path.read_bytes()):
            errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
            raise BackendUnavailable(f"TensorRT could not parse {onnx_path}: {errors}")
        config = builder.create_builder_config()
        config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, 1 << 30)
        if fp16 and builder.platform_has_fast_fp16:
            config.set_flag(trt.BuilderFlag.FP16)
        profile = builder.create_optimization_profile()
        for i in range(network.num_inputs):
            inp = network.get_input(i)
            shape = list(inp.shape)
            rest = shape[1:]
            profile.set_shape(inp.name, [1, *rest], [1, *rest], [max_batch, *rest])
        config.add_optimization_profile(profile)
        serialized = builder.build_serialized_network(network, config)
        if serialized is None:
            raise BackendUnavailable("TensorRT engine build failed")
        tmp = self.engine_path.with_suffix(".tmp")
        tmp.write_bytes(bytes(serialized))
        tmp.replace(self.engine_path)

    def run(self, scene, wrist, lang, proprio):
        torch = self._torch
        feeds = dict(zip(INPUT_NAMES, (scene, wrist, lang, proprio)))
        tensors = {}
        for name, arr in feeds.items():
            t = torch.as_tensor(np.ascontiguousarray(arr, dtype=np.float32), device="cuda")
            tensors[name] = t
            self.context.set_input_shape(name, tuple(t.shape))
            self.context.set_tensor_address(name, t.data_ptr())
        b = scene.shape[0]
        chunk = self.engine.get_tensor_shape("actions")[1]
        out_a = torch.empty((b, chunk, 7), device="cuda")
        out_d = torch.empty((b,), device="cuda")
        self.context.set_tensor_address("actions", out_a.data_ptr())
        self.context.set_tensor_address("done", out_d.data_ptr())
        stream = torch.cuda.current_stream()
        self.context.execute_async_v3(stream.cuda_stream)
        stream.synchronize()
        return out_a.cpu().numpy(), out_d.cpu().numpy()
