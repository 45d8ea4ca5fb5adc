"""The perception pipeline: detector -> tracker -> relations, one call per RGB-D frame."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from promptbot.perception.config import PerceptionConfig
from promptbot.perception.detector import ClassicalDetector, Detector
from promptbot.perception.geometry import hidden_from_view
from promptbot.perception.tracker import Tracker
from promptbot.scene import ObjectState, relations

DEFAULT_PREDICATES = ("in", "on", "near", "left_of", "right_of")


@dataclass
class SceneResult:
    stamp_s: float
    objects: list[ObjectState]
    relations: set[tuple[str, str, str]]
    timing_ms: dict = field(default_factory=dict)
    events: list[str] = field(default_factory=list)   # established tracks born, dropped, re-identified (Tracker.events)


class Perception:
    """RGB + depth + intrinsics + camera pose (base frame) -> tracked objects and relations."""

    def __init__(self, config: PerceptionConfig | None = None, detector: Detector | None = None,
                 predicates: tuple[str, ...] = DEFAULT_PREDICATES):
        self.config = config or PerceptionConfig()
        self.detector = detector or ClassicalDetector(self.config)
        self.tracker = Tracker(self.config.track_hold_s, self.config.track_gate_m,
                               self.config.track_hidden_hold_s)
        self.predicates = tuple(predicates)
        self.clock_resets = 0
        # the inputs and detections of the last frame: a frame identical to it (a camera republishing a
        # still picture, as the sim does while nothing moves) is not detected again. The detector is a
        # function of its inputs, so the tracker sees exactly what a new detection would have given it
        self._last: tuple | None = None
        self.frames_reused = 0

    def reset(self) -> None:
        self.tracker.reset()
        self._last = None

    def process(self, rgb: np.ndarray, depth: np.ndarray, K: np.ndarray, T_base_cam: np.ndarray,
                stamp_s: float) -> SceneResult:
        """Raises FrameError for bad input and StampError for a frame older than the last one.

        A stamp more than ``config.clock_reset_s`` older than the last is a clock that restarted (a
        respawned simulator, a replayed recording), not a late frame: the tracks, which belong to
        the old clock, are dropped and tracking starts again (``clock_resets`` counts these). A
        frame only slightly older is out of order and still raises.
        """
        t0 = time.perf_counter()
        last = self.tracker.last_stamp_s
        if last is not None and stamp_s < last:
            if last - stamp_s > self.config.clock_reset_s:
                self.tracker.reset()
                self.clock_resets += 1
            else:
                from promptbot.perception.tracker import StampError

                raise StampError(f"frame stamp {stamp_s:.6f} s is older than the last one ({last:.6f} s)")
        held = self._last
        if held is not None and all(np.shape(a) == np.shape(b) and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
                                    for a, b in zip(held[:4], (rgb, depth, K, T_base_cam))):
            dets = held[4]
            self.frames_reused += 1
        else:
            dets = self.detector.detect(rgb, depth, K, T_base_cam)
            # copies: a caller may refill its buffers in place
            self._last = (np.array(rgb), np.array(depth), np.array(K), np.array(T_base_cam), dets)
        t1 = time.perf_counter()
        margin = self.config.hidden_margin_m
        objects = self.tracker.update(
            dets, stamp_s, hidden=lambda d: hidden_from_view(d.position, d.size, depth, K, T_base_cam, margin))
        rels = relations(objects, self.predicates)
        t2 = time.perf_counter()
        return SceneResult(stamp_s, objects, rels,
                           {"detect": (t1 - t0) * 1e3, "track": (t2 - t1) * 1e3, "total": (t2 - t0) * 1e3},
                           list(self.tracker.events))
