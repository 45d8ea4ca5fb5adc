"""Closed-loop skill runner logic: stale input holds, timeout, done flag, output clipping."""
from __future__ import annotations

import numpy as np
import pytest

from promptbot.policy.proprio import PROPRIO_DIM, proprio_from_joints
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


def test_config_validation():
    with pytest.raises(ValueError):
        RunnerConfig(control_rate_hz=0.5)
    with pytest.raises(ValueError):
        RunnerConfig(done_threshold=0.0)


def test_proprio_from_joints():
    p = proprio_from_joints(Q_READY, 0.08)
    assert p.shape == (PROPRIO_DIM,) and p.dtype == np.float32
    rot_x, rot_y = p[11:14], p[14:17]
    assert np.linalg.norm(rot_x) == pytest.approx(1.0, abs=1e-5)
    assert float(np.dot(rot_x, rot_y)) == pytest.approx(0.0, abs=1e-5)
    assert 0.2 < p[8] < 0.8 and p[10] > 0.1                     # TCP in front of and above the base
    with pytest.raises(ValueError):
        proprio_from_joints(np.zeros(6), 0.0)
    with pytest.raises(ValueError):
        proprio_from_joints(np.full(7, np.nan), 0.0)
