"""The perception servo: corrects the policy's linear velocity near perceived targets only."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from promptbot.policy.servo import SERVO_PRESETS, ServoConfig, Target, TargetServo, grasp_target, holding, matching
from promptbot.scene import ObjectState

OPEN_M = 0.08


def _obj(oid: str, color: str, label: str, xyz, size=(0.04, 0.04, 0.04)) -> ObjectState:
    return ObjectState(oid, label, color, tuple(xyz), tuple(size))


def _action(vx=0.0, vy=0.0, vz=0.0, grip=OPEN_M) -> np.ndarray:
    return np.array([vx, vy, vz, 0.01, 0.0, 0.0, grip])


SCENE = [_obj("red_cube", "red", "cube", (0.50, 0.10, 0.02)),
         _obj("red_cube_2", "red", "cube", (0.50, -0.20, 0.02)),
         _obj("blue_bowl", "blue", "bowl", (0.60, 0.00, 0.03), (0.14, 0.14, 0.06))]


def test_grasp_point_is_the_experts_below_the_top():
    t = grasp_target(_obj("red_cube", "red", "cube", (0.5, 0.1, 0.02)))
    assert (t.x, t.y) == (0.5, 0.1)
    assert t.z == pytest.approx(0.018)          # top 0.04 - 0.022
    flat = grasp_target(_obj("x_lego", "x", "lego", (0.5, 0.1, 0.01), (0.03, 0.03, 0.02)))
    assert flat.z == pytest.approx(0.012)       # never below the floor height


def test_matching_prefers_the_exact_id_and_falls_back_to_colour_and_label():
    assert [o.id for o in matching(SCENE, "red_cube")] == ["red_cube"]
    assert [o.id for o in matching(SCENE, "red_cube", exact=False)] == ["red_cube", "red_cube_2"]
    assert [o.id for o in matching(SCENE, "red_cube_3")] == ["red_cube", "red_cube_2"]
    assert matching(SCENE, "green_cube") == []
    assert matching(SCENE, "not an id") == []


def test_holding_means_fingers_stopped_wider_than_commanded():
    assert holding(0.0, 0.04)                   # closed on a cube
    assert not holding(0.0, 0.002)              # closed on nothing
    assert not holding(OPEN_M, OPEN_M)          # open


def test_far_from_every_target_the_action_passes_unchanged():
    servo = TargetServo.for_skill(ServoConfig(), "pick", ["red_cube"], SCENE)
    a = _action(0.1, 0.0, -0.05)
    out = servo.correct(a, (0.30, 0.10, 0.2), OPEN_M, OPEN_M)     # 20 cm away
    np.testing.assert_array_equal(out, a)
    assert servo.corrected_steps == 0


def test_near_the_object_the_servo_steers_over_it_and_keeps_gripper_and_rotation():
    servo = TargetServo.for_skill(ServoConfig(), "pick", ["red_cube"], SCENE)
    a = _action(-0.05, 0.05, -0.02)
    out = servo.correct(a, (0.47, 0.12, 0.10), OPEN_M, OPEN_M)    # 3.6 cm off, high
    assert out[0] > 0 and out[1] < 0                              # toward (0.50, 0.10)
    assert out[2] == a[2]                                          # too far off to descend: the policy's
    assert np.linalg.norm(out[:2]) <= ServoConfig().max_speed_m_s + 1e-9
    np.testing.assert_array_equal(out[3:], a[3:])
    assert servo.corrected_steps == 1


def test_over_the_object_it_descends_to_the_grasp_height_unless_the_policy_rises():
    servo = TargetServo.for_skill(ServoConfig(), "pick", ["red_cube"], SCENE)
    out = servo.correct(_action(vz=0.0), (0.505, 0.10, 0.08), OPEN_M, OPEN_M)
    assert out[2] < 0
    rising = servo.correct(_action(vz=0.05), (0.505, 0.10, 0.08), OPEN_M, OPEN_M)
    assert rising[2] == pytest.approx(0.05)


def test_duplicates_the_nearest_one_is_the_target():
    servo = TargetServo.for_skill(ServoConfig(), "pick", ["red_cube_2"], SCENE, exact_ids=False)
    out = servo.correct(_action(), (0.52, -0.18, 0.10), OPEN_M, OPEN_M)
    assert out[0] < 0 and out[1] < 0                               # toward (0.50, -0.20), not the other


def test_while_holding_it_steers_over_the_destination_only_when_release_is_on():
    for release, moved in ((True, True), (False, False)):
        servo = TargetServo.for_skill(ServoConfig(release=release), "place", ["red_cube", "blue_bowl"], SCENE)
        a = _action(0.0, 0.0, -0.02, grip=0.0)
        out = servo.correct(a, (0.57, 0.02, 0.15), 0.0, 0.04)     # holding, 3.6 cm from the bowl
        assert bool(out[0] > 0) is moved
        assert out[2] == a[2]                                      # the descent stays the policy's


def test_push_has_no_targets_and_a_disabled_servo_passes_everything():
    a = _action(0.02, 0.0, 0.0)
    push = TargetServo.for_skill(ServoConfig(), "push", ["red_cube", "left"], SCENE)
    np.testing.assert_array_equal(push.correct(a, (0.50, 0.10, 0.03), OPEN_M, OPEN_M), a)
    off = TargetServo(ServoConfig(enabled=False), [Target(0.5, 0.1, 0.02)], [])
    np.testing.assert_array_equal(off.correct(a, (0.50, 0.10, 0.03), OPEN_M, OPEN_M), a)


@pytest.mark.parametrize("field", ["capture_radius_m", "gain_per_s", "max_speed_m_s", "descend_within_m"])
def test_config_rejects_non_positive_values(field):
    with pytest.raises(ValueError, match=field):
        ServoConfig(**{field: 0.0})
    with pytest.raises(ValueError, match="descend_within_m"):
        ServoConfig(capture_radius_m=0.01, descend_within_m=0.02)


def test_finish_closes_after_waiting_at_the_grasp_point_and_latches():
    servo = TargetServo.for_skill(ServoConfig(finish_after_s=1.0), "pick", ["red_cube"], SCENE)
    at = (0.50, 0.10, 0.018)
    assert servo.correct(_action(), at, OPEN_M, OPEN_M, now_s=0.0)[6] == OPEN_M
    assert servo.correct(_action(), at, OPEN_M, OPEN_M, now_s=0.9)[6] == OPEN_M    # not yet
    assert servo.correct(_action(), at, OPEN_M, OPEN_M, now_s=1.0)[6] == 0.0       # closes
    assert servo.finished == "grasp"
    # latched: the policy's "open" no longer reaches the gripper, also while lifting away
    assert servo.correct(_action(vz=0.1), (0.50, 0.10, 0.2), 0.0, 0.04, now_s=1.5)[6] == 0.0


def test_finish_waits_again_after_leaving_and_never_closes_high_above_the_object():
    servo = TargetServo.for_skill(ServoConfig(finish_after_s=1.0), "pick", ["red_cube"], SCENE)
    servo.correct(_action(), (0.50, 0.10, 0.018), OPEN_M, OPEN_M, now_s=0.0)
    servo.correct(_action(), (0.60, 0.10, 0.018), OPEN_M, OPEN_M, now_s=0.5)       # left the object
    assert servo.correct(_action(), (0.50, 0.10, 0.018), OPEN_M, OPEN_M, now_s=1.2)[6] == OPEN_M
    high = TargetServo.for_skill(ServoConfig(finish_after_s=1.0), "pick", ["red_cube"], SCENE)
    for t in (0.0, 1.0, 2.0):
        assert high.correct(_action(vz=0.02), (0.50, 0.10, 0.10), OPEN_M, OPEN_M, now_s=t)[6] == OPEN_M
    assert high.finished is None


def test_finish_opens_over_the_destination_once_the_carried_object_is_down_on_it():
    cube = _obj("red_cube", "red", "cube", (0.50, 0.10, 0.02))
    base = _obj("blue_cube", "blue", "cube", (0.60, 0.00, 0.02))
    servo = TargetServo.for_skill(ServoConfig(finish_after_s=0.5), "stack", ["red_cube", "blue_cube"], [cube, base])
    assert servo.grasp_depth_m == pytest.approx(0.018)
    over_high = (0.60, 0.00, 0.04 + 0.018 + 0.05)          # carried bottom 5 cm above the base's top
    for t in (0.0, 1.0):
        assert servo.correct(_action(grip=0.0), over_high, 0.0, 0.04, now_s=t)[6] == 0.0
    down = (0.60, 0.00, 0.04 + 0.018 + 0.005)
    servo.correct(_action(grip=0.0), down, 0.0, 0.04, now_s=2.0)
    out = servo.correct(_action(grip=0.0), down, 0.0, 0.04, now_s=2.5)
    assert out[6] == pytest.approx(0.07) and servo.finished == "release"   # the cube's width + 3 cm


def test_finish_config_is_checked():
    with pytest.raises(ValueError, match="finish_after_s"):
        ServoConfig(finish_after_s=0.0)
    with pytest.raises(ValueError, match="finish_within_m"):
        ServoConfig(finish_within_m=0.2)


def test_release_heights_and_the_descent_while_holding():
    from promptbot.policy.servo import release_bottom

    bowl = _obj("blue_bowl", "blue", "bowl", (0.60, 0.00, 0.03), (0.14, 0.14, 0.06))
    base = _obj("blue_cube", "blue", "cube", (0.60, 0.00, 0.02))
    assert release_bottom(bowl) == pytest.approx(0.015)       # just inside the floor
    assert release_bottom(base) == pytest.approx(0.044)       # just above the top
    cube = _obj("red_cube", "red", "cube", (0.50, 0.10, 0.02))
    over = (0.601, 0.0, 0.15)                                 # holding, right over the bowl
    plain = TargetServo.for_skill(ServoConfig(), "place", ["red_cube", "blue_bowl"], [cube, bowl])
    assert plain.correct(_action(vz=0.0, grip=0.0), over, 0.0, 0.04)[2] == 0.0      # descent stays the policy's
    down = TargetServo.for_skill(ServoConfig(descend_release=True), "place", ["red_cube", "blue_bowl"], [cube, bowl])
    assert down.correct(_action(vz=0.0, grip=0.0), over, 0.0, 0.04)[2] < 0.0
    assert down.correct(_action(vz=0.05, grip=0.0), over, 0.0, 0.04)[2] == pytest.approx(0.05)   # rising: kept


def test_a_hovering_policy_keeps_the_height_only_with_a_decisive_rise():
    hover = _action(vz=0.02)                                   # dithering over the object
    old = TargetServo.for_skill(ServoConfig(), "pick", ["red_cube"], SCENE)
    assert old.correct(hover, (0.505, 0.10, 0.15), OPEN_M, OPEN_M)[2] == pytest.approx(0.02)
    settle = TargetServo.for_skill(SERVO_PRESETS["settle"], "pick", ["red_cube"], SCENE)
    assert settle.correct(hover, (0.505, 0.10, 0.15), OPEN_M, OPEN_M)[2] < 0
    lift = settle.correct(_action(vz=0.12), (0.505, 0.10, 0.15), OPEN_M, OPEN_M)
    assert lift[2] == pytest.approx(0.12)


def test_contact_release_opens_once_the_descent_stalls_on_the_destination():
    cube = _obj("red_cube", "red", "cube", (0.50, 0.10, 0.02))
    base = _obj("blue_cube", "blue", "cube", (0.60, 0.00, 0.02))
    stuck = (0.60, 0.00, 0.04 + 0.018 + 0.02)               # 2 cm above the release height, not getting lower
    for contact, opens in ((False, False), (True, True)):
        servo = TargetServo.for_skill(ServoConfig(finish_after_s=0.5, descend_release=True, contact_release=contact),
                                      "stack", ["red_cube", "blue_cube"], [cube, base])
        out = None
        for k in range(60):                                  # 3 s at 20 Hz
            out = servo.correct(_action(grip=0.0), stuck, 0.0, 0.04, now_s=k * 0.05)
            assert out[2] < 0                                # the servo keeps driving down
        assert bool(out[6] > 0.0) is opens
        assert (servo.finished == "release") is opens


def test_contact_release_needs_a_still_descent_and_never_opens_high_above():
    cube = _obj("red_cube", "red", "cube", (0.50, 0.10, 0.02))
    base = _obj("blue_cube", "blue", "cube", (0.60, 0.00, 0.02))
    servo = TargetServo.for_skill(SERVO_PRESETS["settle"], "stack", ["red_cube", "blue_cube"], [cube, base])
    z0 = 0.04 + 0.018 + 0.025
    for k in range(30):                                      # still descending, 0.3 mm per step
        out = servo.correct(_action(grip=0.0), (0.60, 0.00, z0 - 0.001 * k * 0.3), 0.0, 0.04, now_s=k * 0.05)
    assert out[6] == 0.0 and servo.finished is None
    high = TargetServo.for_skill(SERVO_PRESETS["settle"], "stack", ["red_cube", "blue_cube"], [cube, base])
    for k in range(60):                                      # stalled 5 cm above: not on the base
        out = high.correct(_action(grip=0.0), (0.60, 0.00, 0.04 + 0.018 + 0.05), 0.0, 0.04, now_s=k * 0.05)
    assert out[6] == 0.0 and high.finished is None


def test_takeover_after_hesitating_aligned_the_height_is_the_servos():
    cfg = ServoConfig(takeover_after_s=2.0, keep_rise_above_m_s=0.06)
    servo = TargetServo.for_skill(cfg, "pick", ["red_cube"], SCENE)
    over = (0.50, 0.10, 0.10)
    assert servo.correct(_action(vz=0.1), over, OPEN_M, OPEN_M, now_s=0.0)[2] == pytest.approx(0.1)   # a rise: kept
    assert servo.correct(_action(vz=0.1), over, OPEN_M, OPEN_M, now_s=1.9)[2] == pytest.approx(0.1)
    assert servo.correct(_action(vz=0.1), over, OPEN_M, OPEN_M, now_s=2.0)[2] < 0      # 2 s aligned: taken over
    servo.correct(_action(vz=0.1), (0.56, 0.10, 0.10), OPEN_M, OPEN_M, now_s=2.1)      # left the object
    assert servo.correct(_action(vz=0.1), over, OPEN_M, OPEN_M, now_s=2.2)[2] == pytest.approx(0.1)   # waits again
    with pytest.raises(ValueError, match="takeover_after_s"):
        ServoConfig(takeover_after_s=0.0)


def test_lift_after_a_grasp_the_policy_does_not_lift():
    low = (0.50, 0.10, 0.02)                                   # holding, still at the grasp point
    for cfg, lifts in ((ServoConfig(), False), (ServoConfig(lift_after_s=2.0), True)):
        servo = TargetServo.for_skill(cfg, "pick", ["red_cube"], SCENE)
        assert servo.correct(_action(vz=0.0, grip=0.0), low, 0.0, 0.04, now_s=0.0)[2] == 0.0
        out = servo.correct(_action(vz=0.0, grip=0.0), low, 0.0, 0.04, now_s=2.0)
        assert bool(out[2] > 0.0) is lifts
    servo = TargetServo.for_skill(ServoConfig(lift_after_s=2.0), "pick", ["red_cube"], SCENE)
    for t in (0.0, 2.0):                                       # already lifted 6 cm: the policy's own height
        out = servo.correct(_action(vz=0.0, grip=0.0), (0.50, 0.10, 0.08), 0.0, 0.04, now_s=t)
    assert out[2] == 0.0


# --- push -------------------------------------------------------------------------------------------

def _fly(servo, p, steps=600, dt=0.05, policy=None):
    """Integrate the TCP under the servo's commands (a kinematic hand); returns the visited points."""
    p = np.array(p, dtype=np.float64)
    path = [p.copy()]
    for k in range(steps):
        if servo.complete:
            break
        a = servo.correct(_action() if policy is None else policy, p, OPEN_M, OPEN_M, now_s=k * dt)
        p = p + np.asarray(a[:3]) * dt
        path.append(p.copy())
    return np.array(path)


