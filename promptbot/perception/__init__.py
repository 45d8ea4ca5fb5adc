"""Perception (pure, no ROS): RGB-D frames -> grounded scene (objects, relations), tracking, step checks.

    from promptbot.perception import Perception
    per = Perception()
    result = per.process(rgb, depth, K, T_base_cam, stamp_s)   # result.objects: list[ObjectState]
    verify_step("place", ("red_cube", "blue_bowl"), result.objects)

See :mod:`.detector` for the detector interface (classical or ONNX), :mod:`.tracker`
for the id scheme and :mod:`.verify` for the step effects.
"""
from promptbot.perception.colors import ColorTable
from promptbot.perception.config import PerceptionConfig, ShapeTemplate
from promptbot.perception.detector import ClassicalDetector, Detection, Detector
from promptbot.perception.geometry import FrameError
from promptbot.perception.pipeline import Perception, SceneResult
from promptbot.perception.tracker import StampError, Tracker
from promptbot.perception.verify import Verdict, verify_step

__all__ = [
    "ClassicalDetector", "ColorTable", "Detection", "Detector", "FrameError", "Perception", "PerceptionConfig",
    "SceneResult", "ShapeTemplate", "StampError", "Tracker", "Verdict", "verify_step",
]
