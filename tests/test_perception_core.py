"""Pure perception tests: rendered sim scenes with ground truth, tracking, verification, bad input."""
from __future__ import annotations

import math
from dataclasses import replace as _replace

import numpy as np
import pytest

from promptbot.perception import (
    ClassicalDetector,
    ColorTable,
    FrameError,
    Perception,
    PerceptionConfig,
    StampError,
    Tracker,
    verify_step,
)
from promptbot.perception.detector import Detection
from promptbot.perception.geometry import look_at, matrix_to_pose, pose_to_matrix
from promptbot.perception.sync import StampSync
from promptbot.perception.verify import BAD_REQUEST, OCCLUDED, OK, UNKNOWN_OBJECT
from helpers.scenes import verification_scene
from promptbot.scene import ObjectState

pytest.importorskip("pybullet")


@pytest.fixture(scope="module")
def env():
    from promptbot.sim.env import SimEnv

    e = SimEnv("tabletop", 0)
    yield e
    e.close()


@pytest.fixture(scope="module")
def detector():
    return ClassicalDetector()


def _scene(env, world, seed, kind):
    from promptbot.bench.perception import make_scene

    return make_scene(env, world, seed, kind=kind)


def _match(objs, truth, tol=0.03):
    from promptbot.bench.perception import match

    return match(objs, truth)


# --- catalogue agreement ------------------------------------------------------------------------

def test_templates_and_colours_match_the_sim_catalogue():
    from promptbot.perception.colors import SIM_COLORS
    from promptbot.perception.config import SIM_TEMPLATES
    from promptbot.sim.worlds import COLORS, SHAPES

    assert {k: tuple(v[:3]) for k, v in COLORS.items()} == SIM_COLORS
    for t in SIM_TEMPLATES:
        assert SHAPES[t.label].size == t.size
        assert SHAPES[t.label].container == t.container
    assert {t.label for t in SIM_TEMPLATES} == set(SHAPES)


# --- rendered scenes ------------------------------------------------------------------------------

@pytest.mark.parametrize("world,seed,kind", [
    ("tabletop", 11, "plain"), ("clutter", 12, "plain"), ("sorting", 13, "in"), ("stacking", 14, "on"),
    ("long_horizon", 15, "occlude"), ("clutter", 16, "region"),
])
def test_rendered_scene_matches_ground_truth(env, world, seed, kind):
    from promptbot.bench.perception import expected_ids

    sc = _scene(env, world, seed, kind)
    res = Perception().process(sc.rgb, sc.depth, sc.K, sc.T_base_cam, 0.0)
    pairs = _match(res.objects, sc.truth)
    matched = {t.id for _, t in pairs}
    assert expected_ids(sc) <= matched, f"missed {expected_ids(sc) - matched}"
    assert len(res.objects) == len(pairs), "false detections: " + str(
        [o.id for o in res.objects if all(o is not d for d, _ in pairs)])
    for d, t in pairs:
        if t.id not in expected_ids(sc):
            continue
        assert d.color == t.color, (d.id, t.id)
        assert d.label == t.label, (d.id, t.id)
        assert math.dist(d.position, t.position) < 0.015, (d.id, d.position, t.position)
        assert 0.0 < d.confidence <= 1.0
    # relations of the step effect are seen, and ids match the sim's naming
    for skill, args in sc.steps[:1]:
        if all(a in matched for a in args if "_" in a):
            assert verify_step(skill, args, res.objects).holds == verify_step(skill, args, sc.truth).holds


def test_full_resolution_path_matches_ground_truth(env):
    """downsample=1 (every pixel) gives the same objects as the default stride."""
    from promptbot.bench.perception import expected_ids

    sc = _scene(env, "clutter", 17, "occlude")
    dets = ClassicalDetector(PerceptionConfig(downsample=1)).detect(sc.rgb, sc.depth, sc.K, sc.T_base_cam)
    pairs = _match(dets, sc.truth)
    assert expected_ids(sc) <= {t.id for _, t in pairs}
    assert len(dets) == len(pairs)
    assert all(math.dist(d.position, t.position) < 0.015 and d.color == t.color for d, t in pairs
               if t.id in expected_ids(sc))


