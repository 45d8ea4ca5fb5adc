"""Where the committed VLA checkpoint lives, and the skill timeout the graph gives the policy."""
from __future__ import annotations

from pathlib import Path

import promptbot.models as _models

CHECKPOINT_NAME = "vla_tabletop.pt"
PLANNER_CONFIG = "planner_node.yaml"    # in promptbot.paths.config_dir(); its step_timeout_s is sent with each goal


def default_checkpoint() -> Path:
    return Path(_models.__file__).resolve().parent / CHECKPOINT_NAME


def _planner_params() -> dict:
    import yaml

    from promptbot.paths import config_dir

    return yaml.safe_load((config_dir() / PLANNER_CONFIG).read_text())["planner_node"]["ros__parameters"]


def graph_skill_timeout_s() -> float:
    """The policy's skill timeout in the graph [s]: the planner's ``step_timeout_s``, sent with every
    ExecuteSkill goal (the policy node's own ``default_timeout_s`` applies only to goals without one)."""
    return float(_planner_params()["step_timeout_s"])


def graph_command_limit_s(steps: int = 2, slack_s: float = 60.0) -> float:
    """The longest a command of ``steps`` skills can take in the graph by the planner's own limits [s wall]:
    every step and every replan (``max_replans``) may run out ``step_timeout_s`` plus the result grace on the
    ROS clock, which the wall-clock backstop (``wall_backstop_factor``) cuts at that many times, plus
    ``slack_s`` for hearing, planning and verification. ``bench e2e`` waits this long for a result, so a
    command ends on the graph's limits, not on the benchmark's."""
    from promptbot.planning.executive import RESULT_GRACE_S

    p = _planner_params()
    attempts = steps + int(p["max_replans"])
    return attempts * (float(p["step_timeout_s"]) + RESULT_GRACE_S) * float(p["wall_backstop_factor"]) + slack_s
