"""Perception accuracy and speed on randomised simulated scenes (RGB-D -> grounded scene).

Each scene is a sim world (``sim_worlds/*.yaml``) at a fresh seed, then changed
the way executed steps change it: an object put into a container, stacked on
another, pushed into a region or held up in the closed gripper; the arm is often
posed over the objects (partial occlusion). The rendered frame gets lighting
jitter (gain and per-channel tint) and depth noise (Gaussian, growing with
range, plus dropouts). Perception runs single-frame (a fresh tracker per scene).

Reported (JSON with ``--json``): detection precision / recall over visible
objects, colour and class accuracy of matched detections, median / p95 xy and
3D position error, relation accuracy (in, on, near, left_of, right_of over
matched pairs), step-verification accuracy (perceived verdict == verdict on
ground truth) and ms per 640x480 frame: wall and process CPU time of
``Perception.process`` with the camera's ray maps built (a fixed camera builds them
once; ``ms_per_frame_first_median`` includes building them), with the 1-minute load
average, since wall time on a shared machine depends on it. Targets: precision and recall >= 0.98,
colour >= 0.99, median position error <= 1 cm, relations >= 0.97,
verification >= 0.98, <= 15 ms per frame.

The scene generator (:func:`make_scene`) is also used by the tests.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

# Objects with fewer visible pixels than this (or less than this fraction of
# their unoccluded pixel count) are not expected to be detected.
MIN_VISIBLE_PX = 60
MIN_VISIBLE_FRACTION = 0.35
MATCH_DIST_M = 0.05            # detection <-> ground truth gate (xy)
SCENE_KINDS = ("plain", "in", "on", "held", "region", "occlude")


@dataclass
class Scene:
    """One rendered, perturbed scene with its ground truth."""

    world: str
    seed: int
    kind: str
    rgb: np.ndarray
    depth: np.ndarray
    K: np.ndarray
    T_base_cam: np.ndarray
    truth: list                     # list[ObjectState] from SimEnv.ground_truth()
    visible: dict = field(default_factory=dict)     # id -> visible pixel fraction (0..1)
    visible_px: dict = field(default_factory=dict)  # id -> visible pixel count
    steps: list = field(default_factory=list)       # [(skill, args)] to verify
    held: str | None = None
    seg: np.ndarray | None = None                   # (H, W) int16 object index into truth, -1 none, -2 robot


# --- scene generation (needs pybullet) ----------------------------------------------------------

def _pose_arm(env, pos, yaw: float, width: float) -> None:
    """Put the arm's grasp frame at ``pos`` pointing down (iterated IK + joint reset, no physics)."""
    from promptbot.sim.env import ARM_JOINTS, EE_LINK, FINGER_JOINTS, HOME_Q
    from promptbot.sim.expert import _yaw_quat

    c = env.client
    orn = list(_yaw_quat(yaw))
    for _ in range(8):
        q = c.calculateInverseKinematics(env.robot, EE_LINK, list(pos), orn, restPoses=list(HOME_Q) + [0.04, 0.04],
                                         maxNumIterations=50, residualThreshold=1e-5)
        for j in ARM_JOINTS:
            c.resetJointState(env.robot, j, q[j])
    for j in FINGER_JOINTS:
        c.resetJointState(env.robot, j, width / 2.0)


def _teleport(env, oid: str, pos, yaw: float) -> None:
    c = env.client
    c.resetBasePositionAndOrientation(env.bodies[oid].uid, list(pos), c.getQuaternionFromEuler([0, 0, yaw]))
    c.resetBaseVelocity(env.bodies[oid].uid, [0, 0, 0], [0, 0, 0])


def _settle(env, seconds: float = 0.4) -> None:
    """Let objects settle with the arm held where it is."""
    c = env.client
    for _ in range(int(seconds * 240)):
        c.stepSimulation()