def test_cube_in_same_coloured_bowl_is_two_objects(env):
    from promptbot.bench.perception import _settle, _teleport

    env.reset("sorting", 3)
    gt = {o.id: o for o in env.ground_truth()}
    cube = next(o for o in gt.values() if o.label == "cube")
    bowl = gt[f"{cube.color}_bowl"]
    _teleport(env, cube.id, (bowl.position[0], bowl.position[1], 0.03), 0.3)
    _settle(env)
    f = env.render("scene", 640, 480)
    res = Perception().process(f.rgb, f.depth, f.K, f.T_base_cam, 0.0)
    ids = {o.id for o in res.objects}
    assert {cube.id, bowl.id} <= ids, ids
    assert ("in", cube.id, bowl.id) in res.relations
    v = verify_step("place", (cube.id, bowl.id), res.objects)
    assert v.holds and v.code == OK, v.reason


def test_held_object_verifies_pick_and_arm_is_not_an_object(env):
    sc = _scene(env, "tabletop", 21, "held")
    res = Perception().process(sc.rgb, sc.depth, sc.K, sc.T_base_cam, 0.0)
    assert sc.held is not None
    truth_ids = {o.id for o in sc.truth}
    assert {o.id for o in res.objects} <= truth_ids      # no robot parts reported
    v = verify_step("pick", (sc.held,), res.objects)
    assert v.holds, v.reason


def test_lighting_and_depth_noise_robustness(env, detector):
    """Same scene, darker / brighter / tinted and with depth noise and dropouts: same objects, colours."""
    env.reset("clutter", 31)
    f = env.render("scene", 640, 480)
    truth = env.ground_truth()
    rng = np.random.default_rng(0)
    for gain in ((0.8, 0.8, 0.8), (1.2, 1.2, 1.2), (1.1, 0.95, 0.9)):
        rgb = np.clip(f.rgb.astype(np.float32) * np.array(gain), 0, 255).astype(np.uint8)
        depth = f.depth + rng.standard_normal(f.depth.shape).astype(np.float32) * 0.002
        depth[rng.random(depth.shape) < 0.01] = 0.0
        depth[rng.random(depth.shape) < 0.005] = np.nan
        dets = detector.detect(rgb, depth, f.K, f.T_base_cam)
        pairs = _match(dets, truth)
        assert len(pairs) >= len(truth) - 1, gain
        assert sum(d.color == t.color for d, t in pairs) >= len(pairs) - 1, gain


def test_detection_speed_640x480(env, detector):
    """Loose CI bound; the benchmark measures the real number (target 15 ms)."""
    import time

    env.reset("clutter", 41)
    f = env.render("scene", 640, 480)
    detector.detect(f.rgb, f.depth, f.K, f.T_base_cam)
    took = []
    for _ in range(5):
        t0 = time.perf_counter()
        detector.detect(f.rgb, f.depth, f.K, f.T_base_cam)
        took.append(time.perf_counter() - t0)
    # the best of five: the detector's own cost, not a preemption on a loaded 2-core machine
    ms = min(took) * 1e3
    assert ms < 100.0, [round(t * 1e3, 1) for t in took]


# --- bad input ---------------------------------------------------------------------------------------

def _frame(h=48, w=64):
    K = np.array([[50.0, 0, w / 2], [0, 50.0, h / 2], [0, 0, 1]])
    T = look_at((1.0, 0.0, 1.1), (0.5, 0.0, 0.0), (1.0, 0.0, 0.0))
    return np.zeros((h, w, 3), np.uint8), np.full((h, w), 1.3, np.float32), K, T


