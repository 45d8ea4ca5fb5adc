"""Temporal ensembling of overlapping action chunks (ACT-style), pure numpy.

Every control step the policy predicts a chunk of H future actions. The action
executed at step t is the weighted mean of every prediction made for t, with
weights exp(-k * age_rank) favouring the OLDEST predictions (as in ACT), which
smooths the motion; k = 0 is a plain mean, and k < 0 favours the NEWEST predictions
(the most recent observation; k -> -inf is executing each new chunk's current entry).
"""
from __future__ import annotations

from collections import deque

import numpy as np


K_LIMIT = 20.0      # the bound of |k|: at 20 the next prediction already weighs 2e-9 of the first


class TemporalEnsembler:
    def __init__(self, chunk: int, action_dim: int, k: float = 0.1):
        if chunk < 1 or action_dim < 1:
            raise ValueError("chunk and action_dim must be >= 1")
        if not -K_LIMIT <= k <= K_LIMIT:
            raise ValueError(f"k must be in [-{K_LIMIT:g}, {K_LIMIT:g}] (0 = mean, > 0 favours the oldest, "
                             "< 0 the newest)")
        self.chunk, self.action_dim, self.k = chunk, action_dim, k
        self._chunks: deque[tuple[int, np.ndarray]] = deque()
        self.t = 0

    def reset(self) -> None:
        self._chunks.clear()
        self.t = 0

    def add(self, chunk: np.ndarray) -> None:
        """Add the chunk predicted at the current step (shape (H, D))."""
        chunk = np.asarray(chunk, dtype=np.float64)
        if chunk.shape != (self.chunk, self.action_dim):
            raise ValueError(f"chunk must have shape {(self.chunk, self.action_dim)}, got {chunk.shape}")
        if not np.all(np.isfinite(chunk)):
            raise ValueError("chunk contains NaN or inf")
        self._chunks.append((self.t, chunk))
        while self._chunks and self._chunks[0][0] + self.chunk <= self.t:
            self._chunks.popleft()

    def step(self) -> np.ndarray:
        """The action for the current step; advances time by one step."""
        preds = [c[self.t - t0] for t0, c in self._chunks if 0 <= self.t - t0 < self.chunk]
        if not preds:
            raise RuntimeError("no prediction covers this step: call add() first")
        w = np.exp(-self.k * np.arange(len(preds)))  # oldest first
        action = (np.stack(preds) * w[:, None]).sum(axis=0) / w.sum()
        self.t += 1
        return action
