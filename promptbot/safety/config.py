"""Typed configuration of the safety governor (SI units, base frame ``panda_link0``)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from promptbot.safety.kinematics import GRIPPER_WIDTH_MAX_M, TCP_OFFSET_M
from promptbot.scene import WORKSPACE

# The tool may reach a little past the object spawn area (objects sit on its edges).
WORKSPACE_MARGIN_M = 0.05


@dataclass(frozen=True)
class Box:
    """Axis-aligned box in the base frame [m]."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float
    z_min: float
    z_max: float

    def __post_init__(self):
        vals = (self.x_min, self.x_max, self.y_min, self.y_max, self.z_min, self.z_max)
        if not all(math.isfinite(v) for v in vals):
            raise ValueError(f"box bounds must be finite, got {vals}")
        for lo, hi, axis in ((self.x_min, self.x_max, "x"), (self.y_min, self.y_max, "y"), (self.z_min, self.z_max, "z")):
            if not lo < hi:
                raise ValueError(f"box {axis}_min must be < {axis}_max, got {lo} >= {hi}")

    @property
    def lower(self) -> tuple[float, float, float]:
        return (self.x_min, self.y_min, self.z_min)

    @property
    def upper(self) -> tuple[float, float, float]:
        return (self.x_max, self.y_max, self.z_max)

    def contains(self, p, margin: float = 0.0) -> bool:
        return all(lo - margin <= v <= hi + margin for v, lo, hi in zip(p, self.lower, self.upper))

    @classmethod
    def default(cls) -> "Box":
        """promptbot.scene.WORKSPACE grown by WORKSPACE_MARGIN_M in xy; z from the table to 0.6 m."""
        m = WORKSPACE_MARGIN_M
        return cls(WORKSPACE.x_min - m, WORKSPACE.x_max + m, WORKSPACE.y_min - m, WORKSPACE.y_max + m, 0.0, 0.6)


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


@dataclass(frozen=True)
class GovernorConfig:
    """Limits the governor enforces on every command that reaches the arm."""

    workspace: Box = field(default_factory=Box.default)   # TCP must stay inside [m, base frame]
    max_linear_speed: float = 0.25          # [m/s] norm of the commanded TCP velocity
    max_angular_speed: float = 1.0          # [rad/s] norm of the commanded angular velocity
    max_linear_accel: float = 2.0           # [m/s^2] norm of the change of linear velocity
    max_angular_accel: float = 8.0          # [rad/s^2]
    gripper_min_width: float = 0.0          # [m]
    gripper_max_width: float = GRIPPER_WIDTH_MAX_M   # [m] Franka hand
    command_timeout: float = 0.2            # [s] no fresh twist for this long -> zero velocity
    state_timeout: float = 0.5              # [s] joint state older than this -> hold
    control_period: float = 0.01            # [s] output period; workspace lookahead horizon
    tcp_offset: float = TCP_OFFSET_M        # [m] panda_hand -> TCP along z
    frame_id: str = "panda_link0"           # twists must be expressed in this frame
    accept_empty_frame: bool = True         # treat header.frame_id == "" as frame_id
    trajectory_box_margin: float = 0.02     # [m] tolerance for trajectory waypoints outside the box
    joint_speed_scale: float = 0.5          # trajectories are slowed to this fraction of Franka's joint speed limits
    max_trajectory_points: int = 1000
    max_pause: float = 8.0                  # [s] longest timed hold (pause) before it ends by itself

    def __post_init__(self):
        if not isinstance(self.workspace, Box):
            raise ValueError("workspace must be a Box")
        for name in ("max_linear_speed", "max_angular_speed", "max_linear_accel", "max_angular_accel",
                     "command_timeout", "state_timeout", "control_period", "joint_speed_scale", "max_pause"):
            _positive(name, getattr(self, name))
        if self.joint_speed_scale > 1.0:
            raise ValueError(f"joint_speed_scale must be <= 1, got {self.joint_speed_scale}")
        if self.control_period >= self.command_timeout:
            raise ValueError("control_period must be shorter than command_timeout")
        if not (0.0 <= self.gripper_min_width < self.gripper_max_width <= GRIPPER_WIDTH_MAX_M):
            raise ValueError(
                f"need 0 <= gripper_min_width < gripper_max_width <= {GRIPPER_WIDTH_MAX_M} m, "
                f"got {self.gripper_min_width}, {self.gripper_max_width}"
            )
        if not (math.isfinite(self.tcp_offset) and 0.0 <= self.tcp_offset <= 0.3):
            raise ValueError(f"tcp_offset must be in [0, 0.3] m, got {self.tcp_offset}")
        if not (math.isfinite(self.trajectory_box_margin) and 0.0 <= self.trajectory_box_margin <= 0.2):
            raise ValueError(f"trajectory_box_margin must be in [0, 0.2] m, got {self.trajectory_box_margin}")
        if not self.frame_id:
            raise ValueError("frame_id must not be empty")
        if not (isinstance(self.max_trajectory_points, int) and self.max_trajectory_points > 0):
            raise ValueError("max_trajectory_points must be a positive int")
