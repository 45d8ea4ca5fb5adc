"""Worlds as data: loading, bad files, determinism, scene invariants (pure, no pybullet)."""
from __future__ import annotations

import math

import pytest

from promptbot.scene import WORKSPACE
from promptbot.sim.worlds import SHAPES, WorldError, list_worlds, load_world, sample_render, sample_scene


def test_shipped_worlds_load():
    names = list_worlds()
    for required in ("tabletop", "clutter", "stacking", "sorting", "long_horizon"):
        assert required in names
    for name in names:
        spec = load_world(name)
        assert spec.name == name
        assert spec.scene_camera.intrinsics()[0, 0] > 0


def test_tabletop_default_is_three_cubes_two_bowls():
    objs = sample_scene("tabletop", 0)
    assert sorted(o.label for o in objs) == ["bowl", "bowl", "cube", "cube", "cube"]


@pytest.mark.parametrize("world", ["tabletop", "clutter", "stacking", "sorting", "long_horizon"])
def test_scene_invariants_and_determinism(world):
    for seed in range(30):
        objs = sample_scene(world, seed)
        assert objs == sample_scene(world, seed)
        ids = [o.id for o in objs]
        assert len(set(ids)) == len(ids)
        for o in objs:
            assert o.id.startswith(f"{o.color}_{o.label}")
            assert WORKSPACE.contains(o.position)
            assert abs(o.bottom) < 1e-9
            assert o.label in SHAPES
        for i, a in enumerate(objs):       # footprints do not overlap
            for b in objs[i + 1:]:
                ra = 0.5 * math.hypot(*SHAPES[a.label].size[:2])
                rb = 0.5 * math.hypot(*SHAPES[b.label].size[:2])
                assert math.dist(a.position[:2], b.position[:2]) >= ra + rb - 1e-6
    assert sample_scene(world, 1) != sample_scene(world, 2) or world == "sorting"


def test_clutter_has_eight_plus_and_sorting_has_bowl_per_colour():
    assert all(len(sample_scene("clutter", s)) >= 8 for s in range(20))
    for s in range(20):
        objs = sample_scene("sorting", s)
        cubes = {o.color for o in objs if o.label == "cube"}
        bowls = {o.color for o in objs if o.label == "bowl"}
        assert cubes == bowls


def test_render_randomisation_is_seeded():
    assert sample_render("tabletop", 4) == sample_render("tabletop", 4)
    assert sample_render("tabletop", 4) != sample_render("tabletop", 5)


def test_unknown_world_names_the_choices():
    with pytest.raises(WorldError, match="unknown world 'nope'.*tabletop"):
        load_world("nope")


@pytest.mark.parametrize("text,match", [
    ("objects: [", "not valid YAML"),
    ("- 1\n- 2\n", "top level must be a mapping"),
    ("objects: []\n", "non-empty list"),
    ("objects:\n  - {label: dragon, count: 1, colors: [red]}\n", "unknown object label 'dragon'"),
    ("objects:\n  - {label: cube, count: 1, colors: [octarine]}\n", "unknown colour 'octarine'"),
    ("objects:\n  - {label: cube, count: 9, colors: [red, blue]}\n", "unique colours"),
    ("objects:\n  - {label: cube, count: -1, colors: [red]}\n", "count"),
    ("objects:\n  - {label: bowl, count: 20, colors: [red], unique_colors: false}\n", "does not fit"),
    ("objects:\n  - {label: cube, colors: [red]}\ncameras: {scene: {fov_deg: 500}}\n", "fov_deg"),
    ("objects:\n  - {label: cube, colors: [red]}\nbogus: 1\n", "unknown keys"),
])
def test_malformed_world_files(tmp_path, text, match):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(WorldError, match=match):
        load_world(str(path))


def test_world_file_by_path_needs_no_code(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nobjects:\n  - {label: mug, count: 2, colors: [red, white]}\n"
                    "  - {label: lego, count: 1, colors: [blue]}\n")
    objs = sample_scene(str(path), 3)
    assert sorted(o.label for o in objs) == ["lego", "mug", "mug"]
