"""Understanding benchmark: instructions as people say them -> grounded goal, question or refusal.

``promptbot bench understanding --json [--split dev|dev2|...|dev39|test|both] [--limit N] [--llm SPEC] [--methods rule,llm,hybrid]``

The suite (``promptbot/bench/data/understanding_{dev,dev2,...,dev39,test}.jsonl``, see docs/understanding.md)
was written by hand from linguistic phenomena, not from the parser's templates, before
anyone tuned the interpreter. The dev split is thirty-nine files: ``dev`` (the first 178 items),
``dev2`` (181 items over 20 other scenes, written later by another hand, before it read the
parser), ``dev3`` ... ``dev39`` (186, 187, 192, 195, 193, 199, 194, 197, 195, 205, 199, 209, 211, 202, 208, 224, 211, 215, 211, 211, 215, 216, 216, 216, 216, 216, 216, 216, 216, 216, 216, 219, 220, 220, 220, 220 and 220 items over 20 more scenes each,
written blind the same way, later again); ``--split dev`` runs all thirty-nine and reports them together
(``dev``) and apart (``dev1`` ... ``dev39``). The test split (``test``) is frozen and never read for tuning. Each item names a scene (``sample_scene(world, seed)``), the
instruction, its phenomenon tags and the expected answer:

* ``goal``: the accepted grounded goals (any one is correct), in the goal syntax of
  :mod:`promptbot.tasks.goal` (``unmoved(x)``: x must not be moved);
* ``clarify``: a question is the right answer (ambiguous reference, nothing fits);
* ``refuse``: unsafe or out of scope.

Every item runs through the planner the way ``promptbot plan`` does (the "rule" method:
rule parser, the LLM choosing between its readings, search, verification) and is scored:

``correct``          the predicted goal is one of the accepted goals (compared as sets of
                     canonical literals; a prediction without an expected ``unmoved`` literal
                     is wrong), or a question / refusal where one is expected
``asked``            a question (status ambiguous / unknown / impossible) where a goal or a
                     refusal was expected
``wrongly_refused``  a refusal of a request that is not unsafe
``confident_wrong``  an ``ok`` plan whose goal is not accepted, or a plan where a question or
                     a refusal was expected: the outcome the issue counts as worse than a question
``wrong_no_plan``    a wrong goal (or a goal where none fits) that the search found no plan for

Dev and test are reported separately, per phenomenon, per world and per expected answer;
planning time (median / p90, model load excluded and reported separately) too. Rows per
method live under ``methods`` (the ablation of issue 20, one run):

``rule``    the rule parser (the planner's ``understanding="rule"``);
``llm``     the LLM semantic parser alone (:mod:`promptbot.planning.semantic_parser`, ``--parser``):
            its n-best readings, arbitrated by the planner (``understanding="llm"``: the best
            reading if clearly ahead and accounting for every content word, else a question);
``hybrid``  both (``understanding="hybrid"``: agree -> act, disagree -> ask).

The ``llm`` and ``hybrid`` rows also give the parser's own time per instruction
(``parse_time_s``, median / p90) and its model load (``parser_load_s``) apart.

``--spoken`` also runs every item spoken (under ``spoken``, next to the typed rows): the text is
synthesised by espeak-ng with voices and rates that ``promptbot bench asr`` does not tune on
(SPOKEN_VOICES, SPOKEN_RATES_WPM), pink noise is added at SPOKEN_SNR_DB, and the audio goes
through the speech pipeline with the speech node's configuration (``config/speech_node.yaml``:
model, decoding, hotwords, rescoring, confidence gates; the scene's labels and colours as the
live vocabulary, as the node builds it from the scene topic). The transcript and its n-best are
planned with the same scene. An utterance the recogniser does not accept as a command is the
robot saying it did not catch that: a question (``asked``, or ``correct`` for a clarify item).
The word error rate and the share not accepted are reported per split.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

DATA_DIR = Path(__file__).resolve().parent / "data"
SPLITS = ("dev", "test")
# the files behind each split; a split's summary covers all of them, each file is also reported
# on its own under its part name when a split has more than one
DEV_FILES = ("dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9", "dev10", "dev11", "dev12", "dev13", "dev14", "dev15", "dev16", "dev17", "dev18", "dev19", "dev20", "dev21", "dev22", "dev23", "dev24", "dev25", "dev26", "dev27", "dev28", "dev29", "dev30", "dev31", "dev32", "dev33", "dev34", "dev35", "dev36", "dev37", "dev38", "dev39")      # understanding_<name>.jsonl
PARTS = {"dev": DEV_FILES, "test": ("test",)}
PART_NAMES = {"dev": "dev1", **{name: name for name in DEV_FILES[1:]}, "test": "test"}
FILES = DEV_FILES + ("test",)
EXPECTS = ("goal", "clarify", "refuse")
ISSUE_PHENOMENA = (              # issue 20's list: the suite must cover each
    "synonym", "anaphora", "coordination", "exclusion", "negation", "ordering", "sequencing",
    "self_correction", "telegraphic", "politeness", "multi_sentence", "asr_noise", "control",
)
# added by dev3: "the one nearest me"; the end state said instead of the action ("I want X to end up in Y")
PHENOMENA = ISSUE_PHENOMENA + ("spatial", "goal_state")
TAGS = PHENOMENA + ("trap",)       # trap: a keyword-matching parser would plan a wrong goal
METHODS = ("rule", "llm", "hybrid")
QUESTION_STATUSES = frozenset({"ambiguous", "unknown", "impossible"})
OUTCOMES = ("correct", "asked", "wrongly_refused", "confident_wrong", "wrong_no_plan")
MAX_STEPS_TIMED = 4                # the issue's planning-time target is for plans of <= 4 steps
# The spoken run: voices and rates that promptbot bench asr does not use (it tunes on the eight plain
# English voices at 140/170/200 wpm): espeak-ng variants change pitch and formants. Pink noise at a
# level bench asr does not use either (it has 20, 10, 5 dB).
SPOKEN_VOICES = ("en-us+f3", "en-gb+m3", "en-gb-x-rp+f2", "en-029+m2", "en-gb-scotland+f4", "en-us-nyc+m5")
SPOKEN_RATES_WPM = (125, 155, 185)
SPOKEN_SNR_DB = 15
SPEECH_NODE_YAML = "config/speech_node.yaml"
PLANNER_NODE_YAML = "config/planner_node.yaml"


class ExpectedGoalError(ValueError):
    """An expected or predicted goal that does not follow the goal syntax."""


def _parse(text: str):
    from promptbot.tasks.goal import GoalSyntaxError, parse_goal

    try:
        return parse_goal(text)
    except GoalSyntaxError as exc:
        raise ExpectedGoalError(str(exc)) from exc


def canonical_goal(text: str) -> frozenset[str]:
    """A goal as a set of canonical literals (:mod:`promptbot.tasks.goal`, ``unmoved`` included);
    raises ExpectedGoalError."""
    return frozenset(str(lit) for lit in _parse(text).literals)


def goal_objects(text: str) -> set[str]:
    """Object ids a goal names (region names excluded)."""
    return _parse(text).objects()


def data_path(name: str) -> Path:
    """The file ``understanding_<name>.jsonl``; ``name`` is one of FILES (``dev`` is the first dev file)."""
    if name not in FILES:
        raise ValueError(f"suite file must be one of {FILES}, got {name!r}")
    return DATA_DIR / f"understanding_{name}.jsonl"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_items(name: str) -> list[dict]:
    """The items of one suite file (one of FILES)."""
    with open(data_path(name), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def split_items(split: str, limit: int | None = None) -> list[dict]:
    """The items of a split (every file in PARTS[split], in order); ``limit``: the first N of each file."""
    if split not in PARTS:
        raise ValueError(f"split must be one of {tuple(PARTS)}, got {split!r}")
    return [it for name in PARTS[split] for it in load_items(name)[:limit]]


def schema_problems(item: dict) -> list[str]:
    """What is wrong with one item's fields (empty when it is well formed)."""
    problems = []
    keys = {"id", "world", "seed", "tags", "text", "expect", "goals", "note"}
    if set(item) != keys:
        problems.append(f"keys {sorted(item)} != {sorted(keys)}")
        return problems
    if not isinstance(item["id"], str) or not item["id"]:
        problems.append("id must be a non-empty string")
    if not isinstance(item["world"], str) or not isinstance(item["seed"], int):
        problems.append("world must be a string and seed an int")
    if not isinstance(item["text"], str) or not item["text"].strip():
        problems.append("text must be a non-empty string")
    tags = item["tags"]
    if not isinstance(tags, list) or not tags or len(set(tags)) != len(tags) or not set(tags) <= set(TAGS):
        problems.append(f"tags must be distinct names from {TAGS}, got {tags!r}")
    elif not set(tags) & set(PHENOMENA):
        problems.append("tags must include at least one phenomenon")
    if item["expect"] not in EXPECTS:
        problems.append(f"expect must be one of {EXPECTS}")
    goals = item["goals"]
    if not isinstance(goals, list) or not all(isinstance(g, str) for g in goals):
        problems.append("goals must be a list of strings")
    elif (item["expect"] == "goal") != bool(goals):
        problems.append("goals must be given exactly when expect is 'goal'")
    if not isinstance(item["note"], str):
        problems.append("note must be a string")
    return problems


