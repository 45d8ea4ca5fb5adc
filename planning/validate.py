"""Plans checked before anything moves: limits that live in code, below the LLM.

:func:`validate_plan` checks every grounded step of a plan against the world
model: known skill and argument schema, known objects, never moving containers
or forbidden objects (:data:`FORBIDDEN_LABELS`), no object detected below
:data:`MIN_OBJECT_CONFIDENCE`, targets inside the workspace and reach, bounded
tower height and plan length. The instruction itself is screened before this, by
:func:`promptbot.safety.prompt_guard.screen_instruction`.
"""
from __future__ import annotations

from typing import Iterable

from promptbot.planning.skills import Step
from promptbot.planning.world import (
    REACH_MAX_M,
    REACH_MIN_M,
    InadmissibleAction,
    WorldState,
    apply,
    precondition_error,
)
from promptbot.scene import WORKSPACE

MAX_PLAN_STEPS = 16
FORBIDDEN_LABELS = frozenset({"person", "human", "hand", "arm", "robot", "camera"})
MIN_OBJECT_CONFIDENCE = 0.3


def _target_ok(pos) -> bool:
    x, y = pos[0], pos[1]
    return WORKSPACE.contains((x, y, 0.0)) and REACH_MIN_M <= (x * x + y * y) ** 0.5 <= REACH_MAX_M


def validate_step(step: Step, state: WorldState) -> str | None:
    """Why a step may not be executed in ``state`` (None when it may)."""
    for a in step.args:
        o = state.get(a.split(":", 1)[-1])
        if o is not None and (o.label in FORBIDDEN_LABELS):
            return f"{o.id} is a {o.label}: never manipulated"
        if o is not None and o.confidence < MIN_OBJECT_CONFIDENCE:
            return f"{o.id} is detected with confidence {o.confidence:.2f} < {MIN_OBJECT_CONFIDENCE}"
    err = precondition_error(step, state)
    if err:
        return err
    nxt = apply(step, state)
    moved = nxt.get(step.args[0])
    if moved is not None and moved.id != nxt.holding and not _target_ok(moved.position):
        return f"{step} would put {moved.id} outside the workspace"
    return None


def validate_plan(plan: Iterable[Step], state: WorldState) -> str | None:
    """Why a plan may not be executed from ``state`` (None when every step is safe)."""
    steps = list(plan)
    if len(steps) > MAX_PLAN_STEPS:
        return f"plan has {len(steps)} steps, more than the limit of {MAX_PLAN_STEPS}"
    for i, s in enumerate(steps):
        err = validate_step(s, state)
        if err:
            return f"step {i + 1} {s}: {err}"
        try:
            state = apply(s, state)
        except InadmissibleAction as exc:  # pragma: no cover - validate_step checked it
            return str(exc)
    return None
