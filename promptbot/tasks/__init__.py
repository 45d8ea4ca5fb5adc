"""Task library (pure, no ROS/pybullet): instructions, goals, checkers, generator.

    >>> from promptbot.tasks import generate, check
    >>> task = generate("tabletop", seed=3)
    >>> task.instruction, str(task.goal), task.oracle_plan
    >>> check(task.goal, objects, initial=task.initial)   # -> (success, reason); initial: unmoved(x)'s reference

Goal text syntax: see :mod:`promptbot.tasks.goal`.
"""
from promptbot.tasks.goal import Goal, GoalSyntaxError, Literal, as_goal, check, parse_goal
from promptbot.tasks.generator import (
    InvalidCase,
    Task,
    TaskNotApplicable,
    families,
    generate,
    generate_invalid,
    sample_scene,
)

__all__ = [
    "Goal", "GoalSyntaxError", "Literal", "as_goal", "check", "parse_goal",
    "InvalidCase", "Task", "TaskNotApplicable", "families", "generate", "generate_invalid", "sample_scene",
]
