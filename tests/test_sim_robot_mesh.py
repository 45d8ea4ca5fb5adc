"""The simplified Panda: vertex clustering of OBJ text, the cached URDF, and that it renders alike."""
import numpy as np
import pytest

from promptbot.sim.robot_mesh import cluster_obj, light_panda_urdf

OBJ = """mtllib m.mtl
o part
v 0 0 0
v 0.1 0 0
v 0 0.1 0
v 0.0005 0.0005 0
vt 0 0
vn 0 0 1
usemtl red
f 1/1/1 2/1/1 3/1/1
usemtl green
f 1/1/1 4/1/1 2/1/1
"""


def test_cluster_obj_merges_close_vertices_and_drops_collapsed_faces():
    text, before, after = cluster_obj(OBJ, 0.004)
    assert (before, after) == (2, 1)
    lines = text.splitlines()
    verts = [ln for ln in lines if ln.startswith("v ")]
    assert len(verts) == 3                               # vertices 1 and 4 share a 4 mm cell
    faces = [ln for ln in lines if ln.startswith("f ")]
    assert len(faces) == 1 and faces[0].count("/1/1") == 3  # texture / normal indices kept
    # materials, objects and the material library survive in order
    assert [ln for ln in lines if not ln.startswith(("v ", "f "))] == \
        ["mtllib m.mtl", "o part", "vt 0 0", "vn 0 0 1", "usemtl red", "usemtl green"]
    # the surviving face still spans the original triangle (centroid of the merged cell ~ origin)
    pts = np.array([[float(x) for x in v.split()[1:]] for v in verts])
    assert np.ptp(pts[:, 0]) == pytest.approx(0.1, abs=1e-3) and np.ptp(pts[:, 1]) == pytest.approx(0.1, abs=1e-3)


def test_cluster_obj_rejects_bad_input():
    with pytest.raises(ValueError):
        cluster_obj(OBJ, 0.0)
    with pytest.raises(ValueError):
        cluster_obj("v 0 0 0\nv 1 0 0\nv 0 1 0\nf -1 -2 -3\n", 0.004)


def test_light_panda_is_cached_and_renders_like_the_original(tmp_path, monkeypatch):
    from promptbot.sim.env import SimConfig, SimEnv

    monkeypatch.setenv("PROMPTBOT_CACHE", str(tmp_path))
    assert light_panda_urdf(0.0) is None                 # 0 = the original meshes
    urdf = light_panda_urdf(0.004)
    assert urdf is not None and urdf.startswith(str(tmp_path))
    assert light_panda_urdf(0.004) == urdf               # built once
    images = []
    for cell in (0.0, 0.004):
        with SimEnv("tabletop", 3, SimConfig(renderer="tiny", robot_mesh_cell_m=cell)) as env:
            images.append(env.render("scene", 160, 120).rgb.astype(float))
    diff = np.abs(images[0] - images[1]).mean(axis=-1)
    assert diff.mean() < 2.0                             # grey levels: the same picture to a policy
    assert (diff > 40).mean() < 0.01
