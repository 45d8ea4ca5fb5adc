"""Step verification for the ``/perception/verify_step`` service (pure): the step-effect rule of
:func:`promptbot.planning.verify.judge_step`, answered with the service's error codes."""
from __future__ import annotations

from dataclasses import dataclass

from promptbot.planning.verify import Problem, judge_step

# promptbot_msgs/srv/VerifyStep error codes (STALE_SCENE=1 is the node's: it needs the scene's stamp)
OK = 0
UNKNOWN_OBJECT = 2
BAD_REQUEST = 3
OCCLUDED = 4

_CODES = {Problem.NONE: OK, Problem.NOT_SEEN: UNKNOWN_OBJECT, Problem.BAD_STEP: BAD_REQUEST,
          Problem.OCCLUDED: OCCLUDED}


@dataclass(frozen=True)
class Verdict:
    holds: bool
    reason: str
    code: int = OK


def verify_step(skill: str, args, objects) -> Verdict:
    """Decide whether ``skill(*args)``'s effect holds among ``objects`` (list of ObjectState)."""
    j = judge_step(skill, args, objects)
    return Verdict(j.holds, j.reason, _CODES[j.problem])