def classify(item: dict, status: str, goal_text: str) -> str:
    """Score one planner answer (status, goal string) against an item; one of OUTCOMES."""
    expect = item["expect"]
    if status == "refused":
        return "correct" if expect == "refuse" else "wrongly_refused"
    if status in QUESTION_STATUSES:
        return "correct" if expect == "clarify" else "asked"
    if status not in ("ok", "no_plan"):
        raise ValueError(f"unknown planner status {status!r}")
    planned = status == "ok"
    if expect == "goal" and goal_text:
        try:
            predicted = canonical_goal(goal_text)
        except ExpectedGoalError:
            predicted = None
        if predicted is not None and any(predicted == canonical_goal(g) for g in item["goals"]):
            return "correct"
    return "confident_wrong" if planned else "wrong_no_plan"


def _median(v: list[float]):
    return round(statistics.median(v), 4) if v else None


def _p90(v: list[float]):
    return round(sorted(v)[min(len(v) - 1, int(0.9 * len(v)))], 4) if v else None


def _rate(n: int, d: int):
    return round(n / d, 4) if d else None


def _cell(rows: list[dict]) -> dict:
    n = len(rows)
    count = {o: sum(r["outcome"] == o for r in rows) for o in OUTCOMES}
    return {"items": n, "correct": count["correct"], "accuracy": _rate(count["correct"], n),
            "confident_wrong": count["confident_wrong"]}


