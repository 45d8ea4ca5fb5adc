"""PyBullet simulation core: a Franka Panda, a table and the objects of a sampled world.

One ``BulletClient`` per ``SimEnv`` (never the global connection), headless,
EGL renderer when it loads, TinyRenderer otherwise. Frames: robot base
``panda_link0`` at the origin on the table top (z = 0), metres, radians.

The action space the scripted expert and the policy share is ``Action``: an
end-effector twist in the base frame (m/s, rad/s) plus a gripper opening width
[m], applied for one control period (``SimConfig.control_hz``). Joint
trajectories (joint_trajectory_controller convention) are also accepted.
Bad commands (NaN/inf, absurd magnitudes, wrong lengths) raise ``CommandError``;
large-but-sane ones are clamped to the configured limits.
"""
from __future__ import annotations

import contextlib
import logging
import math
import os
import pkgutil
from dataclasses import dataclass

import numpy as np
import pybullet as pb
import pybullet_data
from pybullet_utils import bullet_client

from promptbot.scene import ObjectState
from promptbot.sim.robot_mesh import light_panda_urdf
from promptbot.sim.worlds import COLORS, SHAPES, CameraSpec, WorldSpec, load_world, sample_render, sample_scene

log = logging.getLogger(__name__)

ARM_JOINTS = tuple(range(7))
FINGER_JOINTS = (9, 10)
EE_LINK = 11                       # panda_grasptarget: between the finger pads
HAND_LINK = 8
JOINT_NAMES = tuple(f"panda_joint{i}" for i in range(1, 8)) + ("panda_finger_joint1", "panda_finger_joint2")
ARM_LOWER = np.array([-2.8973, -1.7628, -2.8973, -3.0718, -2.8973, -0.0175, -2.8973])
ARM_UPPER = np.array([2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973])
ARM_VEL_LIMIT = np.array([2.175, 2.175, 2.175, 2.175, 2.61, 2.61, 2.61])       # rad/s
ARM_EFFORT = np.array([87.0, 87.0, 87.0, 87.0, 12.0, 12.0, 12.0])              # N m
HOME_Q = np.array([0.0, -0.727, 0.0, -2.412, 0.0, 1.686, 0.785])   # EE at (0.33, 0, 0.45) pointing down
GRIPPER_MAX_WIDTH_M = 0.08
GRIPPER_FORCE_N = 40.0
DOWN_QUAT = (1.0, 0.0, 0.0, 0.0)    # grasp frame z pointing down (x, y, z, w)
# Where the EE target may go [m] (base frame): a box around the reachable table space.
EE_BOUNDS = np.array([[0.15, 0.85], [-0.55, 0.55], [0.005, 0.65]])
# Absurd command magnitudes are rejected outright; smaller excess is clamped.
ABSURD_LIN_M_S = 10.0
ABSURD_ANG_RAD_S = 20.0
TABLE_HALF_M = (0.75, 0.65, 0.02)   # the table's half extents; its top is at z = 0
MAX_TRACKING_LEAD_M = 0.03          # the integrated target never runs further ahead of the EE


class CommandError(ValueError):
    """A command that was rejected (NaN/inf, absurd magnitude, wrong shape)."""