def test_push_servo_waits_for_the_hand_then_pushes_along_the_line_into_the_region():
    from promptbot.policy.servo import PUSH_Z_M, PushServo, servo_for_skill
    from promptbot.scene import REGIONS

    cfg = SERVO_PRESETS["settle_push"]
    cube = _obj("red_cube", "red", "cube", (0.50, 0.05, 0.02))
    s = servo_for_skill(cfg, "push", ["red_cube", "left"], [cube])
    assert isinstance(s, PushServo) and not s.in_control and not s.complete
    # far from the object: the policy's action passes unchanged
    a = _action(0.02, 0.0, 0.01)
    np.testing.assert_array_equal(s.correct(a, (0.35, -0.2, 0.2), OPEN_M, OPEN_M), a)
    # the hand arrives low beside the object: the servo rises before moving over the pre-push point
    out = s.correct(a, (0.53, 0.06, 0.03), OPEN_M, OPEN_M)
    assert s.in_control and out[2] > 0 and out[0] == out[1] == 0.0 and out[6] == 0.0 and not out[3:6].any()
    path = _fly(s, (0.53, 0.06, 0.03))
    assert s.complete and s.finished == "push"
    low = path[path[:, 2] < PUSH_Z_M + 0.005]
    assert len(low) > 10
    # low only behind the object and along +y (toward the left region), never across its far side
    assert low[:, 1].min() > s.pre[1] - 0.01 and abs(low[:, 0] - 0.50).max() < 0.01
    aim_y = s.end[1] + 0.02 + 0.011                           # where the object's centre ends up
    assert REGIONS["left"].contains((0.50, aim_y, 0.02), margin=-0.03)
    assert low[:, 1].max() == pytest.approx(s.end[1], abs=0.01)
    assert path[-1][2] >= s.clear_z - 0.011                    # back up clear of the object


