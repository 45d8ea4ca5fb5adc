"""``Policy.infer(observation) -> ActionChunk``: the VLA behind one small interface (openpi-style)."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from promptbot.policy.backends import Backend, OnnxRuntimeBackend, TensorRTBackend, TorchBackend


@dataclass
class Observation:
    scene_rgb: np.ndarray                 # (H, W, 3) uint8, scene camera
    proprio: np.ndarray                   # (P,) float, see SimEnv.proprio
    instruction: str
    wrist_rgb: np.ndarray | None = None   # (H, W, 3) uint8, wrist camera


@dataclass
class ActionChunk:
    actions: np.ndarray                   # (H, 7): vx vy vz [m/s], wx wy wz [rad/s], gripper width [m]
    done_prob: float                      # learned "skill finished" probability
    latency_s: float                      # inference time incl. preprocessing


class ObservationError(ValueError):
    """An observation the policy cannot use (wrong shape, dtype, NaN)."""


def preprocess_image(rgb: np.ndarray, size: int) -> np.ndarray:
    """(H, W, 3) uint8 -> (3, size, size) float32 in [0, 1] (centre-cropped to a square, resized)."""
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        got = getattr(rgb, "shape", None), getattr(rgb, "dtype", None)
        raise ObservationError(f"images must be (H, W, 3) uint8, got {got}")
    h, w = rgb.shape[:2]
    if h != w:  # centre crop to a square: with a vertical field of view this is the view of a square render
        side = min(h, w)
        y0, x0 = (h - side) // 2, (w - side) // 2
        rgb = rgb[y0:y0 + side, x0:x0 + side]
    if rgb.shape[:2] != (size, size):
        rgb = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgb.transpose(2, 0, 1), dtype=np.float32) / 255.0


def cached_onnx(model, checkpoint: str | Path) -> Path:
    """The ONNX export of ``checkpoint``, exported once into the user cache (keyed by file hash)."""
    from promptbot.policy.backends import file_sha256
    from promptbot.policy.export import export_onnx

    cache = Path(os.environ.get("PROMPTBOT_CACHE", Path.home() / ".cache" / "promptbot")) / "onnx"
    path = cache / f"vla-{file_sha256(checkpoint)[:16]}.onnx"
    if not path.is_file():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        export_onnx(model, tmp)
        tmp.replace(path)
    return path


class Policy:
    def __init__(self, backend: Backend, config, encoder=None):
        self.backend = backend
        self.config = config
        if encoder is None:
            from promptbot.policy.language import default_encoder

            encoder = default_encoder()
        self.encoder = encoder

    @classmethod
    def load(cls, checkpoint: str | Path, backend: str = "torch", onnx_path: str | Path | None = None,
             device: str = "cpu", encoder=None, threads: int = 0) -> "Policy":
        """``threads``: CPU threads for inference (0 = the library default, i.e. every core)."""
        from promptbot.policy.checkpoint import load_checkpoint

        model, cfg, _meta = load_checkpoint(checkpoint)
        if backend in ("onnxruntime", "tensorrt") and onnx_path is None:
            onnx_path = cached_onnx(model, checkpoint)
        if backend == "torch":
            be: Backend = TorchBackend(model, device=device, threads=threads)
        elif backend == "onnxruntime":
            be = OnnxRuntimeBackend(onnx_path, threads=threads)
        elif backend == "tensorrt":
            be = TensorRTBackend(onnx_path)
        else:
            raise ValueError(f"unknown backend {backend!r}; use torch, onnxruntime or tensorrt")
        return cls(be, cfg, encoder)

    def prepare(self, obs: Observation) -> tuple[np.ndarray, ...]:
        s = self.config.image_size
        scene = preprocess_image(obs.scene_rgb, s)[None]
        if self.config.use_wrist:
            if obs.wrist_rgb is None:
                raise ObservationError("this policy needs the wrist camera image")
            wrist = preprocess_image(obs.wrist_rgb, s)[None]
        else:
            wrist = np.zeros_like(scene)
        proprio = np.asarray(obs.proprio, dtype=np.float32).reshape(1, -1)
        if proprio.shape[1] != self.config.proprio_dim:
            raise ObservationError(f"proprio must have {self.config.proprio_dim} values, got {proprio.shape[1]}")
        if not np.all(np.isfinite(proprio)):
            raise ObservationError("proprio contains NaN or inf")
        lang = self.encoder.encode(obs.instruction)[None].astype(np.float32)
        return scene, wrist, lang, proprio

    def infer(self, obs: Observation) -> ActionChunk:
        t0 = time.perf_counter()
        actions, done = self.backend.run(*self.prepare(obs))
        done_prob = float(0.5 * (1.0 + np.tanh(0.5 * float(done[0]))))   # sigmoid without overflow
        return ActionChunk(actions[0], done_prob, time.perf_counter() - t0)
