"""Closed-loop skill runner logic: stale input holds, timeout, done flag, output clipping, latency compensation."""
from __future__ import annotations

import numpy as np
import pytest

from promptbot.policy.proprio import GRIPPER_WIDTH_INDEX, PROPRIO_DIM, TCP_XYZ, proprio_from_joints
from promptbot.policy.runner import RunnerConfig, SkillRun
from promptbot.safety.kinematics import Q_READY


def _chunk(value=0.01, h=4):
    return np.tile(np.array([value, 0, 0, 0, 0, 0, 0.04]), (h, 1))


def test_stale_image_holds_then_aborts():
    run = SkillRun(RunnerConfig(max_image_age_s=0.2, stale_abort_s=1.0), chunk=4, start_time_s=0.0)
    assert run.check_inputs(0.1, 0.05) is None                       # fresh
    d = run.check_inputs(0.5, 0.05)
    assert d.kind == "hold" and "ms old" in d.reason
    assert run.check_inputs(1.0, None).kind == "hold"
    assert run.check_inputs(1.6, 0.05).kind == "stale"
    assert run.check_inputs(1.7, 1.69) is None                        # fresh again resets


def test_timeout():
    run = SkillRun(RunnerConfig(timeout_s=2.0), chunk=4, start_time_s=10.0)
    assert run.check_inputs(11.0, 11.0) is None
    assert run.check_inputs(12.0, 12.0).kind == "timeout"
    assert run.progress(11.0) == pytest.approx(0.5)


def test_the_timeout_counts_on_the_node_clock_and_the_wall_clock_is_a_backstop():
    """In the simulated graph the node runs on sim time, which falls behind real time on a loaded
    machine (0.4-0.5x with the whole graph on 2 cores). The skill keeps its full timeout of sim time
    (what eval-policy gives it); only a clock that stops or crawls is cut off by the wall clock, at
    timeout x wall_backstop_factor."""
    run = SkillRun(RunnerConfig(timeout_s=60.0), chunk=4, start_time_s=0.0)
    assert run.check_inputs(42.0, 42.0, wall_elapsed_s=100.0) is None          # 0.42x real time: keeps going
    assert run.check_inputs(60.0, 60.0, wall_elapsed_s=143.0).reason == "skill not finished after 60.0 s"
    stopped = SkillRun(RunnerConfig(timeout_s=60.0, wall_backstop_factor=2.0), chunk=4, start_time_s=0.0)
    assert stopped.check_inputs(10.0, 10.0, wall_elapsed_s=119.9) is None
    d = stopped.check_inputs(12.0, 12.0, wall_elapsed_s=120.0)
    assert d.kind == "timeout"
    assert "120.0 s of wall-clock" in d.reason and "0.10x real time" in d.reason
    fast = SkillRun(RunnerConfig(timeout_s=60.0), chunk=4, start_time_s=0.0)   # sim faster than real time
    assert fast.check_inputs(60.0, 60.0, wall_elapsed_s=30.0).reason == "skill not finished after 60.0 s"
    with pytest.raises(ValueError, match="wall_backstop_factor"):
        RunnerConfig(wall_backstop_factor=0.5)


def test_done_needs_consecutive_confidence():
    run = SkillRun(RunnerConfig(done_threshold=0.8, done_consecutive=2), chunk=4, start_time_s=0.0)
    assert run.on_chunk(_chunk(), 0.9).kind == "act"
    assert run.on_chunk(_chunk(), 0.5).kind == "act"
    assert run.on_chunk(_chunk(), 0.9).kind == "act"
    assert run.on_chunk(_chunk(), 0.95).kind == "done"


