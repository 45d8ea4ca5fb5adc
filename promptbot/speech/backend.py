"""The ASR backend interface: one utterance of 16 kHz mono float32 in, hypotheses out.

Implemented: ``faster-whisper`` (CTranslate2, CPU or CUDA). Extension points, named
here so configuration errors are clear, but NOT implemented because they cannot be
run on the machines this project is tested on:

- ``openai-whisper``: the reference PyTorch implementation. The packaged CTranslate2
  weights map one-to-one onto its checkpoint layout, so a backend would convert
  ``model.bin`` once and call ``whisper.decode`` with ``DecodeOptions(beam_size=...,
  prompt=...)``. Implement ``AsrBackend`` and add it to ``promptbot.speech.create_backend``.
- ``tensorrt``: TensorRT-LLM / trtexec engines on a Jetson. Same interface; build the
  encoder/decoder engines from the checkpoint on the device (TensorRT cannot be
  installed here), and skip its tests where ``import tensorrt`` fails.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class DecodeOptions:
    """How to decode one utterance."""

    language: str | None = "en"  # None: detect (multilingual models only)
    beam_size: int = 5
    n_best: int = 1  # hypotheses to return (<= beam_size)
    hotwords: str | None = None  # bias words, given to the decoder as previous context
    initial_prompt: str | None = None  # a sentence in the style of the expected speech
    prefix: str | None = None  # words already committed (streaming): the decoder continues after them
    max_new_tokens: int = 128  # commands are short; bounds runaway hallucination

    def __post_init__(self):
        if self.beam_size < 1:
            raise ValueError(f"beam_size must be >= 1, got {self.beam_size}")
        if not 1 <= self.n_best <= self.beam_size:
            raise ValueError(f"n_best must be 1..beam_size ({self.beam_size}), got {self.n_best}")
        if not 1 <= self.max_new_tokens <= 220:
            raise ValueError(f"max_new_tokens must be 1..220, got {self.max_new_tokens}")


@dataclass(frozen=True)
class Hypothesis:
    text: str
    avg_logprob: float  # mean log-probability per token (Whisper's definition: cum / (tokens + 1))
    n_tokens: int
    score: float | None = None  # the decoder's ranking score (None: avg_logprob)

    @property
    def rank_score(self) -> float:
        return self.avg_logprob if self.score is None else self.score

    @property
    def confidence(self) -> float:
        """exp(average token log-probability), 0..1."""
        return float(np.exp(min(self.avg_logprob, 0.0)))


@dataclass(frozen=True)
class DecodeResult:
    hypotheses: list[Hypothesis]  # best first (by the backend's own score)
    no_speech_prob: float  # 0..1
    language: str
    extra: dict = field(default_factory=dict)

    @property
    def best(self) -> Hypothesis:
        return self.hypotheses[0]


class AsrBackend(abc.ABC):
    """A speech recogniser for one utterance of at most ``MAX_AUDIO_S`` seconds."""

    name: str = "abstract"
    MAX_AUDIO_S = 30.0  # [s] Whisper's window

    @abc.abstractmethod
    def transcribe(self, audio: np.ndarray, options: DecodeOptions) -> DecodeResult:
        """``audio``: float32 mono, 16 kHz, [-1, 1], 0 < len <= MAX_AUDIO_S * 16000."""

    @property
    @abc.abstractmethod
    def english_only(self) -> bool:
        ...

    def describe(self) -> dict:
        return {"backend": self.name}


class BackendUnavailable(RuntimeError):
    """A backend that is named but cannot run here."""
