"""Perception configuration: thresholds [m, px, s] and object shape templates."""
from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ShapeTemplate:
    """Nominal bounding box of one object class at yaw 0 [m] (x = long side)."""

    label: str
    size: tuple[float, float, float]
    container: bool = False
    wall_m: float = 0.0

    def __post_init__(self):
        if len(self.size) != 3 or not all(isinstance(v, (int, float)) and 0.0 < v < 1.0 for v in self.size):
            raise ValueError(f"template {self.label!r}: size must be 3 lengths in (0, 1) m, got {self.size}")

    @property
    def long(self) -> float:
        return max(self.size[0], self.size[1])

    @property
    def short(self) -> float:
        return min(self.size[0], self.size[1])


# The sim catalogue (promptbot.sim.worlds.SHAPES); a test checks the two agree.
SIM_TEMPLATES: tuple[ShapeTemplate, ...] = (
    ShapeTemplate("cube", (0.040, 0.040, 0.040)),
    ShapeTemplate("block", (0.075, 0.025, 0.025)),
    ShapeTemplate("lego", (0.048, 0.032, 0.028)),
    ShapeTemplate("mug", (0.075, 0.055, 0.070)),
    ShapeTemplate("bowl", (0.140, 0.140, 0.050), container=True, wall_m=0.008),
    ShapeTemplate("tray", (0.200, 0.150, 0.030), container=True, wall_m=0.008),
)


@dataclass(frozen=True)
class PerceptionConfig:
    # depth validity [m]
    min_depth_m: float = 0.10
    max_depth_m: float = 4.0
    # table-plane removal: the table top is z = table_z_m in the base frame
    table_z_m: float = 0.0
    min_height_m: float = 0.007          # points lower than this above the table are table
    max_height_m: float = 0.32           # and higher than this are ignored (the arm's upper links)
    # region of interest in the base frame [m]; robot base and floor are outside
    roi_x_m: tuple[float, float] = (0.18, 0.95)
    roi_y_m: tuple[float, float] = (-0.55, 0.55)
    # segmentation
    downsample: int = 2                  # pixel stride for a 640 px wide image, scaled with width (1 = full res)
    edge_jump_m: float = 0.012           # depth step between neighbours that separates surfaces
    median_filter_px: int = 3            # depth median filter (fills single dropouts), 0 = off
    min_pixels: int = 40                 # smallest component kept at 640x480 (scaled with image area)
    min_group_fraction: float = 0.08     # a colour inside a blob must cover this much of it
    # achromatic objects: 90th-percentile brightness (max of R, G, B, 0..255) of the upper pixels
    white_min_v: int = 170               # at or above: white
    black_max_v: int = 60                # at or below: black; between: gray
    # robot self-filter: achromatic (white/gray/black) surfaces whose top is higher than this
    # are the arm (no achromatic object stands this tall in the default worlds)
    robot_min_top_m: float = 0.095
    # shape fit
    on_table_tol_m: float = 0.016        # lowest visible point below this -> resting on the table
    max_fit_cost: float = 30.0           # worse template fits are rejected
    templates: tuple[ShapeTemplate, ...] = SIM_TEMPLATES
    # tracking
    track_hold_s: float = 3.0            # keep an unseen track this long (occlusion by the gripper)
    track_hidden_hold_s: float = 120.0   # ... and this long while its place is hidden behind something
    hidden_margin_m: float = 0.02        # depth this much nearer than the object: something in front
    track_gate_m: float = 0.12           # max jump of a track between frames
    clock_reset_s: float = 1.0           # a stamp this much older than the last: the clock restarted
    # colour table file (.npz from ColorTable.save); empty = shipped sim table
    color_table: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        for name in ("min_depth_m", "max_depth_m", "min_height_m", "max_height_m", "edge_jump_m",
                     "robot_min_top_m", "on_table_tol_m", "max_fit_cost", "track_hold_s", "track_gate_m",
                     "track_hidden_hold_s", "hidden_margin_m", "clock_reset_s"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        if not 0 < self.min_depth_m < self.max_depth_m:
            raise ValueError("need 0 < min_depth_m < max_depth_m")
        if not 0 < self.min_height_m < self.max_height_m:
            raise ValueError("need 0 < min_height_m < max_height_m")
        for name in ("roi_x_m", "roi_y_m"):
            lo, hi = getattr(self, name)
            if not lo < hi:
                raise ValueError(f"{name} must be (min, max) with min < max, got {(lo, hi)}")
        if self.median_filter_px not in (0, 3, 5):
            raise ValueError(f"median_filter_px must be 0, 3 or 5, got {self.median_filter_px}")
        if self.downsample not in (1, 2, 3, 4):
            raise ValueError(f"downsample must be 1..4, got {self.downsample}")
        if self.min_pixels < 1:
            raise ValueError("min_pixels must be >= 1")
        if not 0.0 <= self.min_group_fraction < 1.0:
            raise ValueError("min_group_fraction must be in [0, 1)")
        labels = [t.label for t in self.templates]
        if not labels or len(set(labels)) != len(labels):
            raise ValueError(f"templates need unique labels, got {labels}")
