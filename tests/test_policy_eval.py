"""The in-process evaluation loop: delayed observations and the runner's latency compensation."""
from __future__ import annotations

import argparse

import numpy as np
import pytest

from promptbot.policy.evaluate import LatencySpec, run_episode
from promptbot.policy.paths import default_checkpoint
from promptbot.policy.policy import ActionChunk


class _RecordingPolicy:
    """Wraps the committed checkpoint and records which observation each call saw."""

    def __init__(self):
        from promptbot.policy.policy import Policy

        self.inner = Policy.load(str(default_checkpoint()), backend="onnxruntime", threads=1)
        self.config = self.inner.config
        self.proprio: list[np.ndarray] = []

    def infer(self, obs) -> ActionChunk:
        self.proprio.append(np.array(obs.proprio))
        return self.inner.infer(obs)


@pytest.fixture(scope="module")
def env():
    from promptbot.sim.env import SimEnv

    e = SimEnv("tabletop", 0)
    yield e
    e.close()


def test_delayed_observations_lag_the_arm_by_the_requested_periods(env):
    fresh, late = _RecordingPolicy(), _RecordingPolicy()
    seed = 1_000_000                                  # a held-out pick
    a = run_episode(fresh, env, seed, timeout_s=0.5, latency=LatencySpec(0))
    b = run_episode(late, env, seed, timeout_s=0.5, latency=LatencySpec(2, compensation=False))
    assert a.control_steps == b.control_steps == 10
    # with a 2-period delay, the first two calls see the start pose and call k sees the pose of k - 2
    np.testing.assert_allclose(late.proprio[0], fresh.proprio[0], atol=1e-6)
    np.testing.assert_allclose(late.proprio[2], fresh.proprio[0], atol=1e-6)
    assert not np.allclose(late.proprio[-1], late.proprio[-3], atol=1e-6)   # it does see the arm move
    assert a.skill == "pick" and a.end in ("done", "timeout") and isinstance(a.success, bool)


def test_latency_spec_and_cli_validate():
    with pytest.raises(ValueError):
        LatencySpec(obs_delay_steps=11)
    from promptbot.cli import eval_policy

    p = argparse.ArgumentParser()
    eval_policy.add_arguments(p)
    assert eval_policy.run(p.parse_args(["--latency-steps", "12"])) == 2
    assert eval_policy.run(p.parse_args(["--chunk-offset", "-1"])) == 2


class _StuckPolicy:
    """Commands nothing: the arm stays where it is, the gripper open."""

    def __init__(self):
        from types import SimpleNamespace

        self.config = SimpleNamespace(chunk=4, use_wrist=False)

    def infer(self, obs) -> ActionChunk:
        return ActionChunk(np.tile([0, 0, 0, 0, 0, 0, 0.08], (4, 1)), 0.0, 0.0)


def test_a_stuck_policy_ends_with_no_progress_not_the_timeout(env):
    r = run_episode(_StuckPolicy(), env, 1_000_000, timeout_s=30.0)
    assert r.end == "stalled" and not r.success
    assert r.end_reason.startswith("no progress for 4.0 s: the arm has not moved more than 5 mm")
    assert r.control_steps == 80                                      # 4 s at 20 Hz, not 600
    off = run_episode(_StuckPolicy(), env, 1_000_000, timeout_s=1.0, stall_s=0.0)
    assert off.end == "timeout" and off.control_steps == 20


def test_eval_policy_default_timeout_is_the_graphs_skill_timeout():
    import yaml

    from promptbot.cli import eval_policy
    from promptbot.paths import config_dir
    from promptbot.policy.paths import graph_skill_timeout_s

    planner = yaml.safe_load((config_dir() / "planner_node.yaml").read_text())["planner_node"]["ros__parameters"]
    assert graph_skill_timeout_s() == planner["step_timeout_s"] > 0
    p = argparse.ArgumentParser()
    eval_policy.add_arguments(p)
    assert p.parse_args([]).timeout is None                           # None = graph_skill_timeout_s() in evaluate
    assert "step_timeout_s" in p.format_help() and f"({planner['step_timeout_s']:.0f} s)" in p.format_help()
    assert eval_policy.run(p.parse_args(["--stall", "-1"])) == 2


def test_bench_e2e_waits_for_a_command_as_long_as_the_graphs_own_limits_allow():
    """A command is ended by the planner's limits, not the benchmark's: bench e2e --executor vla lost a command to
    its old 300 s default while three 60-s attempts of sim time at ~0.45x real time were still inside them."""
    import yaml

    from promptbot.bench import e2e
    from promptbot.paths import config_dir
    from promptbot.policy.paths import graph_command_limit_s

    planner = yaml.safe_load((config_dir() / "planner_node.yaml").read_text())["planner_node"]["ros__parameters"]
    attempts = 2 + planner["max_replans"]
    expected = attempts * (planner["step_timeout_s"] + 5.0) * planner["wall_backstop_factor"] + 60.0
    assert graph_command_limit_s() == pytest.approx(expected) and expected > 300.0
    assert graph_command_limit_s(steps=1, slack_s=0.0) < graph_command_limit_s(steps=1)
    p = argparse.ArgumentParser()
    e2e.add_arguments(p)
    assert p.parse_args([]).timeout is None and p.parse_args(["--timeout", "90"]).timeout == 90.0


def test_eval_policy_default_servo_is_the_policy_nodes():
    """The default evaluation measures what the node runs: the node's servo, read from its config file."""
    import yaml

    from promptbot.cli import eval_policy
    from promptbot.paths import config_dir
    from promptbot.policy.servo import DEFAULT_SERVO, SERVO_PRESETS

    node = yaml.safe_load((config_dir() / "vla_node.yaml").read_text())["/**"]["ros__parameters"]
    assert node["servo"] == DEFAULT_SERVO and SERVO_PRESETS[DEFAULT_SERVO] is not None
    p = argparse.ArgumentParser()
    eval_policy.add_arguments(p)
    assert p.parse_args([]).servo == DEFAULT_SERVO
    assert p.parse_args(["--servo", "none"]).servo == "none"
