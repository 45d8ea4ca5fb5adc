"""Simulated worlds as data: load ``sim_worlds/*.yaml`` and sample seeded scenes (pure, no pybullet).

A world file names which objects to spawn (labels, counts, colours), the
randomisation (poses, distractors, lighting, camera jitter) and the cameras.
The schema is documented in ``sim_worlds/README.md``. Everything here is
plain Python + numpy so planners, task generators and tests can sample the
initial scene of ``(world, seed)`` without a simulator:

    >>> objs = sample_scene("tabletop", seed=3)
    >>> [o.id for o in objs]            # e.g. ['red_cube', 'green_cube', 'blue_cube', 'yellow_bowl', ...]

Frames and units: robot base frame ``panda_link0`` (table top is z = 0), metres,
radians. Sampling is deterministic in ``seed`` and independent streams are used
for the object set, the poses and the rendering (lighting, camera jitter).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from promptbot.scene import WORKSPACE, ObjectState

WORLDS_DIR = Path(__file__).resolve().parents[2] / "sim_worlds"
if not WORLDS_DIR.is_dir():  # installed: promptbot/sim_worlds next to promptbot/sim
    WORLDS_DIR = Path(__file__).resolve().parents[1] / "sim_worlds"

# --- Catalogue ---------------------------------------------------------------

# Named colours -> RGBA (0..1). Perception's colour table should use the same names.
COLORS: dict[str, tuple[float, float, float, float]] = {
    "red": (0.85, 0.12, 0.12, 1.0),
    "green": (0.15, 0.70, 0.20, 1.0),
    "blue": (0.12, 0.30, 0.90, 1.0),
    "yellow": (0.95, 0.85, 0.10, 1.0),
    "purple": (0.55, 0.20, 0.75, 1.0),
    "orange": (0.98, 0.50, 0.05, 1.0),
    "cyan": (0.10, 0.80, 0.85, 1.0),
    "pink": (0.98, 0.55, 0.75, 1.0),
    "white": (0.95, 0.95, 0.95, 1.0),
    "black": (0.08, 0.08, 0.08, 1.0),
    "brown": (0.50, 0.30, 0.12, 1.0),
    "gray": (0.55, 0.55, 0.55, 1.0),
}


@dataclass(frozen=True)
class Shape:
    """Geometry of one object class. ``size`` is the (x, y, z) bounding box at yaw 0 [m]."""

    label: str
    size: tuple[float, float, float]
    mass_kg: float
    container: bool = False
    wall_m: float = 0.0                     # container wall thickness
    graspable: bool = True
    random_yaw: bool = True                 # containers keep yaw 0 so their footprint is exact


SHAPES: dict[str, Shape] = {
    "cube": Shape("cube", (0.040, 0.040, 0.040), 0.05),
    "block": Shape("block", (0.075, 0.025, 0.025), 0.04),        # jenga-style bar
    "lego": Shape("lego", (0.048, 0.032, 0.028), 0.03),         # 2x3 brick incl. studs
    "mug": Shape("mug", (0.075, 0.055, 0.070), 0.08),           # body + handle along +x
    "bowl": Shape("bowl", (0.140, 0.140, 0.050), 0.30, container=True, wall_m=0.008,
                  graspable=False, random_yaw=False),
    "tray": Shape("tray", (0.200, 0.150, 0.030), 0.40, container=True, wall_m=0.008,
                  graspable=False, random_yaw=False),
}

# Reachability for a top-down grasp: horizontal distance from the base axis [m].
REACH_MIN_M = 0.30
REACH_MAX_M = 0.78


class WorldError(ValueError):
    """An unknown world name or a malformed world file."""


# --- Spec dataclasses --------------------------------------------------------

def _vec3(value: Any, what: str) -> tuple[float, float, float]:
    try:
        out = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise WorldError(f"{what} must be a list of 3 numbers, got {value!r}") from None
    if len(out) != 3 or not all(math.isfinite(v) for v in out):
        raise WorldError(f"{what} must be a list of 3 finite numbers, got {value!r}")
    return out  # type: ignore[return-value]


def _count(value: Any, what: str) -> tuple[int, int]:
    if isinstance(value, bool):
        raise WorldError(f"{what} must be an int or [min, max], got {value!r}")
    if isinstance(value, int):
        lo = hi = value
    elif isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        lo, hi = value
    else:
        raise WorldError(f"{what} must be an int or [min, max], got {value!r}")
    if lo < 0 or hi < lo or hi > 20:
        raise WorldError(f"{what} must satisfy 0 <= min <= max <= 20, got {value!r}")
    return lo, hi


@dataclass(frozen=True)
class ObjectGroup:
    """``count`` objects of one ``label`` with colours drawn from ``colors``."""

    label: str
    count: tuple[int, int]
    colors: tuple[str, ...]
    colors_from: str | None = None          # reuse the colours chosen for another label (sorting)
    unique_colors: bool = True              # no two objects of this group share a colour

    def __post_init__(self):
        if self.label not in SHAPES:
            raise WorldError(f"unknown object label {self.label!r}; known: {sorted(SHAPES)}")
        for c in self.colors:
            if c not in COLORS:
                raise WorldError(f"unknown colour {c!r} for {self.label}; known: {sorted(COLORS)}")
        if not self.colors and not self.colors_from:
            raise WorldError(f"object group {self.label!r} needs 'colors' or 'colors_from'")
        if self.unique_colors and not self.colors_from and self.count[1] > len(self.colors):
            raise WorldError(
                f"{self.label}: up to {self.count[1]} objects with unique colours but only "
                f"{len(self.colors)} colours listed")


@dataclass(frozen=True)
class CameraSpec:
    """A pinhole camera. Scene cameras are fixed in the base frame; the wrist camera rides on the hand."""

    width: int = 640
    height: int = 480
    fov_deg: float = 45.0                   # vertical field of view
    position: tuple[float, float, float] = (1.0, 0.0, 1.1)
    target: tuple[float, float, float] = (0.50, 0.0, 0.0)
    up: tuple[float, float, float] = (1.0, 0.0, 0.0)       # image top = far side: +y is image-left
    near_m: float = 0.03
    far_m: float = 3.0
    enabled: bool = True

    def __post_init__(self):
        if not (16 <= self.width <= 4096 and 16 <= self.height <= 4096):
            raise WorldError(f"camera size must be 16..4096 px, got {self.width}x{self.height}")
        if not 5.0 <= self.fov_deg <= 150.0:
            raise WorldError(f"camera fov_deg must be 5..150, got {self.fov_deg}")
        if not 0.0 < self.near_m < self.far_m:
            raise WorldError(f"camera needs 0 < near_m < far_m, got {self.near_m}, {self.far_m}")

    def intrinsics(self, width: int | None = None, height: int | None = None) -> np.ndarray:
        """3x3 K for this camera (optionally at another resolution, same fov)."""
        w, h = width or self.width, height or self.height
        fy = 0.5 * h / math.tan(math.radians(self.fov_deg) / 2.0)
        return np.array([[fy, 0.0, w / 2.0], [0.0, fy, h / 2.0], [0.0, 0.0, 1.0]])


@dataclass(frozen=True)
class Randomization:
    yaw: bool = True                        # random yaw of non-container objects
    min_gap_m: float = 0.03                 # free space between bounding circles
    light_jitter: float = 0.3               # light direction jitter (unit-vector components)
    camera_jitter_m: float = 0.01           # scene camera position/target jitter
    table_color_jitter: float = 0.05

    def __post_init__(self):
        for name in ("min_gap_m", "light_jitter", "camera_jitter_m", "table_color_jitter"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and 0.0 <= v <= 1.0):
                raise WorldError(f"randomization.{name} must be in [0, 1], got {v!r}")


@dataclass(frozen=True)
class WorldSpec:
    name: str
    description: str
    objects: tuple[ObjectGroup, ...]
    distractors: tuple[ObjectGroup, ...] = ()
    distractor_count: tuple[int, int] = (0, 0)
    randomization: Randomization = field(default_factory=Randomization)
    scene_camera: CameraSpec = field(default_factory=CameraSpec)
    wrist_camera: CameraSpec = field(default_factory=lambda: CameraSpec(
        width=128, height=128, fov_deg=70.0, enabled=True))
    table_color: tuple[float, float, float] = (0.78, 0.68, 0.55)
    path: str | None = None


@dataclass(frozen=True)
class RenderSample:
    """Per-seed rendering randomisation."""

    light_direction: tuple[float, float, float]
    camera_position: tuple[float, float, float]
    camera_target: tuple[float, float, float]
    table_rgba: tuple[float, float, float, float]


# --- Loading -----------------------------------------------------------------

def list_worlds() -> list[str]:
    """Names of the worlds shipped in ``sim_worlds/``."""
    return sorted(p.stem for p in WORLDS_DIR.glob("*.yaml"))


def _group(raw: Any, where: str) -> ObjectGroup:
    if not isinstance(raw, dict):
        raise WorldError(f"{where} must be a mapping, got {type(raw).__name__}")
    unknown = set(raw) - {"label", "count", "colors", "colors_from", "unique_colors"}
    if unknown:
        raise WorldError(f"{where}: unknown keys {sorted(unknown)}")
    if "label" not in raw:
        raise WorldError(f"{where}: missing 'label'")
    colors = raw.get("colors", [])
    if not isinstance(colors, list):
        raise WorldError(f"{where}.colors must be a list of colour names")
    return ObjectGroup(
        label=str(raw["label"]),
        count=_count(raw.get("count", 1), f"{where}.count"),
        colors=tuple(str(c) for c in colors),
        colors_from=raw.get("colors_from"),
        unique_colors=bool(raw.get("unique_colors", True)),
    )


def _camera(raw: Any, where: str, default: CameraSpec) -> CameraSpec:
    if raw is None:
        return default
    if not isinstance(raw, dict):
        raise WorldError(f"{where} must be a mapping")
    allowed = set(CameraSpec.__dataclass_fields__)
    unknown = set(raw) - allowed
    if unknown:
        raise WorldError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    kw: dict[str, Any] = {}
    for k, v in raw.items():
        if k in ("position", "target", "up"):
            kw[k] = _vec3(v, f"{where}.{k}")
        elif k in ("width", "height"):
            kw[k] = int(v)
        elif k == "enabled":
            kw[k] = bool(v)
        else:
            kw[k] = float(v)
    return CameraSpec(**{**default.__dict__, **kw})


def parse_world(data: Any, name: str = "<memory>", path: str | None = None) -> WorldSpec:
    """Build a WorldSpec from a parsed YAML mapping. Raises WorldError with the reason."""
    if not isinstance(data, dict):
        raise WorldError(f"world {name!r}: top level must be a mapping, got {type(data).__name__}")
    unknown = set(data) - {"name", "description", "objects", "distractors", "randomization",
                           "cameras", "table"}
    if unknown:
        raise WorldError(f"world {name!r}: unknown keys {sorted(unknown)}")
    try:
        raw_objects = data.get("objects")
        if not isinstance(raw_objects, list) or not raw_objects:
            raise WorldError("'objects' must be a non-empty list")
        objects = tuple(_group(o, f"objects[{i}]") for i, o in enumerate(raw_objects))
        dis = data.get("distractors") or {}
        if not isinstance(dis, dict):
            raise WorldError("'distractors' must be a mapping with 'count' and 'groups'")
        distractors = tuple(_group(o, f"distractors.groups[{i}]") for i, o in enumerate(dis.get("groups", [])))
        dcount = _count(dis.get("count", 0), "distractors.count")
        if dcount[1] > 0 and not distractors:
            raise WorldError("distractors.count > 0 needs distractors.groups")
        rnd = data.get("randomization") or {}
        if not isinstance(rnd, dict):
            raise WorldError("'randomization' must be a mapping")
        bad = set(rnd) - set(Randomization.__dataclass_fields__)
        if bad:
            raise WorldError(f"randomization: unknown keys {sorted(bad)}")
        randomization = Randomization(**rnd)
        cams = data.get("cameras") or {}
        if not isinstance(cams, dict) or set(cams) - {"scene", "wrist"}:
            raise WorldError("'cameras' must be a mapping with optional 'scene' and 'wrist'")
        default = WorldSpec(name="", description="", objects=())
        scene_cam = _camera(cams.get("scene"), "cameras.scene", default.scene_camera)
        wrist_cam = _camera(cams.get("wrist"), "cameras.wrist", default.wrist_camera)
        table = data.get("table") or {}
        table_color = _vec3(table.get("color", default.table_color), "table.color") if isinstance(table, dict) \
            else default.table_color
        labels = {g.label for g in objects}
        for g in objects + distractors:
            if g.colors_from and g.colors_from not in labels:
                raise WorldError(f"{g.label}: colors_from {g.colors_from!r} is not a label in 'objects'")
        spec = WorldSpec(
            name=str(data.get("name", name)),
            description=str(data.get("description", "")),
            objects=objects,
            distractors=distractors,
            distractor_count=dcount,
            randomization=randomization,
            scene_camera=scene_cam,
            wrist_camera=wrist_cam,
            table_color=table_color,
            path=path,
        )
    except WorldError as exc:
        raise WorldError(f"world {name!r}{f' ({path})' if path else ''}: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise WorldError(f"world {name!r}{f' ({path})' if path else ''}: malformed value: {exc}") from None
    # a world must be able to hold its largest object set
    _check_fits(spec)
    return spec


def _check_fits(spec: WorldSpec) -> None:
    rng = np.random.default_rng(0)
    try:
        _sample_objects(spec, rng, max_counts=True)
    except WorldError as exc:
        raise WorldError(f"world {spec.name!r}: the largest object set does not fit the workspace: {exc}") from None


def load_world(name_or_path: str | Path | WorldSpec) -> WorldSpec:
    """Load a shipped world by name (``"tabletop"``) or any YAML file by path."""
    if isinstance(name_or_path, WorldSpec):
        return name_or_path
    text = str(name_or_path)
    path = Path(text)
    if not (text.endswith((".yaml", ".yml")) or path.is_file()):
        path = WORLDS_DIR / f"{text}.yaml"
        if not path.is_file():
            raise WorldError(f"unknown world {text!r}; available: {', '.join(list_worlds())}")
    if not path.is_file():
        raise WorldError(f"world file {str(path)!r} does not exist")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise WorldError(f"world file {str(path)!r} is not valid YAML: {exc}") from None
    return parse_world(data, name=path.stem, path=str(path))


# --- Sampling ----------------------------------------------------------------

def _rng(seed: int, stream: int) -> np.random.Generator:
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return np.random.default_rng([int(seed), stream])


def yaw_aabb(size: tuple[float, float, float], yaw: float) -> tuple[float, float, float]:
    """Axis-aligned extent of a box of ``size`` rotated by ``yaw`` about z."""
    c, s = abs(math.cos(yaw)), abs(math.sin(yaw))
    return (size[0] * c + size[1] * s, size[0] * s + size[1] * c, size[2])


def _choose_colors(group: ObjectGroup, n: int, rng: np.random.Generator,
                   chosen: dict[str, list[str]]) -> list[str]:
    if group.colors_from:
        base = list(dict.fromkeys(chosen.get(group.colors_from, [])))
        pool = base + [c for c in group.colors if c not in base]
        return pool[:n] if len(pool) >= n else pool + [pool[i % len(pool)] for i in range(n - len(pool))]
    pool = list(group.colors)
    if group.unique_colors:
        idx = rng.permutation(len(pool))[:n]
        return [pool[i] for i in idx]
    return [pool[int(i)] for i in rng.integers(0, len(pool), size=n)]


def _place(spec: WorldSpec, items: list[tuple[str, str, bool]],
           rng: np.random.Generator) -> dict[int, tuple[float, float, float]]:
    """Non-overlapping, reachable (x, y, yaw) per item: bounding circles, big objects first, restarts."""
    order = sorted(range(len(items)), key=lambda i: -max(SHAPES[items[i][0]].size[:2]))
    gap = spec.randomization.min_gap_m
    for _restart in range(50):
        placed: list[tuple[float, float, float]] = []   # x, y, radius
        poses: dict[int, tuple[float, float, float]] = {}
        for i in order:
            shape = SHAPES[items[i][0]]
            radius = 0.5 * math.hypot(shape.size[0], shape.size[1])
            for _attempt in range(200):
                x = rng.uniform(WORKSPACE.x_min + radius, WORKSPACE.x_max - radius)
                y = rng.uniform(WORKSPACE.y_min + radius, WORKSPACE.y_max - radius)
                if not REACH_MIN_M <= math.hypot(x, y) <= REACH_MAX_M:
                    continue
                if all(math.hypot(x - px, y - py) >= radius + pr + gap for px, py, pr in placed):
                    break
            else:
                break  # restart the whole layout
            yaw = (float(rng.uniform(-math.pi / 4, math.pi / 4))
                   if (shape.random_yaw and spec.randomization.yaw) else 0.0)
            placed.append((x, y, radius))
            poses[i] = (float(x), float(y), yaw)
        if len(poses) == len(items):
            return poses
    raise WorldError(f"could not place {len(items)} objects without overlap inside the workspace")


def _sample_objects(spec: WorldSpec, rng: np.random.Generator, max_counts: bool = False) -> list[ObjectState]:
    chosen: dict[str, list[str]] = {}
    items: list[tuple[str, str, bool]] = []   # (label, colour, distractor)
    for group in spec.objects:
        n = group.count[1] if max_counts else int(rng.integers(group.count[0], group.count[1] + 1))
        cols = _choose_colors(group, n, rng, chosen)
        chosen.setdefault(group.label, []).extend(cols)
        items += [(group.label, c, False) for c in cols]
    nd = spec.distractor_count[1] if max_counts else int(
        rng.integers(spec.distractor_count[0], spec.distractor_count[1] + 1))
    for _ in range(nd):
        group = spec.distractors[int(rng.integers(0, len(spec.distractors)))]
        cols = _choose_colors(group, 1, rng, chosen)
        items.append((group.label, cols[0], True))

    poses = _place(spec, items, rng)

    counts: dict[str, int] = {}
    out: list[ObjectState] = []
    for i, (label, color, distractor) in enumerate(items):
        base = f"{color}_{label}"
        counts[base] = counts.get(base, 0) + 1
        oid = base if counts[base] == 1 else f"{base}_{counts[base]}"
        x, y, yaw = poses[i]
        shape = SHAPES[label]
        size = yaw_aabb(shape.size, yaw)
        out.append(ObjectState(
            id=oid, label=label, color=color,
            position=(round(x, 5), round(y, 5), shape.size[2] / 2.0),
            size=tuple(round(v, 5) for v in size),  # type: ignore[arg-type]
            attrs={"yaw": yaw, "distractor": distractor, "rgba": COLORS[color]},
        ))
    return out


def sample_scene(world: WorldSpec | str, seed: int) -> list[ObjectState]:
    """The initial objects of ``world`` for ``seed`` (deterministic), base frame, resting on the table.

    ``attrs`` carries ``yaw`` [rad], ``distractor`` (bool) and ``rgba``.
    """
    spec = load_world(world)
    return _sample_objects(spec, _rng(seed, 1))


def sample_render(world: WorldSpec | str, seed: int) -> RenderSample:
    """Lighting, scene-camera jitter and table tint for ``(world, seed)``."""
    spec = load_world(world)
    rng = _rng(seed, 2)
    r = spec.randomization
    light = np.array([0.4, 0.3, 1.0]) + rng.uniform(-r.light_jitter, r.light_jitter, 3) * np.array([1, 1, 0.3])
    light /= np.linalg.norm(light)
    cam = spec.scene_camera
    pos = np.array(cam.position) + rng.uniform(-r.camera_jitter_m, r.camera_jitter_m, 3)
    tgt = np.array(cam.target) + rng.uniform(-r.camera_jitter_m, r.camera_jitter_m, 3)
    tint = np.clip(np.array(spec.table_color) + rng.uniform(-r.table_color_jitter, r.table_color_jitter, 3), 0, 1)
    return RenderSample(
        light_direction=tuple(float(v) for v in light),  # type: ignore[arg-type]
        camera_position=tuple(float(v) for v in pos),  # type: ignore[arg-type]
        camera_target=tuple(float(v) for v in tgt),  # type: ignore[arg-type]
        table_rgba=(float(tint[0]), float(tint[1]), float(tint[2]), 1.0),
    )
