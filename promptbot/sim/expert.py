"""Scripted expert: pick / place / stack / push through the policy's action space.

Every motion is a sequence of ``Action``s (EE twist in the base frame + gripper
width) sent to ``SimEnv.step`` at the control rate, so the exact stream can be
recorded as a demonstration (``observer`` sees each action before it is
applied). Grasps are real friction grasps: nothing is attached to the hand.

A plan step is ``(skill, args)`` with string args:

- ``("pick", (obj,))``
- ``("place", (obj, target))``  target = container id (into), object id (onto),
  region name from ``promptbot.scene.REGIONS``, or ``"x,y"`` in metres
- ``("stack", (a, b))``          put ``a`` on ``b``
- ``("push", (obj, region))``    slide ``obj`` along the table into ``region``

Success of a step is the geometric relation afterwards (``is_in`` / ``is_on`` /
``Region.contains``), read from simulator ground truth.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from promptbot.planning.skills import SKILLS
from promptbot.scene import REGIONS, WORKSPACE, ObjectState, is_in, is_on, near_limit
from promptbot.sim.env import GRIPPER_MAX_WIDTH_M, Action, SimEnv
from promptbot.sim.worlds import SHAPES
TRAVEL_Z_M = 0.20                 # EE height for transfers
APPROACH_DZ_M = 0.10              # pre-grasp height above the grasp point
LIFT_Z_M = 0.16
# held with one finger's contact: bottom at least this high and this close to the hand's axis [m]
CARRIED_MIN_BOTTOM_M = 0.05
CARRIED_MAX_OFFSET_M = 0.02
MAX_SPEED_M_S = 0.30
HOME_POS_M = (0.33, 0.0, 0.45)       # EE home: beside the base, out of the scene camera's view
CLEAR_Z_M = 0.25                     # rise to this height before heading home
KP_LIN = 5.0                      # 1/s
KP_ANG = 4.0                      # 1/s
MAX_ANG_RAD_S = 1.2
PUSH_SPEED_M_S = 0.08
PUSH_Z_M = 0.018                  # grasp-target height while pushing (finger tips ~8 mm above the table)
FINGER_HALF_THICK_M = 0.011
# a push ends with the object this far inside the region's edges and aims this far in: well clear of
# the border, so perception's ~1 cm error and a policy imitating the stop do not judge it outside
PUSH_STOP_INSIDE_M = 0.03
PUSH_AIM_INSIDE_M = 0.045


class SkillError(ValueError):
    """An unknown skill, wrong arguments or unknown object ids."""


@dataclass
class StepResult:
    skill: str
    args: tuple[str, ...]
    success: bool
    reason: str
    control_steps: int


def _wrap(angle: float, period: float) -> float:
    """Wrap into [-period/2, period/2)."""
    return (angle + period / 2.0) % period - period / 2.0


def _yaw_quat(yaw: float) -> np.ndarray:
    """Grasp frame pointing down, rotated by ``yaw`` about world z (x, y, z, w)."""
    # Rz(yaw) * Rx(pi)
    return np.array([math.cos(yaw / 2.0), math.sin(yaw / 2.0), 0.0, 0.0])


def _quat_err(q_des: np.ndarray, q_cur: np.ndarray) -> np.ndarray:
    """Rotation vector (world frame) taking q_cur to q_des."""
    x1, y1, z1, w1 = q_des
    x2, y2, z2, w2 = -q_cur[0], -q_cur[1], -q_cur[2], q_cur[3]
    q = np.array([w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
                  w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
                  w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
                  w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2])
    if q[3] < 0:
        q = -q
    s = np.linalg.norm(q[:3])
    if s < 1e-9:
        return np.zeros(3)
    return q[:3] / s * 2.0 * math.atan2(s, q[3])


@dataclass(frozen=True)
class ActionNoise:
    """DART-style disturbance of the *executed* twist (the observer still sees the clean one).

    Ornstein-Uhlenbeck noise with stationary std ``lin_std_m_s`` / ``ang_std_rad_s`` and
    correlation time ``tau_s``: the arm drifts off the expert's path and the closed-loop
    expert demonstrates the correction, which is what a cloned policy needs to recover
    from its own errors (Laskey et al., DART, 2017). The disturbance scales with the
    commanded speed (full at ``full_speed_m_s`` and above) so that fine approaches still
    converge to their tolerances instead of hovering until their timeouts.
    """

    lin_std_m_s: float = 0.03
    ang_std_rad_s: float = 0.1
    tau_s: float = 0.3
    full_speed_m_s: float = 0.1
    seed: int = 0

    def __post_init__(self):
        if self.lin_std_m_s < 0 or self.ang_std_rad_s < 0 or self.tau_s <= 0:
            raise ValueError("noise stds must be >= 0 and tau_s > 0")


class Expert:
    """Drives ``env`` with scripted skills; ``observer(action)`` is called before every control step."""

    def __init__(self, env: SimEnv, observer: Callable[[np.ndarray], None] | None = None,
                 noise: ActionNoise | None = None, release_width_m: float | None = None):
        """``release_width_m``: gripper width [m] commanded when a place or stack lets go. None (the
        default) opens to the held object's pre-grasp width (``_open_width``, since 932820a); 0.08
        (``GRIPPER_MAX_WIDTH_M``) opens fully, as the expert did for the Nov-26 demonstrations the
        committed VLA checkpoint learned from (models/MODEL_CARD.md)."""
        if release_width_m is not None and not 0.0 < release_width_m <= GRIPPER_MAX_WIDTH_M:
            raise ValueError(f"release_width_m must be in (0, {GRIPPER_MAX_WIDTH_M}] m or None, got {release_width_m}")
        self.env = env
        self.observer = observer
        self.noise = noise
        self.release_width_m = release_width_m
        self._noise_state = np.zeros(6)
        self._noise_rng = np.random.default_rng(noise.seed if noise else 0)
        self.steps = 0
        # continue from the current gripper command: a fresh expert must not drop what the arm holds
        self._gripper = float(getattr(env, "gripper_command", GRIPPER_MAX_WIDTH_M))
        self._held: str | None = None
        self._place_xy: tuple[float, float] = (0.0, 0.0)
        self._why: list[str] = []          # causes of the running skill's failure, for StepResult.reason
        self._misses = 0                   # waypoints not reached within their timeout in this skill

    # --- low-level motion ------------------------------------------------------
    def _act(self, lin=(0.0, 0.0, 0.0), ang=(0.0, 0.0, 0.0)) -> None:
        a = Action(tuple(float(v) for v in lin), tuple(float(v) for v in ang), self._gripper)  # type: ignore[arg-type]
        arr = a.to_array()
        if self.observer is not None:
            self.observer(arr)
        if self.noise is not None and (self.noise.lin_std_m_s or self.noise.ang_std_rad_s):
            a = self._disturbed(a)
        self.env.step(a)
        self.steps += 1

    def _disturbed(self, a: Action) -> Action:
        nz = self.noise
        dt = 1.0 / self.env.config.control_hz
        decay = math.exp(-dt / nz.tau_s)
        std = np.array([nz.lin_std_m_s] * 3 + [nz.ang_std_rad_s] * 3)
        self._noise_state = decay * self._noise_state + math.sqrt(1 - decay ** 2) * std * \
            self._noise_rng.standard_normal(6)
        gain = min(1.0, float(np.linalg.norm(a.linear)) / nz.full_speed_m_s)
        lin = np.asarray(a.linear, float) + gain * self._noise_state[:3]
        ang = np.asarray(a.angular, float) + gain * self._noise_state[3:]
        return Action(tuple(float(v) for v in lin), tuple(float(v) for v in ang), a.gripper)  # type: ignore[arg-type]

    def _move(self, pos, yaw: float, tol_m: float = 0.004, timeout_s: float = 6.0,
              speed: float = MAX_SPEED_M_S) -> bool:
        goal = np.asarray(pos, dtype=np.float64)
        q_des = _yaw_quat(yaw)
        n_max = int(timeout_s * self.env.config.control_hz)
        for _ in range(n_max):
            p, q = self.env.ee_pose()
            err = goal - np.array(p)
            rot = _quat_err(q_des, np.array(q))
            if np.linalg.norm(err) < tol_m and np.linalg.norm(rot) < 0.03:
                return True
            v = KP_LIN * err
            n = np.linalg.norm(v)
            if n > speed:
                v *= speed / n
            w = KP_ANG * rot
            n = np.linalg.norm(w)
            if n > MAX_ANG_RAD_S:
                w *= MAX_ANG_RAD_S / n
            self._act(v, w)
        self._misses += 1
        return False

    def _hold(self, seconds: float) -> None:
        for _ in range(max(1, int(seconds * self.env.config.control_hz))):
            self._act()

    def _grip(self, width: float, seconds: float = 0.5) -> None:
        self._gripper = float(width)
        self._hold(seconds)

    def _ee_yaw(self) -> float:
        _, q = self.env.ee_pose()
        R = np.array(self.env.client.getMatrixFromQuaternion(q)).reshape(3, 3)
        return math.atan2(R[1, 0], R[0, 0])

    # --- scene helpers ---------------------------------------------------------
    def _gt(self) -> dict[str, ObjectState]:
        return {o.id: o for o in self.env.ground_truth()}

    def _obj(self, oid: str) -> ObjectState:
        gt = self._gt()
        if oid not in gt:
            raise SkillError(f"unknown object {oid!r}; scene has {sorted(gt)}")
        return gt[oid]

    def _grasp_yaw(self, obj: ObjectState) -> float:
        yaw = float(obj.attrs.get("yaw", 0.0))
        if obj.label != "cube":
            return _wrap(yaw, math.pi)
        options = [_wrap(yaw, math.pi / 2.0), _wrap(yaw + math.pi / 2.0, math.pi)]
        box = next((c for c in self._gt().values() if c.is_container and is_in(obj, c)), None)
        if box is None:
            return options[0]
        # inside a container: close the fingers across the direction with most room to the walls
        off = np.array(obj.position[:2]) - np.array(box.position[:2])

        def finger_load(y: float) -> float:   # finger axis is the grasp frame's y axis
            return abs(off @ np.array([-math.sin(y), math.cos(y)]))
        return min(options, key=finger_load)

    def _open_width(self, obj: ObjectState) -> float:
        shape = SHAPES[obj.label]
        return float(min(GRIPPER_MAX_WIDTH_M, min(shape.size[0], shape.size[1]) + 0.03))

    def _grasp_point(self, obj: ObjectState) -> np.ndarray:
        x, y, _ = obj.position
        if obj.label == "mug":   # grasp the body, not the handle: body centre is offset along local -x
            shape = SHAPES["mug"]
            off = shape.size[0] / 2.0 - shape.size[1] / 2.0
            yaw = float(obj.attrs.get("yaw", 0.0))
            x, y = x - off * math.cos(yaw), y - off * math.sin(yaw)
        z = min(obj.position[2], obj.top - 0.022)
        return np.array([x, y, max(z, 0.012)])

    def _travel_z(self, exclude: str | None, carried_h: float) -> float:
        tops = [o.top for o in self._gt().values() if o.id != exclude]
        return max(TRAVEL_Z_M, (max(tops) if tops else 0.0) + carried_h + 0.05)

    def holding(self, oid: str) -> bool:
        o = self._obj(oid)
        if o.bottom <= 0.01 or self.env.gripper_width() <= 0.003:
            return False
        contacts = self.env.contacts_with_fingers(oid)
        if contacts == 2:
            return True
        # PyBullet sometimes reports one finger's contact only while the object hangs between the
        # fingers (bench e2e: a cube lifted to 13.8 cm, 0.4 cm from the grasp point, was "not held"
        # and let go, and the dropped cube was misperceived). Lifted well clear and right under the
        # hand, it is carried.
        p, _ = self.env.ee_pose()
        return (contacts == 1 and o.bottom > CARRIED_MIN_BOTTOM_M
                and math.hypot(o.position[0] - p[0], o.position[1] - p[1]) < CARRIED_MAX_OFFSET_M)

    # --- skills ------------------------------------------------------------------
    def pick(self, oid: str) -> bool:
        obj = self._obj(oid)
        if not SHAPES[obj.label].graspable:
            raise SkillError(f"{oid} ({obj.label}) cannot be picked")
        yaw = self._grasp_yaw(obj)
        g = self._grasp_point(obj)
        self._gripper = self._open_width(obj)
        p, _ = self.env.ee_pose()
        if p[2] < g[2] + APPROACH_DZ_M - 0.02:    # rise first to clear objects
            self._move((p[0], p[1], g[2] + APPROACH_DZ_M), self._ee_yaw(), tol_m=0.02)
        self._move((g[0], g[1], g[2] + APPROACH_DZ_M), yaw, tol_m=0.01)
        # re-read the object (it may have been nudged) and descend
        obj = self._obj(oid)
        g = self._grasp_point(obj)
        yaw = self._grasp_yaw(obj)
        self._move((g[0], g[1], g[2] + APPROACH_DZ_M), yaw, tol_m=0.004)
        self._move(g, yaw, tol_m=0.003, speed=0.15)
        self._grip(0.0, 0.6)
        p, _ = self.env.ee_pose()
        self._move((p[0], p[1], LIFT_Z_M), yaw, tol_m=0.01, speed=0.2)
        ok = self.holding(oid)
        self._held = oid if ok else None
        if not ok:
            self._why.append(self._pick_failure(oid, g))
        return ok

    def _pick_failure(self, oid: str, grasp: np.ndarray) -> str:
        """Why ``oid`` is not in the hand after a pick (fingers, contacts, where it lies)."""
        o = self._obj(oid)
        off = math.hypot(o.position[0] - grasp[0], o.position[1] - grasp[1])
        contacts = self.env.contacts_with_fingers(oid)
        if self.env.gripper_width() <= 0.003:
            return f"the fingers closed on nothing ({oid} lies {off * 100:.1f} cm from the grasp point)"
        if contacts < 2:
            return (f"{contacts} finger(s) touch {oid} after the lift (it lies {off * 100:.1f} cm from the "
                    f"grasp point, bottom {o.bottom * 100:.1f} cm above the table)")
        return f"{oid} slipped: it is between the fingers but its bottom is {o.bottom * 100:.1f} cm up"

    def _held_offset(self, oid: str) -> np.ndarray:
        p, _ = self.env.ee_pose()
        o = self._obj(oid)
        return np.array([o.position[0] - p[0], o.position[1] - p[1]])

    def _release_height(self, held: ObjectState, target: ObjectState | None) -> float:
        """Height of the held object's bottom at release [m]."""
        if target is None:
            return 0.006
        if target.is_container:
            return target.bottom + SHAPES[target.label].wall_m + 0.008
        return target.top + 0.004

    def _free_spot(self, target: str, oid: str) -> tuple[float, float] | None:
        """Fallback spot for region / table / relational targets: the most free candidate point."""
        gt = self._gt()
        others = [o for o in gt.values() if o.id != oid]
        me = gt[oid]
        if target in REGIONS or target == "table":
            r = REGIONS[target] if target in REGIONS else WORKSPACE
            m = 0.04
            cands = [(x, y) for x in np.linspace(r.x_min + m, r.x_max - m, 9)
                     for y in np.linspace(r.y_min + m, r.y_max - m, 9)]
            ref_xy = np.array(me.position[:2])
            must = None
        else:
            rel, ref_id = target.split(":", 1)
            if ref_id not in gt or rel not in ("near", "left_of", "right_of"):
                return None
            ref = gt[ref_id]
            rx, ry = ref.position[:2]
            ref_xy = np.array([rx, ry])
            base = max(ref.size[:2]) / 2 + max(me.size[:2]) / 2 + 0.01
            if rel == "near":
                # aim well inside the limit: perception measures the result with ~1 cm error
                limit = near_limit(me, ref) - 0.015
                cands = [(rx + rad * math.cos(a), ry + rad * math.sin(a))
                         for rad in np.linspace(base, max(base, min(base + 0.04, limit)), 5)
                         for a in np.linspace(0, 2 * math.pi, 24, endpoint=False)]
                must = lambda x, y: math.hypot(x - rx, y - ry) <= limit + 0.005   # noqa: E731
            else:
                sign = 1.0 if rel == "left_of" else -1.0
                cands = [(rx + dx, ry + sign * dy) for dy in np.linspace(max(base, 0.06), 0.25, 12)
                         for dx in (0.0, 0.03, -0.03, 0.06, -0.06)]
                must = None
        best, best_score = None, -1e9
        for x, y in cands:
            if not (0.32 <= math.hypot(x, y) <= 0.76 and WORKSPACE.contains((x, y, 0.0), margin=-0.02)):
                continue
            if must is not None and not must(x, y):
                continue
            clear = min((math.hypot(x - o.position[0], y - o.position[1]) - 0.5 * max(o.size[0], o.size[1])
                         - 0.5 * max(me.size[0], me.size[1]) for o in others), default=1.0)
            score = min(clear, 0.03) * 10.0 - 0.1 * math.hypot(x - ref_xy[0], y - ref_xy[1])
            if score > best_score:
                best, best_score = (float(x), float(y)), score
        return best

    def _container_spot(self, oid: str, box: ObjectState, gt: dict[str, ObjectState]) -> tuple[float, float]:
        """Free spot inside ``box``: the centre when empty, else farthest from what is already in it."""
        me = gt[oid]
        inside = [o for o in gt.values() if o.id != oid and is_in(o, box)]
        cx, cy = box.position[:2]
        if not inside:
            return (cx, cy)
        shape = SHAPES[box.label]
        half_me = 0.5 * math.hypot(*SHAPES[me.label].size[:2]) if me.label in SHAPES else 0.03
        hx = max(0.0, box.size[0] / 2 - shape.wall_m - min(half_me, 0.5 * max(me.size[:2])) - 0.004)
        hy = max(0.0, box.size[1] / 2 - shape.wall_m - min(half_me, 0.5 * max(me.size[:2])) - 0.004)
        best, best_d = (cx, cy), -1.0
        for x in np.linspace(cx - hx, cx + hx, 7):
            for y in np.linspace(cy - hy, cy + hy, 7):
                d = min(math.hypot(x - o.position[0], y - o.position[1]) for o in inside)
                if d > best_d + 1e-9:
                    best, best_d = (float(x), float(y)), d
        return best

    def _resolve(self, oid: str, target: str, gt: dict[str, ObjectState]) -> tuple[float, float] | None:
        """Table/region/relational/container spot from the planner's pure resolver (same rules as planning)."""
        try:
            from promptbot.planning.world import WorldState, resolve_place_target
        except ImportError:
            return None
        objs = list(gt.values())
        if not any(o.id == oid for o in objs):
            return None
        held = self._held if self._held == oid else None
        pos = resolve_place_target(oid, target, WorldState.from_objects(objs, holding=held))
        return None if pos is None else (float(pos[0]), float(pos[1]))

    def place(self, oid: str, target: str) -> bool:
        gt = self._gt()
        if oid not in gt:
            raise SkillError(f"unknown object {oid!r}; scene has {sorted(gt)}")
        if target == oid:
            raise SkillError("cannot place an object on itself")
        tgt_obj: ObjectState | None = None
        xy: tuple[float, float] | None = None
        if target in gt:
            tgt_obj = gt[target]
            xy = self._container_spot(oid, tgt_obj, gt) if tgt_obj.is_container else tgt_obj.position[:2]
        elif target in REGIONS or target == "table" or ":" in target:
            xy = self._resolve(oid, target, gt) or self._free_spot(target, oid)
            if xy is None:
                raise SkillError(f"no free spot for {oid} at {target!r}")
        else:
            try:
                vals = [float(v) for v in target.split(",")]
                if len(vals) not in (2, 3) or not all(math.isfinite(v) for v in vals):
                    raise ValueError
            except ValueError:
                raise SkillError(f"place target {target!r} is not an object id, a region "
                                 f"({', '.join(REGIONS)}), 'table', 'near:<id>', 'left_of:<id>', "
                                 f"'right_of:<id>' or 'x,y'") from None
            xy = (vals[0], vals[1])
        self._place_xy = xy
        if not self.holding(oid):
            if not self.pick(oid):
                return False
        held = gt[oid]
        g_off = self.env.ee_pose()[0][2] - self._obj(oid).bottom     # EE height above the held object's bottom
        yaw = self._ee_yaw()
        if tgt_obj is not None and not tgt_obj.is_container and held.label == "cube" and tgt_obj.label == "cube":
            yaw = _wrap(yaw + _wrap(float(tgt_obj.attrs.get("yaw", 0.0)) - float(held.attrs.get("yaw", 0.0)),
                                    math.pi / 2.0), math.pi)
        travel = self._travel_z(oid, held.size[2])
        p, _ = self.env.ee_pose()
        self._move((p[0], p[1], travel), yaw, tol_m=0.02)
        if tgt_obj is not None:      # re-read: the target may have moved
            moved = np.array(self._obj(target).position[:2]) - np.array(tgt_obj.position[:2])
            xy = (xy[0] + moved[0], xy[1] + moved[1])
            tgt_obj = self._obj(target)
        z_rel = self._release_height(held, tgt_obj) + g_off
        self._move((xy[0], xy[1], travel), yaw, tol_m=0.008)
        off = self._held_offset(oid)       # the object may sit off-centre in the hand
        self._move((xy[0] - off[0], xy[1] - off[1], z_rel + 0.04), yaw, tol_m=0.004, speed=0.2)
        off = self._held_offset(oid)
        self._move((xy[0] - off[0], xy[1] - off[1], z_rel), yaw, tol_m=0.004, speed=0.08, timeout_s=3.0)
        # release to the pre-grasp width, not fully open: in a bowl the opening finger pressed the
        # neighbouring cube against the wall and the rise carried both cubes away (9 of 30 seeds)
        self._grip(self._open_width(held) if self.release_width_m is None else self.release_width_m, 0.5)
        self._held = None
        p, _ = self.env.ee_pose()
        self._move((p[0], p[1], max(travel, p[2] + 0.08)), yaw, tol_m=0.02)
        self._hold(0.3)
        return self._placed_ok(oid, target, tgt_obj)

    def _placed_ok(self, oid: str, target: str, tgt_obj: ObjectState | None) -> bool:
        gt = self._gt()
        a = gt[oid]
        if tgt_obj is not None:
            b = gt[target]
            ok = is_in(a, b) if b.is_container else is_on(a, b)
            ref = b.position[:2]
        elif target in REGIONS:
            ok = REGIONS[target].contains(a.position) and a.bottom < 0.01
            ref = REGIONS[target].center[:2]
        else:
            ref = self._place_xy
            ok = math.hypot(a.position[0] - ref[0], a.position[1] - ref[1]) < 0.03 and a.bottom < 0.01
        if not ok:
            d = math.hypot(a.position[0] - ref[0], a.position[1] - ref[1])
            self._why.append(f"{oid} came to rest {d * 100:.1f} cm from the {target} spot, bottom "
                             f"{a.bottom * 100:.1f} cm above the table")
        return ok

    def stack(self, a: str, b: str) -> bool:
        if b in REGIONS or self._obj(b).is_container:
            raise SkillError(f"stack needs two objects; {b!r} is a container or region (use place)")
        return self.place(a, b)

    def _push_target(self, obj: ObjectState, region_name: str, margin: float) -> np.ndarray:
        r = REGIONS[region_name]
        m = min(margin, (r.x_max - r.x_min) / 2 - 0.005, (r.y_max - r.y_min) / 2 - 0.005)
        x = float(np.clip(obj.position[0], r.x_min + m, r.x_max - m))
        y = float(np.clip(obj.position[1], r.y_min + m, r.y_max - m))
        return np.array([x, y])

    def _support(self, obj: ObjectState, u: np.ndarray) -> float:
        """Half-width of the object's footprint along direction ``u``."""
        shape = SHAPES[obj.label]
        yaw = float(obj.attrs.get("yaw", 0.0))
        ax = np.array([math.cos(yaw), math.sin(yaw)])
        ay = np.array([-math.sin(yaw), math.cos(yaw)])
        return abs(shape.size[0] / 2 * (u @ ax)) + abs(shape.size[1] / 2 * (u @ ay))

    def push(self, oid: str, region_name: str) -> bool:
        if region_name not in REGIONS:
            raise SkillError(f"unknown region {region_name!r}; known: {', '.join(REGIONS)}")
        region = REGIONS[region_name]
        obj = self._obj(oid)
        if region.contains(obj.position, margin=-0.02):
            return True
        self._gripper = 0.0
        deadline = self.steps + int(25.0 * self.env.config.control_hz)
        approaches = 0
        while self.steps < deadline and approaches < 5:
            obj = self._obj(oid)
            if region.contains(obj.position, margin=-PUSH_STOP_INSIDE_M):
                break
            tgt = self._push_target(obj, region_name, PUSH_AIM_INSIDE_M)
            o = np.array(obj.position[:2])
            d = tgt - o
            u = d / max(np.linalg.norm(d), 1e-9)
            yaw = _wrap(math.atan2(u[1], u[0]), math.pi)
            back = self._support(obj, u) + FINGER_HALF_THICK_M + 0.025
            pre = o - u * back
            approaches += 1
            p, _ = self.env.ee_pose()
            self._move((p[0], p[1], max(p[2], 0.12)), self._ee_yaw(), tol_m=0.02)
            self._move((pre[0], pre[1], 0.12), yaw, tol_m=0.006)
            self._move((pre[0], pre[1], PUSH_Z_M), yaw, tol_m=0.004, speed=0.15)
            # closed-loop push along the line through the object's centre
            while self.steps < deadline:
                obj = self._obj(oid)
                o = np.array(obj.position[:2])
                if region.contains(obj.position, margin=-PUSH_STOP_INSIDE_M):
                    break
                tgt = self._push_target(obj, region_name, PUSH_AIM_INSIDE_M)
                d = tgt - o
                if np.linalg.norm(d) < 1e-4:
                    break
                u = d / np.linalg.norm(d)
                p, q = self.env.ee_pose()
                e = np.array(p[:2])
                rel = e - o
                along = rel @ u
                perp = rel - along * u
                if np.linalg.norm(perp) > 0.6 * self._support(obj, np.array([-u[1], u[0]])) + 0.01 or along > -0.01:
                    break        # lost the object: re-approach
                v = PUSH_SPEED_M_S * u - 2.0 * perp
                vz = 2.0 * (PUSH_Z_M - p[2])
                yaw_des = _wrap(math.atan2(u[1], u[0]), math.pi)
                rot = _quat_err(_yaw_quat(_wrap(yaw_des - self._ee_yaw(), math.pi) + self._ee_yaw()), np.array(q))
                self._act((v[0], v[1], vz), np.clip(KP_ANG * rot, -0.8, 0.8))
        # back off and rise
        p, _ = self.env.ee_pose()
        obj = self._obj(oid)
        o = np.array(obj.position[:2])
        away = np.array(p[:2]) - o
        away = away / max(np.linalg.norm(away), 1e-9) * 0.03
        self._move((p[0] + away[0], p[1] + away[1], PUSH_Z_M + 0.01), self._ee_yaw(), tol_m=0.01, timeout_s=1.5)
        self._move((p[0] + away[0], p[1] + away[1], 0.15), self._ee_yaw(), tol_m=0.02, timeout_s=2.0)
        self._gripper = GRIPPER_MAX_WIDTH_M
        obj = self._obj(oid)
        ok = region.contains(obj.position) and obj.bottom < 0.01
        if not ok:
            r = region
            out = math.hypot(max(r.x_min - obj.position[0], 0.0, obj.position[0] - r.x_max),
                             max(r.y_min - obj.position[1], 0.0, obj.position[1] - r.y_max))
            self._why.append(f"{oid} stopped {out * 100:.1f} cm outside the {region_name} region after "
                             f"{approaches} approach(es), bottom {obj.bottom * 100:.1f} cm above the table")
        return ok

    # --- plans -------------------------------------------------------------------
    def run(self, skill: str, args: Sequence[str]) -> StepResult:
        args = tuple(str(a) for a in args)
        if skill not in SKILLS:
            raise SkillError(f"unknown skill {skill!r}; known: {', '.join(SKILLS)}")
        arity = len(SKILLS[skill].params)
        if len(args) != arity:
            raise SkillError(f"{skill} takes {arity} argument(s), got {args}")
        start = self.steps
        self._why, self._misses = [], 0
        ok = bool(getattr(self, skill)(*args))
        return StepResult(skill, args, ok, "ok" if ok else self._failure(skill, args), self.steps - start)

    def _failure(self, skill: str, args: tuple[str, ...]) -> str:
        why = "; ".join(self._why) or "the goal check failed"
        if self._misses:
            why += f" ({self._misses} waypoint(s) not reached in time)"
        return f"{skill}{args} did not reach its goal: {why}"

    def run_plan(self, plan: Sequence[tuple[str, Sequence[str]]], stop_on_failure: bool = True) -> list[StepResult]:
        results = []
        for skill, args in plan:
            res = self.run(skill, args)
            results.append(res)
            if not res.success and stop_on_failure:
                break
        return results

    def go_home(self, seconds: float = 3.0) -> bool:
        return self._move(HOME_POS_M, 0.0, tol_m=0.01, timeout_s=seconds)

    def clear_view(self, seconds: float = 2.5) -> bool:
        """Rise, then move to the home pose, coarsely: out of the scene camera's line of sight.

        After place/stack/push the hand hangs right above what it moved, between the object
        and the scene camera, so perception cannot verify the step. Skill servers call this
        when the hand is empty; it does nothing while holding an object (a pick's result).
        """
        if self._held is not None and self.holding(self._held):
            return True
        p, _ = self.env.ee_pose()
        n0 = self.steps
        if p[2] < CLEAR_Z_M - 0.03:
            self._move((p[0], p[1], CLEAR_Z_M), self._ee_yaw(), tol_m=0.03, timeout_s=seconds / 2)
        left = max(0.2, seconds - (self.steps - n0) / self.env.config.control_hz)
        ok = self._move(HOME_POS_M, 0.0, tol_m=0.04, timeout_s=left)
        self._act()                     # leave it at rest
        return ok