@pytest.mark.parametrize("mutate,msg", [
    (lambda r, d, K, T: (r.astype(np.float32), d, K, T), "uint8"),
    (lambda r, d, K, T: (r[:, :, :2], d, K, T), "(H, W, 3)"),
    (lambda r, d, K, T: (r, d[:-1], K, T), "sizes differ"),
    (lambda r, d, K, T: (r, d.astype(np.int32), K, T), "float32"),
    (lambda r, d, K, T: (r, d, np.zeros((3, 3)), T), "positive focal"),
    (lambda r, d, K, T: (r, d, K, T * 2), "orthonormal"),
    (lambda r, d, K, T: (r, d, K, np.full((4, 4), np.nan)), "finite"),
])
def test_bad_frames_raise_frame_error(detector, mutate, msg):
    with pytest.raises(FrameError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        detector.detect(*mutate(*_frame()))


def test_nan_and_zero_depth_give_no_objects(detector):
    rgb, depth, K, T = _frame()
    depth[:] = np.nan
    assert detector.detect(rgb, depth, K, T) == []
    depth[:] = 0.0
    assert detector.detect(rgb, depth, K, T) == []


def test_out_of_order_stamps_are_refused():
    per = Perception()
    rgb, depth, K, T = _frame()
    per.process(rgb, depth, K, T, 2.0)
    with pytest.raises(StampError):
        per.process(rgb, depth, K, T, 1.5)
    assert per.clock_resets == 0


def test_a_restarted_clock_restarts_tracking_instead_of_dropping_every_frame(env):
    """A respawned simulator's clock starts again at 0: frames far older than the last one are a new
    clock, not late frames (issue 24: perception dropped every frame after a sim respawn)."""
    per = Perception()
    f = env.render("scene", 320, 240)
    before = per.process(f.rgb, f.depth, f.K, f.T_base_cam, 600.0)
    assert len(before.objects) >= 5
    after = per.process(f.rgb, f.depth, f.K, f.T_base_cam, 0.05)
    assert per.clock_resets == 1 and after.stamp_s == 0.05
    assert sorted(o.id for o in after.objects) == sorted(o.id for o in before.objects)
    assert per.process(f.rgb, f.depth, f.K, f.T_base_cam, 0.10).objects   # it goes on with the new clock


def test_a_repeated_frame_is_not_detected_again_and_tracks_the_same(env):
    """A camera republishing a still picture (the sim while nothing moves): the detections are reused,
    and the tracker gets what a new detection would have given it."""
    f = env.render("scene", 320, 240)

    class Counting(ClassicalDetector):
        calls = 0

        def detect(self, *args):
            Counting.calls += 1
            return super().detect(*args)

    per, fresh = Perception(detector=Counting()), Perception()
    for t in (0.0, 0.1, 0.2):
        rgb = f.rgb.copy()                       # a new buffer with the same picture
        got = per.process(rgb, f.depth.copy(), f.K, f.T_base_cam, t)
        want = fresh.process(f.rgb, f.depth, f.K, f.T_base_cam, t)
        assert [(o.id, o.position) for o in got.objects] == [(o.id, o.position) for o in want.objects]
    assert Counting.calls == 1 and per.frames_reused == 2
    rgb[:] = 0                                   # the caller refills its buffer: the held copy is not affected
    moved = f.depth.copy()
    moved[100:110, 100:110] -= 0.01              # anything different is detected again
    per.process(f.rgb, moved, f.K, f.T_base_cam, 0.3)
    assert Counting.calls == 2


def test_config_validation():
    with pytest.raises(ValueError):
        PerceptionConfig(min_height_m=-1.0)
    with pytest.raises(ValueError):
        PerceptionConfig(roi_x_m=(1.0, 0.0))
    with pytest.raises(ValueError):
        PerceptionConfig(median_filter_px=4)
    with pytest.raises(ValueError):
        PerceptionConfig(downsample=0)


# --- colours, geometry, sync --------------------------------------------------------------------

def test_colour_table_from_prototypes_names_shaded_colours():
    table = ColorTable.from_prototypes()
    assert table.name_of((217, 31, 31)) == "red"
    assert table.name_of((110, 20, 20)) == "red"          # shaded red
    assert table.name_of((31, 76, 230)) == "blue"
    assert table.name_of((250, 128, 13)) == "orange"
    default = ColorTable.default()
    assert "robot" in default.names and not default.reportable[default.names.index("robot")]


def test_colour_table_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError):
        ColorTable(["a"], np.zeros(10, np.uint8))
    with pytest.raises(ValueError):
        ColorTable.from_prototypes({"x": (2.0, 0.0, 0.0)})
    t = ColorTable.from_prototypes({"red": (0.9, 0.1, 0.1), "blue": (0.1, 0.1, 0.9)})
    t.save(tmp_path / "t.npz")
    assert ColorTable.load(tmp_path / "t.npz").names == t.names