def summarise(rows: list[dict]) -> dict:
    """Summary of scored rows (one split, one method)."""
    n = len(rows)
    count = {o: sum(r["outcome"] == o for r in rows) for o in OUTCOMES}
    times = [r["planning_time_s"] for r in rows]
    short = [r["planning_time_s"] for r in rows if r["status"] == "ok" and r["steps"] <= MAX_STEPS_TIMED]
    by_tag, by_world, by_expect = defaultdict(list), defaultdict(list), defaultdict(list)
    for r in rows:
        for t in r["tags"]:
            by_tag[t].append(r)
        by_world[r["world"]].append(r)
        by_expect[r["expect"]].append(r)
    return {
        "items": n,
        "accuracy": _rate(count["correct"], n),
        "confident_wrong_rate": _rate(count["confident_wrong"], n),
        "outcomes": count,
        # the goal was understood but the search found no plan within its budget
        "correct_goal_no_plan": sum(r["outcome"] == "correct" and r["status"] == "no_plan" for r in rows),
        "planning_time_s": {"median": _median(times), "p90": _p90(times), "items": len(times)},
        "planning_time_s_ok_le4_steps": {"median": _median(short), "p90": _p90(short), "items": len(short)},
        "by_expect": {k: _cell(v) for k, v in sorted(by_expect.items())},
        "by_phenomenon": {t: _cell(by_tag[t]) for t in TAGS if t in by_tag},
        "by_world": {k: _cell(v) for k, v in sorted(by_world.items())},
    }


