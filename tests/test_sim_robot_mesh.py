"""The decimated Panda: OBJ decimation, the cached URDF, and that it renders alike."""
import numpy as np
import pytest

from promptbot.sim.robot_mesh import decimate_obj, light_panda_urdf


def _grid_obj(n: int = 12) -> str:
    """A flat n x n grid of vertices (2 triangles per cell) in two material groups."""
    lines = ["mtllib m.mtl", "o plate", "vt 0 0", "vn 0 0 1"]
    lines += [f"v {i / (n - 1):.4f} {j / (n - 1):.4f} 0" for i in range(n) for j in range(n)]
    faces = []
    for i in range(n - 1):
        for j in range(n - 1):
            a, b, c, d = i * n + j + 1, (i + 1) * n + j + 1, (i + 1) * n + j + 2, i * n + j + 2
            faces += [f"f {a}/1/1 {b}/1/1 {c}/1/1", f"f {a}/1/1 {c}/1/1 {d}/1/1"]
    half = len(faces) // 2
    return "\n".join(lines + ["usemtl red"] + faces[:half] + ["usemtl green"] + faces[half:]) + "\n"


def test_decimate_obj_keeps_shape_materials_and_attribute_indices():
    text, before, after = decimate_obj(_grid_obj(), 0.25)
    assert before == 2 * 11 * 11
    assert 0 < after <= 0.4 * before
    lines = text.splitlines()
    assert [ln for ln in lines if not ln.startswith(("v ", "f "))] == \
        ["mtllib m.mtl", "o plate", "vt 0 0", "vn 0 0 1", "usemtl red", "usemtl green"]
    faces = [ln for ln in lines if ln.startswith("f ")]
    assert all(ln.count("/1/1") == 3 for ln in faces)          # texture / normal indices kept
    verts = np.array([[float(x) for x in ln.split()[1:]] for ln in lines if ln.startswith("v ")])
    used = {int(c.split("/")[0]) - 1 for ln in faces for c in ln.split()[1:]}
    assert max(used) < len(verts)
    # the plate still spans the unit square: its corners survive decimation
    pts = verts[sorted(used)]
    assert np.ptp(pts[:, 0]) == pytest.approx(1.0, abs=0.02) and np.ptp(pts[:, 1]) == pytest.approx(1.0, abs=0.02)


def test_decimate_obj_rejects_bad_input():
    with pytest.raises(ValueError):
        decimate_obj(_grid_obj(), 0.0)
    with pytest.raises(ValueError):
        decimate_obj("v 0 0 0\nv 1 0 0\nv 0 1 0\nf -1 -2 -3\n", 0.5)
    assert decimate_obj(_grid_obj(), 1.0)[0] == _grid_obj()      # keep everything: unchanged


def test_light_panda_is_cached_and_renders_like_the_original(tmp_path, monkeypatch):
    from promptbot.sim.env import SimConfig, SimEnv

    monkeypatch.setenv("PROMPTBOT_CACHE", str(tmp_path))
    assert light_panda_urdf(1.0) is None                      # 1 = the original meshes
    urdf = light_panda_urdf(0.15)
    assert urdf is not None and urdf.startswith(str(tmp_path))
    assert light_panda_urdf(0.15) == urdf                     # built once
    images = []
    for keep in (1.0, 0.15):
        with SimEnv("tabletop", 3, SimConfig(renderer="tiny", robot_mesh_keep=keep)) as env:
            images.append(env.render("scene", 160, 120).rgb.astype(float))
    diff = np.abs(images[0] - images[1]).mean(axis=-1)
    assert diff.mean() < 2.0                                  # grey levels: the same picture to a policy
    assert (diff > 40).mean() < 0.01