def test_pose_round_trip():
    T = look_at((1.0, 0.1, 1.1), (0.5, 0.0, 0.0), (1.0, 0.0, 0.0))
    assert np.allclose(pose_to_matrix(matrix_to_pose(T)), T, atol=1e-9)
    with pytest.raises(FrameError):
        pose_to_matrix([0, 0, 0, 0, 0, 0, 0])


def test_stamp_sync_pairs_and_refuses_old():
    s = StampSync(slop_ns=1000)
    assert s.add_a(100, "c1") is None
    assert s.add_b(100, "d1") == (100, "c1", "d1")
    assert s.add_b(300, "d3") is None
    assert s.add_a(300_500, "c4") is None                 # beyond slop
    assert isinstance(s.add_a(50, "old"), str)            # older than the last pair
    assert s.add_a(300, "c3") == (300, "c3", "d3")


# --- tracking ---------------------------------------------------------------------------------------

def _det(label, color, x, y, z=0.02):
    return Detection(label, color, (x, y, z), (0.04, 0.04, 0.04), 0.9)


def test_tracker_keeps_ids_while_moving_and_occluded():
    tr = Tracker(hold_s=1.0, gate_m=0.1)
    objs = tr.update([_det("cube", "red", 0.5, 0.0), _det("bowl", "blue", 0.6, 0.2)], 0.0)
    assert {o.id for o in objs} == {"red_cube", "blue_bowl"}
    # the cube moves 2 cm per frame
    for k in range(1, 5):
        objs = tr.update([_det("cube", "red", 0.5 + 0.02 * k, 0.0), _det("bowl", "blue", 0.6, 0.2)], 0.1 * k)
    assert {o.id for o in objs} == {"red_cube", "blue_bowl"}
    # occluded by the gripper for 0.5 s: still reported, flagged
    objs = tr.update([_det("bowl", "blue", 0.6, 0.2)], 0.9)
    cube = next(o for o in objs if o.id == "red_cube")
    assert cube.attrs["occluded"] and cube.position[0] == pytest.approx(0.58)
    # reappears lifted, seen once as a lego (occluded view): same id
    objs = tr.update([_det("lego", "red", 0.58, 0.0, 0.1), _det("bowl", "blue", 0.6, 0.2)], 1.0)
    assert "red_cube" in {o.id for o in objs}
    # gone longer than hold_s: dropped
    objs = tr.update([_det("bowl", "blue", 0.6, 0.2)], 2.5)
    assert {o.id for o in objs} == {"blue_bowl"}


def test_tracker_events_name_established_tracks_that_appear_are_lost_or_move_unseen():
    """The perception node logs these: bench e2e lost a placed cube's id ("yellow_cube is not in the scene") with
    nothing in any log to say when or how."""
    tr = Tracker(hold_s=1.0, gate_m=0.1)
    for k in range(5):
        tr.update([_det("cube", "red", 0.5, 0.0), _det("lego", "red", 0.3, 0.3)], 0.1 * k)
        assert tr.events == []                                            # young tracks say nothing
    tr.update([_det("cube", "red", 0.5, 0.0)], 0.6)
    assert tr.events == ["established red_cube (cube, confidence 0.90) at (0.500, 0.000, 0.020) m, "
                         "first seen 0.6 s ago"]
    tr.update([_det("cube", "red", 0.5, -0.3)], 1.0)                      # carried while hidden: outside the gate
    assert tr.events == ["re-identified red_cube (cube): 0.30 m from where it was last seen, 0.4 s ago"]
    tr.update([], 2.5)
    assert tr.events == ["dropped red_cube (cube): unseen for 1.5 s at (0.500, -0.300, 0.020) m"]
    tr.update([], 2.6)
    assert tr.events == []                                                # each event once