def _commit() -> str | None:
    from promptbot.paths import repo_root

    root = repo_root()
    if root is None:
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


class _Progress:
    """tqdm on stderr when it is installed, else a counter line every 10 items."""

    def __init__(self, total: int, desc: str):
        self.total, self.desc, self.n = total, desc, 0
        try:
            from tqdm import tqdm
        except ImportError:
            self.bar = None
        else:
            self.bar = tqdm(total=total, desc=desc, unit="item", file=sys.stderr)

    def update(self) -> None:
        self.n += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.n % 10 == 0 or self.n == self.total:
            print(f"[{self.desc}] {self.n}/{self.total}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON line on stdout")
    parser.add_argument("--split", choices=FILES + ("both",), default="both",
                        help="suite split: dev (dev1 to dev39, also reported apart), one of dev2 ... dev39 alone, test, or both "
                             "(dev and test) [both]")
    parser.add_argument("--limit", type=int, default=None,
                        help="run only the first N items of each suite file (in file order) [all]")
    parser.add_argument("--llm", default="smollm2",
                        help="LLM backend: smollm2 (default), uniform (fast, no LLM), hf:DIR, gguf:FILE, "
                             "http://HOST:PORT/v1")
    parser.add_argument("--methods", default="rule", help=f"comma-separated, from {METHODS} [rule]")
    parser.add_argument("--simulations", type=int, default=48, help="MCTS simulations per step [48, as promptbot plan]")
    parser.add_argument("--llm-budget", type=int, default=12, help="LLM scoring calls per plan [12, as promptbot plan]")
    parser.add_argument("--parser", default="smollm2",
                        help="LLM semantic parser for the llm/hybrid methods: smollm2 (with the committed "
                             "adapter), hf:DIR, gguf:FILE, http://HOST:PORT/v1 [smollm2]")
    parser.add_argument("--parser-adapter", default="auto",
                        help="LoRA adapter folder for the parser, 'none' (few-shot base model) or auto [auto]")
    parser.add_argument("--out", help="write per-item rows (JSON lines) to this file")
    parser.add_argument("--spoken", action="store_true",
                        help="also run every item spoken: espeak-ng (voices and rates bench asr does not tune on) "
                             f"+ pink noise at {SPOKEN_SNR_DB} dB through the speech node's configuration")
    parser.add_argument("--speech-config", default=None,
                        help=f"speech node parameters for --spoken [{SPEECH_NODE_YAML} of the repository]")
    parser.add_argument("--planner-config", default=None,
                        help="planner node parameters for --spoken: confirm_below_speech_confidence (a plan for a "
                             f"command heard less surely is read back first) [{PLANNER_NODE_YAML} of the repository]")


class _TimedParser:
    """A GoalParser that records how long each ``readings`` call took [s].

    Answers are memoised per (instruction, scene, history, n), so the hybrid row reuses the llm
    row's parse (decoding is deterministic). A memo hit records the time the parse took, and adds
    it to ``unseen_s``: time the planner's own clock did not see, added back to the row's time.
    """

    def __init__(self, parser):
        self.parser, self.name, self.times, self.unseen_s = parser, parser.name, [], 0.0
        self._memo: dict = {}

    def readings(self, instruction, objects, history=(), n=3):
        key = (instruction, tuple((o.id, o.label, o.color, o.position) for o in objects), tuple(history), n)
        hit = key in self._memo
        if not hit:
            t0 = time.perf_counter()
            out = self.parser.readings(instruction, objects, history, n)
            self._memo[key] = (out, time.perf_counter() - t0)
        out, dt = self._memo[key]
        self.times.append(dt)
        if hit:
            self.unseen_s += dt
        return list(out)


