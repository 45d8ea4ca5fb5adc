"""Text normalisation and word error rate for command transcripts."""
from __future__ import annotations

import re

_NUMBERS = {
    "0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six",
    "7": "seven", "8": "eight", "9": "nine", "10": "ten", "11": "eleven", "12": "twelve",
}
_SPELLING = {"grey": "gray", "colour": "color", "colours": "colors", "ok": "okay", "onto": "on to", "into": "in to"}
_PUNCT = re.compile(r"[^\w\s']")


def normalize(text: str) -> str:
    """Lower-case, no punctuation, hyphens split, digits 0-12 spelled, a few spellings unified."""
    t = text.lower().replace("-", " ").replace("’", "'")
    t = _PUNCT.sub(" ", t)
    words = []
    for w in t.split():
        w = w.strip("'")
        if not w:
            continue
        w = _NUMBERS.get(w, w)
        words.extend(_SPELLING.get(w, w).split())
    return " ".join(words)


def words(text: str) -> list[str]:
    return normalize(text).split()


def edit_distance(a: list, b: list) -> int:
    """Levenshtein distance between two sequences."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words) after normalisation; WER = edits / words."""
    ref, hyp = words(reference), words(hypothesis)
    return edit_distance(ref, hyp), len(ref)


def wer(reference: str, hypothesis: str) -> float:
    e, n = word_errors(reference, hypothesis)
    return e / max(n, 1)
