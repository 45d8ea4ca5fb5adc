"""Detectors: RGB-D frame -> object detections (label, colour, 3D box in the base frame).

The interface is :class:`Detector` (one method, ``detect``). Two implementations:

* :class:`ClassicalDetector` (default, for the simulated worlds): table-plane
  removal by back-projecting depth into the base frame (table top z = 0),
  depth-discontinuity cuts and connected components, per-pixel colour names from
  a lookup table in a perceptual space (:mod:`promptbot.perception.colors`),
  then a shape fit per component: footprint (minimum-area rectangle of the
  points' xy), height, hollowness -> the nearest class template (cube, block,
  lego, mug, bowl, tray). Containers are searched for same-coloured contents, and
  a blob no template fits well is split into a container (found by its rim in a
  height map) and the same-coloured objects touching it.
  The arm is filtered out as tall achromatic surfaces.
* :class:`promptbot.perception.onnx_detector.OnnxDetector`: a learned 2D
  detector (ONNX, onnxruntime) whose boxes/masks are lifted to 3D with the
  same geometry (:meth:`ClassicalDetector.describe_points`).

Everything is vectorised numpy/OpenCV; ~4 ms CPU per 640x480 frame at the default stride of 2
(``PerceptionConfig.downsample``), ~6 ms at full resolution.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np

from promptbot.perception.colors import ColorTable
from promptbot.perception.config import PerceptionConfig, ShapeTemplate
from promptbot.perception.geometry import RayMaps, check_frame, ray_maps

log = logging.getLogger(__name__)

# fit tolerances [m]: footprint long / short side, height
_SIGMA = np.array([0.008, 0.006, 0.005])
_SHRINK = 3.0          # a measurement smaller than the template (occlusion) is penalised this much less
_CONTAINER_SHRINK_SIGMA = 0.05   # [m] footprint shortfall tolerance of containers


@dataclass
class Detection:
    """One detected object (no track id yet). Positions/sizes in the base frame [m]."""

    label: str
    color: str
    position: tuple[float, float, float]
    size: tuple[float, float, float]
    confidence: float
    pixels: int = 0
    yaw: float = 0.0
    attrs: dict = field(default_factory=dict)

    @property
    def bottom(self) -> float:
        return self.position[2] - self.size[2] / 2.0


class Detector(Protocol):
    """Anything that turns one RGB-D frame into detections.

    ``rgb`` (H, W, 3) uint8, ``depth`` (H, W) float32 metres along the optical
    axis (0 / NaN = no return), ``K`` 3x3 intrinsics, ``T_base_cam`` 4x4 pose of
    the optical frame in the base frame. Raise
    :class:`promptbot.perception.geometry.FrameError` for unusable input.
    """

    def detect(self, rgb: np.ndarray, depth: np.ndarray, K: np.ndarray,
               T_base_cam: np.ndarray) -> list[Detection]: ...


def yaw_aabb(size, yaw: float) -> tuple[float, float, float]:
    c, s = abs(math.cos(yaw)), abs(math.sin(yaw))
    return (size[0] * c + size[1] * s, size[0] * s + size[1] * c, size[2])


_VIS_CANDIDATES = 3      # templates checked against the observed free space
_VIS_MARGIN = 8.0        # ... when their fit cost is within this of the best
_VIS_PENALTY = 20.0      # cost added when the unseen part of a template box would have been visible


def _downsample(rgb: np.ndarray, depth: np.ndarray, K, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every n-th pixel (from 0) in both axes, and the intrinsics of that grid."""
    K2 = np.asarray(K, dtype=np.float64).copy()
    K2[:2, :] /= n
    return np.ascontiguousarray(rgb[::n, ::n]), np.ascontiguousarray(depth[::n, ::n]), K2


def _snap_yaw(yaw: float) -> float:
    """Containers stand square to the table edges in the sim worlds: snap near-axis yaws."""
    return yaw if abs(math.sin(2 * yaw)) > 0.2 else round(yaw / (math.pi / 2)) * (math.pi / 2)


_RECT_MAX_POINTS = 1500   # larger point sets are strided for the minimum-area rectangle


def _quantiles(a: np.ndarray, *qs: float) -> list[float]:
    """Order statistics (nearest rank) by one partial sort; faster than np.percentile for few values."""
    n = a.size
    ks = [min(n - 1, max(0, int(round(q * (n - 1))))) for q in qs]
    part = np.partition(a, sorted(set(ks)))
    return [float(part[k]) for k in ks]


