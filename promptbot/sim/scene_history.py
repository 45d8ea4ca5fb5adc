"""Ground-truth scenes of the recent past, the reference of ``unmoved(x)`` goals (pure, no ROS).

"Put every cube except the red one in the bowl" says the red cube stays where it was *when the
command was given*. The sim node's check service is asked long after that, so it keeps the ground
truth at the world's last reset plus a bounded history of snapshots, and answers "the scene at
sim time ``since``" with the latest snapshot at or before it.
"""
from __future__ import annotations

from collections import deque
from typing import Sequence

from promptbot.scene import ObjectState

SNAPSHOT_PERIOD_S = 0.5          # at most one snapshot per this much sim time [s]
HISTORY_S = 600.0                # snapshots kept for this much sim time (10 min) [s]
STAMP_TOL_S = 1e-6               # a stamp this close to a snapshot's time is that snapshot [s]


class NoReference(LookupError):
    """No scene is kept for the asked time (before the last reset or older than the history)."""


class SceneHistory:
    """The scene at the last reset and one snapshot per ``period_s`` for the last ``history_s``.

    Times are sim times in seconds (the node's /clock). A snapshot at ``t`` stands for the scene
    from ``t`` until the next snapshot, so ``at(since)`` is off by at most ``period_s``, while the
    world moves; recording on the node's ground-truth ticks makes a ground-truth stamp exact.
    """

    def __init__(self, period_s: float = SNAPSHOT_PERIOD_S, history_s: float = HISTORY_S):
        if not 0 < period_s <= history_s:
            raise ValueError(f"need 0 < period_s <= history_s, got {period_s}, {history_s}")
        self.period_s, self.history_s = float(period_s), float(history_s)
        self._snaps: deque[tuple[float, tuple[ObjectState, ...]]] = deque(
            maxlen=int(history_s / period_s) + 1)
        self.reset_t: float | None = None
        self._reset_scene: tuple[ObjectState, ...] = ()

    def reset(self, t: float, objects: Sequence[ObjectState]) -> None:
        """The world (re)started at ``t`` with ``objects`` (after any task setup): history starts over."""
        self.reset_t, self._reset_scene = float(t), tuple(objects)
        self._snaps.clear()
        self._snaps.append((self.reset_t, self._reset_scene))

    def due(self, t: float) -> bool:
        """Whether a snapshot at ``t`` would be kept (``period_s`` after the last one)."""
        return not self._snaps or t >= self._snaps[-1][0] + self.period_s - STAMP_TOL_S

    def record(self, t: float, objects: Sequence[ObjectState]) -> None:
        """Keep the scene at ``t`` if one is due; drops snapshots older than ``history_s``."""
        if self.reset_t is None:
            raise RuntimeError("record() before reset(): no world yet")
        if not self.due(t):
            return
        self._snaps.append((float(t), tuple(objects)))
        while self._snaps and self._snaps[0][0] < t - self.history_s:
            self._snaps.popleft()

    def at(self, since: float) -> tuple[ObjectState, ...]:
        """The scene at sim time ``since`` (0 = the last reset): the latest snapshot at or before it.

        Raises NoReference when ``since`` is before the last reset or older than the history kept.
        """
        if self.reset_t is None:
            raise NoReference("no world yet")
        if since == 0:
            return self._reset_scene
        if since < self.reset_t - STAMP_TOL_S:
            raise NoReference(f"time {since:.3f} s is before the world's last reset at {self.reset_t:.3f} s")
        if not self._snaps or since < self._snaps[0][0] - STAMP_TOL_S:
            oldest = self._snaps[0][0] if self._snaps else float("nan")
            raise NoReference(f"time {since:.3f} s is older than the scenes kept (from {oldest:.3f} s, "
                              f"the last {self.history_s:.0f} s of sim time)")
        best = self._snaps[0][1]
        for t, scene in reversed(self._snaps):
            if t <= since + STAMP_TOL_S:
                best = scene
                break
        return best