@dataclass(frozen=True)
class SimConfig:
    physics_hz: float = 240.0
    control_hz: float = 20.0
    max_linear_m_s: float = 0.5
    max_angular_rad_s: float = 1.5
    renderer: str = "auto"           # auto | egl | tiny
    friction: float = 1.2            # lateral friction of fingers and objects
    shadows: bool = True             # rendered shadows (about 40 % of a frame's cost on CPU EGL/llvmpipe)
    robot_mesh_keep: float = 0.15    # fraction of the Panda's visual triangles rendered (1 = original meshes)
    solver_iterations: int = 80      # most constraint-solver iterations per physics step
    # the solver stops early once its least-squares residual is below this (Bullet's default 1e-7
    # iterates to the cap on a resting scene: 19x real time per core; 1e-6: 27x; 1e-5: 40x and
    # 1e-4: 50x, but there a cube wedged between the fingers in 1 of 40 two-cubes-in-a-bowl seeds)
    solver_residual: float = 1e-6
    # a reset keeps floor, table and robot and removes only the objects: no growth in a long-lived
    # process (EGL keeps ~8 MB per resetSimulation), but episodes depend on what ran before
    reuse_bodies: bool = False
    # a render whose view and light are those of the last render of that camera and size, with every body's pose
    # and every robot joint within this of what that render drew (metres, radians, quaternion components),
    # returns that frame again, read-only (0 = always render). A resting scene draws the same picture: the sim
    # node, whose camera streams while the arm holds still, spent most of a core re-drawing it (a 640x480 EGL
    # frame costs ~60 ms on this CPU). 1e-4 is 0.1 mm: a fifteenth of a scene-camera pixel at the table
    still_frame_tol: float = 0.0

    def __post_init__(self):
        if not 240.0 <= self.physics_hz <= 2000.0:
            raise ValueError(f"physics_hz must be in [240, 2000], got {self.physics_hz}")
        if not 1.0 <= self.control_hz <= self.physics_hz:
            raise ValueError(f"control_hz must be in [1, physics_hz], got {self.control_hz}")
        if abs(self.physics_hz / self.control_hz - round(self.physics_hz / self.control_hz)) > 1e-9:
            raise ValueError("physics_hz must be a multiple of control_hz")
        if not (0 < self.max_linear_m_s <= 2.0 and 0 < self.max_angular_rad_s <= 6.0):
            raise ValueError("velocity limits must be in (0, 2] m/s and (0, 6] rad/s")
        if self.renderer not in ("auto", "egl", "tiny"):
            raise ValueError(f"renderer must be auto, egl or tiny, got {self.renderer!r}")
        if not 0.02 <= self.robot_mesh_keep <= 1.0:
            raise ValueError(f"robot_mesh_keep must be in [0.02, 1], got {self.robot_mesh_keep}")
        if not 10 <= self.solver_iterations <= 500:
            raise ValueError(f"solver_iterations must be in [10, 500], got {self.solver_iterations}")
        if not 0.0 < self.solver_residual <= 1e-2:
            raise ValueError(f"solver_residual must be in (0, 0.01], got {self.solver_residual}")
        if not 0.0 <= self.still_frame_tol <= 1e-2:
            raise ValueError(f"still_frame_tol must be in [0, 0.01], got {self.still_frame_tol}")

    @classmethod
    def from_env(cls, **kwargs) -> "SimConfig":
        """Defaults, with the renderer taken from PROMPTBOT_SIM_RENDERER (auto | egl | tiny) when set."""
        return cls(renderer=os.environ.get("PROMPTBOT_SIM_RENDERER", "auto"), **kwargs)

    @property
    def substeps(self) -> int:
        return int(round(self.physics_hz / self.control_hz))


@dataclass(frozen=True)
class Action:
    """One control-period command: EE twist in the base frame and a gripper width."""

    linear: tuple[float, float, float] = (0.0, 0.0, 0.0)      # m/s
    angular: tuple[float, float, float] = (0.0, 0.0, 0.0)     # rad/s
    gripper: float = GRIPPER_MAX_WIDTH_M                      # opening width [m]

    def to_array(self) -> np.ndarray:
        return np.array([*self.linear, *self.angular, self.gripper], dtype=np.float32)

    @staticmethod
    def from_array(a) -> "Action":
        a = np.asarray(a, dtype=np.float64).reshape(-1)
        if a.shape != (7,):
            raise CommandError(f"an action has 7 values (vx vy vz wx wy wz gripper_width), got {a.shape}")
        return Action(tuple(a[:3]), tuple(a[3:6]), float(a[6]))  # type: ignore[arg-type]


ACTION_NAMES = ("vx_m_s", "vy_m_s", "vz_m_s", "wx_rad_s", "wy_rad_s", "wz_rad_s", "gripper_width_m")


@dataclass
class CameraFrame:
    rgb: np.ndarray                  # (H, W, 3) uint8
    depth: np.ndarray                # (H, W) float32, metres along the optical axis
    K: np.ndarray                    # 3x3 intrinsics
    T_base_cam: np.ndarray           # 4x4 pose of the optical frame (x right, y down, z forward) in base
    width: int = 0
    height: int = 0


