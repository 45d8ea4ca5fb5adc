"""The expert's release width: pre-grasp width by default, the Nov-26 full opening on request."""
from __future__ import annotations

import pytest

from promptbot.sim.env import GRIPPER_MAX_WIDTH_M, SimConfig, SimEnv
from promptbot.sim.expert import Expert
from promptbot.sim.trials import make_trial
from promptbot.sim.worlds import SHAPES


@pytest.fixture(scope="module")
def env():
    e = SimEnv("stacking", 2, SimConfig())
    yield e
    e.close()


def _stack_gripper_commands(env: SimEnv, **kwargs) -> tuple[bool, list[float]]:
    trial = make_trial("stack", 2)
    env.reset(trial.world, trial.seed)
    commands: list[float] = []
    result = Expert(env, observer=lambda a: commands.append(round(float(a[6]), 4)), **kwargs).run("stack", trial.args)
    return result.success, commands


def _runs(values: list[float]) -> list[float]:
    """The distinct values in order of appearance of runs: [0.07, 0.0, 0.07] for open-close-open."""
    return [v for i, v in enumerate(values) if i == 0 or v != values[i - 1]]


def test_default_release_opens_to_the_pre_grasp_width(env):
    ok, commands = _stack_gripper_commands(env)
    pre_grasp = min(SHAPES["cube"].size[:2]) + 0.03
    assert ok
    assert _runs(commands) == [pytest.approx(pre_grasp), 0.0, pytest.approx(pre_grasp)]


def test_release_width_option_opens_fully_like_the_nov26_expert(env):
    ok, commands = _stack_gripper_commands(env, release_width_m=GRIPPER_MAX_WIDTH_M)
    pre_grasp = min(SHAPES["cube"].size[:2]) + 0.03
    assert ok
    # the pick still opens to the pre-grasp width; only the release differs
    assert _runs(commands) == [pytest.approx(pre_grasp), 0.0, pytest.approx(GRIPPER_MAX_WIDTH_M)]


@pytest.mark.parametrize("width", [0.0, -0.01, GRIPPER_MAX_WIDTH_M + 0.01])
def test_release_width_out_of_range_is_rejected(env, width):
    with pytest.raises(ValueError, match="release_width_m"):
        Expert(env, release_width_m=width)
