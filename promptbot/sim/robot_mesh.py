"""A lighter-to-render copy of the Franka Panda: visual meshes simplified by vertex clustering.

pybullet_data's Panda carries ~100,000 visual triangles (9 MB of OBJ). Both CPU renderers
(EGL on llvmpipe and TinyRenderer) transform every one of them for every camera image, which
is ~13-16 ms per image whatever its size: most of a 640x480 frame and nearly all of the
96x96 wrist frame. Merging vertices that fall in the same ``cell_m`` grid cell (4 mm by
default: 47 % fewer triangles, a 640x480 scene image changes by 0.16 grey levels on average)
keeps the silhouette, the materials and the texture coordinates. Collision meshes, joints
and inertias are untouched: the physics is the same robot.

    urdf = light_panda_urdf(cell_m=0.004)     # cached under $PROMPTBOT_CACHE/panda_light_*/
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

_VERSION = "1"          # bump when the simplification changes (it is part of the cache key)


def cluster_obj(text: str, cell_m: float) -> tuple[str, int, int]:
    """Simplify one OBJ file's text; returns (new text, faces before, faces after).

    Vertex positions are snapped to a ``cell_m`` grid and each occupied cell becomes one
    vertex at the mean of its members. Faces keep their texture and normal indices and are
    dropped when two of their corners land in one cell. Non-face lines (objects, groups,
    materials, smoothing) keep their order, so per-material colours survive.
    """
    if not cell_m > 0:
        raise ValueError(f"cell_m must be > 0, got {cell_m}")
    lines = text.splitlines()
    verts = np.array([[float(x) for x in ln.split()[1:4]] for ln in lines if ln.startswith("v ")],
                     dtype=np.float64).reshape(-1, 3)
    if len(verts) == 0:
        return text, 0, 0
    keys = np.floor(verts / cell_m).astype(np.int64)
    _, cluster, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    cluster = cluster.reshape(-1)
    centroids = np.zeros((len(counts), 3))
    np.add.at(centroids, cluster, verts)
    centroids /= counts[:, None]
    out: list[str] = []
    placed = False
    before = after = 0
    for ln in lines:
        if ln.startswith("v "):
            if not placed:            # all new vertices where the first old one was
                out.extend(f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in centroids)
                placed = True
            continue
        if ln.startswith("f "):
            before += 1
            corners = ln.split()[1:]
            refs, ids = [], []
            for c in corners:
                parts = c.split("/")
                i = int(parts[0]) - 1                            # OBJ indices are 1-based
                if not 0 <= i < len(verts):
                    raise ValueError(f"unsupported vertex reference {parts[0]!r} (relative or out of range)")
                ids.append(int(cluster[i]))
                parts[0] = str(int(cluster[i]) + 1)
                refs.append("/".join(parts))
            if len(set(ids)) < 3:
                continue                                     # collapsed to a line or a point
            after += 1
            out.append("f " + " ".join(refs))
            continue
        out.append(ln)
    return "\n".join(out) + "\n", before, after


def _source_dir() -> Path:
    import pybullet_data

    return Path(pybullet_data.getDataPath()) / "franka_panda"


def _cache_root() -> Path:
    return Path(os.environ.get("PROMPTBOT_CACHE", Path.home() / ".cache" / "promptbot"))


def light_panda_urdf(cell_m: float = 0.004) -> str | None:
    """Path of the simplified Panda URDF (built once, then cached); None when it cannot be built.

    ``cell_m`` <= 0 means "use the original meshes" and returns None. A failure to build or
    cache is logged and returns None: the caller loads the original robot, never nothing.
    """
    if not cell_m > 0:
        return None
    try:
        src = _source_dir()
        visual = sorted((src / "meshes" / "visual").glob("*.obj"))
        h = hashlib.sha256(f"{_VERSION}:{cell_m:.6f}".encode())
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
                text, b, a = cluster_obj(f.read_text(), cell_m)
                (tmp / "panda" / "meshes" / "visual" / f.name).write_text(text)
                n0, n1 = n0 + b, n1 + a
            try:
                os.replace(tmp / "panda", target)      # atomic: a concurrent builder loses harmlessly
            except OSError:
                if not urdf.is_file():
                    raise
            log.info("simplified Panda visual meshes (cell %.1f mm): %d -> %d triangles, cached in %s",
                     cell_m * 1e3, n0, n1, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return str(urdf)
    except Exception as exc:  # noqa: BLE001 - any failure falls back to the original robot
        log.warning("could not build the simplified Panda (%s); rendering the original meshes", exc)
        return None
