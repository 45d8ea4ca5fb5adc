"""Plain scene types and geometric relations (no ROS), shared by sim, perception and planning.

Frames: positions are in the robot base frame ``panda_link0`` [m]: +x away from
the robot, +y to the robot's left, +z up. "left of" / "right of" are from the
robot's (and the default scene camera's) point of view: larger y is left.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

# Thresholds [m]
IN_MARGIN_XY = 0.01      # object centre may be this far outside a container's inner footprint
ON_GAP_Z = 0.015         # |bottom(a) - top(b)| for "a on b"
NEAR_DIST = 0.12         # centre distance in the xy plane for "near" (small objects)
NEAR_GAP = 0.06          # ... or footprint radii + this gap, whichever is larger (a bowl is 14 cm wide)
SIDE_MIN_DY = 0.03       # y difference needed for left/right


@dataclass(frozen=True)
class ObjectState:
    """One object: a simulator ground-truth body or a perceived detection."""

    id: str                                   # e.g. "red_cube"
    label: str                                # class: cube, bowl, block, mug, lego, ...
    color: str                                # colour name
    position: tuple[float, float, float]      # bounding-box centre [m], base frame
    size: tuple[float, float, float]          # bounding-box extent [m]
    confidence: float = 1.0
    attrs: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def bottom(self) -> float:
        return self.position[2] - self.size[2] / 2.0

    @property
    def top(self) -> float:
        return self.position[2] + self.size[2] / 2.0

    @property
    def is_container(self) -> bool:
        return self.label in CONTAINERS


CONTAINERS = frozenset({"bowl", "tray", "plate"})


def _inside_xy(a: ObjectState, b: ObjectState, margin: float) -> bool:
    return (
        abs(a.position[0] - b.position[0]) <= b.size[0] / 2.0 + margin
        and abs(a.position[1] - b.position[1]) <= b.size[1] / 2.0 + margin
    )


def is_in(a: ObjectState, b: ObjectState) -> bool:
    """``a`` rests inside container ``b``: centre within b's footprint, bottom below b's rim."""
    if not b.is_container or a.id == b.id:
        return False
    return _inside_xy(a, b, IN_MARGIN_XY) and b.bottom - 0.01 <= a.bottom <= b.top


def is_on(a: ObjectState, b: ObjectState) -> bool:
    """``a`` rests directly on top of (non-container) ``b``."""
    if b.is_container or a.id == b.id:
        return False
    overlap = _inside_xy(a, b, max(a.size[0], a.size[1]) * 0.25)
    return overlap and abs(a.bottom - b.top) <= ON_GAP_Z


def near_limit(a: ObjectState, b: ObjectState) -> float:
    """Largest xy centre distance at which ``a`` is near ``b`` [m].

    NEAR_DIST for cube-sized objects; for big ones (bowls, trays) the footprint radii plus
    NEAR_GAP, so "near the bowl" leaves as much room beside a bowl as beside a cube.
    """
    radii = 0.5 * max(a.size[0], a.size[1]) + 0.5 * max(b.size[0], b.size[1])
    return max(NEAR_DIST, radii + NEAR_GAP)


def is_near(a: ObjectState, b: ObjectState, dist: float | None = None) -> bool:
    dx = a.position[0] - b.position[0]
    dy = a.position[1] - b.position[1]
    limit = near_limit(a, b) if dist is None else dist
    return a.id != b.id and (dx * dx + dy * dy) ** 0.5 <= limit


def is_left_of(a: ObjectState, b: ObjectState) -> bool:
    return a.id != b.id and a.position[1] - b.position[1] >= SIDE_MIN_DY


def is_right_of(a: ObjectState, b: ObjectState) -> bool:
    return a.id != b.id and b.position[1] - a.position[1] >= SIDE_MIN_DY


RELATIONS = {
    "in": is_in,
    "on": is_on,
    "near": is_near,
    "left_of": is_left_of,
    "right_of": is_right_of,
}


def relations(objects: Iterable[ObjectState], predicates: Iterable[str] = ("in", "on")) -> set[tuple[str, str, str]]:
    """All true binary relations ``(predicate, subject_id, object_id)`` among ``objects``."""
    objs = list(objects)
    out: set[tuple[str, str, str]] = set()
    for pred in predicates:
        fn = RELATIONS[pred]
        for a in objs:
            for b in objs:
                if a.id != b.id and fn(a, b):
                    out.add((pred, a.id, b.id))
    return out


# --- Table workspace and named regions (base frame, metres) --------------------
# The robot base sits on the table top: the table surface is z = 0. Objects are
# spawned inside WORKSPACE; named regions are what "push X to the left" means.

@dataclass(frozen=True)
class Region:
    name: str
    x_min: float
    x_max: float
    y_min: float
    y_max: float

    def contains(self, position: tuple[float, float, float], margin: float = 0.0) -> bool:
        x, y = position[0], position[1]
        return (self.x_min - margin <= x <= self.x_max + margin
                and self.y_min - margin <= y <= self.y_max + margin)

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x_min + self.x_max) / 2.0, (self.y_min + self.y_max) / 2.0)


WORKSPACE = Region("workspace", 0.30, 0.75, -0.35, 0.35)

REGIONS: dict[str, Region] = {
    "left": Region("left", 0.30, 0.75, 0.15, 0.35),
    "right": Region("right", 0.30, 0.75, -0.35, -0.15),
    "front": Region("front", 0.30, 0.42, -0.35, 0.35),    # near the robot
    "back": Region("back", 0.63, 0.75, -0.35, 0.35),      # far from the robot
    "center": Region("center", 0.45, 0.60, -0.08, 0.08),
}


#: each side of the table as (axis, sign): base-frame axis 0 = x (away from the robot), 1 = y (its left), and the sign
#: that points that way ("the one furthest back" has the largest x)
SIDE_AXES: dict[str, tuple[int, float]] = {"left": (1, 1.0), "right": (1, -1.0), "back": (0, 1.0), "front": (0, -1.0)}


def region_of(obj: ObjectState) -> list[str]:
    """Names of all regions containing the object's centre."""
    return [name for name, r in REGIONS.items() if r.contains(obj.position)]