def test_push_servo_defers_to_nothing_when_already_inside_and_needs_config_and_a_region():
    from promptbot.policy.servo import servo_for_skill

    cfg = SERVO_PRESETS["settle_push"]
    inside = _obj("red_cube", "red", "cube", (0.50, 0.25, 0.02))
    s = servo_for_skill(cfg, "push", ["red_cube", "left"], [inside])
    assert s.complete and s.finished == "push"
    assert servo_for_skill(SERVO_PRESETS["settle"], "push", ["red_cube", "left"], [inside]) is None   # push off
    assert servo_for_skill(cfg, "push", ["red_cube", "nowhere"], [inside]) is None
    assert servo_for_skill(cfg, "push", ["green_cube", "left"], [inside]) is None                  # not seen
    assert servo_for_skill(cfg, "pick", ["green_cube"], [inside]) is None                          # no targets


def test_push_servo_with_an_approach_deadline_goes_to_the_object_itself():
    from promptbot.policy.servo import servo_for_skill

    cube = _obj("red_cube", "red", "cube", (0.50, 0.05, 0.02))
    patient = servo_for_skill(SERVO_PRESETS["settle_push"], "push", ["red_cube", "left"], [cube])
    _fly(patient, (0.35, -0.2, 0.2), steps=200, policy=np.zeros(7))
    assert not patient.in_control and not patient.complete           # the policy never came: nothing done
    eager = servo_for_skill(SERVO_PRESETS["guided"], "push", ["red_cube", "left"], [cube])
    _fly(eager, (0.35, -0.2, 0.2), policy=np.zeros(7))
    assert eager.complete
    with pytest.raises(ValueError, match="push_approach_after_s"):
        ServoConfig(push_approach_after_s=0.0)