def test_actions_are_clipped_and_nan_holds():
    run = SkillRun(RunnerConfig(max_linear_m_s=0.1), chunk=4, start_time_s=0.0)
    d = run.on_chunk(_chunk(value=5.0), 0.0)
    assert d.kind == "act" and np.linalg.norm(d.action[:3]) == pytest.approx(0.1)
    assert d.action[6] == pytest.approx(0.04)
    bad = _chunk()
    bad[0, 0] = np.nan
    assert run.on_chunk(bad, 0.0).kind == "hold"


def _ramp(h=6):
    """A chunk whose entry i moves at (i + 1) cm/s in x: the executed entry is readable from the action."""
    c = np.zeros((h, 7))
    c[:, 0] = 0.01 * (np.arange(h) + 1)
    return c


def test_latency_compensation_skips_the_entries_whose_time_has_passed():
    cfg = RunnerConfig(control_rate_hz=20.0, ensemble_k=0.0)
    run = SkillRun(cfg, chunk=6, start_time_s=0.0)
    assert run.on_chunk(_ramp(), 0.0, obs_age_s=0.0).action[0] == pytest.approx(0.01)    # fresh: entry 0
    run = SkillRun(cfg, chunk=6, start_time_s=0.0)
    assert run.on_chunk(_ramp(), 0.0, obs_age_s=0.040).action[0] == pytest.approx(0.02)  # 0.8 periods: entry 1
    run = SkillRun(cfg, chunk=6, start_time_s=0.0)
    assert run.on_chunk(_ramp(), 0.0, obs_age_s=0.110).action[0] == pytest.approx(0.03)  # 2.2 periods: entry 2
    assert run.skipped == 2 and run.steps == 1
    run = SkillRun(cfg, chunk=6, start_time_s=0.0)
    assert run.on_chunk(_ramp(), 0.0, obs_age_s=5.0).action[0] == pytest.approx(0.06)    # never past the last
    run = SkillRun(RunnerConfig(ensemble_k=0.0, chunk_offset_steps=1.0), chunk=6, start_time_s=0.0)
    assert run.on_chunk(_ramp(), 0.0, obs_age_s=0.0).action[0] == pytest.approx(0.02)    # fixed offset
    off = SkillRun(RunnerConfig(ensemble_k=0.0, latency_compensation=False), chunk=6, start_time_s=0.0)
    assert off.on_chunk(_ramp(), 0.0, obs_age_s=0.110).action[0] == pytest.approx(0.01)  # switched off
    # the shifted chunk keeps its length: the tail holds the last entry, the ensembler still has a full chunk
    run = SkillRun(cfg, chunk=6, start_time_s=0.0)
    run.on_chunk(_ramp(), 0.0, obs_age_s=0.1)
    later = [run.ensembler.step()[0] for _ in range(5)]
    assert later == pytest.approx([0.04, 0.05, 0.06, 0.06, 0.06])


def test_config_validation():
    with pytest.raises(ValueError):
        RunnerConfig(control_rate_hz=0.5)
    with pytest.raises(ValueError):
        RunnerConfig(done_threshold=0.0)
    with pytest.raises(ValueError):
        RunnerConfig(chunk_offset_steps=-1.0)


def test_proprio_from_joints():
    p = proprio_from_joints(Q_READY, 0.08)
    assert p.shape == (PROPRIO_DIM,) and p.dtype == np.float32
    rot_x, rot_y = p[11:14], p[14:17]
    assert np.linalg.norm(rot_x) == pytest.approx(1.0, abs=1e-5)
    assert float(np.dot(rot_x, rot_y)) == pytest.approx(0.0, abs=1e-5)
    assert 0.2 < p[8] < 0.8 and p[10] > 0.1                     # TCP in front of and above the base
    from promptbot.safety.kinematics import tcp_pose

    np.testing.assert_allclose(p[TCP_XYZ], tcp_pose(Q_READY)[:3, 3], atol=1e-6)    # what the no-progress check reads
    assert p[GRIPPER_WIDTH_INDEX] == pytest.approx(0.08)
    with pytest.raises(ValueError):
        proprio_from_joints(np.zeros(6), 0.0)
    with pytest.raises(ValueError):
        proprio_from_joints(np.full(7, np.nan), 0.0)


