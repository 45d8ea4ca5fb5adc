"""SceneHistory: the ground truth at the last reset and recent snapshots, the reference of unmoved(x) (pure)."""
from dataclasses import replace

import pytest

from helpers.scenes import tabletop
from promptbot.sim.scene_history import NoReference, SceneHistory
from promptbot.tasks import check


def _shifted(objects, oid, dy):
    return [replace(o, position=(o.position[0], o.position[1] + dy, o.position[2])) if o.id == oid else o
            for o in objects]


def test_the_scene_at_a_time_is_the_latest_snapshot_at_or_before_it():
    start = tabletop()
    moved = _shifted(start, "red_cube", 0.10)
    h = SceneHistory(period_s=0.5, history_s=5.0)
    h.reset(10.0, start)
    h.record(10.2, moved)                     # not due yet (0.5 s period): not kept
    h.record(10.5, start)
    h.record(11.0, moved)
    assert h.at(0) == tuple(start)            # zero = the last reset
    assert h.at(10.0) == tuple(start) and h.at(10.99) == tuple(start)
    assert h.at(11.0) == tuple(moved) and h.at(99.0) == tuple(moved)
    assert not check("unmoved(red_cube)", moved, initial=h.at(0))[0]
    assert check("unmoved(red_cube)", moved, initial=h.at(11.0))[0]
    with pytest.raises(NoReference, match="before the world's last reset"):
        h.at(9.0)


def test_the_history_is_bounded_and_a_reset_starts_it_over():
    start = tabletop()
    h = SceneHistory(period_s=0.5, history_s=5.0)
    h.reset(0.0, start)
    for k in range(1, 41):                    # 20 s of snapshots, 5 s kept
        h.record(0.5 * k, _shifted(start, "red_cube", 0.001 * k))
    assert len(h._snaps) <= 11
    assert h.at(0) == tuple(start)            # the reset scene stays, whatever the history dropped
    with pytest.raises(NoReference, match="older than the scenes kept"):
        h.at(3.0)
    red = {o.id: o for o in h.at(19.2)}["red_cube"]
    assert red.position[1] == pytest.approx({o.id: o for o in start}["red_cube"].position[1] + 0.038)  # k = 38
    h.reset(30.0, start)
    with pytest.raises(NoReference):
        h.at(19.0)                            # the old world's scenes are gone
    assert h.at(30.2) == tuple(start)
    with pytest.raises(ValueError):
        SceneHistory(period_s=0.0)