def test_approach_after_waiting_far_from_every_target_rises_then_goes_over_the_nearest():
    from promptbot.policy.servo import APPROACH_CLEAR_M

    cube = _obj("red_cube", "red", "cube", (0.50, 0.10, 0.02))
    cfg = replace(SERVO_PRESETS["settle"], approach_after_s=3.0)
    s = TargetServo.for_skill(cfg, "pick", ["red_cube"], [cube])
    a = _action(0.05, -0.05, 0.0)
    low_far = (0.40, -0.15, 0.05)                                  # the policy hovers over something else
    for k in range(59):                                            # 2.95 s: still the policy's
        np.testing.assert_array_equal(s.correct(a, low_far, OPEN_M, OPEN_M, now_s=k * 0.05), a)
    out = s.correct(a, low_far, OPEN_M, OPEN_M, now_s=3.0)
    assert out[2] > 0 and out[0] == out[1] == 0.0 and s.approached == 1       # up first
    z = s.grasp[0].z + APPROACH_CLEAR_M
    out = s.correct(a, (0.40, -0.15, z), OPEN_M, OPEN_M, now_s=3.05)
    assert out[0] > 0 and out[1] > 0 and np.hypot(out[0], out[1]) == pytest.approx(cfg.max_speed_m_s)
    # captured: the ordinary servo takes over (over the object, no approach counted twice)
    out = s.correct(a, (0.47, 0.08, z), OPEN_M, OPEN_M, now_s=4.0)
    assert s.approached == 1 and out[0] > 0 and out[1] > 0 and out[2] == 0.0    # the policy's height again
    # a policy that comes within the capture radius in time is never approached for
    s2 = TargetServo.for_skill(cfg, "pick", ["red_cube"], [cube])
    for k in range(100):
        s2.correct(a, (0.45, 0.10, 0.05) if k % 50 == 49 else low_far, OPEN_M, OPEN_M, now_s=k * 0.05)
    assert s2.approached == 0
    with pytest.raises(ValueError, match="approach_after_s"):
        ServoConfig(approach_after_s=-1.0)