def _render_with_seg(env, width: int, height: int):
    """Render the scene camera through SimEnv.render and a segmentation mask of the same view."""
    import pybullet as pb

    frame = env.render("scene", width, height)
    cam = env.world.scene_camera
    rs = env.render_sample
    view = env.client.computeViewMatrix(list(rs.camera_position), list(rs.camera_target), list(cam.up))
    proj = env.client.computeProjectionMatrixFOV(cam.fov_deg, width / height, cam.near_m, cam.far_m)
    _, _, _, _, seg = env.client.getCameraImage(width, height, view, proj, renderer=pb.ER_TINY_RENDERER,
                                                flags=pb.ER_SEGMENTATION_MASK_OBJECT_AND_LINKINDEX)
    seg = np.asarray(seg, dtype=np.int64).reshape(height, width)
    uid = np.where(seg >= 0, seg & ((1 << 24) - 1), -1)
    return frame, uid


def _unoccluded_px(obj, frame) -> float:
    """Rough pixel count of an object's box seen alone (projected 8 corners' convex hull area)."""
    import cv2

    cx, cy, cz = obj.position
    sx, sy, sz = obj.size
    corners = np.array([[cx + a * sx / 2, cy + b * sy / 2, cz + c * sz / 2]
                        for a in (-1, 1) for b in (-1, 1) for c in (-1, 1)])
    T_cam_base = np.linalg.inv(frame.T_base_cam)
    pc = corners @ T_cam_base[:3, :3].T + T_cam_base[:3, 3]
    uv = (pc[:, :2] / pc[:, 2:3]) * np.array([frame.K[0, 0], frame.K[1, 1]]) + frame.K[:2, 2]
    hull = cv2.convexHull(uv.astype(np.float32))
    return float(cv2.contourArea(hull))


