"""Episode recording: an MP4 of the scene camera with an overlay, and an MCAP of the sim's topics.

Pure Python (no rclpy): messages are written as plain dicts with ``mcap-ros2-support``
(schemas "ros2msg" read from the installed ``share/<pkg>/msg/*.msg`` files), so
Foxglove opens the file and shows ``/camera/color/image_raw``,
``/camera/depth/image_rect_raw``, ``/camera/color/camera_info``, ``/joint_states``,
``/sim/ground_truth`` and ``/promptbot/instruction`` exactly as the sim node
publishes them. The MP4 goes through imageio-ffmpeg (H.264, yuv420p).

    promptbot.sim.recording.record_episode_media("tabletop", 3, "/tmp/ep3")  # -> ep3.mp4, ep3.mcap
"""
from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_PRIMITIVES = {"bool", "byte", "char", "float32", "float64", "int8", "uint8", "int16", "uint16", "int32",
               "uint32", "int64", "uint64", "string", "wstring"}
SEP = "=" * 80


def _share_dirs() -> list[Path]:
    dirs = [Path(sys.prefix) / "share"]
    for p in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep):
        if p:
            dirs.append(Path(p) / "share")
    return dirs


def _msg_text(datatype: str) -> str:
    pkg, name = datatype.replace("/msg/", "/").split("/")
    for d in _share_dirs():
        f = d / pkg / "msg" / f"{name}.msg"
        if f.is_file():
            return f.read_text()
    raise FileNotFoundError(f"message definition {datatype} not found under {[str(d) for d in _share_dirs()]}")


def msgdef(datatype: str) -> str:
    """Concatenated ROS 2 message definition (the 'ros2msg' schema encoding) of ``pkg/Type``."""
    main = _msg_text(datatype)
    pkg = datatype.split("/")[0]
    seen: dict[str, str] = {}
    todo = [(pkg, main)]
    while todo:
        cur_pkg, text = todo.pop()
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            parts = line.split()
            if len(parts) < 2:
                continue
            ftype = re.sub(r"\[.*\]$", "", parts[0])
            ftype = re.sub(r"<=\d+$", "", ftype)
            if ftype in _PRIMITIVES or "=" in parts[1]:
                continue
            full = ftype if "/" in ftype else ("std_msgs/Header" if ftype == "Header" else f"{cur_pkg}/{ftype}")
            if full not in seen:
                seen[full] = _msg_text(full)
                todo.append((full.split("/")[0], seen[full]))
    out = main
    for full, text in seen.items():
        out += f"\n{SEP}\nMSG: {full}\n{text}"
    return out


def _stamp(t: float) -> dict:
    sec = int(np.floor(t))
    return {"sec": sec, "nanosec": int((t - sec) * 1e9)}


def overlay(rgb: np.ndarray, lines: list[str]) -> np.ndarray:
    """Draw text lines on a dark band at the top of a copy of ``rgb``."""
    import cv2

    img = np.ascontiguousarray(rgb.copy())
    h, w = img.shape[:2]
    scale = max(0.4, w / 1100.0)
    line_h = int(22 * scale / 0.6)
    band = img[: line_h * len(lines) + 8]
    band[:] = (band * 0.4).astype(np.uint8)
    for i, text in enumerate(lines):
        cv2.putText(img, text, (8, line_h * (i + 1)), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1,
                    cv2.LINE_AA)
    return img