def test_veto_done_waits_for_the_step_and_a_lifted_pick_completes():
    cube = _obj("red_cube", "red", "cube", (0.50, 0.10, 0.02))
    bowl = _obj("blue_bowl", "blue", "bowl", (0.60, 0.00, 0.03), (0.14, 0.14, 0.06))
    pick = TargetServo.for_skill(SERVO_PRESETS["guided"], "pick", ["red_cube"], [cube])
    assert not pick.in_control                                     # nothing seen yet
    pick.correct(_action(), (0.50, 0.10, 0.02), OPEN_M, OPEN_M)
    assert pick.in_control and not pick.complete                   # empty hand: "done" waits
    pick.correct(_action(grip=0.0), (0.50, 0.10, 0.03), 0.0, 0.04, now_s=1.0)
    assert not pick.in_control and not pick.complete               # holding, still low
    lifted = (0.50, 0.10, 0.02 + 0.018 + 0.05)
    pick.correct(_action(grip=0.0), lifted, 0.0, 0.04, now_s=1.2)
    assert not pick.complete                                       # held only 0.2 s: not yet settled
    pick.correct(_action(grip=0.0), lifted, 0.0, 0.04, now_s=1.6)
    assert pick.complete                                           # held at the cube's width and lifted
    # bench e2e: a close commanded high above the table reads as "holding" while the fingers are still open
    early = TargetServo.for_skill(SERVO_PRESETS["guided"], "pick", ["red_cube"], [cube])
    for k in range(20):
        early.correct(_action(grip=0.0), (0.40, 0.0, 0.30), 0.0, 0.079 - 0.001 * k, now_s=0.05 * k)
    assert not early.complete
    place = TargetServo.for_skill(SERVO_PRESETS["guided"], "place", ["red_cube", "blue_bowl"], [cube, bowl])
    place.correct(_action(grip=0.0), (0.55, 0.05, 0.15), 0.0, 0.04)
    assert place.in_control and not place.complete                 # still holds the object
    place.correct(_action(), (0.60, 0.00, 0.08), OPEN_M, OPEN_M)
    assert not place.in_control                                    # let go
    settle = TargetServo.for_skill(SERVO_PRESETS["settle"], "pick", ["red_cube"], [cube])
    settle.correct(_action(), (0.50, 0.10, 0.02), OPEN_M, OPEN_M)
    assert not settle.in_control                                   # without veto_done the policy decides


