"""promptbot.planning: skill schema, symbolic world model, goal interpretation,
MCTS over an LLM prior, LLM back-ends and safety limits (pure Python, no ROS).

    from promptbot.planning import Planner, make_backend
    result = Planner(make_backend("smollm2")).plan("put the red cube in the blue bowl", objects)
"""
from promptbot.planning.llm import LLMBackend, LLMUnavailable, UniformBackend, make_backend
from promptbot.planning.mcts import SearchConfig
from promptbot.planning.planner import METHODS, PlannedStep, Planner, PlannerConfig, PlanResult
from promptbot.planning.skills import SKILLS, Step, step_instruction
from promptbot.planning.world import WorldState, admissible, apply, execute, resolve_place_target

__all__ = [
    "LLMBackend", "LLMUnavailable", "UniformBackend", "make_backend", "SearchConfig", "METHODS",
    "PlannedStep", "Planner", "PlannerConfig", "PlanResult", "SKILLS", "Step", "step_instruction",
    "WorldState", "admissible", "apply", "execute", "resolve_place_target",
]