def test_a_carried_cube_that_lands_looking_like_a_lego_keeps_its_id():
    tr = Tracker(hold_s=3.0, gate_m=0.12)
    for k in range(8):
        objs = tr.update([_det("cube", "yellow", 0.70, -0.21), _det("lego", "red", 0.3, 0.3)], 0.1 * k)
    # carried out of view, then seen 25 cm away, its shape fit saying lego (tilted, half hidden)
    objs = tr.update([_det("lego", "red", 0.3, 0.3)], 1.0)
    objs = tr.update([_det("lego", "yellow", 0.45, -0.29), _det("lego", "red", 0.3, 0.3)], 2.0)
    assert {o.id for o in objs} == {"yellow_cube", "red_lego"}
    assert next(o for o in objs if o.color == "yellow").label == "cube"            # the majority label
    assert tr.events == ["re-identified yellow_cube (cube): 0.26 m from where it was last seen, 1.3 s ago"]
    # a held track of the detection's own label is preferred; a container never takes a cube's track
    tr = Tracker(hold_s=3.0, gate_m=0.12)
    for k in range(8):
        tr.update([_det("cube", "red", 0.5, 0.0), _det("lego", "red", 0.3, 0.3)], 0.1 * k)
    objs = tr.update([_det("lego", "red", 0.6, -0.3)], 1.0)
    assert {o.id: o.attrs["occluded"] for o in objs} == {"red_cube": True, "red_lego": False}
    tr = Tracker(hold_s=3.0, gate_m=0.12)
    for k in range(8):
        tr.update([_det("cube", "blue", 0.5, 0.0)], 0.1 * k)
    objs = tr.update([Detection("bowl", "blue", (0.6, 0.3, 0.03), (0.14, 0.14, 0.06), 0.9)], 1.0)
    assert {o.id for o in objs} == {"blue_cube", "blue_bowl"}


def _table_depth(K, T, h, w, table_z=0.0):
    """Depth image [m] of an empty table plane z = table_z seen by camera T (base <- optical)."""
    from promptbot.perception.geometry import ray_maps

    m = ray_maps(K, T, w, h)
    return ((table_z - m.t[2]) / m.az).astype(np.float32)


def test_hidden_from_view_needs_something_nearer_than_the_object():
    from promptbot.perception.geometry import hidden_from_view, project

    h, w = 120, 160
    K = np.array([[120.0, 0, w / 2], [0, 120.0, h / 2], [0, 0, 1]])
    T = look_at((1.0, 0.0, 1.1), (0.5, 0.0, 0.0), (1.0, 0.0, 0.0))
    pos, size = (0.55, 0.0, 0.02), (0.04, 0.04, 0.04)
    table = _table_depth(K, T, h, w)
    assert not hidden_from_view(pos, size, table, K, T)          # the table shows where it stood: gone
    # something 20 cm nearer the camera covers its place (e.g. a tower in front of it)
    u, v = project(np.array([pos]), K, T)[0]
    front = table.copy()
    front[int(v) - 8:int(v) + 9, int(u) - 8:int(u) + 9] -= 0.2
    assert hidden_from_view(pos, size, front, K, T)
    # the object itself, standing there, is not nearer than itself by the margin: visible, not hidden
    itself = table.copy()
    itself[int(v) - 8:int(v) + 9, int(u) - 8:int(u) + 9] -= 0.04
    assert not hidden_from_view(pos, size, itself, K, T)
    assert hidden_from_view((3.0, 0.0, 0.02), size, table, K, T)  # out of the picture
    assert hidden_from_view(pos, size, np.zeros_like(table), K, T)  # no depth readings