def test_a_place_to_a_region_or_a_relation_releases_at_the_planners_spot_on_the_table():
    """bench e2e, guided: 'move the yellow cube so that it is right of the green cube' - the servo had no release
    target for 'right_of:green_cube', and the policy (trained on bowls) carried the cube until the no-progress stop."""
    from promptbot.policy.servo import TABLE_RELEASE_M, place_spot
    from promptbot.scene import REGIONS, is_right_of

    red, green = _obj("red_cube", "red", "cube", (0.50, 0.10, 0.02)), _obj("green_cube", "green", "cube", (0.55, -0.05, 0.02))
    s = TargetServo.for_skill(SERVO_PRESETS["guided"], "place", ["red_cube", "right_of:green_cube"], [red, green])
    assert len(s.release) == 1 and s.release[0].z == pytest.approx(TABLE_RELEASE_M)
    there = _obj("red_cube", "red", "cube", (s.release[0].x, s.release[0].y, 0.02))
    assert is_right_of(there, green)
    left = place_spot(red, "left", [red, green])
    assert REGIONS["left"].contains((left.x, left.y, 0.0))
    # the reference not seen, or itself: no target (the policy acts alone there)
    assert place_spot(red, "right_of:blue_cube", [red, green]) is None
    assert place_spot(red, "right_of:red_cube", [red, green]) is None
    # in another id space (eval-policy), the reference matches by colour and label
    assert place_spot(red, "near:green_cube_2", [red, green], exact=False) is not None