@dataclass
class _Body:
    uid: int
    obj: ObjectState
    half: np.ndarray                 # local bounding-box half extents [m]


@dataclass
class _Trajectory:
    times: np.ndarray                # (N,) seconds from start
    points: np.ndarray               # (N, 7) joint positions
    start_s: float = 0.0


def _check_finite(values, what: str, absurd: float) -> np.ndarray:
    a = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise CommandError(f"{what} contains NaN or inf: {a.tolist()}")
    if np.any(np.abs(a) > absurd):
        raise CommandError(f"{what} magnitude {np.abs(a).max():.3g} exceeds the sanity limit {absurd}")
    return a


def _quat_mul(a, b):
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return np.array([aw * bx + ax * bw + ay * bz - az * by,
                     aw * by - ax * bz + ay * bw + az * bx,
                     aw * bz + ax * by - ay * bx + az * bw,
                     aw * bw - ax * bx - ay * by - az * bz])


def _axis_angle_quat(w: np.ndarray) -> np.ndarray:
    angle = float(np.linalg.norm(w))
    if angle < 1e-12:
        return np.array([0.0, 0.0, 0.0, 1.0])
    axis = w / angle
    s = math.sin(angle / 2.0)
    return np.array([axis[0] * s, axis[1] * s, axis[2] * s, math.cos(angle / 2.0)])


@contextlib.contextmanager
def _quiet_stdout():
    """Silence C-level stdout (the EGL plugin prints its GL strings)."""
    try:
        fd = os.dup(1)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        _flush_c_stdout()      # C stdio buffers what it printed: flush it into /dev/null, not into stdout later
        os.dup2(fd, 1)
        os.close(fd)


def _flush_c_stdout() -> None:
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):
        pass