_CELL_M = 0.006          # [m] xy cell of the height maps and point clusters used to split blobs
_SPLIT_MIN_COST = 3.0    # a blob fitting no template better than this is checked for a container + neighbours
_RIM_BAND_M = (0.008, 0.006)   # [m] a container's rim: cells whose top is this far below / above its height
_RIM_TOL_M = (0.020, 0.012)    # [m] rim footprint this much smaller (hidden) / larger than the template
_RIM_MARGIN_M = 0.006    # [m] points this far outside the rim's rectangle still belong to the container
_BESIDE_RIM_M = 0.02     # [m] an object beside a container seen no higher up than this above its rim rests on the table


def _cells(x: np.ndarray, y: np.ndarray, cell: float = _CELL_M) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Cell indices of xy points on a grid anchored at their minimum, and the grid shape."""
    ix = ((x - x.min()) / cell).astype(np.int32)
    iy = ((y - y.min()) / cell).astype(np.int32)
    return ix, iy, (int(ix.max()) + 1, int(iy.max()) + 1)


def _ring_extent(u: np.ndarray, bin_m: float = 0.003, frac: float = 0.3) -> tuple[float, float]:
    """Outer edges along one axis of a rectangular ring's points: the outermost ``bin_m`` bins
    holding at least ``frac`` of the fullest bin (the two walls across the axis are dense lines)."""
    lo = float(u.min())
    counts = np.bincount(((u - lo) / bin_m).astype(np.int32))
    dense = np.flatnonzero(counts >= frac * counts.max())
    return lo + dense[0] * bin_m, lo + (dense[-1] + 1) * bin_m


def _grid_labels(occupied: np.ndarray) -> tuple[int, np.ndarray]:
    """8-connected components of a boolean cell grid (label 0 = empty)."""
    return cv2.connectedComponents(occupied.astype(np.uint8), connectivity=8, ltype=cv2.CV_32S)


def _xy_clusters(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Point indices of the xy-connected clusters (8-connected ``_CELL_M`` cells), largest first."""
    if x.size == 0:
        return []
    ix, iy, shape = _cells(x, y)
    occ = np.zeros(shape, bool)
    occ[ix, iy] = True
    n, lab = _grid_labels(occ)
    if n <= 2:
        return [np.arange(x.size)]
    pl = lab[ix, iy]
    order = np.argsort(pl, kind="stable")
    bounds = np.searchsorted(pl[order], np.arange(1, n + 1))
    groups = [order[bounds[i]:bounds[i + 1]] for i in range(n - 1)]
    return sorted((g for g in groups if g.size), key=lambda g: -g.size)


