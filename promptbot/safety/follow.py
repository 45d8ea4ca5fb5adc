"""What an executor that moves the arm itself must do, from the governor's published state (pure).

The simulator's scripted expert (the privileged baseline executor) drives the arm inside the sim,
not through the safety node's command path. It still follows the governor's decisions that are
about *whether* to move at all: a latched e-stop ends the running skill, and a pause (someone is
speaking to the robot) holds it until the pause ends. The follower only trusts a fresh state: if
the safety node stops publishing (it publishes at 10 Hz), a pause it announced is not obeyed
forever, while a latched e-stop stays latched until a fresh state says otherwise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum


class Verdict(str, Enum):
    GO = "go"        # move on
    HOLD = "hold"    # stand still and wait (a pause)
    STOP = "stop"    # end the skill (e-stop latched)


@dataclass
class SafetyFollower:
    """Latest governor state -> GO / HOLD / STOP for a self-driven executor."""

    stale_after_s: float = 1.0               # [s] a state older than this no longer holds the arm
    _estop: bool = field(default=False, init=False)
    _paused: bool = field(default=False, init=False)
    _stamp: float = field(default=-math.inf, init=False)

    def __post_init__(self):
        if not (math.isfinite(self.stale_after_s) and self.stale_after_s > 0):
            raise ValueError(f"stale_after_s must be > 0, got {self.stale_after_s!r}")

    def update(self, estop_latched: bool, paused: bool, now: float) -> None:
        """A state message arrived at ``now`` [s, monotonic]."""
        self._estop, self._paused, self._stamp = bool(estop_latched), bool(paused), float(now)

    def verdict(self, now: float) -> Verdict:
        if self._estop:
            return Verdict.STOP
        if self._paused and now - self._stamp <= self.stale_after_s:
            return Verdict.HOLD
        return Verdict.GO
