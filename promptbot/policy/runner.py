"""Closed-loop skill execution logic of the policy node (pure: no ROS).

``SkillRun`` decides, once per control period, what to send to the arm:
an action from the policy (temporally ensembled chunks), a hold (zero
velocity) when the input is stale, or the end of the skill (done, timeout,
stale input, no progress).
The node feeds it observations and publishes what it returns.

Latency compensation: entry i of a chunk is the action for the control period
that starts i periods after the observation was taken (that is how the
demonstrations were recorded: observe, then act at once). Through a real
graph the image is already some tens of ms old when the chunk comes out, and
the command reaches the arm later still, so the runner skips the entries whose
time has passed: ``round(obs_age / period + chunk_offset_steps)``. Executing a
stale entry is a delay inside a feedback loop; measured on the demo scene, a
single 50 ms delay turned a 5 s pick into a 40 s timeout (see
``promptbot eval-policy --latency-steps``).

No progress ends a skill early (``check_progress``): if for ``stall_s`` the
end effector has stayed within ``stall_motion_m`` of where it was, the gripper
opening has not changed by more than ``stall_gripper_m`` and the commanded
width not by more than ``STALL_GRIPPER_COMMAND_M``, the skill ends with kind
"stalled" and a reason that says so. A policy that dithers also stalls: over ``DITHER_WINDOW_FACTOR * stall_s``
the end effector never left a ball of ``DITHER_RADIUS_FACTOR * stall_motion_m``
around its mean position and the gripper did not change. Changes of the
commanded *twist* alone are not progress: a policy whose varying commands do
not move the arm (held by the safety governor, pressing on an object) is stuck.
Without this a stuck skill ran out its whole timeout (60 s in the graph).

A policy can also wander: the arm keeps moving, never still and never in one small ball, and never closes or opens
the gripper. ``grasp_idle_s`` (off by default; the policy node sets it for pick, place and stack, the skills that
must close or open the gripper) ends such a skill once the gripper opening and command have not changed for that
long. Seen in the graph on 2026-12-05: a pick of the blue cube ran for the executive's whole 65 s limit, three
times, with the arm moving and the fingers open. A pick can also keep closing on nothing and opening again:
``empty_grasps`` (the policy node sets 2 for pick) ends it when the fingers have closed that many times to less
than ``EMPTY_CLOSE_M`` apart (nothing between them: a 4 cm cube holds them about 4 cm apart).

A place or stack is finished once the object is let go: ``release_done`` (the policy node and ``eval-policy`` set it
for place and stack) turns the no-progress end into "done" when, during the skill, the fingers held something
(opening below ``RELEASE_HELD_M``) and then opened by at least ``RELEASE_OPEN_M``. The learned done flag seldom
fires after a release: on 80 held-out episodes of the batch-256 network (models/MODEL_CARD.md, 2026-12-06) all 14
successful places and stacks ended "no progress", each a FAILED step and a replan in the graph. Whether the
object ended where it should is still judged afterwards (perception verification in the graph, ground truth in
``eval-policy``), never from this.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from promptbot.policy.ensemble import TemporalEnsembler


STALL_S = 4.0                  # no progress for this long ends the skill [s]
ENSEMBLE_K = 0.1               # temporal ensembling's weight decay (promptbot.policy.ensemble; > 0 favours the oldest)
STALL_MOTION_M = 0.005         # end-effector travel that counts as progress [m]
STALL_GRIPPER_M = 0.002        # change of the gripper opening that counts as progress [m]
STALL_GRIPPER_COMMAND_M = 0.01 # change of the commanded opening that counts as progress (a regressed width
                               # wanders by a few mm without meaning to open or close) [m]
GRASP_IDLE_S = 25.0            # the policy node's default: a grasp skill whose gripper has not changed this long ends [s]
GRASP_SKILLS = frozenset({"pick", "place", "stack"})    # the skills that must close or open the gripper
RELEASE_SKILLS = frozenset({"place", "stack"})          # the skills that end by letting go (release_done)
EMPTY_GRASPS = 2               # the policy node's default for a pick: this many closes on nothing end it
EMPTY_CLOSE_M = 0.005          # fingers closer than this hold nothing [m]
REARM_OPEN_M = 0.02            # ... and a new close counts once they opened wider than this again [m]
RELEASE_HELD_M = 0.06          # fingers closer than this hold something (a 4 cm cube: ~4 cm) [m]
RELEASE_OPEN_M = 0.015         # ... and opening this much wider than that lets it go [m]
DITHER_WINDOW_FACTOR = 2.0     # dithering is judged over this many stall_s ...
DITHER_RADIUS_FACTOR = 3.0     # ... within a ball of this many stall_motion_m (15 mm, 8 s by default)
WALL_BACKSTOP_FACTOR = 3.0     # a skill ends after this many timeouts of wall-clock time, whatever its own clock says


@dataclass(frozen=True)
class RunnerConfig:
    control_rate_hz: float = 20.0
    timeout_s: float = 30.0
    max_image_age_s: float = 0.25          # older camera frames are stale: hold
    stale_abort_s: float = 3.0             # stale this long: abort with STALE_INPUT
    done_threshold: float = 0.8            # learned done probability
    done_consecutive: int = 3              # ... for this many control periods
    ensemble_k: float = ENSEMBLE_K
    max_linear_m_s: float = 0.3            # clip of the policy's own output (the governor limits again)
    max_angular_rad_s: float = 1.0
    chunk_offset_steps: float = 0.0        # periods between taking an observation and acting on it, beyond its age
    latency_compensation: bool = True      # skip the chunk entries whose time has passed (see module doc)
    stall_s: float = STALL_S               # no progress this long ends the skill (0 = never) [s]
    stall_motion_m: float = STALL_MOTION_M
    stall_gripper_m: float = STALL_GRIPPER_M
    grasp_idle_s: float = 0.0              # the gripper unchanged this long ends a grasp skill (0 = off) [s]
    empty_grasps: int = 0                  # this many closes on nothing end a pick (0 = off)
    release_done: bool = False             # place/stack: no progress after a release is "done" (module doc)
    wall_backstop_factor: float = WALL_BACKSTOP_FACTOR   # wall-clock limit = timeout_s x this (see check_inputs)

    def __post_init__(self):
        if not 1.0 <= self.control_rate_hz <= 100.0:
            raise ValueError("control_rate_hz must be in [1, 100]")
        if self.timeout_s <= 0 or self.max_image_age_s <= 0 or self.stale_abort_s <= 0:
            raise ValueError("timeouts must be > 0 s")
        if not 0.0 < self.done_threshold <= 1.0 or self.done_consecutive < 1:
            raise ValueError("done_threshold must be in (0, 1] and done_consecutive >= 1")
        if not 0.0 <= self.chunk_offset_steps <= 10.0:
            raise ValueError("chunk_offset_steps must be in [0, 10]")
        if not 0.0 <= self.stall_s <= 600.0:
            raise ValueError("stall_s must be in [0, 600] s (0 = off)")
        if not 0 <= self.empty_grasps <= 100:
            raise ValueError("empty_grasps must be in [0, 100] (0 = off)")
        if not 0.0 <= self.grasp_idle_s <= 600.0:
            raise ValueError("grasp_idle_s must be in [0, 600] s (0 = off)")
        if not 1.0 <= self.wall_backstop_factor <= 20.0:
            raise ValueError("wall_backstop_factor must be in [1, 20]")
        if not (0.0 < self.stall_motion_m <= 0.5 and 0.0 < self.stall_gripper_m <= 0.08):
            raise ValueError("stall_motion_m must be in (0, 0.5] m and stall_gripper_m in (0, 0.08] m")

    @property
    def period_s(self) -> float:
        return 1.0 / self.control_rate_hz


@dataclass
class Decision:
    kind: str                              # "act" | "hold" | "done" | "timeout" | "stale" | "stalled" | "stopped"
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
        self.skipped = 0                   # chunk entries skipped for latency, summed over steps
        self.commanded_gripper_m: float | None = None   # gripper width of the last "act" decision
        self._track: deque = deque()       # (t [s], TCP xyz [m], gripper width [m], commanded width [m])
        self.empty_closes = 0              # closes of the fingers on nothing so far
        self.held_width_m: float | None = None   # the narrowest opening seen while holding something [m]
        self.released = False              # the fingers let go of what they held (release_done)
        # the fingers opened since the last close on nothing; not before they were first seen open: a retried
        # pick that starts with the hand shut (the last attempt's miss) has not closed on anything yet
        self._armed = False

    def progress(self, now_s: float) -> float:
        return float(min(1.0, max(0.0, (now_s - self.start) / self.cfg.timeout_s)))

    def check_inputs(self, now_s: float, image_stamp_s: float | None,
                     wall_elapsed_s: float | None = None) -> Decision | None:
        """Hold/stale/timeout decisions that do not need the policy; None means: run the policy.

        ``now_s`` is the node's clock (sim time in the simulated graph): the timeout counts on it, so a
        simulator slower than real time (0.4-0.5x with the whole graph on 2 cores) still gives the policy
        the seconds of motion it was evaluated with (``promptbot eval-policy`` counts sim time too). The
        executive waits on the same ROS clock. A clock that stops or crawls must not keep a skill alive
        for ever: ``wall_elapsed_s`` (monotonic seconds since the start) ends it with "timeout" once it
        reaches ``timeout_s * wall_backstop_factor``.
        """
        elapsed = now_s - self.start
        if elapsed >= self.cfg.timeout_s:
            return Decision("timeout", reason=f"skill not finished after {self.cfg.timeout_s:.1f} s")
        wall_limit = self.cfg.timeout_s * self.cfg.wall_backstop_factor
        if wall_elapsed_s is not None and wall_elapsed_s >= wall_limit:
            rate = elapsed / wall_elapsed_s if wall_elapsed_s > 0 else 0.0
            return Decision("timeout", reason=f"skill not finished after {wall_limit:.1f} s of wall-clock "
                                              f"time ({elapsed:.1f} s of the node's clock: it runs at "
                                              f"{rate:.2f}x real time)")
        age = math.inf if image_stamp_s is None else now_s - image_stamp_s
        if age > self.cfg.max_image_age_s:
            self.stale_since = now_s if self.stale_since is None else self.stale_since
            if now_s - self.stale_since >= self.cfg.stale_abort_s:
                return Decision("stale", reason=f"camera stale for {now_s - self.stale_since:.1f} s")
            what = "no camera frame yet" if image_stamp_s is None else f"camera frame {age * 1e3:.0f} ms old"
            self._track.clear()            # holding is not the policy's lack of progress: judge afresh after it
            return Decision("hold", reason=what)
        self.stale_since = None
        return None

    def hold(self, reason: str) -> Decision:
        """Hold for a reason outside the policy (the safety governor pauses the arm): not the policy's
        lack of progress, so progress is judged afresh after it."""
        self._track.clear()
        return Decision("hold", reason=reason)

    def check_progress(self, now_s: float, tcp_xyz_m, gripper_width_m: float) -> Decision | None:
        """Record the arm's state; a "stalled" decision when it has made no progress (module doc), else None."""
        cfg = self.cfg
        if cfg.empty_grasps > 0:
            width = float(gripper_width_m)
            if self._armed and width < EMPTY_CLOSE_M:
                self.empty_closes += 1
                self._armed = False
            elif width > REARM_OPEN_M:
                self._armed = True
            if self.empty_closes >= cfg.empty_grasps:
                return Decision("stalled", reason=f"no progress: the fingers closed on nothing {self.empty_closes} times")
        if cfg.release_done:
            width = float(gripper_width_m)
            if EMPTY_CLOSE_M <= width < RELEASE_HELD_M and not self.released:
                self.held_width_m = width if self.held_width_m is None else min(self.held_width_m, width)
            elif self.held_width_m is not None and width >= self.held_width_m + RELEASE_OPEN_M:
                self.released = True
        decision = self._no_progress(now_s, tcp_xyz_m, gripper_width_m)
        if decision is not None and self.released:
            return Decision("done", reason=f"released the object, then held still ({decision.reason})")
        return decision

    def _no_progress(self, now_s: float, tcp_xyz_m, gripper_width_m: float) -> Decision | None:
        cfg = self.cfg
        if cfg.stall_s <= 0 and cfg.grasp_idle_s <= 0:
            return None
        cmd = gripper_width_m if self.commanded_gripper_m is None else self.commanded_gripper_m
        self._track.append((now_s, np.asarray(tcp_xyz_m, dtype=np.float64).reshape(3), float(gripper_width_m),
                            float(cmd)))
        dither_s = DITHER_WINDOW_FACTOR * cfg.stall_s
        keep_s = max(dither_s, cfg.grasp_idle_s)
        while len(self._track) > 1 and self._track[1][0] <= now_s - keep_s:
            self._track.popleft()          # keep one sample at or before the longest window's start
        if cfg.grasp_idle_s > 0 and self._covers(now_s, cfg.grasp_idle_s) and \
                self._gripper_unchanged(self._since(now_s - cfg.grasp_idle_s)):
            return Decision("stalled", reason=f"no progress for {cfg.grasp_idle_s:.1f} s: the gripper has neither "
                                              "closed nor opened (the arm kept moving without grasping)")
        if cfg.stall_s <= 0:
            return None
        if self._covers(now_s, cfg.stall_s) and self._still(self._since(now_s - cfg.stall_s)):
            return Decision("stalled", reason=f"no progress for {cfg.stall_s:.1f} s: the arm has not moved more "
                                              f"than {cfg.stall_motion_m * 1e3:.0f} mm and the gripper is unchanged")
        if self._covers(now_s, dither_s) and self._dithering(self._since(now_s - dither_s)):
            return Decision("stalled", reason=f"no progress for {dither_s:.1f} s: the arm has stayed within "
                                              f"{DITHER_RADIUS_FACTOR * cfg.stall_motion_m * 1e3:.0f} mm "
                                              "(dithering) and the gripper is unchanged")
        return None

    def _covers(self, now_s: float, window_s: float) -> bool:
        return self._track[0][0] <= now_s - window_s + 1e-9

    def _since(self, t_s: float) -> list:
        return [x for x in self._track if x[0] >= t_s - 1e-9]

    def _gripper_unchanged(self, span) -> bool:
        widths = np.array([[x[2], x[3]] for x in span])
        opening, command = np.ptp(widths, axis=0)
        return bool(opening <= self.cfg.stall_gripper_m and command <= STALL_GRIPPER_COMMAND_M)

    def _still(self, span) -> bool:
        ref = span[0][1]
        return (max(float(np.linalg.norm(x[1] - ref)) for x in span) <= self.cfg.stall_motion_m
                and self._gripper_unchanged(span))

    def _dithering(self, span) -> bool:
        xyz = np.stack([x[1] for x in span])
        radius = float(np.max(np.linalg.norm(xyz - xyz.mean(axis=0), axis=1)))
        return radius <= DITHER_RADIUS_FACTOR * self.cfg.stall_motion_m and self._gripper_unchanged(span)

    def skip_steps(self, obs_age_s: float, chunk: int) -> int:
        """How many leading chunk entries are already in the past when the action is applied."""
        if not self.cfg.latency_compensation:
            return 0
        late = max(0.0, obs_age_s) / self.cfg.period_s + self.cfg.chunk_offset_steps
        return int(min(chunk - 1, max(0, round(late))))

    def on_chunk(self, actions: np.ndarray, done_prob: float, obs_age_s: float = 0.0) -> Decision:
        """Decide from a chunk predicted from an observation ``obs_age_s`` old (its age when acted on)."""
        if not np.all(np.isfinite(actions)):
            return Decision("hold", reason="policy output contains NaN/inf")
        skip = self.skip_steps(obs_age_s, len(actions))
        self.skipped += skip
        if skip:       # the entries' times have passed: shift, holding the last entry for the tail
            actions = np.concatenate([actions[skip:], np.repeat(actions[-1:], skip, axis=0)])
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
        self.commanded_gripper_m = float(a[6])
        return Decision("act", np.concatenate([lin, ang, a[6:7]]))
