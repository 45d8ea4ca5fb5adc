"""promptbot.ros.scene_msgs: ObjectState -> SceneState -> ObjectState (messages only, no ROS graph)."""
from __future__ import annotations

import numpy as np
import pytest
from builtin_interfaces.msg import Time

from promptbot.ros.scene_msgs import objects_to_scene, scene_to_objects
from promptbot.scene import ObjectState, relations
from promptbot.sim.worlds import sample_scene
from promptbot_msgs.msg import Relation

STAMP = Time(sec=12, nanosec=345)


def test_round_trip_keeps_every_field_the_message_carries():
    objs = [ObjectState("red_cube", "cube", "red", (0.5, 0.1, 0.02), (0.04, 0.04, 0.04), 0.75),
            ObjectState("blue_bowl", "bowl", "blue", (0.45, -0.1, 0.03), (0.14, 0.14, 0.06))]
    msg = objects_to_scene(objs, stamp=STAMP, frame_id="panda_link0", source="perception")
    assert (msg.header.stamp, msg.header.frame_id, msg.source) == (STAMP, "panda_link0", "perception")
    assert list(msg.relations) == []
    back = scene_to_objects(msg)
    assert [o.id for o in back] == ["red_cube", "blue_bowl"]
    for a, b in zip(objs, back):
        assert (b.label, b.color) == (a.label, a.color)
        assert b.position == pytest.approx(a.position) and b.size == pytest.approx(a.size)
        assert b.confidence == pytest.approx(a.confidence)     # float32 in the message


def test_sampled_world_round_trips_with_its_relations():
    objs = sample_scene("tabletop", 3)
    rels = relations(objs)
    msg = objects_to_scene(objs, stamp=STAMP, frame_id="base", source="ground_truth", relations=rels)
    assert [(r.predicate, r.subject, r.object) for r in msg.relations] == sorted(rels)
    assert all(isinstance(r, Relation) for r in msg.relations)
    assert all(d.confidence == 1.0 for d in msg.objects)
    back = scene_to_objects(msg)
    assert [o.id for o in back] == [o.id for o in objs]
    assert relations(back) == rels


def test_float32_coordinates_are_accepted():
    """Perception's arrays are float32, which a geometry_msgs field refuses without a cast."""
    pos, size = np.array([0.5, 0.0, 0.25], np.float32), np.full(3, 0.0625, np.float32)
    o = ObjectState("green_cube", "cube", "green", tuple(pos), tuple(size), np.float32(0.5))
    d = objects_to_scene([o], stamp=STAMP, frame_id="panda_link0", source="perception").objects[0]
    assert (d.position.x, d.position.z, d.size.y, d.confidence) == (0.5, 0.25, 0.0625, 0.5)


def test_scene_to_objects_skips_malformed_objects():
    ok = ObjectState("red_cube", "cube", "red", (0.5, 0.0, 0.02), (0.04, 0.04, 0.04))
    bad = [ObjectState("", "cube", "red", (0.4, 0.0, 0.02), (0.04, 0.04, 0.04)),
           ObjectState("red_cube", "cube", "red", (0.6, 0.0, 0.02), (0.04, 0.04, 0.04)),
           ObjectState("nan_cube", "cube", "red", (float("nan"), 0.0, 0.02), (0.04, 0.04, 0.04)),
           ObjectState("flat_cube", "cube", "red", (0.3, 0.0, 0.02), (0.04, -0.01, 0.04))]
    msg = objects_to_scene([ok, *bad], stamp=STAMP, frame_id="panda_link0", source="perception")
    assert len(msg.objects) == 5
    assert [o.id for o in scene_to_objects(msg)] == ["red_cube"]


def test_a_plan_snapshot_becomes_a_task_plan_with_step_states():
    from promptbot.planning import Planner, PlannerConfig, make_backend
    from promptbot.planning.executive import PlanSnapshot, StepStatus
    from promptbot.ros.plan_msgs import plan_to_msg
    from promptbot_msgs.msg import PlanStep, TaskPlan

    res = Planner(make_backend("uniform"), PlannerConfig(method="mcts_uniform")).plan(
        "put the green cube in the pink bowl", sample_scene("tabletop", 0))
    snap = PlanSnapshot.of(res)
    snap.statuses[0], snap.verifications[0] = StepStatus.SUCCEEDED, "scene: lifted"
    msg = plan_to_msg(snap, STAMP)
    assert (msg.header.stamp, msg.header.frame_id, msg.goal) == (STAMP, "panda_link0", str(res.goal))
    assert [(s.skill, list(s.args), s.status, s.verification) for s in msg.steps] == [
        ("pick", ["green_cube"], PlanStep.SUCCEEDED, "scene: lifted"),
        ("place", ["green_cube", "pink_bowl"], PlanStep.PENDING, "")]
    refused = plan_to_msg(PlanSnapshot("fly away", error_code=TaskPlan.REFUSED, message="no"), STAMP)
    assert (refused.error_code, refused.error_msg, list(refused.steps), refused.goal) == (TaskPlan.REFUSED, "no", [], "")
