"""Pair colour and depth frames by stamp (pure; a small replacement for message_filters).

``message_filters`` is not available from the pip ROS wheels, so the node pairs
frames itself: each stream keeps its last few frames keyed by stamp [ns]; a pair
is emitted when both streams hold a frame within ``slop_ns`` of each other and
the pair is newer than the last one emitted. Older pairs are refused (the caller
logs them), so a scene is never published for an image older than the last one.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any


class StampSync:
    def __init__(self, slop_ns: int = 1_000_000, keep: int = 6):
        if slop_ns < 0 or keep < 1:
            raise ValueError("slop_ns must be >= 0 and keep >= 1")
        self.slop_ns = int(slop_ns)
        self.keep = int(keep)
        self._a: OrderedDict[int, Any] = OrderedDict()
        self._b: OrderedDict[int, Any] = OrderedDict()
        self.last_ns: int | None = None

    def _add(self, store: OrderedDict, stamp_ns: int, item: Any) -> None:
        store[stamp_ns] = item
        while len(store) > self.keep:
            store.popitem(last=False)

    def add_a(self, stamp_ns: int, item: Any) -> tuple[int, Any, Any] | None | str:
        return self._push(self._a, self._b, stamp_ns, item, a_first=True)

    def add_b(self, stamp_ns: int, item: Any) -> tuple[int, Any, Any] | None | str:
        return self._push(self._b, self._a, stamp_ns, item, a_first=False)

    def _push(self, mine: OrderedDict, other: OrderedDict, stamp_ns: int, item: Any, a_first: bool):
        """Returns (stamp_ns, a, b) for a new pair, None while waiting, or a string reason when refused."""
        if self.last_ns is not None and stamp_ns <= self.last_ns:
            return (f"frame stamped {stamp_ns * 1e-9:.6f} s is not newer than the last processed frame "
                    f"({self.last_ns * 1e-9:.6f} s); dropped")
        self._add(mine, stamp_ns, item)
        best = None
        for s in other:
            if abs(s - stamp_ns) <= self.slop_ns and (best is None or abs(s - stamp_ns) < abs(best - stamp_ns)):
                best = s
        if best is None:
            return None
        other_item = other[best]
        stamp = max(best, stamp_ns)
        self.last_ns = stamp
        # everything at or before the pair is consumed
        for store in (self._a, self._b):
            for s in [s for s in store if s <= stamp]:
                del store[s]
        return (stamp, item, other_item) if a_first else (stamp, other_item, item)

    def reset(self) -> None:
        self._a.clear()
        self._b.clear()
        self.last_ns = None