class EpisodeRecorder:
    """Write ``<stem>.mp4`` (overlayed scene camera) and ``<stem>.mcap`` (sim topics) for one episode."""

    def __init__(self, stem: str | os.PathLike, fps: float = 30.0, mp4: bool = True, mcap: bool = True):
        self.stem = Path(stem)
        self.stem.parent.mkdir(parents=True, exist_ok=True)
        self.fps = fps
        self._video = None
        self._mcap = None
        self._file = None
        if mp4:
            import imageio.v2 as imageio
            self._video = imageio.get_writer(str(self.stem.with_suffix(".mp4")), fps=fps, codec="libx264",
                                             quality=7, macro_block_size=8, pixelformat="yuv420p")
        if mcap:
            from mcap_ros2.writer import Writer
            self._file = open(self.stem.with_suffix(".mcap"), "wb")
            self._mcap = Writer(self._file)
            self._schemas = {t: self._mcap.register_msgdef(t, msgdef(t)) for t in (
                "sensor_msgs/msg/Image", "sensor_msgs/msg/CameraInfo", "sensor_msgs/msg/JointState",
                "promptbot_msgs/msg/SceneState", "std_msgs/msg/String")}

    def _write(self, topic: str, datatype: str, msg: dict, t: float) -> None:
        ns = int(t * 1e9)
        self._mcap.write_message(topic, self._schemas[datatype], msg, log_time=ns, publish_time=ns)

    def add(self, t: float, frame, joints: tuple, objects: list, instruction: str, step_text: str) -> None:
        """One camera frame at sim time ``t`` [s] (frame: promptbot.sim.env.CameraFrame)."""
        if self._video is not None:
            self._video.append_data(overlay(frame.rgb, [instruction, step_text, f"t = {t:5.2f} s"]))
        if self._mcap is None:
            return
        header = {"stamp": _stamp(t), "frame_id": "camera_color_optical_frame"}
        h, w = frame.rgb.shape[:2]
        self._write("/camera/color/image_raw", "sensor_msgs/msg/Image",
                    {"header": header, "height": h, "width": w, "encoding": "rgb8", "is_bigendian": 0,
                     "step": w * 3, "data": frame.rgb.tobytes()}, t)
        self._write("/camera/depth/image_rect_raw", "sensor_msgs/msg/Image",
                    {"header": header, "height": h, "width": w, "encoding": "32FC1", "is_bigendian": 0,
                     "step": w * 4, "data": frame.depth.astype(np.float32).tobytes()}, t)
        K = frame.K
        self._write("/camera/color/camera_info", "sensor_msgs/msg/CameraInfo",
                    {"header": header, "height": h, "width": w, "distortion_model": "plumb_bob",
                     "d": [0.0] * 5, "k": [float(v) for v in K.reshape(-1)],
                     "r": [1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0],
                     "p": [K[0, 0], 0.0, K[0, 2], 0.0, 0.0, K[1, 1], K[1, 2], 0.0, 0.0, 0.0, 1.0, 0.0],
                     "binning_x": 0, "binning_y": 0,
                     "roi": {"x_offset": 0, "y_offset": 0, "height": 0, "width": 0, "do_rectify": False}}, t)
        names, q, v, e = joints
        self._write("/joint_states", "sensor_msgs/msg/JointState",
                    {"header": {"stamp": _stamp(t), "frame_id": ""}, "name": list(names),
                     "position": [float(x) for x in q], "velocity": [float(x) for x in v],
                     "effort": [float(x) for x in e]}, t)
        from promptbot.scene import relations
        self._write("/sim/ground_truth", "promptbot_msgs/msg/SceneState", {
            "header": {"stamp": _stamp(t), "frame_id": "panda_link0"},
            "objects": [{"id": o.id, "label": o.label, "color": o.color,
                         "position": dict(zip("xyz", map(float, o.position))),
                         "size": dict(zip("xyz", map(float, o.size))), "confidence": 1.0} for o in objects],
            "relations": [{"predicate": p, "subject": a, "object": b} for p, a, b in sorted(relations(objects))],
            "source": "ground_truth"}, t)
        self._write("/promptbot/instruction", "std_msgs/msg/String", {"data": f"{instruction} | {step_text}"}, t)

    def close(self) -> None:
        if self._video is not None:
            self._video.close()
            self._video = None
        if self._mcap is not None:
            self._mcap.finish()
            self._file.close()
            self._mcap = None

    def __enter__(self) -> "EpisodeRecorder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def record_episode_media(world: str, seed: int, stem: str | os.PathLike, width: int = 640, height: int = 480,
                         fps: float = 10.0, spec=None) -> dict:
    """Run the expert on ``(world, seed)`` and write ``stem.mp4`` + ``stem.mcap``. Returns a summary.

    ``spec`` (a promptbot.sim.demos.EpisodeSpec) overrides the generated task.
    """
    from promptbot.sim.demos import episode_spec
    from promptbot.sim.env import SimEnv
    from promptbot.sim.expert import Expert

    spec = spec or episode_spec(world, seed)
    env = SimEnv(world, seed)
    try:
        if spec.setup_plan:
            Expert(env).run_plan(spec.setup_plan)
        every = max(1, int(round(env.config.control_hz / fps)))
        state = {"k": 0, "text": ""}
        rec = EpisodeRecorder(stem, fps=fps)

        def observe(_action) -> None:
            if state["k"] % every == 0:
                rec.add(env.time_s, env.render("scene", width, height), env.joint_state(), env.ground_truth(),
                        spec.instruction, state["text"])
            state["k"] += 1

        ex = Expert(env, observer=observe)
        ok = True
        with rec:
            for i, (skill, args) in enumerate(spec.plan):
                state["text"] = f"step {i + 1}/{len(spec.plan)}: {skill}({', '.join(args)})"
                ok = ex.run(skill, args).success and ok
            state["text"] = "done: " + ("success" if ok else "failed")
            for _ in range(every * 3):
                observe(None)
        return {"mp4": str(Path(stem).with_suffix(".mp4")), "mcap": str(Path(stem).with_suffix(".mcap")),
                "instruction": spec.instruction, "success": ok}
    finally:
        env.close()
