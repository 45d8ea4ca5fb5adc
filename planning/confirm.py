"""Confirmation mode (pure, no ROS): which plans need a "yes" first, and what counts as yes or no.

    policy = ConfirmPolicy(min_steps=2, sensitive_skills=parse_skill_list("push"))
    policy.reason(["pick", "place", "pick", "place"])   # "the plan has 4 steps (more than 2)"
    classify_reply("Yes, go ahead.")                    # "yes"
    classify_reply("no, stop")                          # "no"

The planner node asks the question (``/planner/question``) and waits for an answer
(``/planner/confirm`` or a spoken reply); this module only decides.

Replies are read conservatively: a reply with any cancel word ("no", "cancel",
"stop", ...) is a no, even when it also holds a yes word ("yes, stop"); only short
replies (at most :data:`MAX_REPLY_WORDS` words) count, so a new instruction that
happens to contain "ok" is not taken for a confirmation.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from promptbot.planning.skills import SKILLS

YES, NO, OTHER = "yes", "no", "other"
MAX_REPLY_WORDS = 6            # longer utterances are instructions, not answers

_YES_PHRASES = ("yes", "yeah", "yep", "yup", "sure", "ok", "okay", "confirm", "confirmed", "affirmative",
                "go ahead", "go on", "do it", "proceed", "please do", "correct")
_NO_PHRASES = ("no", "nope", "nah", "cancel", "stop", "abort", "halt", "don't", "do not", "dont", "negative",
               "never mind", "nevermind", "wait", "hold on")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower().replace("\u2019", "'"))


def _has(words: list[str], phrases: Sequence[str]) -> bool:
    joined = " " + " ".join(words) + " "
    return any(f" {p} " in joined for p in phrases)


def classify_reply(text: str) -> str:
    """``"yes"``, ``"no"`` or ``"other"`` for a typed or spoken reply to a confirmation question."""
    words = _words(text or "")
    if not words or len(words) > MAX_REPLY_WORDS:
        return OTHER
    if _has(words, _NO_PHRASES):            # a cancel word always wins: the safe reading
        return NO
    if _has(words, _YES_PHRASES):
        return YES
    return OTHER


def parse_skill_list(text: str) -> frozenset[str]:
    """Skill names from a comma- or space-separated string; raises ValueError for unknown skills."""
    names = frozenset(n for n in re.split(r"[,\s]+", (text or "").strip().lower()) if n)
    unknown = sorted(names - set(SKILLS))
    if unknown:
        raise ValueError(f"unknown skill(s) {unknown}; known: {sorted(SKILLS)}")
    return names


@dataclass(frozen=True)
class ConfirmPolicy:
    """When a plan must be confirmed before it moves anything.

    ``min_steps``: ask for plans with more than this many steps (0 = never for length).
    ``sensitive_skills``: ask for any plan that uses one of these skills.
    ``min_speech_confidence``: ask for a spoken command the recogniser heard with a lower
    confidence (exp of the mean token log-probability, 0..1; 0 = never for hearing). A misheard
    word can turn a request into a different one that still makes sense ("don't put" heard as
    "put"); reading the plan back lets the user catch it before the arm moves.
    """

    min_steps: int = 0
    sensitive_skills: frozenset[str] = field(default_factory=frozenset)
    min_speech_confidence: float = 0.0

    def __post_init__(self):
        if self.min_steps < 0:
            raise ValueError(f"min_steps must be >= 0, got {self.min_steps}")
        if not 0.0 <= self.min_speech_confidence <= 1.0:
            raise ValueError(f"min_speech_confidence must be in [0, 1], got {self.min_speech_confidence}")
        unknown = sorted(set(self.sensitive_skills) - set(SKILLS))
        if unknown:
            raise ValueError(f"unknown sensitive skill(s) {unknown}; known: {sorted(SKILLS)}")

    @property
    def enabled(self) -> bool:
        return self.min_steps > 0 or bool(self.sensitive_skills) or self.min_speech_confidence > 0.0

    def unsure_hearing(self, speech_confidence: float | None) -> bool:
        """Is a command heard with this confidence (None: typed) to be read back first?"""
        return speech_confidence is not None and speech_confidence < self.min_speech_confidence

    def reason(self, skills: Sequence[str], approved: Collection[str] | None = None,
               speech_confidence: float | None = None, other_hearing: str | None = None) -> str | None:
        """Why a plan with these skills needs a confirmation, or None.

        ``approved``: the skills of a plan the user already confirmed for this task (a
        replan then asks again only if it brings in a sensitive skill not approved yet).
        ``speech_confidence``: the recogniser's confidence for a spoken command (None: typed).
        ``other_hearing``: the n-best hearing the plan was made from where the recogniser's best
        meant nothing here: read back whenever unsure hearings are (``min_speech_confidence`` > 0;
        the scripted runs, where nobody answers, set it to 0 and act on both).
        """
        reasons = []
        if approved is None and other_hearing and self.min_speech_confidence > 0.0:
            reasons.append(f"I did not catch all of that and went by {other_hearing}")
        elif approved is None and self.unsure_hearing(speech_confidence):
            reasons.append(f"I am not sure I heard you right (speech confidence {speech_confidence:.2f})")
        if approved is None and self.min_steps > 0 and len(skills) > self.min_steps:
            reasons.append(f"the plan has {len(skills)} steps (more than {self.min_steps})")
        new_sensitive = sorted({s for s in skills if s in self.sensitive_skills} - set(approved or ()))
        if new_sensitive:
            reasons.append(f"it uses the sensitive skill(s) {', '.join(new_sensitive)}")
        return " and ".join(reasons) if reasons else None


def question(instruction: str, step_instructions: Sequence[str], reason: str) -> str:
    """The question put to the user: what will happen, why it asks, and how to answer."""
    steps = "; ".join(f"{i + 1}. {s}" for i, s in enumerate(step_instructions))
    return (f"Task {instruction.strip()!r}: {reason}. Plan: {steps}. Shall I go ahead? (yes / no)")
