"""Closed-loop skill execution logic of the policy node (pure: no ROS).

``SkillRun`` decides, once per control period, what to send to the arm:
an action from the policy (temporally ensembled chunks), a hold (zero
velocity) when the input is stale, or the end of the skill (done, timeout).
The node feeds it observations and publishes what it returns.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from promptbot.policy.ensemble import TemporalEnsembler


@dataclass(frozen=True)
class RunnerConfig:
    control_rate_hz: float = 20.0
    timeout_s: float = 30.0
    max_image_age_s: float = 0.25          # older camera frames are stale: hold
    stale_abort_s: float = 3.0             # stale this long: abort with STALE_INPUT
    done_threshold: float = 0.8            # learned done probability
    done_consecutive: int = 3              # ... for this many control periods
    ensemble_k: float = 0.1
    max_linear_m_s: float = 0.3            # clip of the policy's own output (the governor limits again)
    max_angular_rad_s: float = 1.0

    def __post_init__(self):
        if not 1.0 <= self.control_rate_hz <= 100.0:
            raise ValueError("control_rate_hz must be in [1, 100]")
        if self.timeout_s <= 0 or self.max_image_age_s <= 0 or self.stale_abort_s <= 0:
            raise ValueError("timeouts must be > 0 s")
        if not 0.0 < self.done_threshold <= 1.0 or self.done_consecutive < 1:
            raise ValueError("done_threshold must be in (0, 1] and done_consecutive >= 1")

    @property
    def period_s(self) -> float:
        return 1.0 / self.control_rate_hz


@dataclass
class Decision:
    kind: str                              # "act" | "hold" | "done" | "timeout" | "stale"
    action: np.ndarray | None = None       # (7,) when kind == "act"
    reason: str = ""


HOLD_ACTION_DIMS = 6                       # twist part of an action


class SkillRun:
    def __init__(self, cfg: RunnerConfig, chunk: int, start_time_s: float):
        self.cfg = cfg
        self.ensembler = TemporalEnsembler(chunk, 7, cfg.ensemble_k)
        self.start = start_time_s
        self.stale_since: float | None = None
        self.done_streak = 0
        self.steps = 0

    def progress(self, now_s: float) -> float:
        return float(min(1.0, max(0.0, (now_s - self.start) / self.cfg.timeout_s)))

    def check_inputs(self, now_s: float, image_stamp_s: float | None) -> Decision | None:
        """Hold/stale/timeout decisions that do not need the policy; None means: run the policy."""
        if now_s - self.start >= self.cfg.timeout_s:
            return Decision("timeout", reason=f"skill not finished after {self.cfg.timeout_s:.1f} s")
        age = math.inf if image_stamp_s is None else now_s - image_stamp_s
        if age > self.cfg.max_image_age_s:
            self.stale_since = now_s if self.stale_since is None else self.stale_since
            if now_s - self.stale_since >= self.cfg.stale_abort_s:
                return Decision("stale", reason=f"camera stale for {now_s - self.stale_since:.1f} s")
            what = "no camera frame yet" if image_stamp_s is None else f"camera frame {age * 1e3:.0f} ms old"
            return Decision("hold", reason=what)
        self.stale_since = None
        return None

    def on_chunk(self, actions: np.ndarray, done_prob: float) -> Decision:
        if not np.all(np.isfinite(actions)):
            return Decision("hold", reason="policy output contains NaN/inf")
        self.done_streak = self.done_streak + 1 if done_prob >= self.cfg.done_threshold else 0
        if self.done_streak >= self.cfg.done_consecutive:
            return Decision("done", reason=f"policy done (p={done_prob:.2f})")
        self.ensembler.add(actions)
        a = self.ensembler.step().astype(np.float64)
        lin, ang = a[:3], a[3:6]
        n = np.linalg.norm(lin)
        if n > self.cfg.max_linear_m_s:
            lin = lin * (self.cfg.max_linear_m_s / n)
        n = np.linalg.norm(ang)
        if n > self.cfg.max_angular_rad_s:
            ang = ang * (self.cfg.max_angular_rad_s / n)
        self.steps += 1
        return Decision("act", np.concatenate([lin, ang, a[6:7]]))