def test_tracker_keeps_an_established_track_while_its_place_is_hidden():
    tr = Tracker(hold_s=1.0, gate_m=0.1, hidden_hold_s=60.0)
    for k in range(8):                                            # seen 8 times: established
        tr.update([_det("cube", "orange", 0.66, -0.13), _det("cube", "red", 0.68, -0.17)], 0.1 * k)
    behind = {"hidden": True}
    hidden = lambda d: behind["hidden"] and d.color == "orange"   # noqa: E731 (the depth test, faked)
    objs = tr.update([_det("cube", "red", 0.68, -0.17)], 30.0, hidden=hidden)
    orange = next(o for o in objs if o.id == "orange_cube")
    assert orange.attrs["occluded"] and orange.position[:2] == (0.66, -0.13)
    assert tr.update([_det("cube", "red", 0.68, -0.17)], 61.0, hidden=hidden)[0].id == "red_cube"
    assert "orange_cube" not in {o.id for o in tr.update([], 61.0, hidden=hidden)}    # past hidden_hold_s
    # its place in view again and empty: dropped after hold_s as before
    tr = Tracker(hold_s=1.0, gate_m=0.1, hidden_hold_s=60.0)
    for k in range(8):
        tr.update([_det("cube", "orange", 0.66, -0.13)], 0.1 * k)
    behind["hidden"] = False
    assert tr.update([], 5.0, hidden=hidden) == []
    # a young track (a fragment seen twice) is not kept behind anything
    tr = Tracker(hold_s=1.0, gate_m=0.1, hidden_hold_s=60.0)
    tr.update([_det("cube", "orange", 0.66, -0.13)], 0.0)
    tr.update([_det("cube", "orange", 0.66, -0.13)], 0.1)
    behind["hidden"] = True
    assert tr.update([], 5.0, hidden=hidden) == []


def test_a_weak_fragment_does_not_take_over_a_carried_objects_id():
    """Bench e2e seed 16: the green cube, carried (unseen) over the green bowl, lost its id to a sliver of
    the half-hidden bowl seen as a cube (confidence 0.22); the placed cube became green_cube_2."""
    tr = Tracker(hold_s=3.0, gate_m=0.12)
    for k in range(8):
        tr.update([_det("cube", "green", 0.39, -0.01), _det("bowl", "green", 0.51, -0.20)], 0.1 * k)
    tr.update([_det("cube", "green", 0.54, -0.11, 0.195)], 1.0)     # lifted and carried, last seen here
    tr.update([], 1.2)                                               # under the arm: not seen
    sliver = _replace(_det("cube", "green", 0.552, -0.138, 0.03), confidence=0.22)
    objs = tr.update([sliver], 1.3)                                  # out of every gate, weak
    assert next(o for o in objs if o.id == "green_cube").attrs["occluded"]      # the id stays with the carried cube
    objs = tr.update([_replace(_det("cube", "green", 0.68, -0.209, 0.138), confidence=0.5)], 1.4)
    cube = next(o for o in objs if o.id == "green_cube")
    assert not cube.attrs["occluded"] and cube.position[:2] == (0.68, -0.209)   # a confident detection re-identifies
    assert next(o for o in objs if o.id != "green_cube" and o.label != "bowl").confidence < 0.3


def test_tracker_numbers_duplicates_like_the_sim():
    tr = Tracker()
    objs = tr.update([_det("lego", "cyan", 0.6, 0.1), _det("lego", "cyan", 0.4, -0.1)], 0.0)
    assert sorted(o.id for o in objs) == ["cyan_lego", "cyan_lego_2"]
    nearest = min(objs, key=lambda o: o.position[0])
    assert nearest.id == "cyan_lego"
    with pytest.raises(StampError):
        tr.update([], -1.0)


# --- verification -----------------------------------------------------------------------------------

SCENE = verification_scene()