def test_veto_release_lets_the_policy_open_only_over_the_destination_and_low():
    """bench e2e, guided: 'put the green cube to the left of the blue bowl' - the policy (trained on bowls) let go
    over the bowl. With veto_release its opening waits until the hand is over the spot, low enough."""
    from promptbot.policy.servo import RELEASE_OK_DZ_M

    red, bowl = _obj("red_cube", "red", "cube", (0.50, 0.10, 0.02)), SCENE[2]
    s = TargetServo.for_skill(SERVO_PRESETS["guided"], "place", ["red_cube", "left_of:blue_bowl"], [red, bowl])
    spot = s.release[0]
    depth = s.grasp_depth_m
    over_bowl = (bowl.position[0], bowl.position[1], 0.12)
    out = s.correct(_action(grip=OPEN_M), over_bowl, 0.0, 0.04)
    assert out[6] == 0.0 and s.vetoed_steps == 1                   # not the spot: keeps squeezing
    high = (spot.x, spot.y, spot.z + depth + RELEASE_OK_DZ_M + 0.03)
    assert s.correct(_action(grip=OPEN_M), high, 0.0, 0.04)[6] == 0.0 and s.vetoed_steps == 2   # over it, too high
    low = (spot.x + 0.01, spot.y, spot.z + depth + 0.02)
    assert s.correct(_action(grip=OPEN_M), low, 0.0, 0.04)[6] == OPEN_M and s.vetoed_steps == 2  # there: opens
    # a closing or holding command is never touched, nor an empty hand's
    assert s.correct(_action(grip=0.0), over_bowl, 0.0, 0.04)[6] == 0.0
    assert s.correct(_action(grip=OPEN_M), over_bowl, OPEN_M, OPEN_M)[6] == OPEN_M
    # into the bowl itself the bowl is the destination; without veto_release (settle) the policy decides
    into = TargetServo.for_skill(SERVO_PRESETS["guided"], "place", ["red_cube", "blue_bowl"], [red, bowl])
    assert into.correct(_action(grip=OPEN_M), (0.61, 0.0, 0.02 + depth + 0.04), 0.0, 0.04)[6] == OPEN_M
    plain = TargetServo.for_skill(SERVO_PRESETS["settle"], "place", ["red_cube", "left_of:blue_bowl"], [red, bowl])
    assert plain.correct(_action(grip=OPEN_M), over_bowl, 0.0, 0.04)[6] == OPEN_M and plain.vetoed_steps == 0
    # no release target seen (the destination not perceived): nothing to check against
    blind = TargetServo.for_skill(SERVO_PRESETS["guided"], "place", ["red_cube", "left_of:green_cube"], [red])
    assert not blind.release and blind.correct(_action(grip=OPEN_M), over_bowl, 0.0, 0.04)[6] == OPEN_M