def _run_rule(items: Iterable[dict], planner, scenes: dict, progress: _Progress, sink, method: str = "rule",
              timer: _TimedParser | None = None, heard: dict | None = None, confirm_below: float = 0.0) -> list[dict]:
    """Plan and score ``items``; ``heard``: id -> :class:`Heard` (the spoken run) instead of the typed text.

    ``confirm_below``: the planner node's ``confirm_below_speech_confidence``. A plan for a command heard with a
    lower confidence, or made from a lower n-best hearing because the best meant nothing here
    (``promptbot.planning.interpret.other_hearing``), is read back before anything moves: a question (``asked``),
    whatever the plan. The row keeps
    what the plan would have scored (``read_back_would_be``): a right plan the user would confirm, or a wrong one
    the question caught."""
    from promptbot.planning.confirm import ConfirmPolicy
    from promptbot.planning.interpret import other_hearing

    read_back = ConfirmPolicy(min_speech_confidence=confirm_below)        # the executive's rule for hearings
    rows = []
    for item in items:
        objects = scenes[(item["world"], item["seed"])]
        n_calls = len(timer.times) if timer is not None else 0
        unseen0 = timer.unseen_s if timer is not None else 0.0
        h = heard.get(item["id"]) if heard is not None else None
        if h is not None and not h.accepted:
            # the recogniser did not take it as a command: the robot asks the speaker to say it again
            res = _NotHeard(h)
        elif h is not None:
            res = planner.plan(h.text, objects, transcripts=[h.text, *h.alternatives])
        else:
            res = planner.plan(item["text"], objects)
        planning_s = res.planning_time_s + ((timer.unseen_s - unseen0) if timer is not None else 0.0)
        goal_text = str(res.goal) if res.goal is not None else ""
        outcome = classify(item, res.status, goal_text)
        row = {"id": item["id"], "world": item["world"], "seed": item["seed"], "tags": item["tags"],
               "expect": item["expect"], "text": item["text"], "status": res.status, "goal": goal_text,
               "message": res.message, "steps": len(res.steps),
               "planning_time_s": round(planning_s, 4),
               "outcome": outcome, "method": method}
        if h is not None:
            row.update(spoken=True, heard=h.text, accepted=h.accepted, wer=round(h.wer, 4), voice=h.voice,
                       rate_wpm=h.rate_wpm, speech_confidence=round(h.confidence, 4))
            # read back as the planner node does: an unsure hearing, or a plan made from a lower hearing than the best
            if h.accepted and res.status == "ok" and res.steps and \
                    read_back.reason([], None, h.confidence, other_hearing(res.assumptions)) is not None:
                row.update(outcome="asked", read_back=True, read_back_would_be=outcome)
        if timer is not None:
            row["parse_time_s"] = round(sum(timer.times[n_calls:]), 4) if len(timer.times) > n_calls else None
            row["readings"] = [list(r) for r in getattr(res, "readings", [])][:6]
        rows.append(row)
        if sink is not None:
            sink.write(json.dumps(row) + "\n")
            sink.flush()
        progress.update()
    return rows


@dataclass
class Heard:
    """One item as the speech pipeline heard it."""

    text: str                          # the transcript (best after rescoring)
    alternatives: tuple[str, ...]      # the other n-best texts
    accepted: bool                     # is_command: confident speech the node would pass on
    wer: float                         # word error rate of ``text`` against what was said
    voice: str
    rate_wpm: int
    code: str = "OK"                   # the recogniser's outcome name
    confidence: float = 1.0            # the chosen hypothesis' exp(avg token log-prob), 0..1


class _NotHeard:
    """A planner answer for an utterance the recogniser did not accept: a request to say it again."""

    def __init__(self, h: Heard):
        self.status, self.goal, self.steps, self.planning_time_s = "unknown", None, [], 0.0
        self.message = f"Sorry, I did not catch that ({h.code}). Could you say it again?"