@pytest.mark.parametrize("skill,args,holds,code", [
    ("pick", ("purple_cube",), True, OK),
    ("pick", ("yellow_cube",), False, OK),                       # stacked, not held
    ("pick", ("red_cube",), False, OK),
    ("place", ("green_cube", "blue_bowl"), True, OK),
    ("place", ("red_cube", "blue_bowl"), False, OK),
    ("place", ("yellow_cube", "red_cube"), True, OK),
    ("place", ("orange_cube", "left"), True, OK),
    ("place", ("orange_cube", "right"), False, OK),
    ("place", ("red_cube", "table"), True, OK),
    ("place", ("red_cube", "left_of:blue_bowl"), False, OK),
    ("place", ("red_cube", "right_of:blue_bowl"), True, OK),
    ("stack", ("yellow_cube", "red_cube"), True, OK),
    ("stack", ("red_cube", "yellow_cube"), False, OK),
    ("push", ("orange_cube", "left"), True, OK),
    ("push", ("purple_cube", "front"), False, OK),               # held, not resting
    ("push", ("red_cube", "nowhere"), False, BAD_REQUEST),
    ("pick", ("ghost_cube",), False, UNKNOWN_OBJECT),
    ("place", ("red_cube", "ghost_bowl"), False, UNKNOWN_OBJECT),
    ("fly", ("red_cube",), False, BAD_REQUEST),
    ("pick", (), False, BAD_REQUEST),
])
def test_verify_step(skill, args, holds, code):
    v = verify_step(skill, args, SCENE)
    assert (v.holds, v.code) == (holds, code), v.reason
    assert v.reason


def test_pick_of_a_hidden_object_is_not_judged_from_where_it_was_last_seen():
    """Bench e2e: the arm hid the lifted cube; its held track still stood on the table and the pick was
    judged failed. A hidden object gets OCCLUDED (the planner then asks the gripper); a seen one does not."""
    from dataclasses import replace

    hidden = [replace(o, attrs={"occluded": True}) if o.id == "red_cube" else o for o in SCENE]
    v = verify_step("pick", ("red_cube",), hidden)
    assert (v.holds, v.code) == (False, OCCLUDED) and "hidden" in v.reason, v.reason
    assert verify_step("pick", ("red_cube",), SCENE).code == OK


# --- a real pick-and-place sequence through the scripted expert -------------------------------------

def test_ids_stay_stable_through_a_pick_and_place(env):
    """Frames every 0.25 s (sim time) while the expert moves red/green cube into a bowl: the moved cube
    keeps its id while it travels and is partly hidden by the gripper, and every step is verified."""
    from promptbot.sim.expert import Expert

    env.reset("tabletop", 2)
    truth = {o.id: o for o in env.ground_truth()}
    cube = next(o for o in truth.values() if o.label == "cube")
    bowl = next(o for o in truth.values() if o.label == "bowl")
    per = Perception()
    seen_ids: list[set[str]] = []
    t = [0.0]

    def observe(_action=None):
        t[0] += 1
        if t[0] % 5:              # every 5th control step (0.25 s at 20 Hz)
            return
        f = env.render("scene", 320, 240)
        res = per.process(f.rgb, f.depth, f.K, f.T_base_cam, env.time_s)
        seen_ids.append({o.id for o in res.objects})

    f = env.render("scene", 320, 240)
    first = per.process(f.rgb, f.depth, f.K, f.T_base_cam, env.time_s)
    assert {o.id for o in first.objects} == set(truth)
    ex = Expert(env, observer=observe)
    assert ex.pick(cube.id)
    f = env.render("scene", 320, 240)
    res = per.process(f.rgb, f.depth, f.K, f.T_base_cam, env.time_s)
    v = verify_step("pick", (cube.id,), res.objects)
    assert v.holds, v.reason
    assert ex.place(cube.id, bowl.id)
    ex.go_home()
    f = env.render("scene", 320, 240)
    res = per.process(f.rgb, f.depth, f.K, f.T_base_cam, env.time_s)
    assert {o.id for o in res.objects} == set(truth)
    v = verify_step("place", (cube.id, bowl.id), res.objects)
    assert v.holds, v.reason
    # throughout the motion no new id for the moved cube appeared (no red_cube_2, no relabelling)
    all_ids = set().union(*seen_ids)
    assert all_ids <= set(truth), all_ids - set(truth)
    assert sum(cube.id in s for s in seen_ids) >= 0.9 * len(seen_ids)