@dataclass
class _Points:
    """Base-frame points of one component (compact arrays)."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    color: np.ndarray       # colour label per point
    v: np.ndarray | None = None   # brightness (max of R, G, B) per point

    def take(self, sel: np.ndarray) -> "_Points":
        """The subset ``sel`` (boolean mask or indices)."""
        return _Points(self.x[sel], self.y[sel], self.z[sel], self.color[sel], None if self.v is None else self.v[sel])


class ClassicalDetector:
    """Colour + depth segmentation with shape templates (see the module docstring)."""

    def __init__(self, config: PerceptionConfig | None = None, colors: ColorTable | None = None):
        self.config = config or PerceptionConfig()
        if colors is None:
            colors = ColorTable.load(self.config.color_table) if self.config.color_table else ColorTable.default()
        self.colors = colors
        self._maps: RayMaps | None = None
        n = len(colors.names)
        # colour group per label: every chromatic name is its own group, achromatic names share one
        self._group = np.arange(n + 1, dtype=np.int32)
        self._group[np.flatnonzero(colors.achromatic)] = n
        self._n_groups = n + 1
        self._templates = list(self.config.templates)
        self._tmpl = np.array([[t.long, t.short, t.size[2]] for t in self._templates])
        self._is_container = np.array([t.container for t in self._templates])
        self.last_timing_ms: dict[str, float] = {}
        self._cam_xy: tuple[float, float] | None = None
        self._frame: tuple | None = None        # (filtered depth, K, T_cam_base) of the current frame
        self._min_px = self.config.min_pixels   # min_pixels scaled to the current image size
        self._stride = 1                        # pixel stride of the current frame

    # --- public ---------------------------------------------------------------------------------
    def backproject(self, rgb, depth, K, T_base_cam):
        """Validate a frame and return (filtered depth, x, y, z base-frame maps, foreground mask)."""
        check_frame(rgb, depth, K, T_base_cam)
        cfg = self.config
        h, w = depth.shape
        self._min_px = max(6, int(round(cfg.min_pixels * (h * w) / (640 * 480))))
        maps = self._ray_maps(K, T_base_cam, w, h)
        self._cam_xy = (float(maps.t[0]), float(maps.t[1]))
        self._frame = (None, np.asarray(K, np.float64), np.linalg.inv(np.asarray(T_base_cam, np.float64)))
        d = depth.astype(np.float32, copy=False)
        d = np.where(np.isfinite(d), d, np.float32(0.0))
        if cfg.median_filter_px:
            d = cv2.medianBlur(d, cfg.median_filter_px)
        self._frame = (d, self._frame[1], self._frame[2])
        valid = (d > cfg.min_depth_m) & (d < cfg.max_depth_m)
        z = d * maps.az + (maps.t[2] - cfg.table_z_m)
        fg = valid & (z > cfg.min_height_m) & (z < cfg.max_height_m)
        x = d * maps.ax + maps.t[0]
        y = d * maps.ay + maps.t[1]
        fg &= (x > cfg.roi_x_m[0]) & (x < cfg.roi_x_m[1]) & (y > cfg.roi_y_m[0]) & (y < cfg.roi_y_m[1])
        return d, x, y, z, fg

    def detect(self, rgb, depth, K, T_base_cam) -> list[Detection]:
        cfg = self.config
        check_frame(rgb, depth, K, T_base_cam)
        n = max(1, int(round(cfg.downsample * depth.shape[1] / 640.0)))
        if n > 1:
            rgb, depth, K = _downsample(rgb, depth, K, n)
        self._stride = n
        d, x, y, z, fg = self.backproject(rgb, depth, K, T_base_cam)
        # surfaces: cut where depth jumps between 4-neighbours
        # (only the farther pixel of a jump is cut, so the nearer surface keeps its full extent)
        dr = d[:, 1:] - d[:, :-1]
        dd = d[1:, :] - d[:-1, :]
        cut = np.zeros_like(fg)
        jump = cfg.edge_jump_m * self._stride            # neighbours are n pixels apart
        cut[:, 1:] |= dr > jump
        cut[:, :-1] |= dr < -jump
        cut[1:, :] |= dd > jump
        cut[:-1, :] |= dd < -jump
        mask = (fg & ~cut).astype(np.uint8)
        n_blobs, blobs = cv2.connectedComponents(mask, connectivity=4, ltype=cv2.CV_32S)
        idx = np.flatnonzero(blobs.reshape(-1))
        if idx.size == 0:
            return []
        blob = blobs.reshape(-1)[idx]
        rgb_fg = rgb.reshape(-1, 3)[idx]
        color = self.colors.classify(rgb_fg)
        bright = rgb_fg.max(1)
        group = self._group[color]
        # drop colours that cover only a sliver of their blob (shading / edge pixels): they join the
        # blob's dominant colour group
        key = blob.astype(np.int64) * self._n_groups + group
        counts = np.bincount(key, minlength=(n_blobs + 1) * self._n_groups).reshape(-1, self._n_groups)
        blob_total = counts.sum(1)
        dominant = counts.argmax(1)
        # (a chromatic colour is never absorbed into an achromatic surface such as the gripper holding it)
        achro = self._n_groups - 1
        frac_weak = (counts[blob, group] < cfg.min_group_fraction * blob_total[blob]) & (dominant[blob] != achro)
        weak = (counts[blob, group] < self._min_px * 0.5) | frac_weak
        group = np.where(weak, dominant[blob], group)
        key = blob.astype(np.int64) * self._n_groups + group
        order = np.argsort(key, kind="stable")
        key_sorted = key[order]
        starts = np.flatnonzero(np.r_[True, key_sorted[1:] != key_sorted[:-1]])
        ends = np.r_[starts[1:], key_sorted.size]
        px, py, pz = x.reshape(-1)[idx], y.reshape(-1)[idx], z.reshape(-1)[idx]
        comps: list[tuple[int, _Points]] = []
        for s, e in zip(starts, ends):
            if e - s < self._min_px // 2:
                continue
            sel = order[s:e]
            comps.append((int(key_sorted[s] % self._n_groups),
                          _Points(px[sel], py[sel], pz[sel], color[sel], bright[sel])))
        comps = self._merge_pieces(comps)
        achro = self._n_groups - 1
        results: list[tuple[int, _Points, list[Detection]]] = []
        for g, pts in comps:
            if pts.z.size < self._min_px:
                continue
            results.append((g, pts, self._component(pts, achromatic=g == achro)))
        self._refit_contents(results)
        return self._dedupe([d for _, _, ds in results for d in ds])

    def _refit_contents(self, results: list) -> None:
        """Objects of another colour inside a container rest on its floor; their sides are hidden by
        its walls, so fit them with the floor as support (in place)."""
        conts = [d for _, _, ds in results for d in ds if d.attrs.get("container")]
        if not conts:
            return
        achro = self._n_groups - 1
        for i, (g, pts, ds) in enumerate(results):
            if any(d.attrs.get("container") or d.attrs.get("on_table") for d in ds):
                continue
            if g == achro and float(pts.z.max()) > self.config.robot_min_top_m:
                continue                                  # the arm
            mx, my = float(np.median(pts.x)), float(np.median(pts.y))
            for c in conts:
                tmpl = self._template(c.label)
                if (abs(mx - c.position[0]) < c.size[0] / 2 - tmpl.wall_m
                        and abs(my - c.position[1]) < c.size[1] / 2 - tmpl.wall_m
                        and float(pts.z.max()) < c.position[2] + c.size[2] / 2 + 0.1):
                    floor = c.position[2] - self.config.table_z_m - c.size[2] / 2 + tmpl.wall_m
                    d2 = self._fit(pts, g == achro, exclude_containers=True, support_z=floor)
                    if d2 is not None:
                        d2.attrs["content"] = True
                        results[i] = (g, pts, [d2])
                    break

    def _merge_pieces(self, comps: list[tuple[int, "_Points"]]) -> list[tuple[int, "_Points"]]:
        """Join same-coloured pieces of one object split by an occluder (e.g. the arm across a bowl).

        Two pieces of one colour (achromatic: same white/gray/black and below the arm's height) whose
        xy boxes are within 5 cm merge when one template fits
        the union about as well as two fit the pieces (sum of costs + 2).
        """
        achro = self._n_groups - 1
        by_group: dict[int, list[int]] = {}
        for i, (g, p) in enumerate(comps):
            if g != achro or float(p.z.max()) < self.config.robot_min_top_m:   # never merge arm pieces
                by_group.setdefault(g, []).append(i)
        dead: set[int] = set()
        for g, members in by_group.items():
            if len(members) < 2:
                continue
            boxes = {i: (comps[i][1].x.min(), comps[i][1].x.max(), comps[i][1].y.min(), comps[i][1].y.max())
                     for i in members}
            changed = True
            while changed:
                changed = False
                alive = [i for i in members if i not in dead]
                for a_i in range(len(alive)):
                    for b_i in range(a_i + 1, len(alive)):
                        a, b = alive[a_i], alive[b_i]
                        ba, bb = boxes[a], boxes[b]
                        gap = max(ba[0] - bb[1], bb[0] - ba[1], ba[2] - bb[3], bb[2] - ba[3])
                        if gap > 0.05:
                            continue
                        pa, pb = comps[a][1], comps[b][1]
                        if g == achro and self._achromatic_name(pa) != self._achromatic_name(pb):
                            continue
                        union = _Points(np.concatenate([pa.x, pb.x]), np.concatenate([pa.y, pb.y]),
                                        np.concatenate([pa.z, pb.z]), np.concatenate([pa.color, pb.color]),
                                        np.concatenate([pa.v, pb.v]))
                        fa, fb, fu = (self._fit(p, False) for p in (pa, pb, union))
                        # an unexplained piece costs as much as the worst accepted fit
                        worst = self.config.max_fit_cost
                        cost = lambda f: f.attrs["fit_cost"] if f is not None else worst  # noqa: E731
                        # one object explaining both pieces about as well as two objects do
                        if fu is not None and cost(fu) <= cost(fa) + cost(fb) + 2.0:
                            comps[a] = (g, union)
                            boxes[a] = (min(ba[0], bb[0]), max(ba[1], bb[1]), min(ba[2], bb[2]), max(ba[3], bb[3]))
                            dead.add(b)
                            changed = True
                            break
                    if changed:
                        break
        return [c for i, c in enumerate(comps) if i not in dead]

    def describe_points(self, x, y, z, color_labels, label_hint: str | None = None) -> Detection | None:
        """Fit a detection to base-frame points of one object (used by learned detectors too)."""
        labels = np.asarray(color_labels)
        pts = _Points(np.asarray(x, np.float32), np.asarray(y, np.float32), np.asarray(z, np.float32), labels)
        achromatic = bool(labels.size) and float(self.colors.achromatic[labels].mean()) > 0.5
        if label_hint is not None and label_hint not in {t.label for t in self._templates}:
            label_hint = None
        return self._fit(pts, achromatic=achromatic, label_hint=label_hint)

    # --- internals --------------------------------------------------------------------------------
    def _ray_maps(self, K, T, w, h) -> RayMaps:
        key = (w, h, np.asarray(K, np.float64).round(6).tobytes(), np.asarray(T, np.float64).round(6).tobytes())
        if self._maps is None or self._maps.key != key:
            self._maps = ray_maps(K, T, w, h)
        return self._maps

    def _component(self, pts: _Points, achromatic: bool) -> list[Detection]:
        cfg = self.config
        top = _quantiles(pts.z, 0.98)[0]
        if achromatic and top > cfg.robot_min_top_m:
            return []                                   # the arm
        det = self._fit(pts, achromatic)
        if det is None or det.attrs["fit_cost"] > _SPLIT_MIN_COST:
            # no template explains the blob well: a container and a same-coloured object touching it
            # (or standing in it, taller than its rim) are one blob; look for the container's rim
            parts = self._split_container(pts, achromatic)
            if parts is not None:
                return parts
        if det is None:
            return []
        if not det.attrs.get("container"):
            return [det]
        return self._contents(det, pts, achromatic)

    def _contents(self, det: Detection, pts: _Points, achromatic: bool) -> list[Detection]:
        """A container's detection and its same-coloured contents: points well above its floor,
        inside its walls, one object per xy-connected cluster."""
        tmpl = self._template(det.label)
        cx, cy = det.position[0], det.position[1]
        c, s = math.cos(det.yaw), math.sin(det.yaw)
        u = (pts.x - cx) * c + (pts.y - cy) * s
        v = -(pts.x - cx) * s + (pts.y - cy) * c
        margin = tmpl.wall_m + 0.008
        inner = (np.abs(u) < tmpl.long / 2 - margin) & (np.abs(v) < tmpl.short / 2 - margin)
        floor = det.position[2] - self.config.table_z_m - det.size[2] / 2 + tmpl.wall_m
        inside = inner & (pts.z > floor + 0.012)
        if int(inside.sum()) < self._min_px:
            return [det]
        det2 = self._fit(pts.take(~inside), achromatic) or det
        if not det2.attrs.get("container"):
            det2 = det
        # a poorly fitting container (without the points above its floor) is partly hidden: what
        # stands inside its walls may be a wall, unless it fits a template well itself
        poor = det2.attrs["fit_cost"] > 3.0
        content = pts.take(inside)
        out = [det2]
        for idx in _xy_clusters(content.x, content.y):      # stray wall pixels are clusters of their own
            if idx.size < self._min_px:
                break
            inner_det = self._fit(content.take(idx), achromatic, exclude_containers=True, support_z=floor)
            if inner_det is None or inner_det.attrs.get("face") or (poor and inner_det.attrs["fit_cost"] > 3.0):
                continue
            inner_det.attrs["content"] = True
            out.append(inner_det)
        return out

    def _split_container(self, pts: _Points, achromatic: bool) -> list[Detection] | None:
        """Split a blob into a container standing on the table and what touches it from outside.

        The container is found by its rim in the blob's height map (``_CELL_M`` cells, highest
        point per cell): the largest connected set of cells whose top is at the template's height
        (a cube next to a bowl tops out 1 cm lower, so its cells are not rim even where it touches
        the wall). The rim's rectangle (orientation from its minimum-area rectangle, extent from
        the dense wall lines) must be about template-sized: the container is in full view.
        Points inside it (+ ``_RIM_MARGIN_M``) are the container and its contents; the rest is one
        object per xy-connected cluster and colour. None when no container rim is found.
        """
        ix, iy, shape = _cells(pts.x, pts.y)
        if not self._is_container.any() or min(shape) * _CELL_M < \
                min(t.short for t in self._templates if t.container) - _RIM_TOL_M[0]:
            return None                                  # too small to hold a container in full view
        flat = ix * shape[1] + iy
        hmax = np.full(shape[0] * shape[1], -np.inf, np.float32)
        np.maximum.at(hmax, flat, pts.z)
        hmax = hmax.reshape(shape)
        best = None
        for t in self._templates:
            if not t.container:
                continue
            lo, hi = t.size[2] - _RIM_BAND_M[0], t.size[2] + _RIM_BAND_M[1]
            rim = (hmax >= lo) & (hmax <= hi)
            if int(rim.sum()) < 4:
                continue
            n, lab = _grid_labels(rim)
            k = 1 + int(np.argmax(np.bincount(lab.ravel(), minlength=n)[1:]))
            sel = (lab[ix, iy] == k) & (pts.z >= lo) & (pts.z <= hi)
            if int(sel.sum()) < self._min_px // 2:
                continue
            rx, ry = pts.x[sel], pts.y[sel]
            _, (rw, rh), ang = cv2.minAreaRect((np.stack([rx, ry], 1) * 1000.0).astype(np.float32))
            yaw = math.radians(ang) if rw >= rh else math.radians(ang + 90.0)
            # extent of the ring from its two walls across each axis (dense lines of points), so that
            # a few cells of a neighbour's side at rim height do not stretch it
            c, s = math.cos(yaw), math.sin(yaw)
            (u0, u1), (v0, v1) = _ring_extent(rx * c + ry * s), _ring_extent(-rx * s + ry * c)
            long, short = u1 - u0, v1 - v0
            if long < short:
                long, short = short, long
            if not (t.long - _RIM_TOL_M[0] <= long <= t.long + _RIM_TOL_M[1]
                    and t.short - _RIM_TOL_M[0] <= short <= t.short + _RIM_TOL_M[1]):
                continue
            err = abs(long - t.long) + abs(short - t.short)
            if best is None or err < best[0]:
                um, vm = (u0 + u1) / 2, (v0 + v1) / 2
                best = (err, t, um * c - vm * s, um * s + vm * c, yaw, u1 - u0, v1 - v0)
        if best is None:
            return None
        _, t, cx, cy, yaw, du, dv = best
        c, s = math.cos(yaw), math.sin(yaw)
        u = (pts.x - cx) * c + (pts.y - cy) * s
        v = -(pts.x - cx) * s + (pts.y - cy) * c
        in_rect = (np.abs(u) <= du / 2 + _RIM_MARGIN_M) & (np.abs(v) <= dv / 2 + _RIM_MARGIN_M)
        cont = pts.take(in_rect)
        det = self._fit(cont, achromatic, label_hint=t.label)
        if det is None:
            return None
        out = self._contents(det, cont, achromatic)
        rest = pts.take(~in_rect)
        for idx in _xy_clusters(rest.x, rest.y):
            if idx.size < self._min_px:
                break
            for piece in self._colour_pieces(rest.take(idx)):
                # seen down to about the rim beside a container on the table: resting on the table
                # (its low faces are seen edge-on from above, or hidden behind the container)
                d = self._fit(piece, achromatic, resting=float(piece.z.min()) < t.size[2] + _BESIDE_RIM_M)
                if d is not None and not d.attrs.get("face"):
                    d.attrs["split"] = True              # beside the container, not a piece of its wall
                    out.append(d)
        return out

    def _colour_pieces(self, pts: _Points) -> list[_Points]:
        """Split points by colour group again: an object of another colour that was a small share of
        the whole blob (and so joined its dominant colour) is a fair share of a piece of it."""
        group = self._group[pts.color]
        counts = np.bincount(group, minlength=self._n_groups)
        keep = np.flatnonzero(counts >= self._min_px)
        if keep.size <= 1:
            return [pts]
        return [pts.take(group == g) for g in keep]      # (pixels of minor colours are dropped)

    def _template(self, label: str) -> ShapeTemplate:
        return next(t for t in self._templates if t.label == label)

    def _fit(self, pts: _Points, achromatic: bool, label_hint: str | None = None,
             exclude_containers: bool = False, support_z: float = 0.0, resting: bool = False) -> Detection | None:
        """Fit the best shape template; ``support_z`` is the height of the surface it may rest on
        (the table, or a container's floor for its contents); ``resting``: known to rest on it."""
        cfg = self.config
        n = pts.z.size
        if n < self._min_px:
            return None
        low, top = _quantiles(pts.z, 0.02, 0.98)
        # contents of a container rest on its floor (their sides are hidden by its walls)
        on_table = resting or low < support_z + cfg.on_table_tol_m or support_z > 0.0
        height = top - support_z if on_table else top - low
        step = max(1, n // _RECT_MAX_POINTS)
        xy = np.stack([pts.x[::step], pts.y[::step]], 1) * 1000.0            # mm for minAreaRect
        (cx, cy), (rw, rh), ang = cv2.minAreaRect(xy.astype(np.float32))
        cx, cy, rw, rh = cx / 1000.0, cy / 1000.0, rw / 1000.0, rh / 1000.0
        yaw = math.radians(ang) if rw >= rh else math.radians(ang + 90.0)
        long, short = max(rw, rh), min(rw, rh)
        meas = np.array([long, short, height])
        diff = meas[None, :] - self._tmpl
        sig = np.where(diff < 0, _SIGMA * _SHRINK, _SIGMA)
        # containers are big and often partly hidden: their rim height identifies them
        sig[:, :2] = np.where(self._is_container[:, None] & (diff[:, :2] < 0), _CONTAINER_SHRINK_SIGMA, sig[:, :2])
        if not on_table:
            # the lower part may be hidden (held, stacked): height is only a lower bound
            sig[:, 2] = np.where(diff[:, 2] < 0, 0.02, sig[:, 2])
        cost = ((diff / sig) ** 2).sum(1)
        # a sliver much thinner than the template: only a vertical face seen edge-on (kept, moved back
        # below) or a fragment (rejected)
        thin = short < 0.45 * self._tmpl[:, 1]
        # (containers are seen from above with their rim: never as a face; thin = partly hidden)
        face = thin & (height >= 0.7 * self._tmpl[:, 2]) & (long >= 0.6 * self._tmpl[:, 1]) & ~self._is_container
        thin &= ~self._is_container
        cost = np.where(thin & ~face, np.inf, cost)
        # a face seen edge-on says nothing about the template's depth (short side)
        cost = np.where(face, cost - (diff[:, 1] / sig[:, 1]) ** 2, cost)
        # a container needs a fair piece of its rim in view
        small = self._is_container & ((long < 0.35 * self._tmpl[:, 0]) | (short < 0.2 * self._tmpl[:, 1]))
        cost = np.where(small, np.inf, cost)
        # far lower than the template: another thing (the visible floor of a container, a rim
        # fragment above an occluder), whether resting (the top is seen) or lifted
        cost = np.where(height < 0.5 * self._tmpl[:, 2], np.inf, cost)
        for i, t in enumerate(self._templates):
            if t.container and exclude_containers:
                cost[i] = np.inf
            if label_hint is not None and t.label != label_hint:
                cost[i] = np.inf
        order = [int(i) for i in np.argsort(cost) if np.isfinite(cost[i])]
        if not order or cost[order[0]] > cfg.max_fit_cost:
            return None
        # the nearest few templates are checked against the free space the camera sees: the part of
        # the template box that was not observed must be hidden behind nearer surfaces
        centre: dict[int, tuple[float, float]] = {}
        for i in order[:_VIS_CANDIDATES]:
            if cost[i] > cost[order[0]] + _VIS_MARGIN:
                break
            t = self._templates[i]
            if face[i]:
                continue
            yaw_t = _snap_yaw(yaw) if t.container else yaw
            top_t = support_z + t.size[2] if on_table else top
            cx_t, cy_t, score = self._occlusion_shift(cx, cy, yaw_t, long, short, top, t, top_t)
            centre[i] = (cx_t, cy_t)
            cost[i] += _VIS_PENALTY * (1.0 - score)
        best = int(np.argmin(cost))
        if not np.isfinite(cost[best]) or cost[best] > cfg.max_fit_cost:
            return None
        tmpl = self._templates[best]
        # orientation of the template's long side
        yaw_out = _snap_yaw(yaw) if tmpl.container else yaw
        size = yaw_aabb((tmpl.long, tmpl.short, tmpl.size[2]), yaw_out)
        if best in centre:
            cx, cy = centre[best]
        if face[best] and self._cam_xy is not None:
            # a face seen edge-on: the body lies behind it, away from the camera
            dx, dy = cx - self._cam_xy[0], cy - self._cam_xy[1]
            nrm = math.hypot(dx, dy)
            if nrm > 1e-6:
                shift = (tmpl.short - short) / 2.0
                cx, cy = cx + dx / nrm * shift, cy + dy / nrm * shift
        zc = top - tmpl.size[2] / 2.0
        if on_table:
            zc = support_z + tmpl.size[2] / 2.0
        zc += cfg.table_z_m
        color = self._color_name(pts, top, achromatic)
        conf = float(math.exp(-0.5 * cost[best] / cfg.max_fit_cost * 4.0) * min(1.0, n / 150.0))
        return Detection(
            label=tmpl.label, color=color, position=(float(cx), float(cy), float(zc)),
            size=tuple(float(v) for v in size), confidence=round(conf, 3), pixels=int(n), yaw=float(yaw_out),
            attrs={"container": tmpl.container, "fit_cost": float(cost[best]), "measured": meas.round(4).tolist(),
                   "on_table": bool(on_table), "face": bool(face[best])})

    def _occlusion_shift(self, cx: float, cy: float, yaw: float, long: float, short: float, top: float,
                         tmpl: ShapeTemplate, top_t: float | None = None) -> tuple[float, float, float]:
        """Re-centre a partly hidden object and score the hypothesis.

        Of the boxes of template size that contain the visible part (top face at ``top_t``, default
        the seen ``top``), pick the one whose unseen part is best hidden behind nearer surfaces.
        Returns (x, y, score): score = fraction of the unseen top-face sample points that are hidden
        (1 = consistent; 0 = the camera sees through where the box would be).
        """
        top_t = top if top_t is None else top_t
        taller = top_t > top + 0.006              # the template's top face was not seen at all
        if self._frame is None or self._frame[0] is None:
            return cx, cy, 1.0
        d_long, d_short = max(0.0, (tmpl.long - long) / 2.0), max(0.0, (tmpl.short - short) / 2.0)
        if d_long < 0.005 and d_short < 0.005 and not taller:
            return cx, cy, 1.0
        depth, K, T_cam_base = self._frame
        h, w = depth.shape
        ul = np.array([math.cos(yaw), math.sin(yaw)])
        us = np.array([-math.sin(yaw), math.cos(yaw)])
        g = np.linspace(-0.5, 0.5, 7)
        gl, gs = np.meshgrid(g * tmpl.long, g * tmpl.short, indexing="ij")
        gl, gs = gl.ravel(), gs.ravel()
        best, best_score = (cx, cy), -1.0
        for sl in ((-d_long, d_long) if d_long >= 0.005 else (0.0,)):
            for ss in ((-d_short, d_short) if d_short >= 0.005 else (0.0,)):
                # hypothesis footprint points outside the seen part
                ol, os_ = gl + sl, gs + ss
                hidden = (np.abs(ol) > long / 2 + 0.003) | (np.abs(os_) > short / 2 + 0.003)
                if taller:
                    hidden[:] = True
                if not hidden.any():
                    if best_score < 1.0:
                        c = np.array([cx, cy]) + sl * ul + ss * us
                        best, best_score = (float(c[0]), float(c[1])), 1.0
                    continue
                c = np.array([cx, cy]) + sl * ul + ss * us
                pxy = c[None, :] + gl[hidden, None] * ul[None, :] + gs[hidden, None] * us[None, :]
                pts = np.column_stack([pxy, np.full(len(pxy), top_t)])
                pc = pts @ T_cam_base[:3, :3].T + T_cam_base[:3, 3]
                u = np.round(K[0, 0] * pc[:, 0] / pc[:, 2] + K[0, 2]).astype(int)
                v = np.round(K[1, 1] * pc[:, 1] / pc[:, 2] + K[1, 2]).astype(int)
                inside = (u >= 0) & (u < w) & (v >= 0) & (v < h)
                dm = np.zeros(len(pc))
                dm[inside] = depth[v[inside], u[inside]]
                # contradiction: the camera sees farther than where the box would be (through it)
                ok = (~inside) | (dm <= 0) | (dm < pc[:, 2] + 0.01)
                score = float(ok.mean())
                if score > best_score:
                    best, best_score = (float(c[0]), float(c[1])), score
        return best[0], best[1], max(best_score, 0.0)

    def _achromatic_name(self, pts: _Points, top: float | None = None) -> str:
        """White / gray / black by the brightness of the best-lit upper pixels (per-pixel names
        confuse a shaded white with gray)."""
        if pts.v is None or not pts.v.size:
            return "gray"
        top = _quantiles(pts.z, 0.98)[0] if top is None else top
        up = pts.z >= top - 0.012
        v90 = _quantiles(pts.v[up] if up.sum() >= 10 else pts.v, 0.9)[0]
        cfg = self.config
        return "white" if v90 >= cfg.white_min_v else "black" if v90 <= cfg.black_max_v else "gray"

    def _color_name(self, pts: _Points, top: float, achromatic: bool) -> str:
        names = self.colors.names
        labels = pts.color
        ok = self.colors.reportable & (self.colors.achromatic if achromatic else ~self.colors.achromatic)
        if achromatic and pts.v is not None and pts.v.size:
            name = self._achromatic_name(pts, top)
            if name in names:
                return name
        if achromatic:
            upper = labels[pts.z >= top - 0.012]
            if (np.bincount(upper, minlength=len(names)) * ok).sum() >= 10:
                labels = upper
        votes = np.bincount(labels, minlength=len(names)) * ok
        if votes.sum() == 0:
            votes = np.bincount(labels, minlength=len(names)) * self.colors.reportable
        if votes.sum() == 0:
            return "gray"
        return names[int(np.argmax(votes))]

    def _dedupe(self, dets: list[Detection]) -> list[Detection]:
        """Two detections cannot fill the same space: keep the one with more pixels (colour splits).

        Also drops wall fragments of a container (same colour, inside its footprint, fitting a
        template only as an edge-on face or a poorly fitting lifted piece).
        """
        conts = [d for d in dets if d.attrs.get("container")]
        if conts:
            def fragment(d: Detection) -> bool:
                if d.attrs.get("container") or d.attrs.get("content") or d.attrs.get("split"):
                    return False
                weak = d.attrs.get("face") or d.attrs.get("fit_cost", 0) > 4.0
                return weak and any(
                    c.color == d.color and abs(d.position[0] - c.position[0]) <= c.size[0] / 2 + 0.02
                    and abs(d.position[1] - c.position[1]) <= c.size[1] / 2 + 0.02 for c in conts)
            dets = [d for d in dets if not fragment(d)]
        dets = sorted(dets, key=lambda d: -d.pixels)
        kept: list[Detection] = []
        for d in dets:
            dup = False
            for k in kept:
                lim = 0.5 * min(min(d.size[:2]), min(k.size[:2]))
                if (math.hypot(d.position[0] - k.position[0], d.position[1] - k.position[1]) < lim
                        and abs(d.position[2] - k.position[2]) < 0.5 * min(d.size[2], k.size[2])
                        and d.attrs.get("container") == k.attrs.get("container")):
                    dup = True
                    break
            if not dup:
                kept.append(d)
        return kept
