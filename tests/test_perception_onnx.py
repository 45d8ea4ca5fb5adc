"""The ONNX detector plug-in: a tiny ONNX graph (built here) that 'detects' one box is lifted to 3D."""
from __future__ import annotations

import math

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("pybullet")

from onnx import TensorProto, helper  # noqa: E402

from promptbot.perception import Perception  # noqa: E402
from promptbot.perception.geometry import project  # noqa: E402
from promptbot.perception.onnx_detector import OnnxDetector  # noqa: E402


def _box_model(path, box, label: int, score: float = 0.9, masks: bool = False, hw=(480, 640)):
    """images [1,3,H,W] -> constant boxes/scores/labels (+ masks); the score depends on the input."""
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["z0"]),
        helper.make_node("Add", ["score_c", "z0"], ["scores_raw"]),
        helper.make_node("Reshape", ["scores_raw", "shape1"], ["scores"]),
        helper.make_node("Identity", ["boxes_c"], ["boxes"]),
        helper.make_node("Identity", ["labels_c"], ["labels"]),
    ]
    inits = [
        helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
        helper.make_tensor("score_c", TensorProto.FLOAT, [], [score]),
        helper.make_tensor("shape1", TensorProto.INT64, [1], [1]),
        helper.make_tensor("boxes_c", TensorProto.FLOAT, [1, 4], list(map(float, box))),
        helper.make_tensor("labels_c", TensorProto.INT64, [1], [label]),
    ]
    outputs = [helper.make_tensor_value_info("boxes", TensorProto.FLOAT, [1, 4]),
               helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1]),
               helper.make_tensor_value_info("labels", TensorProto.INT64, [1])]
    if masks:
        h, w = hw
        m = np.zeros((1, h, w), np.float32)
        x1, y1, x2, y2 = (int(v) for v in box)
        m[0, y1:y2, x1:x2] = 1.0
        inits.append(helper.make_tensor("masks_c", TensorProto.FLOAT, list(m.shape), m.ravel().tolist()))
        nodes.append(helper.make_node("Identity", ["masks_c"], ["masks"]))
        outputs.append(helper.make_tensor_value_info("masks", TensorProto.FLOAT, list(m.shape)))
    graph = helper.make_graph(nodes, "box_model",
                              [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, "h", "w"])],
                              outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


@pytest.fixture(scope="module")
def frame():
    from promptbot.sim.env import SimEnv

    with SimEnv("tabletop", 5) as env:
        f = env.render("scene", 320, 240)
        truth = env.ground_truth()
    return f, truth


def _bbox_px(obj, f):
    cx, cy, cz = obj.position
    sx, sy, sz = obj.size
    corners = np.array([[cx + a * sx / 2, cy + b * sy / 2, cz + c * sz / 2]
                        for a in (-1, 1) for b in (-1, 1) for c in (-1, 1)])
    uv = project(corners, f.K, f.T_base_cam)
    return [uv[:, 0].min(), uv[:, 1].min(), uv[:, 0].max(), uv[:, 1].max()]


@pytest.mark.parametrize("masks", [False, True])
def test_onnx_detector_lifts_boxes_to_3d(tmp_path, frame, masks):
    f, truth = frame
    cube = next(o for o in truth if o.label == "cube")
    path = tmp_path / "det.onnx"
    _box_model(path, _bbox_px(cube, f), label=1, masks=masks, hw=(f.height, f.width))
    det = OnnxDetector(path, ["bowl", "cube"], score_threshold=0.5)
    per = Perception(detector=det)
    res = per.process(f.rgb, f.depth, f.K, f.T_base_cam, 0.0)
    assert [o.id for o in res.objects] == [cube.id]
    o = res.objects[0]
    assert o.label == "cube" and o.color == cube.color
    assert math.dist(o.position, cube.position) < 0.015
    assert 0 < o.confidence <= 0.9


def test_onnx_detector_threshold_and_contract_errors(tmp_path, frame):
    f, truth = frame
    cube = next(o for o in truth if o.label == "cube")
    path = tmp_path / "low.onnx"
    _box_model(path, _bbox_px(cube, f), label=0, score=0.2)
    assert OnnxDetector(path, ["cube"], score_threshold=0.5).detect(f.rgb, f.depth, f.K, f.T_base_cam) == []
    with pytest.raises(FileNotFoundError):
        OnnxDetector(tmp_path / "missing.onnx", ["cube"])
    with pytest.raises(ValueError):
        OnnxDetector(path, [])
