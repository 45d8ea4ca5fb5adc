"""A lighter-to-render copy of the Franka Panda: visual meshes decimated by quadric edge collapse.

pybullet_data's Panda carries ~100,000 visual triangles (9 MB of OBJ). Both CPU renderers
(EGL on llvmpipe and TinyRenderer) transform every one of them for every camera image, which
is ~13-16 ms per image whatever its size: most of a 640x480 frame and nearly all of the
96x96 wrist frame. Quadric decimation (``fast-simplification``) keeps ``keep`` of each
mesh's triangles (15 % by default) where they matter for the shape; every face keeps its
texture and normal indices, so materials and colours survive. Collision meshes, joints
and inertias are untouched: the physics is the same robot.

    urdf = light_panda_urdf(keep=0.15)     # cached under $PROMPTBOT_CACHE/panda_light_*/
    client.loadURDF(urdf or "franka_panda/panda.urdf", ...)
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_VERSION = "2"          # bump when the simplification changes (it is part of the cache key)


def _vertex_ref(corner: str, n: int) -> int:
    i = int(corner.split("/")[0]) - 1                        # OBJ indices are 1-based
    if not 0 <= i < n:
        raise ValueError(f"unsupported vertex reference {corner!r} (relative or out of range)")
    return i


def decimate_obj(text: str, keep: float) -> tuple[str, int, int]:
    """Decimate one OBJ file's text to about ``keep`` of its triangles.

    Returns (new text, faces before, faces after). Vertex positions go through quadric edge
    collapse; each old vertex maps to the vertex it collapsed into, faces are rewritten with
    that map and keep their texture / normal indices, and faces that collapsed to a line or a
    point are dropped. Non-face lines (objects, groups, materials, smoothing) keep their order.
    """
    if not 0.0 < keep <= 1.0:
        raise ValueError(f"keep must be in (0, 1], got {keep}")
    import fast_simplification

    lines = text.splitlines()
    verts = np.array([[float(x) for x in ln.split()[1:4]] for ln in lines if ln.startswith("v ")],
                     dtype=np.float64).reshape(-1, 3)
    face_lines = [ln.split()[1:] for ln in lines if ln.startswith("f ")]
    if len(verts) == 0 or not face_lines:
        return text, len(face_lines), len(face_lines)
    if any(len(f) != 3 for f in face_lines):
        raise ValueError("only triangle meshes are supported")
    tris = np.array([[_vertex_ref(c, len(verts)) for c in f] for f in face_lines], dtype=np.int64)
    if keep >= 1.0:
        return text, len(tris), len(tris)
    _, _, collapses = fast_simplification.simplify(verts, tris, target_reduction=1.0 - keep,
                                                    return_collapses=True)
    new_verts, _, mapping = fast_simplification.replay_simplification(verts, tris, collapses)
    out: list[str] = []
    placed = False
    after = 0
    for ln in lines:
        if ln.startswith("v "):
            if not placed:            # all new vertices where the first old one was
                out.extend(f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in new_verts)
                placed = True
            continue
        if ln.startswith("f "):
            refs, ids = [], []
            for c in ln.split()[1:]:
                parts = c.split("/")
                j = int(mapping[int(parts[0]) - 1])
                ids.append(j)
                parts[0] = str(j + 1)
                refs.append("/".join(parts))
            if len(set(ids)) < 3:
                continue                                     # collapsed to a line or a point
            after += 1
            out.append("f " + " ".join(refs))
            continue
        out.append(ln)
    return "\n".join(out) + "\n", len(tris), after


def _source_dir() -> Path:
    import pybullet_data

    return Path(pybullet_data.getDataPath()) / "franka_panda"


def _cache_root() -> Path:
    return Path(os.environ.get("PROMPTBOT_CACHE", Path.home() / ".cache" / "promptbot"))


def light_panda_urdf(keep: float = 0.15) -> str | None:
    """Path of the decimated Panda URDF (built once, then cached); None when it cannot be built.

    ``keep`` >= 1 means "use the original meshes" and returns None. A failure to build or
    cache is logged and returns None: the caller loads the original robot, never nothing.
    """
    if keep >= 1.0:
        return None
    try:
        src = _source_dir()
        visual = sorted((src / "meshes" / "visual").glob("*.obj"))
        h = hashlib.sha256(f"{_VERSION}:{keep:.6f}".encode())
        for f in [src / "panda.urdf", *visual]:
            st = f.stat()
            h.update(f"{f.name}:{st.st_size}:{int(st.st_mtime)}".encode())
        target = _cache_root() / f"panda_light_{h.hexdigest()[:16]}"
        urdf = target / "panda.urdf"
        if urdf.is_file():
            return str(urdf)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".panda_light_", dir=target.parent))
        try:
            shutil.copytree(src, tmp / "panda", dirs_exist_ok=True)
            n0 = n1 = 0
            for f in visual:
                text, b, a = decimate_obj(f.read_text(), keep)
                (tmp / "panda" / "meshes" / "visual" / f.name).write_text(text)
                n0, n1 = n0 + b, n1 + a
            try:
                os.replace(tmp / "panda", target)      # atomic: a concurrent builder loses harmlessly
            except OSError:
                if not urdf.is_file():
                    raise
            log.info("decimated the Panda's visual meshes: %d -> %d triangles, cached in %s", n0, n1, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return str(urdf)
    except Exception as exc:  # noqa: BLE001 - any failure falls back to the original robot
        log.warning("could not build the simplified Panda (%s); rendering the original meshes", exc)
        return None