def test_a_place_completes_once_the_hand_let_go_over_the_destination_and_stayed_open():
    """The policy seldom says done after a release: the step waited for the no-progress stop (4 s of sim time,
    20 s of wall time through the graph). It now ends 0.5 s after letting go over the destination."""
    red, bowl = _obj("red_cube", "red", "cube", (0.50, 0.10, 0.02)), SCENE[2]
    s = TargetServo.for_skill(SERVO_PRESETS["guided"], "place", ["red_cube", "blue_bowl"], [red, bowl])
    over = (0.61, 0.0, 0.10)
    s.correct(_action(grip=0.0), over, 0.0, 0.04, now_s=0.0)                     # holding
    s.correct(_action(grip=OPEN_M), over, OPEN_M, 0.05, now_s=0.1)               # lets go over the bowl
    s.correct(_action(grip=OPEN_M), (0.61, 0.0, 0.13), OPEN_M, OPEN_M, now_s=0.4)   # rising, open
    assert not s.complete
    s.correct(_action(grip=OPEN_M), (0.61, 0.0, 0.15), OPEN_M, OPEN_M, now_s=0.6)
    assert s.complete and "let go over the destination" in s.end_reason
    # the object slipped out away from the destination: never complete (the policy or the stall stop decide)
    slip = TargetServo.for_skill(SERVO_PRESETS["guided"], "place", ["red_cube", "blue_bowl"], [red, bowl])
    slip.correct(_action(grip=0.0), (0.45, 0.1, 0.10), 0.0, 0.04, now_s=0.0)
    for k in range(1, 20):
        slip.correct(_action(grip=OPEN_M), (0.45, 0.1, 0.10), OPEN_M, OPEN_M, now_s=0.1 * k)
    assert not slip.complete
    # a hand that never held (nothing to let go) and a servo without veto_done never complete
    empty = TargetServo.for_skill(SERVO_PRESETS["guided"], "place", ["red_cube", "blue_bowl"], [red, bowl])
    for k in range(20):
        empty.correct(_action(grip=OPEN_M), over, OPEN_M, OPEN_M, now_s=0.1 * k)
    plain = TargetServo.for_skill(SERVO_PRESETS["settle"], "place", ["red_cube", "blue_bowl"], [red, bowl])
    plain.correct(_action(grip=0.0), over, 0.0, 0.04, now_s=0.0)
    for k in range(1, 20):
        plain.correct(_action(grip=OPEN_M), over, OPEN_M, OPEN_M, now_s=0.1 * k)
    assert not empty.complete and not plain.complete


def test_reopen_empty_opens_a_hand_closed_on_nothing_and_undoes_a_missed_finishing_close():
    """bench e2e (session 38): a grasp closed on nothing, the policy kept the fingers shut, and the planner's
    retry began with the hand closed and never opened it. With reopen_empty (guided) the hand opens first."""
    cube = _obj("red_cube", "red", "cube", (0.50, 0.10, 0.02))
    retry = TargetServo.for_skill(SERVO_PRESETS["guided"], "pick", ["red_cube"], [cube])
    pre = 0.04 + 0.03                                               # the cube's width + the pre-grasp margin
    assert retry.correct(_action(grip=0.0), (0.40, 0.0, 0.20), 0.0, 0.0)[6] == pytest.approx(pre)
    assert retry.reopened == 1
    assert retry.correct(_action(grip=0.0), (0.40, 0.0, 0.20), pre, 0.03)[6] == pytest.approx(pre)  # still opening
    open_again = retry.correct(_action(grip=0.0), (0.40, 0.0, 0.20), pre, pre - 0.002)
    assert open_again[6] == 0.0                                     # open: the gripper is the policy's again
    assert retry.reopened == 1
    # the servo's own finishing close misses (nothing between the fingers): forgotten, the hand opens again
    cfg = replace(SERVO_PRESETS["guided"], approach_after_s=None)
    miss = TargetServo.for_skill(cfg, "pick", ["red_cube"], [cube])
    at = (0.50, 0.10, 0.018)
    miss.correct(_action(), at, OPEN_M, OPEN_M, now_s=0.0)
    assert miss.correct(_action(), at, OPEN_M, OPEN_M, now_s=1.0)[6] == 0.0 and miss.finished == "grasp"
    assert miss.correct(_action(), at, 0.0, 0.001, now_s=1.2)[6] == pytest.approx(pre)
    assert miss.finished is None and miss.reopened == 1
    # a hand that closed on the cube holds it: nothing to reopen
    hold = TargetServo.for_skill(SERVO_PRESETS["guided"], "pick", ["red_cube"], [cube])
    assert hold.correct(_action(grip=0.0), at, 0.0, 0.04)[6] == 0.0 and hold.reopened == 0
    # off (settle) the closed hand stays as the policy says; a place never reopens
    settle = TargetServo.for_skill(SERVO_PRESETS["settle"], "pick", ["red_cube"], [cube])
    assert settle.correct(_action(grip=0.0), (0.40, 0.0, 0.20), 0.0, 0.0)[6] == 0.0
    bowl = _obj("blue_bowl", "blue", "bowl", (0.60, 0.00, 0.03), (0.14, 0.14, 0.06))
    place = TargetServo.for_skill(SERVO_PRESETS["guided"], "place", ["red_cube", "blue_bowl"], [cube, bowl])
    assert place.correct(_action(grip=0.0), (0.40, 0.0, 0.20), 0.0, 0.0)[6] == 0.0