def make_scene(env, world: str, seed: int, kind: str | None = None, width: int = 640, height: int = 480,
               jitter: bool = True, rng: np.random.Generator | None = None, keep_seg: bool = False) -> Scene:
    """Reset ``env`` to ``(world, seed)``, apply a random step effect / arm pose, render and perturb."""
    from promptbot.scene import REGIONS, is_in, is_on
    from promptbot.sim.worlds import SHAPES

    rng = rng or np.random.default_rng([seed, 77])
    env.reset(world, seed)
    kind = kind or SCENE_KINDS[int(rng.integers(0, len(SCENE_KINDS)))]
    gt = {o.id: o for o in env.ground_truth()}
    movable = [o for o in gt.values() if SHAPES[o.label].graspable]
    containers = [o for o in gt.values() if o.is_container]
    stackable = [o for o in gt.values() if o.label in ("cube", "block", "lego")]
    steps: list[tuple[str, tuple[str, ...]]] = []
    held = None
    arm_target = None
    if kind == "in" and containers and movable:
        obj = movable[int(rng.integers(0, len(movable)))]
        cont = containers[int(rng.integers(0, len(containers)))]
        h = SHAPES[obj.label].size[2]
        off = rng.uniform(-0.02, 0.02, 2)
        _teleport(env, obj.id, (cont.position[0] + off[0], cont.position[1] + off[1],
                                cont.bottom + 0.009 + h / 2), float(rng.uniform(-0.6, 0.6)))
        _settle(env)
        steps.append(("place", (obj.id, cont.id)))
    elif kind == "on" and len(stackable) >= 2:
        idx = rng.permutation(len(stackable))[:2]
        a, b = stackable[idx[0]], stackable[idx[1]]
        h = SHAPES[a.label].size[2]
        _teleport(env, a.id, (b.position[0], b.position[1], b.top + h / 2 + 0.001),
                  float(b.attrs.get("yaw", 0.0)) + float(rng.uniform(-0.2, 0.2)))
        _settle(env)
        steps.append(("stack", (a.id, b.id)))
    elif kind == "region" and movable:
        obj = movable[int(rng.integers(0, len(movable)))]
        name = ("left", "right", "front", "back", "center")[int(rng.integers(0, 5))]
        r = REGIONS[name]
        free = _free_spot(gt, obj, r, rng)
        if free is not None:
            _teleport(env, obj.id, (free[0], free[1], obj.position[2]), float(obj.attrs.get("yaw", 0.0)))
            _settle(env)
            steps.append(("push", (obj.id, name)))
    elif kind == "held" and movable:
        obj = movable[int(rng.integers(0, len(movable)))]
        yaw = float(obj.attrs.get("yaw", 0.0))
        sx, sy, sz = SHAPES[obj.label].size
        grip_yaw = yaw if sy <= sx else yaw + math.pi / 2   # fingers close along the grasp frame's y axis
        z = float(rng.uniform(0.10, 0.22))
        _pose_arm(env, (obj.position[0], obj.position[1], z), grip_yaw, min(sx, sy))
        _teleport(env, obj.id, (obj.position[0], obj.position[1], z), yaw)
        held = obj.id
        steps.append(("pick", (obj.id,)))
        arm_target = "done"
    # occlusion: hover the open gripper over (or next to) a random object
    if arm_target is None and (kind == "occlude" or rng.random() < 0.35):
        tgt = list(gt.values())[int(rng.integers(0, len(gt)))]
        p = env.client.getBasePositionAndOrientation(env.bodies[tgt.id].uid)[0]
        z = float(rng.uniform(0.09, 0.2)) + max(0.0, p[2])
        off = rng.uniform(-0.04, 0.04, 2)
        _pose_arm(env, (p[0] + off[0], p[1] + off[1], z), float(rng.uniform(-1.0, 1.0)), 0.08)
    truth = env.ground_truth()
    # negative / alternative steps to verify (their truth comes from the ground truth at eval time)
    ids = [o.id for o in truth]
    by = {o.id: o for o in truth}
    for _ in range(3):
        a = ids[int(rng.integers(0, len(ids)))]
        if not SHAPES[by[a].label].graspable:
            continue
        choice = int(rng.integers(0, 4))
        if choice == 0:
            steps.append(("pick", (a,)))
        elif choice == 1 and containers:
            steps.append(("place", (a, containers[int(rng.integers(0, len(containers)))].id)))
        elif choice == 2:
            b = ids[int(rng.integers(0, len(ids)))]
            if b != a and not by[b].is_container:
                steps.append(("stack", (a, b)))
        else:
            steps.append(("push", (a, ("left", "right", "front", "back", "center")[int(rng.integers(0, 5))])))
    frame, uid = _render_with_seg(env, width, height)
    rgb, depth = frame.rgb, frame.depth
    if jitter:
        rgb, depth = perturb(rgb, depth, rng)
    counts = np.bincount(uid[uid >= 0].ravel(), minlength=1 + max(b.uid for b in env.bodies.values()))
    visible, visible_px = {}, {}
    for oid, body in env.bodies.items():
        px = int(counts[body.uid]) if body.uid < counts.size else 0
        visible_px[oid] = px
        visible[oid] = min(1.0, px / max(1.0, _unoccluded_px(by[oid], frame) * 0.75))
    del is_in, is_on
    seg = None
    if keep_seg:
        seg = np.full(uid.shape, -1, np.int16)
        seg[uid == env.robot] = -2
        for i, o in enumerate(truth):
            seg[uid == env.bodies[o.id].uid] = i
    return Scene(world, seed, kind, rgb, depth, frame.K, frame.T_base_cam, truth, visible, visible_px, steps, held,
                 seg)


def _free_spot(gt: dict, obj, region, rng) -> tuple[float, float] | None:
    r = 0.5 * math.hypot(obj.size[0], obj.size[1])
    for _ in range(100):
        x = rng.uniform(region.x_min + 0.02, region.x_max - 0.02)
        y = rng.uniform(region.y_min + 0.02, region.y_max - 0.02)
        if math.hypot(x, y) < 0.32:
            continue
        if all(math.hypot(x - o.position[0], y - o.position[1]) > r + 0.5 * math.hypot(o.size[0], o.size[1]) + 0.01
               for o in gt.values() if o.id != obj.id):
            return x, y
    return None


