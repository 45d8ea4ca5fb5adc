"""The executive's plan snapshot -> promptbot_msgs/TaskPlan (the one place a TaskPlan is built)."""
from __future__ import annotations

from builtin_interfaces.msg import Time

from promptbot.planning.executive import PlanSnapshot
from promptbot_msgs.msg import PlanStep, TaskPlan

PLAN_FRAME = "panda_link0"      # frame of the positions a plan's goal refers to


def plan_to_msg(snap: PlanSnapshot, stamp: Time) -> TaskPlan:
    """A TaskPlan with each step's status and verification; a plan-less snapshot (a refusal) has no steps."""
    res = snap.result
    msg = TaskPlan(instruction=snap.instruction, goal=str(res.goal) if res is not None and res.goal else "",
                   llm_calls=int(res.llm_calls) if res is not None else 0,
                   planning_time=float(res.planning_time_s) if res is not None else 0.0,
                   error_code=int(snap.error_code), error_msg=snap.message)
    msg.header.stamp = stamp
    msg.header.frame_id = PLAN_FRAME
    for i, s in enumerate(res.steps if res is not None else []):
        msg.steps.append(PlanStep(index=i, skill=s.skill, args=list(s.args), instruction=s.instruction,
                                  prior=float(s.prior), value=float(s.value), visits=int(s.visits),
                                  status=int(snap.statuses[i]), verification=snap.verifications[i]))
    return msg