# --- no progress ---------------------------------------------------------------------------------
def _drive(run, xyz_of_t, width_of_t=lambda t: 0.04, seconds=12.0, rate_hz=20.0, act=None):
    """Feed the runner ``seconds`` of states; returns (time, decision) of the first stall, or (None, None)."""
    for k in range(int(seconds * rate_hz) + 1):
        t = k / rate_hz
        if act is not None:
            run.on_chunk(act(t), 0.0)
        d = run.check_progress(t, xyz_of_t(t), width_of_t(t))
        if d is not None:
            return t, d
    return None, None


def test_a_still_arm_stalls_after_stall_s_with_a_reason():
    run = SkillRun(RunnerConfig(stall_s=4.0), chunk=4, start_time_s=0.0)
    t, d = _drive(run, lambda t: (0.5, 0.0, 0.3) + 0.001 * np.sin(np.array([t, 2 * t, 3 * t])))
    assert d.kind == "stalled" and t == pytest.approx(4.0)
    assert d.reason == ("no progress for 4.0 s: the arm has not moved more than 5 mm and the gripper is "
                        "unchanged")


def test_motion_then_stop_stalls_stall_s_after_the_stop():
    run = SkillRun(RunnerConfig(stall_s=4.0), chunk=4, start_time_s=0.0)
    t, d = _drive(run, lambda t: (0.4 + 0.05 * min(t, 3.0), 0.0, 0.3))      # 5 cm/s for 3 s, then still
    assert d.kind == "stalled" and t == pytest.approx(7.0, abs=0.1)


def test_slow_but_moving_arm_does_not_stall():
    run = SkillRun(RunnerConfig(stall_s=4.0), chunk=4, start_time_s=0.0)
    assert _drive(run, lambda t: (0.4, 0.0, 0.3 - 0.004 * t), seconds=20.0) == (None, None)   # 4 mm/s down


def test_the_gripper_moving_is_progress_and_its_command_is_too():
    still = (0.5, 0.0, 0.3)
    run = SkillRun(RunnerConfig(stall_s=4.0), chunk=4, start_time_s=0.0)
    closing = lambda t: 0.08 - 0.01 * min(t, 6.0)                        # closes for 6 s, 1 cm/s
    t, d = _drive(run, lambda t: still, closing)
    assert t == pytest.approx(6.0 + 4.0, abs=0.2)     # stalls once it stopped (the last 2 mm are within tolerance)
    # a release is commanded at 3 s and the opening lags (blocked): the command change counts
    run = SkillRun(RunnerConfig(stall_s=4.0, ensemble_k=0.0), chunk=4, start_time_s=0.0)
    command = lambda t: np.tile([0, 0, 0, 0, 0, 0, 0.02 if t < 3.0 else 0.08], (4, 1))
    t, d = _drive(run, lambda t: still, act=command)
    assert t == pytest.approx(3.0 + 4.0, abs=0.2)
    # a regressed width that wanders by a few mm is not a decision to open
    run = SkillRun(RunnerConfig(stall_s=4.0, ensemble_k=0.0), chunk=4, start_time_s=0.0)
    wander = lambda t: np.tile([0, 0, 0, 0, 0, 0, 0.02 + 0.004 * np.sin(3 * t)], (4, 1))
    t, d = _drive(run, lambda t: still, act=wander)
    assert t == pytest.approx(4.0)


def test_varying_twist_commands_that_do_not_move_the_arm_are_no_progress():
    run = SkillRun(RunnerConfig(stall_s=4.0, ensemble_k=0.0), chunk=4, start_time_s=0.0)
    pushing = lambda t: np.tile([0.1 * np.sin(t), 0.1 * np.cos(t), 0, 0, 0, 0, 0.04], (4, 1))
    t, d = _drive(run, lambda t: (0.5, 0.0, 0.3), act=pushing)
    assert d.kind == "stalled" and t == pytest.approx(4.0)


