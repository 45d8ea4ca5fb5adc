"""The safety governor: every arm command passes through here before it reaches the arm.

Pure logic (no ROS). The node converts messages to the plain types below, calls
the governor with the current time [s] and the latest end-effector pose, and
publishes what comes back. Rules, in the order applied to a twist:

1. latched e-stop -> zero (released only by :meth:`Governor.release`);
   a timed pause (:meth:`Governor.pause`, e.g. while someone speaks to the robot) -> zero until it
   ends: at :meth:`Governor.resume` or by itself after at most ``max_pause``, never latched;
2. malformed command (NaN/inf, wrong frame) -> rejected, the stored command is
   dropped and the output is zero;
3. no fresh command for ``command_timeout`` -> zero (a clock that jumps backwards
   drops the command);
4. no end-effector pose, or one older than ``state_timeout`` -> zero (hold);
5. speed clamp (norm, direction kept), then acceleration clamp (norm of the
   velocity change per output period; a commanded full stop is never delayed);
6. workspace box: each velocity component that would carry the TCP outside the
   box within the lookahead (one control period plus the pose's age) is zeroed;
   components that move it back inside always pass.

Stopping is never rate-limited: every safety stop is immediate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import IntEnum

import numpy as np

from promptbot.safety.config import Box, GovernorConfig
from promptbot.safety.kinematics import ARM_JOINTS, Q_MAX, Q_MIN, QD_MAX, tcp_position, tcp_positions

Vec3 = tuple[float, float, float]
ZERO3: Vec3 = (0.0, 0.0, 0.0)
PATH_STEP_RAD = 0.05          # trajectory path check: max joint motion between TCP samples [rad]
MAX_PATH_SAMPLES = 20000      # bounds the check's time (~20 ms); longer paths are refused
MOTION_EPS_M = 0.001          # TCP travel that counts as the arm moving [m]
MOVING_WINDOW_S = 0.5         # the arm moved this recently when a pause began: it was moving [s]


class State(IntEnum):
    """Matches the constants of promptbot_msgs/msg/SafetyState."""

    OK = 0
    LIMITING = 1
    HOLDING = 2
    ESTOP = 3


@dataclass(frozen=True)
class Twist:
    """Cartesian velocity command of the TCP: linear [m/s], angular [rad/s], in ``frame_id``."""

    linear: Vec3 = ZERO3
    angular: Vec3 = ZERO3
    frame_id: str = "panda_link0"

    @property
    def is_zero(self) -> bool:
        return all(v == 0.0 for v in self.linear) and all(v == 0.0 for v in self.angular)


@dataclass(frozen=True)
class EEPose:
    """TCP position [m] in the base frame and the time [s] of the joint reading it came from."""

    position: Vec3
    stamp: float


@dataclass(frozen=True)
class JointSample:
    """Arm joint angles panda_joint1..7 [rad] and their time [s]."""

    q: tuple[float, ...]
    stamp: float


@dataclass(frozen=True)
class TrajectoryPoint:
    positions: tuple[float, ...]
    velocities: tuple[float, ...] = ()
    accelerations: tuple[float, ...] = ()
    time_from_start: float = 0.0     # [s]


@dataclass(frozen=True)
class Trajectory:
    joint_names: tuple[str, ...]
    points: tuple[TrajectoryPoint, ...]


@dataclass(frozen=True)
class Intervention:
    """One thing the governor changed or refused, with a human-readable reason."""

    kind: str       # estop, invalid, frame, clock, timeout, no_state, stale_state, speed, accel, workspace, gripper, trajectory
    reason: str
    stamp: float    # [s]
    interface: str = "twist"   # twist, gripper, trajectory, estop


def _finite(values) -> bool:
    try:
        return all(math.isfinite(float(v)) for v in values)
    except (TypeError, ValueError, OverflowError):
        return False


def _norm(v) -> float:
    return math.sqrt(sum(float(x) * float(x) for x in v))


def _scale(v, k: float) -> Vec3:
    return (v[0] * k, v[1] * k, v[2] * k)


def _excess(p, box: Box) -> float:
    """Distance [m] of point ``p`` outside ``box`` (0 inside)."""
    d2 = 0.0
    for v, lo, hi in zip(p, box.lower, box.upper):
        e = lo - v if v < lo else (v - hi if v > hi else 0.0)
        d2 += e * e
    return math.sqrt(d2)


@dataclass
class _Step:
    out: Twist
    state: State
    found: list[Intervention] = field(default_factory=list)


class Governor:
    """Checks and limits twist, gripper and joint-trajectory commands (see module doc)."""

    def __init__(self, config: GovernorConfig | None = None):
        self.config = config or GovernorConfig()
        self._cmd: Twist | None = None
        self._cmd_time = -math.inf
        self._out = Twist(frame_id=self.config.frame_id)
        self._out_time: float | None = None
        self._estop = False
        self._state = State.HOLDING
        self._reason = "no command yet"
        self._active: set[str] = set()     # condition keys reported in the previous step
        self._reason_key = ""
        self.interventions_total = 0
        self._pause_until = -math.inf      # a timed hold (pause / resume) ends at this time [s]
        self._pause_reason = ""
        self._pause_while_moving = False   # the arm was moving when the pause began
        self._ref_pos: Vec3 | None = None  # TCP position [m] when the arm last moved MOTION_EPS_M
        self._moved_at = -math.inf         # time [s] of that motion

    # ---------------------------------------------------------------- state
    @property
    def estop_latched(self) -> bool:
        return self._estop

    @property
    def state(self) -> State:
        return self._state

    @property
    def reason(self) -> str:
        """Why the governor is not passing commands unchanged ("" when OK)."""
        return self._reason

    @property
    def last_output(self) -> Twist:
        return self._out

    def estop(self, reason: str, now: float) -> Intervention:
        """Latch the e-stop: zero velocity until :meth:`release`. Idempotent."""
        self._estop = True
        self._cmd = None
        self._out = Twist(frame_id=self.config.frame_id)
        self._out_time = now
        self._state = State.ESTOP
        self._reason = f"e-stop: {reason}"
        iv = Intervention("estop", self._reason, now, "estop")
        self.interventions_total += 1
        self._active = {"estop"}
        return iv

    def pause(self, reason: str, now: float, duration: float | None = None) -> None:
        """Hold the arm (zero twist, gripper and new trajectories dropped) from ``now`` for ``duration``
        [s], at most ``config.max_pause``; not latched: it ends at :meth:`resume` or by itself.
        Calling it again extends or shortens the hold. The hold is reported, once, by the next
        :meth:`tick` or :meth:`filter_twist` (kind ``pause``)."""
        cap = self.config.max_pause
        d = cap if duration is None else duration
        if not (isinstance(d, (int, float)) and math.isfinite(d) and d >= 0.0):
            raise ValueError(f"pause duration must be a finite number >= 0, got {duration!r}")
        if now >= self._pause_until:       # a new pause (not an extension): was the arm moving?
            self._pause_while_moving = now - self._moved_at <= MOVING_WINDOW_S
        self._pause_until = now + min(float(d), cap)
        self._pause_reason = reason

    def resume(self, now: float, delay: float = 0.0) -> bool:
        """End a pause ``delay`` [s] from now (sooner if it was ending sooner), or at once if the arm
        was still when the pause began (nothing to keep still for a cancel). True if one was running."""
        if now >= self._pause_until:
            return False
        wait = max(0.0, float(delay)) if self._pause_while_moving else 0.0
        self._pause_until = min(self._pause_until, now + wait)
        return True

    def _track_motion(self, ee: EEPose | None) -> None:
        if ee is None or not _finite(ee.position):
            return
        if self._ref_pos is None or math.dist(ee.position, self._ref_pos) > MOTION_EPS_M:
            if self._ref_pos is not None:
                self._moved_at = ee.stamp
            self._ref_pos = tuple(ee.position)

    def paused(self, now: float) -> bool:
        return now < self._pause_until

    def resume_waits(self, now: float) -> bool:
        """Would :meth:`resume` with a delay wait now: a pause is running and the arm was moving when it
        began. A caller that times the delay on another clock (the safety node: the wall clock) asks this
        first and calls ``resume(now)`` when its delay is over."""
        return self.paused(now) and self._pause_while_moving

    def release(self, now: float) -> str:
        """Release a latched e-stop. The arm stays still until a fresh command arrives."""
        was = self._estop
        self._estop = False
        self._cmd = None
        self._out = Twist(frame_id=self.config.frame_id)
        self._out_time = now
        self._state = State.HOLDING
        self._reason = "e-stop released: waiting for a fresh command" if was else "no command"
        self._active = set()
        return "e-stop released" if was else "e-stop was not latched"

    # ---------------------------------------------------------------- twist
    def filter_twist(self, cmd: Twist, ee: EEPose | None, now: float) -> tuple[Twist, list[Intervention]]:
        """Check a new twist command; return the twist to send now and the interventions made."""
        cfg = self.config
        self._track_motion(ee)
        pre: list[Intervention] = []
        if not self._estop:
            problem = self._invalid(cmd)
            if problem is not None:
                kind, reason = problem
                self._cmd = None   # a malfunctioning publisher: stop now, wait for a good command
                pre.append(Intervention(kind, reason, now))
            else:
                frame = cfg.frame_id if (cmd.frame_id == "" and cfg.accept_empty_frame) else cmd.frame_id
                self._cmd = Twist(tuple(float(v) for v in cmd.linear), tuple(float(v) for v in cmd.angular), frame)
                self._cmd_time = now
        step = self._compute(ee, now)
        step.found[:0] = pre
        if pre and step.state in (State.OK, State.LIMITING):
            step.state = State.HOLDING
        return self._finish(step, now, fresh=True)

    def tick(self, ee: EEPose | None, now: float) -> tuple[Twist, list[Intervention]]:
        """Recompute the output for the stored command (control-rate timer); zero after the timeout."""
        self._track_motion(ee)
        return self._finish(self._compute(ee, now), now, fresh=False)

    def _invalid(self, cmd: Twist) -> tuple[str, str] | None:
        try:
            lin, ang = tuple(cmd.linear), tuple(cmd.angular)
        except TypeError:
            return ("invalid", "twist rejected: linear/angular are not vectors")
        if len(lin) != 3 or len(ang) != 3:
            return ("invalid", "twist rejected: linear and angular need 3 components each")
        if not _finite(lin) or not _finite(ang):
            return ("invalid", f"twist rejected: non-finite value (linear={lin}, angular={ang})")
        frame = cmd.frame_id
        if not isinstance(frame, str) or not (frame == self.config.frame_id or (frame == "" and self.config.accept_empty_frame)):
            shown = frame[:64] + "..." if isinstance(frame, str) and len(frame) > 64 else frame
            return ("frame", f"twist rejected: frame {shown!r} is not {self.config.frame_id!r}")
        return None

    def _hold(self, key: str, kind: str, reason: str, now: float, state: State = State.HOLDING) -> _Step:
        step = _Step(Twist(frame_id=self.config.frame_id), state)
        step.found.append(Intervention(kind, reason, now))
        self._reason_key = key
        return step

    def _compute(self, ee: EEPose | None, now: float) -> _Step:
        cfg = self.config
        self._reason_key = ""
        if self._estop:
            return self._hold("estop", "estop", "command dropped: e-stop latched (call release)", now, State.ESTOP)
        if now < self._pause_until:
            return self._hold("pause", "pause", f"paused ({self._pause_reason}): zero velocity for up to "
                                                f"{self._pause_until - now:.2f} s more", now)
        if self._cmd is None:
            step = _Step(Twist(frame_id=cfg.frame_id), State.HOLDING)
            self._reason_key = "idle"
            return step
        age = now - self._cmd_time
        if age < 0.0:   # the clock jumped backwards (e.g. a simulator reset): the command's age is unknown
            self._cmd = None
            return self._hold("clock", "clock", f"time jumped backwards by {-age:.3f} s: command dropped", now)
        if age > cfg.command_timeout:
            return self._hold("timeout", "timeout", f"no command for {age:.3f} s (> {cfg.command_timeout} s): zero velocity", now)
        if ee is None:
            return self._hold("no_state", "no_state", "no joint state yet: holding", now)
        pose_age = now - ee.stamp
        if not pose_age >= 0.0:
            return self._hold("stale_state", "stale_state",
                              f"joint state is stamped {-pose_age:.3f} s in the future (clock jump?): holding", now)
        if pose_age > cfg.state_timeout or not _finite(ee.position):
            return self._hold("stale_state", "stale_state",
                              f"joint state is {pose_age:.3f} s old (> {cfg.state_timeout} s): holding", now)

        found: list[Intervention] = []
        lin, ang = self._cmd.linear, self._cmd.angular
        # 1. speed
        n = _norm(lin)
        if n > cfg.max_linear_speed:
            lin = _scale(lin, cfg.max_linear_speed / n)
            found.append(Intervention("speed", f"linear speed {n:.3f} m/s clamped to {cfg.max_linear_speed} m/s", now))
        n = _norm(ang)
        if n > cfg.max_angular_speed:
            ang = _scale(ang, cfg.max_angular_speed / n)
            found.append(Intervention("speed", f"angular speed {n:.3f} rad/s clamped to {cfg.max_angular_speed} rad/s", now))
        # 2. workspace box with lookahead, on the wanted velocity (so the acceleration clamp
        #    ramps toward a feasible target), 3. acceleration (a commanded full stop passes
        #    at once), 4. workspace again on the result (zeroing an outward component is immediate)
        horizon = cfg.control_period + max(pose_age, 0.0)
        lin, blocked = self._box(ee.position, lin, horizon)
        if not (all(v == 0.0 for v in lin) and all(v == 0.0 for v in ang)):
            dt = cfg.control_period if self._out_time is None else min(max(now - self._out_time, 0.0), cfg.command_timeout)
            lin, clamped = self._accel(self._out.linear, lin, cfg.max_linear_accel * dt)
            if clamped:
                found.append(Intervention("accel", f"linear acceleration clamped to {cfg.max_linear_accel} m/s^2", now))
            ang, clamped = self._accel(self._out.angular, ang, cfg.max_angular_accel * dt)
            if clamped:
                found.append(Intervention("accel", f"angular acceleration clamped to {cfg.max_angular_accel} rad/s^2", now))
            lin, more = self._box(ee.position, lin, horizon)
            blocked += [b for b in more if b not in blocked]
        lin_l = list(lin)
        if blocked:
            found.append(Intervention(
                "workspace",
                f"velocity toward {', '.join(blocked)} zeroed at the workspace boundary "
                f"(TCP at {tuple(round(v, 3) for v in ee.position)})",
                now,
            ))
            self._reason_key = "workspace:" + ",".join(blocked)
        out = Twist(tuple(lin_l), tuple(ang), cfg.frame_id)
        return _Step(out, State.LIMITING if found else State.OK, found)

    def _box(self, p, lin, horizon: float) -> tuple[Vec3, list[str]]:
        box = self.config.workspace
        out = list(lin)
        blocked = []
        for i, axis in enumerate("xyz"):
            p_next = p[i] + out[i] * horizon
            if (out[i] > 0.0 and p_next > box.upper[i]) or (out[i] < 0.0 and p_next < box.lower[i]):
                blocked.append(f"{axis}{'+' if out[i] > 0 else '-'}")
                out[i] = 0.0
        return (out[0], out[1], out[2]), blocked

    @staticmethod
    def _accel(prev: Vec3, want: Vec3, max_dv: float) -> tuple[Vec3, bool]:
        dv = (want[0] - prev[0], want[1] - prev[1], want[2] - prev[2])
        n = _norm(dv)
        if n <= max_dv + 1e-12:
            return want, False
        k = max_dv / n
        return (prev[0] + dv[0] * k, prev[1] + dv[1] * k, prev[2] + dv[2] * k), True

    _CONDITIONS = frozenset({"estop", "pause", "timeout", "no_state", "stale_state", "workspace", "clock"})

    def _finish(self, step: _Step, now: float, fresh: bool) -> tuple[Twist, list[Intervention]]:
        # Conditions (e-stop, timeout, stale state, workspace) are reported when they start, not at
        # every step; clamps are reported for every new command, not again on timer ticks.
        key = self._reason_key
        reported = [
            iv for iv in step.found
            if (iv.kind in self._CONDITIONS and not (key and key in self._active))
            or (iv.kind not in self._CONDITIONS and fresh)
        ]
        self._active = {key} if key else set()
        self._out = step.out
        self._out_time = now
        self._state = step.state
        if step.found:
            self._reason = step.found[-1].reason
        elif step.state == State.OK:
            self._reason = ""
        self.interventions_total += len(reported)
        return step.out, reported

    # ---------------------------------------------------------------- gripper
    def filter_gripper(self, width: float, now: float) -> tuple[float | None, list[Intervention]]:
        """Check a gripper opening width [m]; None means "do not send"."""
        cfg = self.config
        if self._estop:
            iv = [Intervention("estop", "gripper command dropped: e-stop latched", now, "gripper")]
        elif now < self._pause_until:
            iv = [Intervention("pause", f"gripper command dropped: paused ({self._pause_reason})", now, "gripper")]
        elif not _finite([width]):
            iv = [Intervention("invalid", f"gripper width rejected: not a finite number ({width!r})", now, "gripper")]
        else:
            w = float(width)
            c = min(max(w, cfg.gripper_min_width), cfg.gripper_max_width)
            if c != w:
                iv = [Intervention("gripper", f"gripper width {w:.4f} m clamped to {c:.4f} m", now, "gripper")]
                self.interventions_total += 1
                return c, iv
            return w, []
        self.interventions_total += 1
        return None, iv

    # ---------------------------------------------------------------- trajectory
    def filter_trajectory(
        self, traj: Trajectory, joints: JointSample | None, now: float
    ) -> tuple[Trajectory | None, list[Intervention]]:
        """Check a joint trajectory; return it (possibly slowed down) or None when refused.

        Refused: e-stop, no fresh joint state, unknown/duplicate joint names,
        wrong vector sizes, NaN/inf, times not increasing, positions outside
        Franka's joint limits, or a TCP path (waypoints and interpolated samples)
        leaving the workspace box further than it already is. Segments faster than
        ``joint_speed_scale`` x Franka's joint speed limits are stretched in time.
        An empty trajectory (a stop request) always passes.
        """
        out, reasons, slowed = self._check_trajectory(traj, joints, now)
        ivs = [Intervention("trajectory", r, now, "trajectory") for r in reasons]
        if out is not None and slowed:
            ivs.append(Intervention("speed", slowed, now, "trajectory"))
        self.interventions_total += len(ivs)
        return out, ivs

    def _check_trajectory(self, traj: Trajectory, joints: JointSample | None, now: float):
        cfg = self.config
        if not traj.points:
            return traj, [], ""
        if self._estop:
            return None, ["trajectory refused: e-stop latched"], ""
        if now < self._pause_until:
            return None, [f"trajectory refused: paused ({self._pause_reason})"], ""
        if joints is None:
            return None, ["trajectory refused: no joint state yet"], ""
        if not 0.0 <= now - joints.stamp <= cfg.state_timeout:
            return None, [f"trajectory refused: joint state is {now - joints.stamp:.3f} s old"], ""
        names = list(traj.joint_names)
        if not names or len(set(names)) != len(names):
            return None, ["trajectory refused: joint names empty or duplicated"], ""
        unknown = [n for n in names if n not in ARM_JOINTS]
        if unknown:
            return None, [f"trajectory refused: unknown joints {unknown[:5]}"], ""
        if len(traj.points) > cfg.max_trajectory_points:
            return None, [f"trajectory refused: {len(traj.points)} points (> {cfg.max_trajectory_points})"], ""
        idx = [ARM_JOINTS.index(n) for n in names]
        q_now = np.asarray(joints.q, dtype=float)
        lo, hi = Q_MIN[idx], Q_MAX[idx]
        full = []
        times = []
        for k, pt in enumerate(traj.points):
            if len(pt.positions) != len(names):
                return None, [f"trajectory refused: point {k} has {len(pt.positions)} positions for {len(names)} joints"], ""
            for label, vec in (("velocities", pt.velocities), ("accelerations", pt.accelerations)):
                if len(vec) not in (0, len(names)):
                    return None, [f"trajectory refused: point {k} has {len(vec)} {label} for {len(names)} joints"], ""
            if not (_finite(pt.positions) and _finite(pt.velocities) and _finite(pt.accelerations) and _finite([pt.time_from_start])):
                return None, [f"trajectory refused: point {k} has a non-finite value"], ""
            t = float(pt.time_from_start)
            if t < 0.0 or (times and t <= times[-1]):
                return None, [f"trajectory refused: time_from_start must increase (point {k}: {t} s)"], ""
            times.append(t)
            pos = np.asarray(pt.positions, dtype=float)
            bad = np.nonzero((pos < lo) | (pos > hi))[0]
            if bad.size:
                j = int(bad[0])
                return None, [f"trajectory refused: point {k} {names[j]}={pos[j]:.3f} rad outside "
                              f"[{lo[j]:.3f}, {hi[j]:.3f}]"], ""
            q = q_now.copy()
            q[idx] = pos
            full.append(q)
        # workspace: sample the joint-space path so no joint moves more than PATH_STEP_RAD between
        # samples, and check every sample's TCP (batched FK) against the box
        box = cfg.workspace
        start_excess = _excess(tcp_position(q_now, cfg.tcp_offset), box)
        allowed = start_excess + cfg.trajectory_box_margin
        samples, owner = [], []
        prev = q_now
        for k, q in enumerate(full):
            steps = max(1, int(math.ceil(float(np.max(np.abs(q - prev))) / PATH_STEP_RAD)))
            if len(owner) + steps > MAX_PATH_SAMPLES:
                return None, [f"trajectory refused: path too long to check (> {MAX_PATH_SAMPLES} samples "
                              f"of {PATH_STEP_RAD} rad)"], ""
            frac = np.arange(1, steps + 1, dtype=float)[:, None] / steps
            samples.append(prev + (q - prev) * frac)
            owner += [k] * steps
            prev = q
        pts = tcp_positions(np.vstack(samples), cfg.tcp_offset)
        lo_b, hi_b = np.asarray(box.lower), np.asarray(box.upper)
        excess = np.linalg.norm(np.maximum(lo_b - pts, 0.0) + np.maximum(pts - hi_b, 0.0), axis=1)
        bad = np.nonzero(excess > allowed + 1e-9)[0]
        if bad.size:
            i = int(bad[0])
            return None, [f"trajectory refused: TCP leaves the workspace near point {owner[i]} "
                          f"(at {tuple(round(float(v), 3) for v in pts[i])})"], ""
        # joint speed: stretch segments that are too fast
        qd_max = QD_MAX[idx] * cfg.joint_speed_scale
        new_times = []
        ratios = []
        t_prev_old, t_prev_new, q_prev = 0.0, 0.0, q_now[idx]
        for q, t in zip(full, times):
            need = float(np.max(np.abs(q[idx] - q_prev) / qd_max))
            dt_old = t - t_prev_old
            dt_new = max(dt_old, need)
            if dt_new <= 0.0:          # first point at t=0 exactly at the current pose
                dt_new = 0.0
            ratios.append(1.0 if dt_new == 0.0 or dt_old >= dt_new else dt_old / dt_new)
            t_prev_new += dt_new
            new_times.append(t_prev_new)
            t_prev_old, q_prev = t, q[idx]
        if all(r == 1.0 for r in ratios):
            return traj, [], ""
        pts = []
        for pt, t, r in zip(traj.points, new_times, ratios):
            pts.append(replace(
                pt,
                velocities=tuple(float(v) * r for v in pt.velocities),
                accelerations=tuple(float(a) * r * r for a in pt.accelerations),
                time_from_start=t,
            ))
        slowed = (f"trajectory slowed to {cfg.joint_speed_scale:.0%} of the joint speed limits: "
                  f"duration {times[-1]:.3f} s -> {new_times[-1]:.3f} s")
        return Trajectory(tuple(names), tuple(pts)), [], slowed