def speech_node_config(path: str | None = None) -> dict:
    """The speech node's ``ros__parameters`` from its YAML (default: the repository's config/speech_node.yaml)."""
    return _node_config("speech_node", SPEECH_NODE_YAML, "--speech-config", path)


def planner_read_back_floor(path: str | None = None) -> float:
    """The planner node's ``confirm_below_speech_confidence`` (config/planner_node.yaml; 0 when not set)."""
    value = float(_node_config("planner_node", PLANNER_NODE_YAML, "--planner-config", path)
                  .get("confirm_below_speech_confidence", 0.0))
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"confirm_below_speech_confidence must be in [0, 1], got {value}")
    return value


def _node_config(node: str, default: str, option: str, path: str | None) -> dict:
    import yaml

    from promptbot.paths import repo_root

    if path is None:
        root = repo_root()
        if root is None:
            raise FileNotFoundError(f"no repository checkout: pass {option} ({default})")
        path = str(Path(root) / default)
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    params = (doc.get(node) or {}).get("ros__parameters")
    if not isinstance(params, dict):
        raise ValueError(f"{path}: no {node}.ros__parameters")
    return params


def _recognizer_config(p: dict):
    """RecognizerConfig from the node's parameters, mapped as nodes/speech_node.py maps them."""
    from promptbot.speech import RecognizerConfig

    d = RecognizerConfig()
    beam = int(p.get("beam_size", d.beam_size))
    min_conf = float(p.get("min_confidence", d.min_confidence))
    wake = str(p.get("wake_phrase", d.wake_phrase) or "")
    return RecognizerConfig(
        language=p.get("language", d.language), beam_size=beam, n_best=min(int(p.get("n_best", d.n_best)), beam),
        use_hotwords=bool(p.get("use_hotwords", d.use_hotwords)),
        use_initial_prompt=bool(p.get("use_initial_prompt", d.use_initial_prompt)),
        rescore=bool(p.get("rescore", d.rescore)), lm_weight=float(p.get("lm_weight", d.lm_weight)),
        min_confidence=min_conf,
        min_confidence_in_domain=min(float(p.get("min_confidence_in_domain", d.min_confidence_in_domain)), min_conf),
        max_no_speech_prob=float(p.get("max_no_speech_prob", d.max_no_speech_prob)),
        vad_threshold=float(p.get("vad_threshold", d.vad_threshold)), wake_phrase=wake,
        require_wake_phrase=bool(p.get("require_wake_phrase", False)) and bool(wake.strip()),
    )