class SimEnv:
    """A headless PyBullet world. Not thread-safe: call from one thread."""

    def __init__(self, world: WorldSpec | str = "tabletop", seed: int = 0, config: SimConfig | None = None):
        self.config = config or SimConfig()
        with _quiet_stdout():      # pybullet prints its argv on connect
            self.client = bullet_client.BulletClient(connection_mode=pb.DIRECT)
        self.renderer_name = "tiny"
        self._renderer = pb.ER_TINY_RENDERER
        self._egl_plugin = None
        self._frames = 0
        self._still: dict[tuple, tuple[np.ndarray, CameraFrame]] = {}   # (camera, w, h) -> (state drawn, frame)
        self.frames_reused = 0
        if self.config.renderer in ("auto", "egl"):
            self._try_egl()
        self.client.setAdditionalSearchPath(pybullet_data.getDataPath())
        self.world: WorldSpec = load_world(world)
        self.seed = int(seed)
        self.bodies: dict[str, _Body] = {}
        self.time_s = 0.0
        self._robot_urdf: str | None = None
        self.reset(self.world, self.seed)

    # --- set-up ------------------------------------------------------------
    def _try_egl(self) -> None:
        try:
            loader = pkgutil.get_loader("eglRenderer")
            if loader is None:
                raise RuntimeError("eglRenderer module not found")
            with _quiet_stdout():
                plugin = self.client.loadPlugin(loader.get_filename(), "_eglRendererPlugin")
            if plugin < 0:
                raise RuntimeError("loadPlugin returned -1")
            self._egl_plugin = plugin
            self._renderer = pb.ER_BULLET_HARDWARE_OPENGL
            self.renderer_name = "egl"
        except Exception as exc:  # noqa: BLE001 - any failure means TinyRenderer
            if self.config.renderer == "egl":
                raise RuntimeError(f"EGL renderer requested but unavailable: {exc}") from exc
            log.info("EGL renderer unavailable (%s); using TinyRenderer", exc)

    def reset(self, world: WorldSpec | str | None = None, seed: int | None = None) -> list[ObjectState]:
        """Rebuild the world for ``(world, seed)`` and return the ground truth."""
        if world is not None:
            self.world = load_world(world)
        if seed is not None:
            self.seed = int(seed)
        self.time_s = 0.0
        self._still.clear()
        self.render_sample = sample_render(self.world, self.seed)
        if self._robot_urdf is None or not self.config.reuse_bodies:
            self._build_static()
        else:
            self._reuse_static()
        # objects
        self.bodies = {}
        for obj in sample_scene(self.world, self.seed):
            self._spawn(obj)
        # command state
        pos, orn = self.ee_pose()
        self._target_pos = np.array(pos)
        self._target_orn = np.array(orn)
        self._twist = np.zeros(6)
        self._gripper_width = GRIPPER_MAX_WIDTH_M
        self._traj: _Trajectory | None = None
        self._q_cmd = HOME_Q.copy()
        self._apply_arm(self._q_cmd)
        self._apply_gripper()
        self.step_physics(int(0.25 * self.config.physics_hz))   # settle
        return self.ground_truth()

    def _build_static(self) -> None:
        """A new physics world: floor, table and robot loaded from scratch."""
        c = self.client
        c.resetSimulation()
        c.setPhysicsEngineParameter(fixedTimeStep=1.0 / self.config.physics_hz, numSubSteps=0,
                                    numSolverIterations=self.config.solver_iterations,
                                    solverResidualThreshold=self.config.solver_residual)
        c.setGravity(0, 0, -9.81)
        # floor and table (top at z = 0)
        c.loadURDF("plane.urdf", [0, 0, -0.75])
        tcol = c.createCollisionShape(pb.GEOM_BOX, halfExtents=TABLE_HALF_M)
        tvis = c.createVisualShape(pb.GEOM_BOX, halfExtents=TABLE_HALF_M, rgbaColor=self.render_sample.table_rgba)
        self.table = c.createMultiBody(0, tcol, tvis, basePosition=[0.45, 0.0, -0.02])
        c.changeDynamics(self.table, -1, lateralFriction=0.6)
        # robot
        if self._robot_urdf is None:
            self._robot_urdf = light_panda_urdf(self.config.robot_mesh_keep) or "franka_panda/panda.urdf"
        self.robot = c.loadURDF(self._robot_urdf, [0, 0, 0], useFixedBase=True,
                                flags=pb.URDF_USE_SELF_COLLISION_EXCLUDE_PARENT)
        for j in FINGER_JOINTS:
            c.changeDynamics(self.robot, j, lateralFriction=self.config.friction, spinningFriction=0.002,
                             frictionAnchor=True)
        # couple the fingers (symmetric gripper, like the real Franka Hand)
        gear = c.createConstraint(self.robot, FINGER_JOINTS[0], self.robot, FINGER_JOINTS[1], pb.JOINT_GEAR,
                                  [1, 0, 0], [0, 0, 0], [0, 0, 0])
        c.changeConstraint(gear, gearRatio=-1, erp=0.1, maxForce=50)
        self._home_robot()

    def _reuse_static(self) -> None:
        """Keep floor, table and robot; remove the objects and send the robot home.

        PyBullet's EGL renderer keeps the graphics of every body it has drawn after
        ``resetSimulation`` (about 8 MB per reset with the Panda's meshes: a sim node that resets
        every few commands grew without bound), so a long-lived env (the sim node) removes only the
        objects. The price: the solver's warm start and the bodies' order now depend on what ran
        before, so an episode is no longer bit-identical to the same seed in a fresh env
        (``SimConfig.reuse_bodies`` is off by default: data collection and evaluation stay exact).
        """
        c = self.client
        for body in self.bodies.values():
            c.removeBody(body.uid)
        self.bodies = {}
        c.changeVisualShape(self.table, -1, rgbaColor=list(self.render_sample.table_rgba))
        self._home_robot()

    def _home_robot(self) -> None:
        c = self.client
        for j in ARM_JOINTS:
            c.resetJointState(self.robot, j, HOME_Q[j])
        for j in FINGER_JOINTS:
            c.resetJointState(self.robot, j, GRIPPER_MAX_WIDTH_M / 2)

    def _spawn(self, obj: ObjectState) -> None:
        c = self.client
        shape = SHAPES[obj.label]
        rgba = list(COLORS[obj.color])
        sx, sy, sz = shape.size
        yaw = float(obj.attrs.get("yaw", 0.0))
        if shape.container:
            w = shape.wall_m
            parts = [((sx / 2, sy / 2, w / 2), (0, 0, -sz / 2 + w / 2)),
                     ((w / 2, sy / 2, sz / 2), (sx / 2 - w / 2, 0, 0)),
                     ((w / 2, sy / 2, sz / 2), (-sx / 2 + w / 2, 0, 0)),
                     ((sx / 2, w / 2, sz / 2), (0, sy / 2 - w / 2, 0)),
                     ((sx / 2, w / 2, sz / 2), (0, -sy / 2 + w / 2, 0))]
            # Collision walls stand on the base instead of reaching the table: the outer shape is the same,
            # but only the base touches the table (4 contacts, not 20), which keeps physics >= 20x real time.
            cparts = [parts[0]] + [((hx, hy, hz - w / 2), (px, py, w / 2)) for (hx, hy, hz), (px, py, _)
                                   in parts[1:]]
            col = c.createCollisionShapeArray([pb.GEOM_BOX] * 5, halfExtents=[p[0] for p in cparts],
                                              collisionFramePositions=[p[1] for p in cparts])
            vis = c.createVisualShapeArray([pb.GEOM_BOX] * 5, halfExtents=[p[0] for p in parts],
                                           visualFramePositions=[p[1] for p in parts], rgbaColors=[rgba] * 5)
        elif obj.label == "mug":
            r = sy / 2
            cx = -sx / 2 + r
            col = c.createCollisionShapeArray([pb.GEOM_CYLINDER, pb.GEOM_BOX], radii=[r, 0], lengths=[sz, 0],
                                              halfExtents=[[0, 0, 0], [(sx / 2 - (cx + r)) / 2 + 0.002, 0.004, sz / 3]],
                                              collisionFramePositions=[[cx, 0, 0], [(cx + r + sx / 2) / 2, 0, 0]])
            vis = c.createVisualShapeArray([pb.GEOM_CYLINDER, pb.GEOM_BOX], radii=[r, 0], lengths=[sz, 0],
                                           halfExtents=[[0, 0, 0], [(sx / 2 - (cx + r)) / 2 + 0.002, 0.004, sz / 3]],
                                           visualFramePositions=[[cx, 0, 0], [(cx + r + sx / 2) / 2, 0, 0]],
                                           rgbaColors=[rgba, rgba])
        elif obj.label == "lego":
            stud_h, stud_r = 0.006, 0.0045
            base_h = sz - stud_h
            col = c.createCollisionShape(pb.GEOM_BOX, halfExtents=[sx / 2, sy / 2, sz / 2])
            kinds, halves, radii, lengths, frames = [pb.GEOM_BOX], [[sx / 2, sy / 2, base_h / 2]], [0], [0], \
                [[0, 0, -stud_h / 2]]
            for ix in (-1, 0, 1):
                for iy in (-1, 1):
                    kinds.append(pb.GEOM_CYLINDER)
                    halves.append([0, 0, 0])
                    radii.append(stud_r)
                    lengths.append(stud_h)
                    frames.append([ix * sx / 3, iy * sy / 4, sz / 2 - stud_h / 2])
            vis = c.createVisualShapeArray(kinds, halfExtents=halves, radii=radii, lengths=lengths,
                                           visualFramePositions=frames, rgbaColors=[rgba] * len(kinds))
        else:  # cube, block: boxes
            col = c.createCollisionShape(pb.GEOM_BOX, halfExtents=[sx / 2, sy / 2, sz / 2])
            vis = c.createVisualShape(pb.GEOM_BOX, halfExtents=[sx / 2, sy / 2, sz / 2], rgbaColor=rgba)
        uid = c.createMultiBody(shape.mass_kg, col, vis, basePosition=list(obj.position),
                                baseOrientation=c.getQuaternionFromEuler([0, 0, yaw]))
        c.changeDynamics(uid, -1, lateralFriction=self.config.friction if shape.graspable else 0.8,
                         spinningFriction=0.002, rollingFriction=0.0005, frictionAnchor=shape.graspable)
        self.bodies[obj.id] = _Body(uid, obj, np.array(shape.size) / 2.0)

    # --- state ---------------------------------------------------------------
    def ee_pose(self) -> tuple[tuple[float, float, float], tuple[float, float, float, float]]:
        st = self.client.getLinkState(self.robot, EE_LINK, computeForwardKinematics=True)
        return tuple(st[4]), tuple(st[5])  # type: ignore[return-value]

    def joint_state(self) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
        """Names, positions [rad|m], velocities, efforts of the 7 arm joints and 2 finger joints."""
        sts = self.client.getJointStates(self.robot, list(ARM_JOINTS) + list(FINGER_JOINTS))
        return (JOINT_NAMES, np.array([s[0] for s in sts]), np.array([s[1] for s in sts]),
                np.array([s[3] for s in sts]))

    def gripper_width(self) -> float:
        return float(sum(s[0] for s in self.client.getJointStates(self.robot, list(FINGER_JOINTS))))

    def proprio(self) -> np.ndarray:
        """Proprioception vector: 7 arm q, gripper width, EE xyz, EE quaternion xyzw (15 floats)."""
        _, q, _, _ = self.joint_state()
        pos, orn = self.ee_pose()
        return np.array([*q[:7], self.gripper_width(), *pos, *orn], dtype=np.float32)

    def object_pose(self, oid: str) -> tuple[np.ndarray, np.ndarray]:
        pos, orn = self.client.getBasePositionAndOrientation(self.bodies[oid].uid)
        return np.array(pos), np.array(orn)

    def ground_truth(self) -> list[ObjectState]:
        """Every object's bounding box in the base frame, read from the simulator."""
        out = []
        for oid, body in self.bodies.items():
            pos, orn = self.client.getBasePositionAndOrientation(body.uid)
            R = np.array(self.client.getMatrixFromQuaternion(orn)).reshape(3, 3)
            ext = 2.0 * np.abs(R) @ body.half
            yaw = math.atan2(R[1, 0], R[0, 0])
            out.append(ObjectState(
                id=oid, label=body.obj.label, color=body.obj.color,
                position=(float(pos[0]), float(pos[1]), float(pos[2])),
                size=(float(ext[0]), float(ext[1]), float(ext[2])),
                attrs={"yaw": yaw, "quat": tuple(orn), "distractor": body.obj.attrs.get("distractor", False)},
            ))
        return out

    def contacts_with_fingers(self, oid: str) -> int:
        uid = self.bodies[oid].uid
        n = 0
        for j in FINGER_JOINTS:
            if self.client.getContactPoints(self.robot, uid, linkIndexA=j):
                n += 1
        return n

    # --- commands --------------------------------------------------------------
    def set_twist(self, linear, angular) -> None:
        """EE twist in the base frame [m/s, rad/s]; clamped to the limits, absurd values rejected."""
        lin = _check_finite(linear, "linear velocity", ABSURD_LIN_M_S).reshape(-1)
        ang = _check_finite(angular, "angular velocity", ABSURD_ANG_RAD_S).reshape(-1)
        if lin.shape != (3,) or ang.shape != (3,):
            raise CommandError("a twist has 3 linear and 3 angular components")
        n = np.linalg.norm(lin)
        if n > self.config.max_linear_m_s:
            lin = lin * (self.config.max_linear_m_s / n)
        n = np.linalg.norm(ang)
        if n > self.config.max_angular_rad_s:
            ang = ang * (self.config.max_angular_rad_s / n)
        if self._traj is not None:
            self._traj = None
            self._sync_target()
        self._twist = np.concatenate([lin, ang])

    @property
    def gripper_command(self) -> float:
        """The commanded gripper opening width [m] (the fingers may be stopped by a held object)."""
        return self._gripper_width

    def set_gripper(self, width_m: float) -> None:
        w = float(_check_finite([width_m], "gripper width", 1.0)[0])
        self._gripper_width = float(np.clip(w, 0.0, GRIPPER_MAX_WIDTH_M))
        self._apply_gripper()

    def set_joint_trajectory(self, times_s, positions) -> None:
        """Follow joint positions (N, 7) reached at ``times_s`` (N,) seconds from now (linear interpolation)."""
        t = _check_finite(times_s, "trajectory times", 3600.0).reshape(-1)
        q = _check_finite(positions, "trajectory positions", 10.0)
        if q.ndim != 2 or q.shape[1] != 7 or q.shape[0] != t.shape[0] or t.size == 0:
            raise CommandError(f"a trajectory needs N times and N x 7 positions, got {t.shape} and {q.shape}")
        if np.any(np.diff(t) <= 0) or t[0] < 0:
            raise CommandError("trajectory times must be >= 0 and strictly increasing")
        if np.any(q < ARM_LOWER - 1e-6) or np.any(q > ARM_UPPER + 1e-6):
            raise CommandError("trajectory positions outside the joint limits")
        _, q_now, _, _ = self.joint_state()
        if t[0] > 0:
            t = np.concatenate([[0.0], t])
            q = np.vstack([q_now[:7], q])
        self._twist = np.zeros(6)
        self._traj = _Trajectory(t, q, self.time_s)

    def apply_action(self, action: Action | np.ndarray) -> None:
        a = action if isinstance(action, Action) else Action.from_array(action)
        self.set_twist(a.linear, a.angular)
        self.set_gripper(a.gripper)

    def step(self, action: Action | np.ndarray | None = None) -> None:
        """Apply ``action`` (if given) and advance one control period."""
        if action is not None:
            self.apply_action(action)
        self.step_physics(self.config.substeps)

    def stop(self) -> None:
        self._twist = np.zeros(6)
        self._traj = None
        self._sync_target()

    def _sync_target(self) -> None:
        pos, orn = self.ee_pose()
        self._target_pos = np.array(pos)
        self._target_orn = np.array(orn)

    def _apply_gripper(self) -> None:
        self.client.setJointMotorControlArray(
            self.robot, list(FINGER_JOINTS), pb.POSITION_CONTROL,
            targetPositions=[self._gripper_width / 2] * 2, forces=[GRIPPER_FORCE_N] * 2,
            positionGains=[0.2, 0.2])

    def _apply_arm(self, q: np.ndarray) -> None:
        self.client.setJointMotorControlArray(
            self.robot, list(ARM_JOINTS), pb.POSITION_CONTROL, targetPositions=list(q),
            forces=list(ARM_EFFORT), positionGains=[0.1] * 7)

    def _ik(self, pos: np.ndarray, orn: np.ndarray) -> np.ndarray:
        q = self.client.calculateInverseKinematics(
            self.robot, EE_LINK, list(pos), list(orn),
            lowerLimits=list(ARM_LOWER) + [0, 0], upperLimits=list(ARM_UPPER) + [0.04, 0.04],
            jointRanges=list(ARM_UPPER - ARM_LOWER) + [0.04, 0.04], restPoses=list(HOME_Q) + [0.04, 0.04],
            maxNumIterations=30, residualThreshold=1e-5)
        return np.clip(np.array(q[:7]), ARM_LOWER, ARM_UPPER)

    def step_physics(self, n: int = 1) -> None:
        dt = 1.0 / self.config.physics_hz
        for _ in range(n):
            if self._traj is not None:
                tr = self._traj
                t = self.time_s - tr.start_s
                q = np.array([np.interp(t, tr.times, tr.points[:, j]) for j in range(7)])
                self._q_cmd = q
                self._apply_arm(q)
                if t > tr.times[-1] + 0.5:
                    self._traj = None
                    self._sync_target()
            else:
                if np.any(self._twist != 0.0):
                    pos, _ = self.ee_pose()
                    tp = self._target_pos + self._twist[:3] * dt
                    lead = tp - np.array(pos)
                    n_lead = np.linalg.norm(lead)
                    if n_lead > MAX_TRACKING_LEAD_M:   # anti wind-up when blocked
                        tp = np.array(pos) + lead * (MAX_TRACKING_LEAD_M / n_lead)
                    self._target_pos = np.clip(tp, EE_BOUNDS[:, 0], EE_BOUNDS[:, 1])
                    dq = _axis_angle_quat(self._twist[3:] * dt)
                    to = _quat_mul(dq, self._target_orn)
                    self._target_orn = to / np.linalg.norm(to)
                    self._q_cmd = self._ik(self._target_pos, self._target_orn)
                self._apply_arm(self._q_cmd)
            self.client.stepSimulation()
            self.time_s += dt

    # --- cameras -------------------------------------------------------------
    def _scene_view(self, cam: CameraSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rs = self.render_sample
        return np.array(rs.camera_position), np.array(rs.camera_target), np.array(cam.up)

    def _wrist_view(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        st = self.client.getLinkState(self.robot, HAND_LINK, computeForwardKinematics=True)
        pos, orn = np.array(st[4]), st[5]
        R = np.array(self.client.getMatrixFromQuaternion(orn)).reshape(3, 3)
        eye = pos + R @ np.array([0.06, 0.0, 0.03])
        fwd = R @ np.array([0.0, 0.0, 1.0])
        return eye, eye + fwd, R @ np.array([1.0, 0.0, 0.0])

    def render(self, camera: str = "scene", width: int | None = None, height: int | None = None) -> CameraFrame:
        """Render ``camera`` ("scene" or "wrist"); default size from the world file."""
        if camera == "scene":
            cam = self.world.scene_camera
            eye, target, up = self._scene_view(cam)
        elif camera == "wrist":
            cam = self.world.wrist_camera
            if not cam.enabled:
                raise ValueError(f"world {self.world.name!r} has no wrist camera")
            eye, target, up = self._wrist_view()
        else:
            raise ValueError(f"unknown camera {camera!r}; use 'scene' or 'wrist'")
        w, h = int(width or cam.width), int(height or cam.height)
        if not (8 <= w <= 4096 and 8 <= h <= 4096):
            raise ValueError(f"render size must be 8..4096 px, got {w}x{h}")
        key, state = (camera, w, h), None
        if self.config.still_frame_tol > 0:
            state = self._drawn_state(eye, target, up)
            held = self._still.get(key)
            if held is not None and held[0].shape == state.shape \
                    and float(np.max(np.abs(held[0] - state))) <= self.config.still_frame_tol:
                self.frames_reused += 1
                return held[1]
        view = self.client.computeViewMatrix(list(eye), list(target), list(up))
        proj = self.client.computeProjectionMatrixFOV(cam.fov_deg, w / h, cam.near_m, cam.far_m)
        # the EGL context prints its GL vendor on its first frames; silencing stdout is process-wide
        # (other threads' output would be lost), so only those frames are silenced
        self._frames += 1
        with _quiet_stdout() if self._frames <= 4 else contextlib.nullcontext():
            _, _, rgba, zbuf, _ = self.client.getCameraImage(
                w, h, view, proj, renderer=self._renderer, lightDirection=list(self.render_sample.light_direction),
                shadow=int(self.config.shadows), flags=pb.ER_NO_SEGMENTATION_MASK)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(h, w, 4)[:, :, :3].copy()
        zb = np.asarray(zbuf, dtype=np.float64).reshape(h, w)
        near, far = cam.near_m, cam.far_m
        depth = (far * near / (far - (far - near) * zb)).astype(np.float32)
        fwd = target - eye
        z = fwd / np.linalg.norm(fwd)
        x = np.cross(z, up)
        x /= np.linalg.norm(x)
        y = np.cross(z, x)
        T = np.eye(4)
        T[:3, 0], T[:3, 1], T[:3, 2], T[:3, 3] = x, y, z, eye
        frame = CameraFrame(rgb, depth, cam.intrinsics(w, h), T, w, h)
        if state is not None:
            for a in (rgb, depth, frame.K, T):
                a.flags.writeable = False      # shared by every reuse: a caller that writes into it fails loudly
            self._still[key] = (state, frame)
        return frame

    def _drawn_state(self, eye: np.ndarray, target: np.ndarray, up: np.ndarray) -> np.ndarray:
        """What a render draws, as one vector: the view, the light, every object's pose, every robot joint."""
        c = self.client
        parts = [eye, target, up, np.asarray(self.render_sample.light_direction, dtype=float)]
        for body in self.bodies.values():
            pos, orn = c.getBasePositionAndOrientation(body.uid)
            parts.append(np.asarray(pos + orn, dtype=float))
        parts.append(np.array([s[0] for s in c.getJointStates(self.robot, range(c.getNumJoints(self.robot)))]))
        return np.concatenate([np.ravel(p) for p in parts])

    def close(self) -> None:
        try:
            if self._egl_plugin is not None:
                with _quiet_stdout():
                    self.client.unloadPlugin(self._egl_plugin)
            self.client.disconnect()
        except pb.error:
            pass

    def __enter__(self) -> "SimEnv":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
