"""Vocabulary biasing: what the robot can hear about, and n-best rescoring against it.

The words that matter in a command are the world's object names, colours and skill
verbs. They bias Whisper two ways:

- ``hotwords()``: given to the decoder as previous context (faster-whisper's hotwords
  mechanism), which raises the prior of those tokens, so "block" is not heard as "lock";
- ``rescore()``: among the decoder's n-best hypotheses, prefer the one whose words
  belong to the command language (average log-prob minus a penalty per unknown word)
  and, with a live scene (``Vocabulary.from_scene``), whose colour and object words name
  what is on the table now (``scene_score``). Rescoring only reorders what the decoder
  heard: words outside the vocabulary ("kitchen") still come through when every
  hypothesis has them, so a request to refuse reaches the planner as said.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from promptbot.speech.backend import Hypothesis
from promptbot.speech.text import words
from promptbot.vocab import COLORS, CONTAINER_LABELS, DEFAULT_VERBS, FUNCTION_WORDS, HEARD_LABELS, SCENE_WORDS

_ALL_COLORS = frozenset(COLORS)
_ALL_LABELS = frozenset(HEARD_LABELS)


def _singular(w: str) -> str:
    if w in _ALL_LABELS:
        return w
    if w.endswith("es") and w[:-2] in _ALL_LABELS:
        return w[:-2]
    return w[:-1] if w.endswith("s") and w[:-1] in _ALL_LABELS else w


@dataclass
class Vocabulary:
    """The words of the current world and skills."""

    objects: Sequence[str] = HEARD_LABELS
    colors: Sequence[str] = COLORS
    verbs: Sequence[str] = DEFAULT_VERBS
    extra: Sequence[str] = SCENE_WORDS
    function_words: Sequence[str] = FUNCTION_WORDS
    # the live scene's (colour, label) pairs; empty: no scene known (no scene grammar in rescoring)
    scene_pairs: Sequence[tuple[str, str]] = ()
    _lexicon: frozenset = field(init=False, repr=False)

    def __post_init__(self):
        for name in ("objects", "colors", "verbs", "extra"):
            vals = getattr(self, name)
            if isinstance(vals, str):
                raise TypeError(f"Vocabulary.{name} must be a sequence of words, not a string")
        content = [w for group in (self.objects, self.colors, self.verbs, self.extra) for phrase in group for w in words(phrase)]
        plural = [w + "s" for w in (w for phrase in self.objects for w in words(phrase))]
        plural += [w + "es" for w in (w for phrase in self.objects for w in words(phrase)) if w.endswith(("sh", "ch", "x", "s"))]
        self._lexicon = frozenset(content + plural + [w for p in self.function_words for w in words(p)])

    @classmethod
    def from_scene(cls, labels: Iterable[str], colors: Iterable[str], pairs: Iterable[tuple[str, str]] = (),
                   **kw) -> "Vocabulary":
        """Vocabulary of a scene: its labels and colours plus the defaults' verbs.

        ``pairs``: the (colour, label) of each object present, for the scene grammar in rescoring."""
        return cls(objects=tuple(dict.fromkeys(labels)) or HEARD_LABELS, colors=tuple(dict.fromkeys(colors)) or COLORS,
                   scene_pairs=tuple(dict.fromkeys((c, l) for c, l in pairs if c and l)), **kw)

    @classmethod
    def from_objects(cls, objects: Iterable[tuple[str, str]], **kw) -> "Vocabulary":
        """Vocabulary of the objects present now, as (label, colour) pairs (e.g. a SceneState's)."""
        objs = [(label, color) for label, color in objects if label]
        return cls.from_scene([lb for lb, _ in objs], [c for _, c in objs if c], pairs=[(c, lb) for lb, c in objs], **kw)

    def scene_score(self, text: str) -> float:
        """How well the colour and object words of ``text`` name objects present: -1..1 (0: none named
        or no scene). +1 per colour / object word present in the scene and per "colour object" phrase
        naming an object that exists; -1 for each that does not; averaged over those mentions."""
        if not self.scene_pairs:
            return 0.0
        colors = {c for c, _ in self.scene_pairs}
        labels = {lb for _, lb in self.scene_pairs}
        pairs = set(self.scene_pairs)
        total, n = 0.0, 0
        ws = words(text)
        for i, w in enumerate(ws):
            if w in _ALL_COLORS:
                total, n = total + (1.0 if w in colors else -1.0), n + 1
                nxt = _singular(ws[i + 1]) if i + 1 < len(ws) else ""
                if nxt in _ALL_LABELS:
                    total, n = total + (1.0 if (w, nxt) in pairs else -1.0), n + 1
            elif _singular(w) in _ALL_LABELS:
                total, n = total + (1.0 if _singular(w) in labels else -1.0), n + 1
        return total / n if n else 0.0

    def content_words(self) -> list[str]:
        seen: dict[str, None] = {}
        for group in (self.verbs, self.colors, self.objects, self.extra):
            for phrase in group:
                seen.setdefault(" ".join(words(phrase)), None)
        return [w for w in seen if w]

    def hotwords(self) -> str:
        """Bias text for the decoder, written the way a transcript is: the content words as a list with commas,
        then a command in the scene's own words. Whisper continues the style of its previous context: the bare
        word list it had before made it drop punctuation and capitals (the planner lost where one clause ends)
        and lowered its confidence (more utterances refused as unclear). docs/speech.md, "The prompt's style"."""
        return f"Words: {', '.join(self.content_words())}. {self.example_command()}"

    def example_command(self) -> str:
        """A two-step command in the vocabulary's words ("Put the red cube in the blue bowl, then stack the green
        one on it."): colours and objects the scene has, never ones it lacks."""
        objs = [o for o in self.objects if o] or ["cube"]
        cols = [c for c in self.colors if c] or ["red"]
        movable = next((o for o in objs if o not in CONTAINER_LABELS), objs[0])
        holder = next((o for o in objs if o in CONTAINER_LABELS), objs[-1])
        second = cols[1] if len(cols) > 1 else cols[0]
        return f"Put the {cols[0]} {movable} in the {cols[-1]} {holder}, then stack the {second} one on it."

    def initial_prompt(self) -> str:
        """A sentence in the style of a command using the vocabulary."""
        obj = list(self.objects) or ["cube"]
        col = list(self.colors) or ["red"]
        return f"Robot, pick up the {col[0]} {obj[0]} and put it in the {col[-1]} {obj[-1]}."

    def in_lexicon(self, word: str) -> bool:
        return word in self._lexicon

    def oov_fraction(self, text: str) -> float:
        ws = words(text)
        if not ws:
            return 1.0
        return sum(not self.in_lexicon(w) for w in ws) / len(ws)


class CommandLanguageModel:
    """Interpolated bigram model of the command language over word classes.

    Colour words become ``<color>`` and object names ``<object>`` (``<objects>`` when
    plural), so sentences from one world generalise to another world's objects.
    ``avg_logprob(text)`` is the mean natural-log probability per word (with </s>).
    """

    def __init__(self, sentences: Iterable[str], vocab: "Vocabulary | None" = None, bigram_weight: float = 0.8, add_k: float = 0.05):
        if not 0.0 <= bigram_weight < 1.0 or add_k <= 0:
            raise ValueError("need 0 <= bigram_weight < 1 and add_k > 0")
        self.vocab = vocab or Vocabulary()
        self.bigram_weight = bigram_weight
        self.add_k = add_k
        self._classes: dict[str, str] = {}
        for c in self.vocab.colors:
            for w in words(c):
                self._classes[w] = "<color>"
        for o in self.vocab.objects:
            for w in words(o):
                self._classes[w] = "<object>"
                self._classes[w + "s"] = "<objects>"
        self._uni: dict[str, int] = {}
        self._bi: dict[tuple[str, str], int] = {}
        self._ctx: dict[str, int] = {}
        n = 0
        for s in sentences:
            toks = self._tokens(s)
            n += 1
            for a, b in zip(toks, toks[1:]):
                self._bi[a, b] = self._bi.get((a, b), 0) + 1
                self._ctx[a] = self._ctx.get(a, 0) + 1
                self._uni[b] = self._uni.get(b, 0) + 1
        if n == 0:
            raise ValueError("a command language model needs at least one sentence")
        self._total = sum(self._uni.values())
        self._types = len(self._uni) + 1  # + unknown
        self.sentences = n

    def _tokens(self, text: str) -> list[str]:
        return ["<s>"] + [self._classes.get(w, w) for w in words(text)] + ["</s>"]

    def avg_logprob(self, text: str) -> float:
        toks = self._tokens(text)
        total = 0.0
        for a, b in zip(toks, toks[1:]):
            p_uni = (self._uni.get(b, 0) + self.add_k) / (self._total + self.add_k * self._types)
            ctx = self._ctx.get(a, 0)
            p_bi = self._bi.get((a, b), 0) / ctx if ctx else 0.0
            total += float(np.log(self.bigram_weight * p_bi + (1 - self.bigram_weight) * p_uni))
        return total / (len(toks) - 1)

    @classmethod
    def from_task_library(cls, n: int = 800, seed: int = 1_000_000, vocab: "Vocabulary | None" = None) -> "CommandLanguageModel":
        """Train on instructions from ``promptbot.tasks`` (ImportError when it is absent)."""
        from promptbot.tasks import generate

        worlds = ("tabletop", "sorting", "stacking", "clutter", "long_horizon")
        return cls((generate(worlds[i % len(worlds)], seed + i).instruction for i in range(n)), vocab)


def rescore(
    hypotheses: Sequence[Hypothesis],
    vocab: Vocabulary,
    oov_penalty: float = 1.0,
    lm: CommandLanguageModel | None = None,
    lm_weight: float = 0.0,
    scene_weight: float = 0.0,
) -> list[Hypothesis]:
    """n-best hypotheses sorted by decoder score - oov_penalty * OOV share + lm_weight * LM log-prob
    + scene_weight * ``vocab.scene_score`` (0 without a scene).

    The decoder score is the beam's length-normalised log-probability, so with no
    unknown words (and no LM or scene) the decoder's own order is kept.

    The acoustic confidence of each hypothesis is left unchanged.
    """
    if oov_penalty < 0 or lm_weight < 0 or scene_weight < 0:
        raise ValueError("oov_penalty, lm_weight and scene_weight must be >= 0")

    def score(h: Hypothesis) -> float:
        s = h.rank_score - oov_penalty * vocab.oov_fraction(h.text)
        if lm is not None and lm_weight > 0:
            s += lm_weight * lm.avg_logprob(h.text)
        if scene_weight > 0:
            s += scene_weight * vocab.scene_score(h.text)
        return s

    return sorted(hypotheses, key=score, reverse=True)
