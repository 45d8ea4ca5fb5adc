"""Where the committed VLA checkpoint lives, and the skill timeout the graph gives the policy."""
from __future__ import annotations

from pathlib import Path

import promptbot.models as _models

CHECKPOINT_NAME = "vla_tabletop.pt"
PLANNER_CONFIG = "planner_node.yaml"    # in promptbot.paths.config_dir(); its step_timeout_s is sent with each goal


def default_checkpoint() -> Path:
    return Path(_models.__file__).resolve().parent / CHECKPOINT_NAME


def graph_skill_timeout_s() -> float:
    """The policy's skill timeout in the graph [s]: the planner's ``step_timeout_s``, sent with every
    ExecuteSkill goal (the policy node's own ``default_timeout_s`` applies only to goals without one)."""
    import yaml

    from promptbot.paths import config_dir

    params = yaml.safe_load((config_dir() / PLANNER_CONFIG).read_text())["planner_node"]["ros__parameters"]
    return float(params["step_timeout_s"])
