"""Streaming Silero VAD (the ONNX model bundled with faster-whisper), 16 kHz.

faster-whisper's own wrapper resets its recurrent state on every call; this one keeps
the state (h, c and the 64-sample context) between calls so frames can arrive in
real-time-sized chunks.
"""
from __future__ import annotations

import os

import numpy as np

from promptbot.speech.audio import SAMPLE_RATE

FRAME_SAMPLES = 512  # samples per VAD decision (32 ms at 16 kHz)
FRAME_S = FRAME_SAMPLES / SAMPLE_RATE  # [s]
_CONTEXT = 64  # samples of the previous frame the model sees
_STATE_SHAPE = (1, 1, 128)


def silero_model_path() -> str:
    from faster_whisper.utils import get_assets_path

    return os.path.join(get_assets_path(), "silero_vad_v6.onnx")


class SileroVad:
    """``probs = vad(frames)``: speech probability per 512-sample frame, state kept."""

    def __init__(self, path: str | None = None):
        import onnxruntime

        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        opts.enable_cpu_mem_arena = False
        opts.log_severity_level = 4
        self._session = onnxruntime.InferenceSession(
            path or silero_model_path(), providers=["CPUExecutionProvider"], sess_options=opts
        )
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        x = np.asarray(audio, dtype=np.float32).reshape(-1)
        if x.size % FRAME_SAMPLES:
            raise ValueError(f"VAD input must be a multiple of {FRAME_SAMPLES} samples, got {x.size}")
        if x.size == 0:
            return np.zeros(0, dtype=np.float32)
        frames = x.reshape(-1, FRAME_SAMPLES)
        contexts = np.concatenate([self._context[None, :], frames[:-1, -_CONTEXT:]], axis=0)
        batch = np.concatenate([contexts, frames], axis=1)
        probs, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        self._context = frames[-1, -_CONTEXT:].copy()
        return np.asarray(probs, dtype=np.float32).reshape(-1)


def speech_probs(audio: np.ndarray, vad: SileroVad | None = None) -> np.ndarray:
    """Probabilities for a whole clip (zero-padded to whole frames), from a fresh state."""
    vad = vad or SileroVad()
    vad.reset()
    x = np.asarray(audio, dtype=np.float32).reshape(-1)
    pad = (-x.size) % FRAME_SAMPLES
    return vad(np.pad(x, (0, pad)))