def hear_items(items: list[dict], scenes: dict, params: dict, seed: int = 20) -> tuple[dict, dict]:
    """Speak every item (espeak-ng, SPOKEN_VOICES / SPOKEN_RATES_WPM, pink noise) and transcribe it with the
    speech node's configuration ``params`` and each item's scene as the live vocabulary.

    Returns (id -> Heard, info: model, voices, load time, decode time)."""
    import shutil
    import tempfile

    from promptbot.bench.asr import Command, Synth
    from promptbot.speech import load_recognizer
    from promptbot.speech.text import wer
    from promptbot.speech.vocab import Vocabulary
    from promptbot.vocab import SCENE_WORDS

    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise FileNotFoundError(f"{tool} is not installed (apt-get install espeak-ng sox)")
    extra = tuple(SCENE_WORDS) + tuple(w.strip() for w in str(params.get("hotwords", "")).split(",") if w.strip())
    t0 = time.perf_counter()
    rec = load_recognizer(str(params.get("model", "tiny.en")), str(params.get("compute_type", "int8")),
                          int(params.get("cpu_threads", 2)), _recognizer_config(params), Vocabulary(extra=extra),
                          backend=str(params.get("backend", "faster-whisper")))
    load_s = time.perf_counter() - t0
    out: dict[str, Heard] = {}
    decode_s = 0.0
    progress = _Progress(len(items), "understanding spoken: speech")
    with tempfile.TemporaryDirectory(prefix="pb-und-spoken-") as tmp:
        synth = Synth(tmp, seed)
        for k, item in enumerate(items):
            objects = scenes[(item["world"], item["seed"])]
            # the live scene, as the node builds its vocabulary from the scene topic
            rec.vocabulary = Vocabulary.from_scene([o.label for o in objects], [o.color for o in objects], extra=extra)
            voice = SPOKEN_VOICES[k % len(SPOKEN_VOICES)]
            rate = SPOKEN_RATES_WPM[(k // len(SPOKEN_VOICES)) % len(SPOKEN_RATES_WPM)]
            cmd = Command(k, item["text"], voice, rate, (), ())
            audio = synth.degrade(synth.clean(cmd), f"snr{SPOKEN_SNR_DB}")
            t1 = time.perf_counter()
            res = rec.transcribe(audio)
            decode_s += time.perf_counter() - t1
            alts = tuple(a for a in res.alternatives if a and a != res.text)
            out[item["id"]] = Heard(res.text, alts, bool(res.is_command), wer(item["text"], res.text), voice, rate,
                                    res.code_name, float(res.confidence))
            progress.update()
    progress.close()
    info = {"asr_model": str(params.get("model", "tiny.en")), "voices": list(SPOKEN_VOICES),
            "rates_wpm": list(SPOKEN_RATES_WPM), "snr_db": SPOKEN_SNR_DB, "asr_load_s": round(load_s, 2),
            "asr_decode_s_per_item": round(decode_s / max(1, len(items)), 3)}
    return out, info


def _speech_summary(rows: list[dict]) -> dict:
    n = len(rows)
    w = [r["wer"] for r in rows]
    back = [r["read_back_would_be"] for r in rows if r.get("read_back")]
    return {"wer_mean": round(sum(w) / n, 4) if n else None, "exact": _rate(sum(x == 0 for x in w), n),
            "not_accepted": _rate(sum(not r["accepted"] for r in rows), n),
            # plans read back for a yes (counted as asked above): right ones a "yes" would run, wrong ones caught
            "read_back": {"items": len(back), "right": back.count("correct"),
                          "caught_confident_wrong": back.count("confident_wrong")}}


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    bad = [m for m in methods if m not in METHODS]
    if bad or not methods:
        print(f"unknown method(s) {bad}; known: {METHODS}", file=sys.stderr)
        return 2
    if args.limit is not None and args.limit < 1:
        print("--limit must be >= 1", file=sys.stderr)
        return 2
    from promptbot.planning import Planner, PlannerConfig, SearchConfig, make_backend
    from promptbot.planning.llm import LLMUnavailable
    from promptbot.sim.worlds import sample_scene

    splits = SPLITS if args.split == "both" else (args.split,)
    items = {s: (split_items(s, args.limit) if s in PARTS else load_items(s)[:args.limit]) for s in splits}
    scenes = {(it["world"], it["seed"]): None for s in splits for it in items[s]}
    scenes = {key: sample_scene(*key) for key in scenes}
    try:
        llm = make_backend(args.llm)
        t0 = time.perf_counter()
        llm.score("Warm-up:", [" ok"])            # load the model outside the timings
        load_s = time.perf_counter() - t0
    except (ValueError, LLMUnavailable) as exc:
        print(f"bench understanding: {exc}", file=sys.stderr)
        return 2
    search = SearchConfig(simulations=args.simulations, llm_budget=args.llm_budget)
    planners, timer, parser_load_s, parser_name = {}, None, None, None
    if set(methods) & {"llm", "hybrid"}:
        from promptbot.planning.semantic_parser import make_parser

        try:
            parser = make_parser(args.parser, adapter=args.parser_adapter)
            parser_load_s = parser.load()
        except (ValueError, LLMUnavailable, OSError) as exc:
            print(f"bench understanding: parser: {exc}", file=sys.stderr)
            return 2
        timer, parser_name = _TimedParser(parser), parser.decoder.name
    for m in methods:
        planners[m] = Planner(llm, PlannerConfig(search=search, understanding=m),
                              parser=timer if m != "rule" else None)
    out = {"benchmark": "understanding", "commit": _commit(), "llm": llm.name, "model_load_s": round(load_s, 2),
           "parser": parser_name, "parser_load_s": round(parser_load_s, 2) if parser_load_s is not None else None,
           "search": {"simulations_per_step": args.simulations, "llm_calls_per_plan": args.llm_budget},
           "limit": args.limit,
           "suite": {name: {"items": len(load_items(name)[:args.limit]), "sha256": file_sha256(data_path(name))}
                     for s in splits for name in PARTS.get(s, (s,))},
           "methods": {}}
    sink = open(args.out, "w") if args.out else None
    t_start = time.perf_counter()
    try:
        for m in methods:
            out["methods"][m] = {}
            for s in splits:
                progress = _Progress(len(items[s]), f"understanding {m}/{s}")
                rows = _run_rule(items[s], planners[m], scenes, progress, sink, m, timer if m != "rule" else None)
                progress.close()
                out["methods"][m][s] = summarise(rows)
                for name in PARTS.get(s, ()):
                    if len(PARTS[s]) > 1:      # each file of a multi-file split apart (dev1, dev2)
                        ids = {it["id"] for it in load_items(name)}
                        out["methods"][m][PART_NAMES[name]] = summarise([r for r in rows if r["id"] in ids])
                if m != "rule":
                    pt = [r["parse_time_s"] for r in rows if r.get("parse_time_s") is not None]
                    out["methods"][m][s]["parse_time_s"] = {"median": _median(pt), "p90": _p90(pt), "items": len(pt)}
            if len(splits) == 2:
                dev, test = out["methods"][m]["dev"]["accuracy"], out["methods"][m]["test"]["accuracy"]
                out["methods"][m]["dev_minus_test_points"] = (round(100 * (dev - test), 1)
                                                              if dev is not None and test is not None else None)
    finally:
        if sink is not None:
            sink.close()
    if getattr(args, "spoken", False):
        try:
            params = speech_node_config(args.speech_config)
            floor = planner_read_back_floor(args.planner_config)
            all_items = [it for sp in splits for it in items[sp]]
            heard, info = hear_items(all_items, scenes, params)
        except (FileNotFoundError, ValueError, OSError, ImportError) as exc:
            print(f"bench understanding: --spoken: {exc}", file=sys.stderr)
            return 2
        out["spoken"] = {**info, "speech_config": args.speech_config or SPEECH_NODE_YAML,
                         "confirm_below_speech_confidence": floor, "methods": {}}
        sink = open(args.out, "a") if args.out else None
        try:
            for m in methods:
                out["spoken"]["methods"][m] = {}
                for s in splits:
                    progress = _Progress(len(items[s]), f"understanding spoken {m}/{s}")
                    rows = _run_rule(items[s], planners[m], scenes, progress, sink, m,
                                     timer if m != "rule" else None, heard=heard, confirm_below=floor)
                    progress.close()
                    cell = out["spoken"]["methods"][m]
                    cell[s] = {**summarise(rows), "speech": _speech_summary(rows)}
                    for name in PARTS.get(s, ()):
                        if len(PARTS[s]) > 1:
                            ids = {it["id"] for it in load_items(name)}
                            part = [r for r in rows if r["id"] in ids]
                            cell[PART_NAMES[name]] = {**summarise(part), "speech": _speech_summary(part)}
                    typed = out["methods"][m][s]["accuracy"]
                    if typed is not None and cell[s]["accuracy"] is not None:
                        cell[s]["typed_minus_spoken_points"] = round(100 * (typed - cell[s]["accuracy"]), 1)
        finally:
            if sink is not None:
                sink.close()
    out["wall_time_s"] = round(time.perf_counter() - t_start, 1)
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))
    return 0