def perturb(rgb: np.ndarray, depth: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Lighting jitter (global gain 0.8..1.2, tint +-6 % per channel) and depth noise.

    Depth: Gaussian with sigma = 1 mm * (range / 1 m)^2, 0.5 % dropouts (zero) and 0.2 % NaN.
    """
    gain = rng.uniform(0.8, 1.2) * rng.uniform(0.94, 1.06, 3)
    out = np.clip(rgb.astype(np.float32) * gain, 0, 255).astype(np.uint8)
    d = depth.astype(np.float32)
    d = d + rng.standard_normal(d.shape).astype(np.float32) * (0.001 * d * d)
    u = rng.random(d.shape)
    d[u < 0.005] = 0.0
    d[(u >= 0.005) & (u < 0.007)] = np.nan
    return out, d


# --- evaluation ---------------------------------------------------------------------------------

def expected_ids(scene: Scene) -> set[str]:
    return {o.id for o in scene.truth
            if scene.visible_px.get(o.id, 0) >= MIN_VISIBLE_PX and scene.visible.get(o.id, 0.0) >= MIN_VISIBLE_FRACTION}


def match(detected: list, truth: list) -> list[tuple[object, object]]:
    """Greedy nearest (xy) matching within MATCH_DIST_M."""
    pairs = []
    for i, d in enumerate(detected):
        for j, t in enumerate(truth):
            dist = math.hypot(d.position[0] - t.position[0], d.position[1] - t.position[1])
            if t.bottom > 0.02 or d.bottom > 0.02:   # stacked / held: include z
                dist = math.dist(d.position, t.position)
            if dist <= MATCH_DIST_M:
                pairs.append((dist, i, j))
    pairs.sort()
    used_d, used_t, out = set(), set(), []
    for _, i, j in pairs:
        if i in used_d or j in used_t:
            continue
        used_d.add(i)
        used_t.add(j)
        out.append((detected[i], truth[j]))
    return out


REL_PREDICATES = ("in", "on", "near", "left_of", "right_of")


def evaluate(scenes: list[Scene], perception_factory) -> dict:
    """Run perception on every scene and aggregate the metrics."""
    from promptbot.perception.verify import verify_step
    from promptbot.scene import RELATIONS

    tp = fp = fn = 0
    color_ok = label_ok = id_ok = matched_n = 0
    xy_err, xyz_err, times, cold, cpu = [], [], [], [], []
    rel_ok = rel_n = 0
    ver_ok = ver_n = 0
    failures: list[dict] = []
    for sc in scenes:
        per = perception_factory()
        # first call: per-camera-pose ray maps are built (a fixed camera builds them once)
        t0 = time.perf_counter()
        per.process(sc.rgb, sc.depth, sc.K, sc.T_base_cam, stamp_s=0.0)
        cold.append((time.perf_counter() - t0) * 1e3)
        per.reset()
        t0, c0 = time.perf_counter(), time.process_time()
        result = per.process(sc.rgb, sc.depth, sc.K, sc.T_base_cam, stamp_s=0.0)
        times.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
        det = result.objects
        exp = expected_ids(sc)
        pairs = match(det, sc.truth)
        matched_truth = {t.id for _, t in pairs}
        matched_det = {id(d) for d, _ in pairs}
        tp_s = sum(1 for _, t in pairs if t.id in exp)
        fn_s = len(exp - matched_truth)
        # a detection matched to a hidden-but-real object is not a false positive
        fp_s = sum(1 for d in det if id(d) not in matched_det)
        tp, fn, fp = tp + tp_s, fn + fn_s, fp + fp_s
        if fn_s or fp_s:
            failures.append({"world": sc.world, "seed": sc.seed, "kind": sc.kind,
                             "missed": sorted(exp - matched_truth),
                             "false": [f"{d.id}@({d.position[0]:.3f},{d.position[1]:.3f},{d.position[2]:.3f})"
                                       for d in det if id(d) not in matched_det]})
        for d, t in pairs:
            matched_n += 1
            color_ok += d.color == t.color
            label_ok += d.label == t.label
            id_ok += d.id == t.id
            xy_err.append(math.hypot(d.position[0] - t.position[0], d.position[1] - t.position[1]))
            xyz_err.append(math.dist(d.position, t.position))
        # relations over matched pairs (perceived objects renamed to their truth ids)
        tmap = {id(d): t for d, t in pairs}
        det_named = [_renamed(d, tmap[id(d)].id) for d, _ in pairs]
        tru = [t for _, t in pairs]
        for pred in REL_PREDICATES:
            fn_rel = RELATIONS[pred]
            for i in range(len(tru)):
                for j in range(len(tru)):
                    if i == j:
                        continue
                    rel_n += 1
                    rel_ok += fn_rel(det_named[i], det_named[j]) == fn_rel(tru[i], tru[j])
        # verification: perceived verdict vs verdict on ground truth
        renamed_all = det_named + [d for d in det if id(d) not in matched_det]
        for skill, args in sc.steps:
            truth_v = verify_step(skill, args, sc.truth)
            per_v = verify_step(skill, args, renamed_all)
            ver_n += 1
            ok = truth_v.holds == per_v.holds
            ver_ok += ok
            if not ok:
                failures.append({"world": sc.world, "seed": sc.seed, "kind": sc.kind,
                                 "step": f"{skill}({', '.join(args)})", "truth": truth_v.reason,
                                 "perceived": per_v.reason})
    xy = np.array(xy_err) if xy_err else np.array([np.nan])
    xyz = np.array(xyz_err) if xyz_err else np.array([np.nan])
    t = np.array(times)
    return {
        "scenes": len(scenes),
        "precision": tp / max(1, tp + fp),
        "recall": tp / max(1, tp + fn),
        "true_positives": tp, "false_positives": fp, "false_negatives": fn,
        "color_accuracy": color_ok / max(1, matched_n),
        "label_accuracy": label_ok / max(1, matched_n),
        "id_accuracy": id_ok / max(1, matched_n),
        "position_error_xy_median_m": float(np.median(xy)),
        "position_error_xy_p95_m": float(np.percentile(xy, 95)),
        "position_error_median_m": float(np.median(xyz)),
        "position_error_p95_m": float(np.percentile(xyz, 95)),
        "relation_accuracy": rel_ok / max(1, rel_n),
        "relation_pairs": rel_n,
        "verification_accuracy": ver_ok / max(1, ver_n),
        "verification_queries": ver_n,
        "ms_per_frame_median": float(np.median(t)),
        "ms_per_frame_p95": float(np.percentile(t, 95)),
        "ms_per_frame_mean": float(t.mean()),
        "ms_per_frame_first_median": float(np.median(cold)),
        "cpu_ms_per_frame_median": float(np.median(cpu)),
        "load_average_1min": os.getloadavg()[0],
        "failures": failures[:40],
    }


def _renamed(obj, new_id: str):
    from dataclasses import replace

    return replace(obj, id=new_id)


def generate(n: int, worlds: list[str] | None = None, seed0: int = 1000, width: int = 640, height: int = 480,
             progress: bool = False) -> list[Scene]:
    from promptbot.sim.env import SimEnv
    from promptbot.sim.worlds import list_worlds

    worlds = worlds or list_worlds()
    scenes = []
    env = SimEnv(worlds[0], seed0)
    try:
        for i in range(n):
            w = worlds[i % len(worlds)]
            kind = SCENE_KINDS[(i // len(worlds)) % len(SCENE_KINDS)]
            scenes.append(make_scene(env, w, seed0 + i, kind=kind, width=width, height=height))
            if progress and (i + 1) % 20 == 0:
                print(f"rendered {i + 1}/{n} scenes", file=sys.stderr, flush=True)
    finally:
        env.close()
    return scenes


# --- colour-table calibration -----------------------------------------------------------------

def calibrate(n: int, out: str, seed0: int = 20000, per_object: int = 400, robot_weight: float = 0.3) -> dict:
    """Fit the colour lookup table on ``n`` rendered scenes (seeds from ``seed0``, disjoint from the bench).

    Object pixels are labelled with their colour name from the segmentation mask; arm pixels are
    labelled "robot" (treated as achromatic, never reported) with ``robot_weight`` of the samples.
    """
    from promptbot.perception.colors import ColorTable
    from promptbot.sim.env import SimEnv
    from promptbot.sim.worlds import list_worlds

    worlds = list_worlds()
    rng = np.random.default_rng(seed0)
    samples: dict[str, list[np.ndarray]] = {}
    env = SimEnv(worlds[0], seed0)
    try:
        for i in range(n):
            sc = make_scene(env, worlds[i % len(worlds)], seed0 + i,
                            kind=SCENE_KINDS[(i // len(worlds)) % len(SCENE_KINDS)], keep_seg=True)
            for j, o in enumerate(sc.truth):
                px = sc.rgb[sc.seg == j]
                if len(px) > per_object:
                    px = px[rng.choice(len(px), per_object, replace=False)]
                samples.setdefault(o.color, []).append(px)
            px = sc.rgb[sc.seg == -2]
            k = int(per_object * 3 * robot_weight)
            if len(px) > k:
                px = px[rng.choice(len(px), k, replace=False)]
            samples.setdefault("robot", []).append(px)
            if (i + 1) % 20 == 0:
                print(f"calibration: {i + 1}/{n} scenes", file=sys.stderr, flush=True)
    finally:
        env.close()
    table = ColorTable.fit({k: np.concatenate(v) for k, v in samples.items()})
    table.save(out)
    return {"names": table.names, "samples": {k: int(sum(len(a) for a in v)) for k, v in samples.items()},
            "out": out}


@contextlib.contextmanager
def _c_stdout_to_stderr():
    """The EGL renderer prints on C-level stdout; keep stdout clean for --json."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


# --- CLI ----------------------------------------------------------------------------------------

TARGETS = {"precision": 0.98, "recall": 0.98, "color_accuracy": 0.99, "position_error_median_m": 0.01,
           "relation_accuracy": 0.97, "verification_accuracy": 0.98, "ms_per_frame_median": 15.0}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")
    parser.add_argument("--scenes", type=int, default=240, help="number of randomised scenes (>= 200 for the report)")
    parser.add_argument("--seed", type=int, default=1000, help="first scene seed")
    parser.add_argument("--worlds", default="", help="comma-separated world names (default: all)")
    parser.add_argument("--failures", action="store_true", help="include up to 40 failure cases in the output")
    parser.add_argument("--calibrate", metavar="NPZ", default="",
                        help="instead of benchmarking, fit the colour table on --scenes scenes (seeds 20000+) "
                             "and save it to NPZ (the shipped one is promptbot/perception/tables/sim_colors.npz)")


def run(args: argparse.Namespace) -> int:
    from promptbot.perception import Perception

    if args.scenes < 1:
        print("--scenes must be >= 1", file=sys.stderr)
        return 2
    if args.calibrate:
        with _c_stdout_to_stderr():
            info = calibrate(args.scenes, args.calibrate)
        print(json.dumps(info, indent=2) if args.json else info)
        return 0
    worlds = [w for w in args.worlds.split(",") if w] or None
    t0 = time.time()
    with _c_stdout_to_stderr():
        scenes = generate(args.scenes, worlds, args.seed, progress=True)
    print(f"rendered {len(scenes)} scenes in {time.time() - t0:.1f} s; running perception", file=sys.stderr)
    Perception()  # build the colour table once before timing
    res = evaluate(scenes, Perception)
    if not args.failures:
        res.pop("failures")
    res["targets"] = TARGETS
    res["meets_targets"] = {k: (res[k] <= v if k.endswith(("_m", "ms_per_frame_median")) else res[k] >= v)
                            for k, v in TARGETS.items()}
    res["scene_kinds"] = list(SCENE_KINDS)
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        for k, v in res.items():
            print(f"{k}: {v}")
    return 0
