"""Hand-built scenes for planner/task tests (base frame, metres, table top z = 0)."""
from __future__ import annotations

from promptbot.scene import ObjectState

CUBE = (0.04, 0.04, 0.04)
BOWL = (0.14, 0.14, 0.05)


def cube(color: str, x: float, y: float, z: float = 0.02, oid: str | None = None) -> ObjectState:
    return ObjectState(oid or f"{color}_cube", "cube", color, (x, y, z), CUBE)


def bowl(color: str, x: float, y: float) -> ObjectState:
    return ObjectState(f"{color}_bowl", "bowl", color, (x, y, 0.025), BOWL)


def tabletop() -> list[ObjectState]:
    """3 cubes + 2 bowls, nothing stacked."""
    return [cube("red", 0.45, 0.10), cube("green", 0.55, -0.05), cube("blue", 0.40, -0.20),
            bowl("yellow", 0.62, 0.20), bowl("white", 0.62, -0.22)]


def verification_scene() -> list[ObjectState]:
    """One object in each state a step check tells apart: on the table, in a bowl, stacked, held,
    inside a region."""
    return [cube("red", 0.5, 0.0), bowl("blue", 0.6, 0.2),
            cube("green", 0.6, 0.2, 0.028),       # in the bowl
            cube("yellow", 0.5, 0.0, 0.06),       # on the red cube
            cube("purple", 0.4, -0.1, 0.2),       # held
            cube("orange", 0.5, 0.25)]            # in region left
