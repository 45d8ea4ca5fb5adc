"""Readings of an instruction: grounded goals with a score, from any goal parser (pure).

A :class:`GoalParser` turns an instruction and the objects present into an n-best list of
:class:`Reading` s. The rule parser (:mod:`promptbot.planning.interpret`) and the LLM semantic
parser are two implementations; the planner arbitrates between them (agree -> act; disagree, or
the best reading not clearly ahead -> ask a question that names the readings).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from promptbot.scene import ObjectState
from promptbot.tasks.goal import Goal


@dataclass(frozen=True)
class Reading:
    """One grounded reading of an instruction."""

    goal: Goal
    logprob: float                     # the parser's log-probability of this reading (<= 0)
    source: str                        # "rule" | "llm" | ...
    assumptions: tuple[str, ...] = ()  # what was assumed, in words ("'board' taken as 'bowl'")


class GoalParser(Protocol):
    name: str

    def readings(self, instruction: str, objects: Sequence[ObjectState],
                 history: Sequence[str] = (), n: int = 3) -> list[Reading]:
        """At most ``n`` readings, best first; [] when the parser has none (it never raises on text)."""