def test_dithering_stalls_over_the_longer_window():
    run = SkillRun(RunnerConfig(stall_s=4.0), chunk=4, start_time_s=0.0)
    t, d = _drive(run, lambda t: (0.5 + 0.01 * np.sin(2.0 * t), 0.0, 0.3), seconds=20.0)   # +-1 cm at 0.3 Hz
    assert d.kind == "stalled" and t == pytest.approx(8.0)
    assert "no progress for 8.0 s: the arm has stayed within 15 mm (dithering)" in d.reason
    run = SkillRun(RunnerConfig(stall_s=4.0), chunk=4, start_time_s=0.0)             # +-3 cm: a real search
    assert _drive(run, lambda t: (0.5 + 0.03 * np.sin(2.0 * t), 0.0, 0.3), seconds=20.0) == (None, None)


def test_holding_for_stale_input_restarts_the_no_progress_window_and_zero_switches_it_off():
    run = SkillRun(RunnerConfig(stall_s=4.0, stale_abort_s=5.0), chunk=4, start_time_s=0.0)
    for t in np.arange(0.0, 3.0, 0.05):
        assert run.check_progress(t, (0.5, 0.0, 0.3), 0.04) is None
    assert run.check_inputs(3.0, None).kind == "hold"                     # no camera frame: held still
    assert run.check_progress(5.0, (0.5, 0.0, 0.3), 0.04) is None        # 5 s still, but only 0 s judged
    assert run.check_progress(8.9, (0.5, 0.0, 0.3), 0.04) is None
    assert run.check_progress(9.0, (0.5, 0.0, 0.3), 0.04).kind == "stalled"
    off = SkillRun(RunnerConfig(stall_s=0.0), chunk=4, start_time_s=0.0)
    assert _drive(off, lambda t: (0.5, 0.0, 0.3), seconds=20.0) == (None, None)
    with pytest.raises(ValueError):
        RunnerConfig(stall_s=-1.0)
    with pytest.raises(ValueError):
        RunnerConfig(stall_motion_m=0.0)


def test_a_governor_pause_is_not_the_policys_lack_of_progress():
    run = SkillRun(RunnerConfig(stall_s=4.0), chunk=4, start_time_s=0.0)
    for t in np.arange(0.0, 3.0, 0.05):
        assert run.check_progress(t, (0.5, 0.0, 0.3), 0.04) is None
    d = run.hold("the safety governor pauses the arm (someone is speaking)")
    assert d.kind == "hold" and "pauses" in d.reason
    assert run.check_progress(6.0, (0.5, 0.0, 0.3), 0.04) is None        # judged afresh from the pause's end
    assert run.check_progress(9.9, (0.5, 0.0, 0.3), 0.04) is None
    assert run.check_progress(10.0, (0.5, 0.0, 0.3), 0.04).kind == "stalled"


def test_a_grasp_skill_that_wanders_without_closing_or_opening_the_gripper_stalls():
    """The arm keeps moving (+-5 cm, never still, never dithering), the fingers stay open: a pick that wanders."""
    wander = lambda t: (0.5 + 0.05 * np.sin(0.7 * t), 0.05 * np.cos(0.5 * t), 0.3)
    run = SkillRun(RunnerConfig(stall_s=4.0, grasp_idle_s=25.0), chunk=4, start_time_s=0.0)
    t, d = _drive(run, wander, seconds=40.0)
    assert d.kind == "stalled" and t == pytest.approx(25.0)
    assert "the gripper has neither closed nor opened" in d.reason
    # the same motion with the gripper closing at 20 s is a grasp: no stall within the next 25 s
    run = SkillRun(RunnerConfig(stall_s=4.0, grasp_idle_s=25.0), chunk=4, start_time_s=0.0)
    closing = lambda t: 0.08 if t < 20.0 else max(0.02, 0.08 - 0.02 * (t - 20.0))
    assert _drive(run, wander, closing, seconds=44.0) == (None, None)
    # off (0, as for a push and by default): the wandering arm is not stopped by this check
    run = SkillRun(RunnerConfig(stall_s=4.0), chunk=4, start_time_s=0.0)
    assert _drive(run, wander, seconds=40.0) == (None, None)
    with pytest.raises(ValueError, match="grasp_idle_s"):
        RunnerConfig(grasp_idle_s=-1.0)