def test_tracker_assignment_is_min_cost_within_a_colour():
    from promptbot.perception.tracker import _assign

    # greedy would take (0, 0) at 0.01 and leave row 1 unmatched; the optimum matches both
    cost = np.array([[0.01, 0.02], [0.03, np.inf]])
    assert sorted(_assign(cost)) == [(0, 1), (1, 0)]
    assert _assign(np.full((2, 2), np.inf)) == []
    tr = Tracker(gate_m=0.1)
    tr.update([_det("lego", "cyan", 0.50, 0.00), _det("lego", "cyan", 0.56, 0.00)], 0.0)
    objs = tr.update([_det("lego", "cyan", 0.53, 0.00), _det("lego", "cyan", 0.585, 0.00)], 0.1)
    by = {o.id: o.position[0] for o in objs}
    assert by["cyan_lego"] == pytest.approx(0.53) and by["cyan_lego_2"] == pytest.approx(0.585)


def test_track_confidence_survives_a_partial_view_but_fragments_stay_weak():

    from promptbot.perception.tracker import CONF_MEMORY_S

    tr = Tracker(hold_s=1.0, gate_m=0.1)
    tr.update([_det("cube", "red", 0.5, 0.0)], 0.0)                       # seen clearly: 0.9
    sliver = _replace(_det("cube", "red", 0.505, 0.0), confidence=0.1)    # the hand hides most of it
    objs = tr.update([sliver], 0.1)
    cube = next(o for o in objs if o.id == "red_cube")
    assert cube.confidence == pytest.approx(0.9 * math.exp(-0.1 / CONF_MEMORY_S), abs=1e-3)
    assert cube.position[0] == pytest.approx(0.505)                       # the position still follows
    # a new, weak detection does not borrow anyone's confidence
    objs = tr.update([sliver, _replace(_det("cube", "blue", 0.3, 0.2), confidence=0.12)], 0.2)
    assert next(o for o in objs if o.id == "blue_cube").confidence == pytest.approx(0.12)
    # memory fades: after many seconds of slivers the track is as weak as its detections
    for k in range(1, 40):
        objs = tr.update([sliver], 0.2 + CONF_MEMORY_S / 8 * k)
    assert next(o for o in objs if o.id == "red_cube").confidence < 0.2


def test_a_cube_under_a_tower_keeps_its_confidence_however_long_the_tower_stands():
    """bench e2e, VLA executor: a stack took over two minutes, the base's confidence decayed to 0.29,
    and the next command (a place right of it) was refused below the planner's 0.3 floor."""
    from promptbot.perception.tracker import CONF_MEMORY_S, covered

    def weak(det, conf=0.25):
        return _replace(det, confidence=conf)

    base, middle, top = _det("cube", "green", 0.5, 0.0), _det("cube", "red", 0.505, 0.0, 0.06), \
        _det("cube", "blue", 0.5, 0.004, 0.10)
    tr = Tracker(hold_s=1.0, gate_m=0.1)
    tr.update([base, middle, top], 0.0)                                    # all seen clearly once
    # a tower of three: only the top is seen well; the two below rest on confidently seen cubes
    frame = [weak(base), weak(middle, 0.2), top]
    assert covered(frame) == {0, 1}
    for k in range(1, 361):
        objs = tr.update(frame, k * CONF_MEMORY_S / 60)                 # six memory time constants
    conf = {o.id: o.confidence for o in objs}
    assert conf["green_cube"] == pytest.approx(0.9) and conf["red_cube"] == pytest.approx(0.9)
    # nothing rests on a weak cube standing alone, one beside another, or one under a weak fragment
    assert covered([weak(base), _det("cube", "red", 0.56, 0.0)]) == set()           # beside, same height
    assert covered([weak(base), weak(middle, 0.1)]) == set()                         # the upper is a fragment
    assert covered([weak(base), _det("cube", "red", 0.5, 0.0, 0.09)]) == set()       # held 3 cm above it
    # a cube in a bowl is not on the bowl, and a covered fragment gains nothing it had not earned
    assert covered([_det("bowl", "green", 0.5, 0.0, 0.03), _det("cube", "red", 0.5, 0.0, 0.07)]) == set()
    tr = Tracker(hold_s=1.0, gate_m=0.1)
    objs = tr.update([weak(base, 0.1), middle], 0.0)
    assert next(o for o in objs if o.id == "green_cube").confidence == pytest.approx(0.1)
