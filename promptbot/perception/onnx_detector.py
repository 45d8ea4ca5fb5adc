"""A learned 2D detector (ONNX, onnxruntime) lifted to 3D with depth: the plug-in for real cameras.

Model contract (export your detector to match, e.g. a torchvision Mask R-CNN /
YOLO head with NMS folded in):

* input ``images``: float32 ``[1, 3, H, W]``, RGB scaled to 0..1. If the model has a
  fixed H, W the frame is resized to it and boxes / masks are scaled back.
* outputs, by name:
  ``boxes`` float32 ``[N, 4]`` (x1, y1, x2, y2 in input pixels),
  ``scores`` float32 ``[N]``,
  ``labels`` int64 ``[N]`` (index into ``class_names``),
  optional ``masks`` float32 ``[N, H, W]`` (instance probability, or ``[N, 1, H, W]``).

Each detection's pixels (mask > 0.5, else the box shrunk by ``box_shrink``) are
intersected with the table-removed foreground, back-projected into the base
frame and fitted with the class template of the predicted label
(:meth:`ClassicalDetector.describe_points`); the colour name comes from the same
colour table as the classical detector. Labels without a template keep the
measured box. Use it as ``Perception(detector=OnnxDetector(path, names))``.
"""
from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from promptbot.perception.colors import ColorTable
from promptbot.perception.config import PerceptionConfig
from promptbot.perception.detector import ClassicalDetector, Detection

log = logging.getLogger(__name__)


class OnnxDetector:
    def __init__(self, model_path: str | Path, class_names: list[str], score_threshold: float = 0.5,
                 config: PerceptionConfig | None = None, colors: ColorTable | None = None,
                 box_shrink: float = 0.15, providers: tuple[str, ...] = ("CPUExecutionProvider",)):
        import onnxruntime as ort

        if not class_names:
            raise ValueError("class_names must name the model's classes")
        if not 0.0 <= score_threshold <= 1.0:
            raise ValueError(f"score_threshold must be in [0, 1], got {score_threshold}")
        if not Path(model_path).is_file():
            raise FileNotFoundError(f"ONNX model {str(model_path)!r} does not exist")
        self.session = ort.InferenceSession(str(model_path), providers=list(providers))
        inputs = {i.name: i for i in self.session.get_inputs()}
        if "images" not in inputs:
            raise ValueError(f"model input must be named 'images', got {sorted(inputs)}")
        shape = inputs["images"].shape
        self.input_hw = (shape[2], shape[3]) if all(isinstance(v, int) for v in shape[2:4]) else None
        outs = {o.name for o in self.session.get_outputs()}
        missing = {"boxes", "scores", "labels"} - outs
        if missing:
            raise ValueError(f"model outputs lack {sorted(missing)}; has {sorted(outs)}")
        self.has_masks = "masks" in outs
        self.class_names = list(class_names)
        self.score_threshold = score_threshold
        self.box_shrink = box_shrink
        self.geometry = ClassicalDetector(config, colors)

    def _infer(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, float, float]:
        h, w = rgb.shape[:2]
        img = rgb
        sx = sy = 1.0
        if self.input_hw is not None and self.input_hw != (h, w):
            ih, iw = self.input_hw
            img = cv2.resize(rgb, (iw, ih), interpolation=cv2.INTER_AREA)
            sx, sy = w / iw, h / ih
        x = (img.astype(np.float32) / 255.0).transpose(2, 0, 1)[None]
        names = ["boxes", "scores", "labels"] + (["masks"] if self.has_masks else [])
        outs = dict(zip(names, self.session.run(names, {"images": x})))
        masks = outs.get("masks")
        if masks is not None and masks.ndim == 4:
            masks = masks[:, 0]
        return (np.asarray(outs["boxes"], np.float32).reshape(-1, 4), np.asarray(outs["scores"]).reshape(-1),
                np.asarray(outs["labels"]).reshape(-1).astype(np.int64), masks, sx, sy)

    def detect(self, rgb, depth, K, T_base_cam) -> list[Detection]:
        geo = self.geometry
        _, x, y, z, fg = geo.backproject(rgb, depth, K, T_base_cam)
        h, w = fg.shape
        boxes, scores, labels, masks, sx, sy = self._infer(rgb)
        out: list[Detection] = []
        for i in np.flatnonzero(scores >= self.score_threshold):
            li = int(labels[i])
            if not 0 <= li < len(self.class_names):
                log.warning("model label %d outside class_names (%d names); skipped", li, len(self.class_names))
                continue
            if masks is not None:
                m = masks[i] > 0.5
                if m.shape != (h, w):
                    m = cv2.resize(m.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
            else:
                x1, y1, x2, y2 = boxes[i] * np.array([sx, sy, sx, sy])
                dx, dy = (x2 - x1) * self.box_shrink / 2, (y2 - y1) * self.box_shrink / 2
                m = np.zeros((h, w), bool)
                r0, r1 = max(0, int(y1 + dy)), min(h, int(np.ceil(y2 - dy)))
                c0, c1 = max(0, int(x1 + dx)), min(w, int(np.ceil(x2 - dx)))
                m[r0:r1, c0:c1] = True
            m &= fg
            if int(m.sum()) < geo._min_px:
                continue
            colors = geo.colors.classify(rgb[m])
            det = geo.describe_points(x[m], y[m], z[m], colors, label_hint=self.class_names[li])
            if det is None:
                continue
            det.confidence = round(float(scores[i]) * det.confidence, 3)
            det.attrs["model_label"] = self.class_names[li]
            if det.label != self.class_names[li]:
                det.label = self.class_names[li]
            out.append(det)
        return out
