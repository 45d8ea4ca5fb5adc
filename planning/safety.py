"""Safety limits that live in code, below the LLM and the policy.

* :func:`screen_instruction` treats the transcript as untrusted input: prompt
  injection ("ignore previous instructions"), attempts to disable or override
  safety, requests to leave the workspace or to throw/drop/smash objects are
  refused with a reason. No LLM is asked.
* :func:`validate_plan` checks every grounded step of a plan against the world
  model before anything moves: known skill and argument schema, known objects,
  never moving containers or forbidden objects, targets inside the workspace and
  reach, bounded tower height and plan length.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
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
MAX_INSTRUCTION_CHARS = 500
FORBIDDEN_LABELS = frozenset({"person", "human", "hand", "arm", "robot", "camera"})
MIN_OBJECT_CONFIDENCE = 0.3

# (pattern, reason). Matched on the lower-cased instruction.
_RULES: list[tuple[re.Pattern, str]] = [(re.compile(p), r) for p, r in [
    (r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|rules?|prompts?|guidelines|constraints)\b",
     "the instruction tries to override my instructions (prompt injection)"),
    (r"\b(system prompt|developer mode|jailbreak|dan mode|you are now)\b",
     "the instruction tries to change my role or configuration (prompt injection)"),
    (r"\b(disable|turn off|switch off|override|bypass|deactivate|ignore|remove)\b.{0,30}\b(safety|limits?|"
     r"e-?stop|emergency stop|governor|collision|workspace)\b",
     "safety limits cannot be disabled or overridden by a spoken command"),
    (r"\bsafety\b.{0,20}\b(is|are)\b.{0,10}\b(off|disabled|deactivated)\b",
     "safety limits cannot be disabled or overridden by a spoken command"),
    (r"\b(off|over) the (edge|table)\b|\bon(to)? the floor\b|\bto the floor\b",
     "moving objects off the table leaves the workspace"),
    (r"\b(outside|out of|beyond|leave|leaving)\b.{0,12}\b(the )?(workspace|work space|reach|table)\b",
     "targets outside the workspace are not allowed"),
    (r"\b(throw|toss|hurl|fling|smash|crush|break|hit|strike|punch|slam|shake)\b",
     "throwing, hitting or smashing objects is not a task I perform"),
    (r"\b(at|towards?) (me|you|him|her|them|someone|the person|people|a person)\b",
     "I do not move objects towards people"),
    (r"\b(as fast as possible|full speed|maximum speed|max speed)\b",
     "speed limits are fixed and cannot be raised by a command"),
    (r"\b(person|human|someone|somebody|your hand|my hand|people)\b",
     "I only manipulate objects on the table, never people"),
]]


@dataclass(frozen=True)
class Refusal:
    reason: str
    rule: str = ""


def _shared_guard(text: str) -> Refusal | None:
    """The project's transcript guard (promptbot.safety.prompt_guard), when installed."""
    try:
        from promptbot.safety.prompt_guard import screen
    except ImportError:  # pragma: no cover - the guard ships with promptbot
        return None
    ok, reason = screen(text)
    return None if ok else Refusal(reason, "prompt_guard")


def screen_instruction(text: str) -> Refusal | None:
    """A Refusal when the instruction must not be acted on, else None.

    Two layers, both deterministic code: the shared transcript guard
    (``promptbot.safety.prompt_guard``: normalisation against homoglyphs/leetspeak,
    injection, safety override, dangerous motion, workspace) and the planner's own
    rules below (kept so the planner is safe on its own).
    """
    if isinstance(text, str) and text.strip():
        shared = _shared_guard(text)
        if shared is not None:
            return shared
    if not isinstance(text, str) or not text.strip():
        return Refusal("empty instruction", "empty")
    if len(text) > MAX_INSTRUCTION_CHARS:
        return Refusal(f"instruction longer than {MAX_INSTRUCTION_CHARS} characters", "length")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        return Refusal("instruction contains control characters", "control_chars")
    low = " ".join(text.lower().split())
    for pat, reason in _RULES:
        m = pat.search(low)
        if m:
            return Refusal(reason, m.group(0))
    return None


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