def test_a_pick_that_keeps_closing_on_nothing_stalls_at_the_second_empty_close():
    moving = lambda t: (0.5 + 0.05 * np.sin(0.7 * t), 0.0, 0.3)
    # open, close on nothing at ~2-3 s, open again, close on nothing again at ~7-8 s
    width = lambda t: 0.08 if (t % 5.0) < 2.0 else max(0.0, 0.08 - 0.08 * ((t % 5.0) - 2.0))
    run = SkillRun(RunnerConfig(stall_s=4.0, empty_grasps=2), chunk=4, start_time_s=0.0)
    t, d = _drive(run, moving, width, seconds=20.0)
    assert d.kind == "stalled" and 7.0 <= t <= 8.1 and "closed on nothing 2 times" in d.reason
    # closing on a cube (fingers 4 cm apart) is a grasp, not an empty close
    run = SkillRun(RunnerConfig(stall_s=4.0, empty_grasps=2), chunk=4, start_time_s=0.0)
    on_cube = lambda t: 0.08 if (t % 5.0) < 2.0 else 0.04
    assert _drive(run, moving, on_cube, seconds=20.0) == (None, None)
    # a retried pick that starts with the hand shut (the last attempt's miss): not a close of this attempt;
    # it counts from the first opening on (here: opens at 1 s, closes on nothing at ~3-4 s and ~8-9 s)
    shut_first = lambda t: 0.0 if t < 1.0 else width(t - 1.0)
    run = SkillRun(RunnerConfig(stall_s=4.0, empty_grasps=2), chunk=4, start_time_s=0.0)
    t, d = _drive(run, moving, shut_first, seconds=20.0)
    assert d.kind == "stalled" and 8.0 <= t <= 9.1 and run.empty_closes == 2
    with pytest.raises(ValueError, match="empty_grasps"):
        RunnerConfig(empty_grasps=-1)


def test_a_place_that_lets_go_and_then_holds_still_is_done_not_stalled():
    """The learned done flag seldom fires after a release: still after the fingers let go is the end of a place."""
    still = lambda t: (0.5, 0.0, 0.3)                                    # noqa: E731
    opens = lambda t: 0.04 if t < 2.0 else min(0.08, 0.04 + 0.02 * (t - 2.0))   # noqa: E731 holds, then lets go
    run = SkillRun(RunnerConfig(stall_s=4.0, release_done=True), chunk=4, start_time_s=0.0)
    t, d = _drive(run, still, opens)
    assert d.kind == "done" and d.reason.startswith("released the object, then held still (no progress for 4.0 s")
    # without the setting (a pick, or switched off) the same motion stalls
    run = SkillRun(RunnerConfig(stall_s=4.0), chunk=4, start_time_s=0.0)
    assert _drive(run, still, opens)[1].kind == "stalled"
    # holding the whole time (never let go) still stalls: the object was not placed
    run = SkillRun(RunnerConfig(stall_s=4.0, release_done=True), chunk=4, start_time_s=0.0)
    assert _drive(run, still)[1].kind == "stalled"
    # fingers that were open from the start (nothing held) and stay open stall too
    run = SkillRun(RunnerConfig(stall_s=4.0, release_done=True), chunk=4, start_time_s=0.0)
    assert _drive(run, still, lambda t: 0.08)[1].kind == "stalled"
