"""ASR benchmark: synthetic spoken commands (espeak-ng + sox) through Whisper, offline.

Commands come from the task library (``promptbot.tasks.generate(world, seed).instruction``)
when it is installed, else from a small command grammar here. Each command is spoken by
one of 8 espeak-ng voices at one of 3 rates, then degraded: clean, pink noise at 20, 10
and 5 dB SNR, reverb (sox ``reverb``) and telephone band (8 kHz u-law, 300-3400 Hz).

For each model (tiny.en, base) and condition, every clip is decoded three times (5-best):
plain; with the world's vocabulary as hotwords; with hotwords and a command-style initial
prompt. Each decode is classified without and with n-best rescoring (lexicon coverage
only, "oov"; lexicon + command-language bigram model trained on task-library
instructions of other seeds, "lm"). "hotwords+lm" is the node's default; the initial
prompt is off by default because it can make Whisper drop the start of a command that
resembles the prompt sentence.
Reported per cell: WER, exact match after normalisation, RTF (decode time / audio time),
the share accepted as commands and the share accepted with wrong text. That grid is the
*tuning* split (its voices and generated commands were used to choose settings).

The *frozen test split* (``TEST_SPLIT``, pinned by its sha256 in tests/test_speech_bench.py,
written before it was first measured and never used for tuning): 30 commands written the
way people talk (with the scene each is said in), other espeak-ng voices (voice variants
and accents not in the tuning set) at other rates, and conditions the tuning split does not
have (a larger room's reverb, tempo x1.25, pitch -300 cents) besides clean, 10 dB pink noise
and the telephone band. Rows: ``node`` (hotwords + command-language rescoring, the default
vocabulary: what the node does without a scene), ``scene`` (hotwords from the scene
present, rescoring with the live-scene grammar), ``scene+streaming`` (the same through the
streaming front end, final transcript) and ``plain`` (no hotwords, no rescoring), per model.

Latency: end of speech -> final transcript through ``SpeechSession`` on the test split's
clean clips, simulated in real time (20 ms chunks arrive on a virtual clock; a decode that
takes longer than the audio delays the chunks behind it), for the node's endpointing with
and without streaming and a shorter end-of-speech wait; ratios against the non-streaming
node set-up in the same run; CPU seconds per utterance. Separately: false commands on
noise-only / silence clips.

    promptbot bench asr --json --commands 300
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np

log = logging.getLogger("promptbot.bench.asr")

VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd")
RATES_WPM = (140, 170, 200)
CONDITIONS = ("clean", "snr20", "snr10", "snr5", "reverb", "telephone")
# hotwords: world vocabulary as decoder context; prompt: plus a command-style initial prompt;
# oov: n-best reranked by lexicon coverage only; lm: lexicon + command-language bigram model
DECODES = {  # decode -> (hotwords, initial prompt, variants scored from it: none, oov only, lm)
    "plain": (False, False, ("plain", None, "plain+lm")),
    "hotwords": (True, False, ("hotwords", None, "hotwords+lm")),
    "prompt": (True, True, ("hotwords+prompt", "hotwords+prompt+oov", "hotwords+prompt+lm")),
}
HEADLINE = "hotwords+lm"             # what the speech node runs (config/speech_node.yaml: hotwords, n-best
                                     # rescoring, no initial prompt)
# Issue #5 targets on the 2-core CPU.
TARGET_WER_CLEAN = 0.05
TARGET_WER_SNR10 = 0.10
TARGET_LATENCY_S = TARGET_LATENCY_P50_S = 0.3  # issue #25: end of speech -> final transcript, median
TARGET_LATENCY_P90_S = 0.6
WORLDS = ("tabletop", "sorting", "stacking", "clutter", "long_horizon")
SR = 16_000

# The frozen test split. Chosen and written down on 2026-12-04 before it was first measured;
# never used to choose a setting. Changing it changes its sha256 (pinned by a test): add a new
# split instead. Commands: (text, objects present as "colour label").
TEST_SPLIT = {
    "name": "asr-test-2026-12-04",
    "voices": ["en-us+f2", "en-gb+f4", "en-gb-scotland+m3", "en-029+klatt", "en-gb-x-rp+Annie", "en-us-nyc+Andy"],
    "rates_wpm": [130, 185],
    "conditions": ["clean", "snr10", "telephone", "reverb_hall", "tempo", "pitch"],
    "sox": {
        "telephone": "8 kHz u-law, highpass 300, lowpass 3400",
        "reverb_hall": "reverb 85 50 100 100 40 2",
        "tempo": "tempo 1.25",
        "pitch": "pitch -300",
    },
    "noise_seed": 20261204,
    "commands": [
        ["could you put the red block in the blue bowl", ["red block", "blue bowl", "green cube"]],
        ["grab the green cube please", ["green cube", "yellow cube", "blue bowl"]],
        ["move the mug to the back of the table", ["white mug", "red cube"]],
        ["put everything except the green one in the tray", ["green cube", "red cube", "blue cube", "brown tray"]],
        ["stack the yellow block on top of the red one", ["yellow block", "red block", "purple bowl"]],
        ["can you take the orange cube out of the bowl", ["orange cube", "pink bowl"]],
        ["push the blue lego towards the front", ["blue lego", "red mug"]],
        ["put the purple cube next to the white bowl", ["purple cube", "white bowl", "green lego"]],
        ["stop", ["red cube", "blue bowl"]],
        ["pick up the cyan block and drop it in the black tray", ["cyan block", "black tray", "red cube"]],
        ["slide the pink cube to the left of the green bowl", ["pink cube", "green bowl"]],
        ["take the red cube to the kitchen", ["red cube", "blue bowl"]],
        ["put both red cubes in the yellow bowl", ["red cube", "red cube", "yellow bowl"]],
        ["swap the blue block and the green block", ["blue block", "green block"]],
        ["hand me the brown mug", ["brown mug", "gray plate"]],
        ["now put the orange lego on the plate", ["orange lego", "white plate"]],
        ["cancel that", ["green cube"]],
        ["clear the table and put all the cubes in the bowl", ["red cube", "blue cube", "white bowl"]],
        ["nudge the gray cube a little to the right", ["gray cube", "red bowl"]],
        ["place the green cube behind the red bowl", ["green cube", "red bowl", "yellow block"]],
        ["build a tower with the three blocks", ["red block", "green block", "blue block"]],
        ["put the black cube on the right side of the table", ["black cube", "white bowl"]],
        ["lift the yellow mug and put it down in front of the tray", ["yellow mug", "blue tray"]],
        ["sort the cubes by color into the bowls", ["red cube", "blue cube", "red bowl", "blue bowl"]],
        ["halt", ["purple block"]],
        ["empty the pink bowl onto the table", ["pink bowl", "red cube"]],
        ["put the green cube between the two bowls", ["green cube", "red bowl", "blue bowl"]],
        ["pick the white block up and set it on the purple cube", ["white block", "purple cube"]],
        ["open the drawer", ["red cube"]],
        ["move the red cube closer to the blue one", ["red cube", "blue cube"]],
    ],
}


def frozen_split_sha256() -> str:
    """sha256 of the frozen test split's specification (pinned by tests/test_speech_bench.py)."""
    return hashlib.sha256(json.dumps(TEST_SPLIT, sort_keys=True).encode()).hexdigest()


def frozen_split_commands() -> list["Command"]:
    """The test split's commands, each with its voice, rate and scene."""
    out = []
    voices, rates = TEST_SPLIT["voices"], TEST_SPLIT["rates_wpm"]
    for i, (text, objects) in enumerate(TEST_SPLIT["commands"]):
        pairs = [tuple(o.split(" ", 1)) for o in objects]  # (colour, label)
        out.append(Command(10_000 + i, text, voices[i % len(voices)], rates[(i // len(voices)) % len(rates)],
                           tuple(dict.fromkeys(lb for _, lb in pairs)), tuple(dict.fromkeys(c for c, _ in pairs)),
                           tuple(pairs)))
    return out


@dataclass
class Command:
    index: int
    text: str
    voice: str
    rate_wpm: int
    labels: tuple[str, ...]
    colors: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...] = ()  # (colour, label) of each object present


def _grammar_command(rng: random.Random) -> tuple[str, tuple, tuple]:
    colors = ["red", "green", "blue", "yellow", "purple", "orange", "white", "pink"]
    objs = ["cube", "block", "lego", "mug"]
    c1, c2 = rng.sample(colors, 2)
    o1 = rng.choice(objs)
    forms = [
        f"pick up the {c1} {o1} and put it in the {c2} bowl",
        f"put the {c1} {o1} on the {c2} cube",
        f"stack the {c1} {o1} on the {c2} block",
        f"move the {c1} {o1} to the left of the {c2} bowl",
        f"push the {c1} {o1} to the front",
    ]
    return rng.choice(forms), (o1, "cube", "block", "bowl"), (c1, c2)


def make_commands(n: int, seed: int) -> tuple[list[Command], str]:
    rng = random.Random(seed)
    try:
        from promptbot.tasks import generate, sample_scene
    except ImportError:
        generate = None
    out: list[Command] = []
    for i in range(n):
        voice = VOICES[i % len(VOICES)]
        rate = RATES_WPM[(i // len(VOICES)) % len(RATES_WPM)]
        if generate is not None:
            world, s = WORLDS[i % len(WORLDS)], seed * 100_003 + i
            task = generate(world, s)
            scene = sample_scene(world, s)
            labels = tuple(dict.fromkeys(o.label for o in scene))
            colors = tuple(dict.fromkeys(o.color for o in scene))
            pairs = tuple(dict.fromkeys((o.color, o.label) for o in scene))
            text = task.instruction
        else:
            text, labels, colors = _grammar_command(rng)
            pairs = ()
        out.append(Command(i, text, voice, rate, labels, colors, pairs))
    return out, ("promptbot.tasks" if generate is not None else "bench grammar")


def _run(cmd: list[str]) -> None:
    if cmd[0] == "sox":  # repeatable: sox seeds its noise and dither randomly unless told -R
        cmd = ["sox", "-R", *cmd[1:]]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _read(path: str) -> np.ndarray:
    import soundfile as sf

    x, sr = sf.read(path, dtype="float32", always_2d=True)
    assert sr == SR, sr
    return x[:, 0]


class Synth:
    """espeak-ng speech and sox degradations in a scratch folder."""

    def __init__(self, workdir: str, seed: int):
        self.dir = workdir
        self.rng = np.random.default_rng(seed)
        noise = os.path.join(workdir, "pink.wav")
        _run(["sox", "-n", "-r", str(SR), "-c", "1", "-b", "16", noise, "synth", "60", "pinknoise", "vol", "0.5"])
        self.noise = _read(noise)

    def clean(self, cmd: Command) -> str:
        raw = os.path.join(self.dir, f"c{cmd.index}_raw.wav")
        out = os.path.join(self.dir, f"c{cmd.index}_clean.wav")
        _run(["espeak-ng", "-v", cmd.voice, "-s", str(cmd.rate_wpm), "-w", raw, cmd.text])
        _run(["sox", raw, "-r", str(SR), "-c", "1", "-b", "16", out, "pad", "0.25", "0.25"])
        return out

    def degrade(self, clean_path: str, condition: str) -> np.ndarray:
        x = _read(clean_path)
        if condition == "clean":
            return x
        if condition.startswith("snr"):
            snr_db = float(condition[3:])
            x = np.pad(x, (SR // 2, SR // 2))
            active = x[np.abs(x) > 1e-3]
            p_speech = float(np.mean(active**2)) if active.size else 1e-6
            start = int(self.rng.integers(0, len(self.noise) - len(x)))
            n = self.noise[start:start + len(x)]
            n = n * np.sqrt(p_speech / (np.mean(n**2) * 10 ** (snr_db / 10)))
            y = x + n
            return (y / max(1.0, np.abs(y).max() / 0.99)).astype(np.float32)
        out = clean_path.replace("_clean.wav", f"_{condition}.wav")
        if condition == "reverb":
            _run(["sox", clean_path, out, "reverb", "60", "50", "100", "100", "20", "gain", "-n", "-1"])
        elif condition == "telephone":
            tel = out.replace(".wav", "_8k.wav")
            _run(["sox", clean_path, "-r", "8000", "-e", "u-law", tel, "highpass", "300", "lowpass", "3400"])
            _run(["sox", tel, "-r", str(SR), "-e", "signed", "-b", "16", out])
        elif condition in ("reverb_hall", "tempo", "pitch"):  # the test split's own conditions
            effect = TEST_SPLIT["sox"][condition].split()
            _run(["sox", clean_path, out, *effect, *(["gain", "-n", "-1"] if condition == "reverb_hall" else [])])
        else:
            raise ValueError(condition)
        return _read(out)


class Cell:
    def __init__(self):
        self.n = self.edits = self.words = self.exact = self.commands = self.wrong_commands = 0
        self.decode_s = self.audio_s = 0.0

    def add(self, ref: str, res, decode_s: float, audio_s: float) -> None:
        from promptbot.speech.text import normalize, word_errors

        e, w = word_errors(ref, res.text)
        ok = normalize(ref) == normalize(res.text)
        self.n += 1
        self.edits += e
        self.words += w
        self.exact += ok
        self.commands += res.is_command
        self.wrong_commands += res.is_command and not ok
        self.decode_s += decode_s
        self.audio_s += audio_s

    def summary(self) -> dict:
        n = max(self.n, 1)
        return {
            "n": self.n,
            "wer": round(self.edits / max(self.words, 1), 4),
            "exact_match": round(self.exact / n, 4),
            "rtf": round(self.decode_s / max(self.audio_s, 1e-9), 4),
            "command_rate": round(self.commands / n, 4),
            "wrong_command_rate": round(self.wrong_commands / n, 4),
        }


def _targets(results: list[dict], latency: dict, headline: str) -> dict:
    """Each model's headline numbers against the issue's targets (None: condition not run)."""
    out = {"variant": headline, "wer_clean_max": TARGET_WER_CLEAN, "wer_snr10_max": TARGET_WER_SNR10,
           "latency_p50_max_s": TARGET_LATENCY_S, "models": {}}
    for model, lat in latency.items():
        wer = {r["condition"]: r["wer"] for r in results if r["model"] == model and r["variant"] == headline}
        node = lat.get("node", {})
        p50 = node["latency_s"]["p50"] if node.get("endpointed") else None
        row = {"wer_clean": wer.get("clean"), "wer_snr10": wer.get("snr10"), "latency_p50_s": p50}
        row["wer_clean_met"] = None if row["wer_clean"] is None else row["wer_clean"] <= TARGET_WER_CLEAN
        row["wer_snr10_met"] = None if row["wer_snr10"] is None else row["wer_snr10"] <= TARGET_WER_SNR10
        row["latency_met"] = None if p50 is None else p50 <= TARGET_LATENCY_S
        out["models"][model] = row
    return out


def _last_sound_s(x: np.ndarray) -> float:
    idx = np.nonzero(np.abs(x) > 2e-3)[0]
    return (idx[-1] + 1) / SR if idx.size else 0.0


def _run_test_split(rec, cmds, clips, conditions, stream_conditions, examples, model, rng) -> list[dict]:
    """WER on the frozen test split: ``plain`` (no hotwords, no rescoring), ``node`` (default vocabulary),
    ``scene`` (the scene's), ``scene+streaming``."""
    import copy
    import dataclasses

    from promptbot.speech.recognizer import NO_SPEECH, TranscriptResult
    from promptbot.speech.stream import EndpointConfig, SpeechSession, StreamingConfig
    from promptbot.speech.text import normalize
    from promptbot.speech.vocab import Vocabulary

    cells: dict[tuple[str, str], Cell] = {}
    static = Vocabulary()
    biased = rec.config
    plain = dataclasses.replace(biased, use_hotwords=False, rescore=False)
    for k, cmd in enumerate(cmds):
        scene = Vocabulary.from_scene(cmd.labels, cmd.colors, pairs=cmd.pairs)
        for cond in conditions:
            x = clips[cmd.index, cond]
            dur = len(x) / SR
            outs = []
            for row, vocab, cfg in (("plain", static, plain), ("node", static, biased), ("scene", scene, biased)):
                rec.vocabulary, rec.config = vocab, cfg
                t0 = time.perf_counter()
                res = rec.transcribe(x)
                outs.append((row, res, time.perf_counter() - t0))
            rec.config = biased
            if cond in stream_conditions:
                rec.vocabulary = scene
                session = SpeechSession(rec, EndpointConfig(), streaming=StreamingConfig(enabled=True))
                sim = simulate_stream(session, x, rng)
                if sim["ok"]:
                    res = copy.copy(sim["result"].transcript)
                    res.text = " ".join(sim["texts"])  # a command split at a pause counts as said
                else:
                    res = TranscriptResult(error_code=NO_SPEECH, error_msg="no utterance")
                outs.append(("scene+streaming", res, sim["cpu_s"]))
            for row, res, dt in outs:
                cells.setdefault((cond, row), Cell()).add(cmd.text, res, dt, dur)
                if normalize(res.text) != normalize(cmd.text) and len(examples) < 200:
                    examples.append({"model": model, "row": row, "condition": cond, "voice": cmd.voice, "ref": cmd.text,
                                     "hyp": res.text, "status": res.code_name, "is_command": res.is_command,
                                     "nbest": [h["text"] for h in res.nbest]})
        log.info("%s test split: %d/%d commands", model, k + 1, len(cmds))
    return [{"model": model, "condition": c, "row": r, **cell.summary()} for (c, r), cell in cells.items()]


def _run_latency(rec, cmds, clips, setups: dict, rng) -> dict:
    """End of speech -> final transcript per set-up, with ratios against the ``node`` set-up."""
    from promptbot.speech.stream import EndpointConfig, SpeechSession, StreamingConfig
    from promptbot.speech.text import normalize
    from promptbot.speech.vocab import Vocabulary

    out: dict[str, dict] = {}
    for name, st in setups.items():
        rows = []
        for cmd in cmds:
            rec.vocabulary = Vocabulary.from_scene(cmd.labels, cmd.colors, pairs=cmd.pairs)
            session = SpeechSession(rec, EndpointConfig(end_silence_ms=st["end_silence_ms"],
                                                        early_decode_ms=st["early_decode_ms"]),
                                    streaming=StreamingConfig(enabled=st["streaming"]))
            row = simulate_stream(session, clips[cmd.index, "clean"], rng)
            if row["ok"]:
                row["exact"] = normalize(" ".join(row["texts"])) == normalize(cmd.text)
            rows.append(row)
        ok = [r for r in rows if r["ok"]]
        out[name] = {
            **st, "n": len(rows), "endpointed": len(ok),
            "single_utterance": sum(r["utterances"] == 1 for r in ok),
            "exact_match": round(sum(r["exact"] for r in ok) / max(len(ok), 1), 3),
            "latency_s": _stats(r["latency_s"] for r in ok),
            "endpoint_wait_s": _stats(r["endpoint_wait_s"] for r in ok),
            "final_decode_s": _stats(r["decode_s"] for r in ok),
            "partial_decodes_mean": round(float(np.mean([r["partials"] for r in ok])), 2) if ok else None,
            "cpu_s_per_utterance": _stats(r["cpu_s"] for r in ok),
            # CPU seconds spent per second of speech: 1.0 = one whole core of the 2 while the person speaks
            "cpu_per_speech_s": round(sum(r["cpu_s"] for r in ok) / max(sum(r["audio_s"] for r in ok), 1e-9), 3),
        }
    base = out.get("node")
    for name, row in out.items():
        if base and base["endpointed"] and row["endpointed"]:
            row["ratio_vs_node"] = {q: round(row["latency_s"][q] / base["latency_s"][q], 3) for q in ("p50", "p90")}
    return out


def _first_command(model: str, args, lm, rcfg, cmds, clips, rng) -> dict:
    """A freshly loaded recogniser, warmed up as the node does: the first commands' latencies in order."""
    from promptbot.speech import create_backend
    from promptbot.speech.recognizer import Recognizer
    from promptbot.speech.stream import SpeechSession
    from promptbot.speech.vocab import Vocabulary

    rec = Recognizer(create_backend(model=model, compute_type=args.compute_type, cpu_threads=args.threads), rcfg,
                     language_model=lm)
    session = SpeechSession(rec)
    warm = session.warm_up()
    lat = []
    for cmd in cmds:
        rec.vocabulary = Vocabulary.from_scene(cmd.labels, cmd.colors, pairs=cmd.pairs)
        session.reset()
        row = simulate_stream(session, clips[cmd.index, "clean"], rng)
        lat.append(round(row["latency_s"], 3) if row["ok"] else None)
    return {"warm_up_s": round(warm, 3), "latency_s_in_order": lat}


_HOG = "import os, sys\nos.nice(int(sys.argv[1]))\nwhile True:\n    pass\n"


def node_latency(clips: list[tuple[str, np.ndarray]], node_params: list[str], cpu_load: int, load_nice: int = 0,
                 timeout_s: float = 120.0) -> dict:
    """End of speech -> Transcript through the real speech node process, audio published in real time.

    ``cpu_load`` busy processes (niceness ``load_nice``) stand in for the rest of the graph on the
    machine's cores (sim, perception, planner). Latency: from the publish of the chunk that holds the
    last speech sample to the Transcript's arrival here. The node's own breakdown (its ``latency:`` log
    lines: VAD wait, queue, decode and the decode's CPU share) is returned too."""
    import subprocess as sp

    from promptbot.paths import config_dir
    from promptbot.ros.harness import InProcessNode
    from promptbot.ros.qos import EVENTS
    from promptbot.testing import NodeProcess, isolated_env, wait_for
    from promptbot_msgs.msg import AudioData, Transcript
    from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

    env = isolated_env()
    node = NodeProcess("promptbot.nodes.speech_node", ["--ros-args", "--params-file",
                                                        str(config_dir() / "speech_node.yaml"), "-p", "scene_topic:=''",
                                                        *[a for p in node_params for a in ("-p", p)]],
                       env, name="bench_speech_node").start()
    hogs: list = []
    got: list[tuple[float, object]] = []
    rows = []
    try:
        with InProcessNode(env, "asr_bench") as ros:
            qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=200, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.VOLATILE)
            pub = ros.create_publisher(AudioData, "/audio/audio", qos)
            ros.create_subscription(Transcript, "/speech/transcript", lambda m: got.append((time.monotonic(), m)), EVENTS)
            wait_for(lambda: pub.get_subscription_count() > 0 or not node.alive, timeout_s, what="speech node")
            if not node.alive:
                raise RuntimeError(f"speech node exited: {node.output()[-2000:]}")
            time.sleep(1.0)  # the node logs ready after its subscription exists; let the warm-up finish
            hogs = [sp.Popen([sys.executable, "-c", _HOG, str(load_nice)]) for _ in range(cpu_load)]
            n = int(CHUNK_S * SR)
            for text, clip in clips:
                stream = np.concatenate([np.zeros(SR, np.float32), clip, np.zeros(2 * SR, np.float32)])
                stream += np.random.default_rng(0).normal(0, 1e-3, stream.size).astype(np.float32)
                end_sample = SR + int(_last_sound_s(clip) * SR)
                pcm = (np.clip(stream, -1, 1) * 32767).astype("<i2")
                before = len(got)
                t_end = None
                t0 = time.monotonic()
                for k, i in enumerate(range(0, pcm.size, n)):
                    m = AudioData(sample_rate=SR, channels=1, encoding="s16le")
                    m.data = pcm[i:i + n].tobytes()
                    pub.publish(m)
                    if t_end is None and i + n >= end_sample:
                        t_end = time.monotonic()
                    time.sleep(max(0.0, t0 + (k + 1) * CHUNK_S - time.monotonic()))
                try:
                    wait_for(lambda: len(got) > before, 15.0, what="a transcript")
                except TimeoutError:
                    rows.append({"ok": False, "text": text})
                    continue
                t_recv, msg = got[before]
                rows.append({"ok": True, "latency_s": t_recv - t_end, "text": text, "heard": msg.text,
                             "utterances": len(got) - before})
    finally:
        for h in hogs:
            h.kill()
            h.wait()
        node.stop()
    ok = [r for r in rows if r["ok"]]
    logs = [ln.split("latency: ", 1)[1] for ln in node.output().splitlines() if "latency: " in ln]
    return {"n": len(rows), "transcribed": len(ok), "cpu_load": cpu_load, "load_nice": load_nice, "params": node_params,
            "latency_s": _stats(r["latency_s"] for r in ok),
            "latency_s_in_order": [round(r["latency_s"], 3) for r in ok],
            "node_breakdown": logs, "heard": [(r["text"], r.get("heard")) for r in rows]}


def _test_targets(test_rows: dict, latency: dict) -> dict:
    """The test split against the issue's targets: the node in the graph decodes with the live scene."""
    out = {"row": "scene", "wer_clean_max": TARGET_WER_CLEAN, "wer_snr10_max": TARGET_WER_SNR10,
           "latency_p50_max_s": TARGET_LATENCY_P50_S, "latency_p90_max_s": TARGET_LATENCY_P90_S, "models": {}}
    for model, rows in test_rows.items():
        wer = {r["condition"]: r["wer"] for r in rows if r["row"] == "scene"}
        lat = latency.get(model, {}).get("node", {}).get("latency_s", {})
        out["models"][model] = {
            "wer_clean": wer.get("clean"), "wer_snr10": wer.get("snr10"),
            "wer_clean_met": None if wer.get("clean") is None else wer["clean"] <= TARGET_WER_CLEAN,
            "wer_snr10_met": None if wer.get("snr10") is None else wer["snr10"] <= TARGET_WER_SNR10,
            "latency_p50_s": lat.get("p50"), "latency_p90_s": lat.get("p90"),
            "latency_met": None if lat.get("p50") is None else (lat["p50"] <= TARGET_LATENCY_P50_S
                                                               and lat["p90"] <= TARGET_LATENCY_P90_S),
        }
    return out


CHUNK_S = 0.02  # [s] audio per chunk, as the audio topic and the microphone deliver it


def simulate_stream(session, clip: np.ndarray, rng: np.random.Generator, lead_s: float = 1.0, tail_s: float = 2.0) -> dict:
    """Feed ``clip`` (with silence around it) through ``session`` as if in real time.

    Chunk k arrives at (k + 1) * CHUNK_S on a virtual clock; it is processed when it has arrived and
    the previous feed has finished, taking the feed's measured wall time. So a decode that takes longer
    than the audio delays what follows, as in the node, and a streaming partial decode runs only when
    there is no backlog (the node's rule). Returns the last transcript, its latency from the true end
    of speech and the decoding CPU time."""
    import time as _t

    from promptbot.speech.stream import SessionResult

    stream = np.concatenate([np.zeros(int(lead_s * SR), np.float32), clip, np.zeros(int(tail_s * SR), np.float32)])
    stream = stream + rng.normal(0, 1e-3, stream.size).astype(np.float32)  # -60 dBFS floor
    true_end = lead_s + _last_sound_s(clip)
    n = int(CHUNK_S * SR)
    busy = 0.0  # [s] virtual time at which the processor is free
    got: list[tuple[SessionResult, float]] = []
    cpu0 = _t.process_time()
    for k, i in enumerate(range(0, stream.size, n)):
        arrival = (k + 1) * CHUNK_S
        start = max(arrival, busy)
        t0 = _t.perf_counter()
        events = session.feed(stream[i:i + n], allow_partial=start - arrival < 0.1)
        busy = start + (_t.perf_counter() - t0)
        got += [(e, busy) for e in events if isinstance(e, SessionResult)]
    got += [(e, busy) for e in session.flush() if isinstance(e, SessionResult)]
    cpu = _t.process_time() - cpu0
    if not got:
        return {"ok": False, "cpu_s": cpu}
    r, done = got[-1]
    t = r.timing
    return {"ok": True, "result": r, "utterances": len(got), "latency_s": done - true_end,
            "texts": [e.transcript.text for e, _ in got if e.transcript.text],
            "endpoint_wait_s": r.utterance.endpoint_s - true_end, "decode_s": t.decode_wall_s,
            "partials": t.partial_decodes, "partial_s": t.partial_wall_s, "committed_words": t.committed_words,
            "cpu_s": cpu, "audio_s": _last_sound_s(clip)}


def _stats(values) -> dict:
    v = np.asarray(list(values), dtype=float)
    if v.size == 0:
        return {"mean": None, "p50": None, "p90": None}
    return {"mean": round(float(v.mean()), 3), "p50": round(float(np.median(v)), 3), "p90": round(float(np.quantile(v, 0.9)), 3)}


# Latency set-ups: endpointing (end-of-speech silence, tentative decode after) and streaming
LATENCY_SETUPS = {
    "node": {"end_silence_ms": 480.0, "early_decode_ms": 160.0, "streaming": False},
    "streaming": {"end_silence_ms": 480.0, "early_decode_ms": 160.0, "streaming": True},
    "early_decode_64": {"end_silence_ms": 480.0, "early_decode_ms": 64.0, "streaming": False},
    "short_wait": {"end_silence_ms": 320.0, "early_decode_ms": 64.0, "streaming": False},
    "short_wait+streaming": {"end_silence_ms": 320.0, "early_decode_ms": 64.0, "streaming": True},
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="JSON on stdout")
    parser.add_argument("--commands", type=int, default=300, help="number of spoken commands (300 = the benchmark)")
    parser.add_argument("--models", default="tiny.en,base", help="comma-separated models")
    parser.add_argument("--conditions", default=",".join(CONDITIONS), help=f"comma-separated from {CONDITIONS}")
    parser.add_argument("--latency-commands", type=int, default=20, help="clean ~3 s commands streamed for latency")
    parser.add_argument("--noise-clips", type=int, default=20, help="noise-only / silence clips for false commands")
    parser.add_argument("--threads", type=int, default=2, help="decoder CPU threads")
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", metavar="DIR", help="keep the generated audio in DIR")
    parser.add_argument("--end-silence-ms", type=float, default=None, help="endpointing silence for the latency part [ms]")
    parser.add_argument("--early-decode-ms", type=float, default=None, help="tentative decode after this silence [ms] (0 = off)")
    parser.add_argument("--decodes", default=",".join(DECODES),
                        help=f"comma-separated decoder set-ups from {tuple(DECODES)} (each is one Whisper pass per "
                             "clip; 'prompt' is what the speech node runs)")
    parser.add_argument("--latency-only", action="store_true", help="skip the accuracy grid (latency and false commands only)")
    parser.add_argument("--test-n", type=int, default=len(TEST_SPLIT["commands"]),
                        help="commands of the frozen test split to run (0 = skip it; fewer only while developing)")
    parser.add_argument("--test-conditions", default=",".join(TEST_SPLIT["conditions"]),
                        help="test-split conditions to run (all by default)")
    parser.add_argument("--streaming-conditions", default="clean,snr10",
                        help="test-split conditions also decoded through the streaming front end")
    parser.add_argument("--latency-setups", default=",".join(LATENCY_SETUPS), help=f"from {tuple(LATENCY_SETUPS)}")
    parser.add_argument("--node", action="store_true",
                        help="only: end of speech -> Transcript through the real speech node (test split, clean, "
                             "real-time audio), with --cpu-load busy processes standing in for the graph")
    parser.add_argument("--cpu-load", default="0,2", help="--node: comma-separated numbers of busy processes")
    parser.add_argument("--node-param", action="append", default=[],
                        help="--node: a speech node parameter name:=value (repeatable)")


def _run_node(args: argparse.Namespace) -> int:
    """``bench asr --node``: the speech node's end-of-speech latency, alone and under CPU load."""
    workdir = args.keep or tempfile.mkdtemp(prefix="promptbot-asr-node-")
    os.makedirs(workdir, exist_ok=True)
    synth = Synth(workdir, TEST_SPLIT["noise_seed"])
    cmds = frozen_split_commands()[: max(1, args.test_n)]
    clips = [(c.text, synth.degrade(synth.clean(c), "clean")) for c in cmds]
    clips = [(t, x) for t, x in clips if 1.0 <= len(x) / SR <= 5.0][: args.latency_commands]
    report = {"benchmark": "asr-node", "test_split": TEST_SPLIT["name"], "commands": len(clips), "runs": []}
    for load in (int(v) for v in args.cpu_load.split(",") if v.strip()):
        log.info("speech node, %d busy processes, %d commands", load, len(clips))
        report["runs"].append(node_latency(clips, args.node_param, load))
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(report, indent=1))
    return 0


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            print(f"bench asr: {tool} is not installed (apt-get install espeak-ng sox)", file=sys.stderr)
            return 2
    if args.node:
        return _run_node(args)
    from promptbot.speech import create_backend
    from promptbot.speech.backend import DecodeOptions
    from promptbot.speech.recognizer import NO_SPEECH, Recognizer, RecognizerConfig, TranscriptResult
    from promptbot.speech.vad import FRAME_S, SileroVad, speech_probs
    from promptbot.speech.text import normalize
    from promptbot.speech.vocab import CommandLanguageModel, Vocabulary

    models = [m for m in args.models.split(",") if m]
    conditions = [c for c in args.conditions.split(",") if c]
    decodes = {d: DECODES[d] for d in args.decodes.split(",") if d in DECODES}
    unknown = [d for d in args.decodes.split(",") if d and d not in DECODES]
    if unknown or not decodes:
        print(f"bench asr: unknown or empty --decodes {args.decodes!r} (choose from {tuple(DECODES)})", file=sys.stderr)
        return 2
    variants = [v for _, _, names in decodes.values() for v in names if v is not None]
    headline = HEADLINE if HEADLINE in variants else variants[-1]
    for c in conditions:
        if c not in CONDITIONS:
            print(f"bench asr: unknown condition {c!r}", file=sys.stderr)
            return 2
    workdir = args.keep or tempfile.mkdtemp(prefix="promptbot-asr-")
    os.makedirs(workdir, exist_ok=True)
    t_start = time.perf_counter()
    commands, source = make_commands(args.commands, args.seed)
    synth = Synth(workdir, args.seed)
    log.info("synthesising %d commands (%s) x %d conditions in %s", len(commands), source, len(conditions), workdir)
    clips: dict[tuple[int, str], np.ndarray] = {}
    clean_paths = {}
    for cmd in commands:
        clean_paths[cmd.index] = synth.clean(cmd)
        for cond in conditions:
            clips[cmd.index, cond] = synth.degrade(clean_paths[cmd.index], cond)
    # the frozen test split (its own voices, rates, conditions and noise seed)
    test_cmds = frozen_split_commands()[: max(0, args.test_n)]
    test_conditions = [c for c in args.test_conditions.split(",") if c]
    stream_conditions = [c for c in args.streaming_conditions.split(",") if c]
    setups = {k: LATENCY_SETUPS[k] for k in args.latency_setups.split(",") if k}
    bad = [c for c in test_conditions + stream_conditions if c not in TEST_SPLIT["conditions"]]
    if bad or "clean" not in test_conditions:
        print(f"bench asr: test-split conditions must come from {TEST_SPLIT['conditions']} and include clean "
              f"(got {bad or test_conditions})", file=sys.stderr)
        return 2
    test_dir = os.path.join(workdir, "test")
    os.makedirs(test_dir, exist_ok=True)
    test_synth = Synth(test_dir, TEST_SPLIT["noise_seed"])
    test_clips: dict[tuple[int, str], np.ndarray] = {}
    for cmd in test_cmds:
        path = test_synth.clean(cmd)
        for cond in test_conditions:
            test_clips[cmd.index, cond] = test_synth.degrade(path, cond)
    log.info("test split %s (sha256 %s): %d commands x %d conditions", TEST_SPLIT["name"], frozen_split_sha256()[:12],
             len(test_cmds), len(test_conditions))
    try:  # trained on other seeds than the benchmark's commands
        lm = CommandLanguageModel.from_task_library(seed=1_000_000 + args.seed)
    except ImportError:
        lm = CommandLanguageModel(_grammar_command(random.Random(args.seed + 99))[0] for _ in range(1500))
    vad = SileroVad()
    rcfg = RecognizerConfig(n_best=5, beam_size=5, use_hotwords=True, use_initial_prompt=False)
    speech_s = {k: float(np.sum(speech_probs(v, vad) > rcfg.vad_threshold) * FRAME_S) for k, v in clips.items()}
    synth_s = time.perf_counter() - t_start
    results: list[dict] = []
    latency: dict[str, dict] = {}
    false_cmd: dict[str, dict] = {}
    examples: list[dict] = []
    load_s = {}
    sweep: dict[str, dict] = {}
    test_rows: dict[str, list] = {}
    test_examples: list[dict] = []
    for model in models:
        backend = create_backend(model=model, compute_type=args.compute_type, cpu_threads=args.threads)
        load_s[model] = round(backend.load_time_s, 3)
        rec = Recognizer(backend, rcfg, language_model=lm)
        cells = {(c, v): Cell() for c in conditions for v in variants}
        scored: list[tuple[str, float, float, bool, bool]] = []
        for k, cmd in enumerate([] if args.latency_only else commands):
            vocab = Vocabulary.from_scene(cmd.labels, cmd.colors)
            rec.vocabulary = vocab
            for cond in conditions:
                x = clips[cmd.index, cond]
                dur = len(x) / SR
                for hot, prompt, names in decodes.values():
                    if speech_s[cmd.index, cond] < rcfg.min_speech_s:
                        r0 = r1 = r2 = TranscriptResult(error_code=NO_SPEECH, error_msg="VAD: no speech")
                        dt = 0.0
                    else:
                        opts = DecodeOptions(language="en", beam_size=5, n_best=5, hotwords=vocab.hotwords() if hot else None,
                                             initial_prompt=vocab.initial_prompt() if prompt else None)
                        t0 = time.perf_counter()
                        out = backend.transcribe(x, opts)
                        dt = time.perf_counter() - t0
                        r0 = rec.classify(out, dur, rescore_nbest=False)
                        r1 = rec.classify(out, dur, rescore_nbest=True, lm_weight=0.0)
                        r2 = rec.classify(out, dur, rescore_nbest=True)
                    for name, r in zip(names, (r0, r1, r2)):
                        if name is not None:
                            cells[cond, name].add(cmd.text, r, dt, dur)
                    primary = names[2] == headline      # the node's decode: threshold sweep + error examples
                    if primary:  # confidence vs correctness, for the threshold sweep
                        scored.append((cond, r2.confidence if r2.raw_text else 0.0, r2.no_speech_prob,
                                       normalize(r2.text) == normalize(cmd.text) and bool(r2.raw_text),
                                       bool(r2.raw_text) and rec.in_domain(r2.text)))
                    if primary and len(examples) < 400 and normalize(r2.text) != normalize(cmd.text):
                        examples.append({"model": model, "condition": cond, "voice": cmd.voice, "rate": cmd.rate_wpm,
                                         "ref": cmd.text, "hyp": r2.text, "status": r2.code_name, "is_command": r2.is_command})
            if (k + 1) % 10 == 0 or k + 1 == len(commands):
                s = cells[conditions[0], headline].summary()
                log.info("%s: %d/%d commands (%s %s WER %.3f) %.0f s",
                         model, k + 1, len(commands), conditions[0], headline, s["wer"], time.perf_counter() - t_start)
        for (cond, var), cell in ([] if args.latency_only else cells.items()):
            results.append({"model": model, "condition": cond, "variant": var, **cell.summary()})
        sweep[model] = {}
        # plain floors, and min_confidence with the (opt-in, off by default) lower floor for in-domain text
        floors = [(str(t), t, t) for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)]
        floors.append((f"{rcfg.min_confidence} / in-domain 0.4", rcfg.min_confidence, 0.4))   # the opt-in floor
        for key, thr, thr_in in floors:
            row = {}
            for cond in conditions:
                sel = [(c >= (thr_in if indom else thr), ok) for cd, c, nsp, ok, indom in scored if cd == cond]
                acc = [ok for passed, ok in sel if passed]
                row[cond] = {"accepted": round(len(acc) / max(len(sel), 1), 3),
                             "accepted_wrong": round(sum(not ok for ok in acc) / max(len(sel), 1), 3),
                             "rejected_correct": round(sum(ok for passed, ok in sel if not passed) / max(len(sel), 1), 3)}
            sweep[model][key] = row
        # the frozen test split: the node's decode with the default vocabulary, with the scene's, and streamed
        rng = np.random.default_rng(args.seed)
        test_rows[model] = _run_test_split(rec, test_cmds, test_clips, test_conditions, stream_conditions,
                                           test_examples, model, rng)
        # end of speech -> final transcript, simulated in real time, per endpointing / streaming set-up
        picked = [c for c in test_cmds if 1.0 <= len(test_clips[c.index, "clean"]) / SR <= 5.0][: args.latency_commands]
        latency[model] = _run_latency(rec, picked, test_clips, setups, rng) if picked else {}
        if picked:
            latency[model]["first_commands"] = _first_command(model, args, lm, rcfg, picked[:3], test_clips, rng)
        # noise-only and silence: nothing may become a command
        fc = {"clips": 0, "commands": 0, "decoded": 0, "texts": []}
        for j in range(args.noise_clips):
            kind = ("pink", "white", "silence", "hum")[j % 4]
            n = 3 * SR
            if kind == "pink":
                start = int(rng.integers(0, len(synth.noise) - n))
                x = synth.noise[start:start + n] * float(rng.uniform(0.3, 2.0))
            elif kind == "white":
                x = rng.normal(0, float(rng.uniform(0.01, 0.3)), n)
            elif kind == "silence":
                x = np.zeros(n)
            else:
                t = np.arange(n) / SR
                x = 0.2 * np.sin(2 * np.pi * 50 * t) + 0.05 * np.sin(2 * np.pi * 150 * t)
            x = np.clip(x, -1, 1).astype(np.float32)
            for vad_gate in (True, False):
                rec.config.vad_gate = vad_gate
                r = rec.transcribe(x)
                key = "with_vad_gate" if vad_gate else "without_vad_gate"
                d = fc.setdefault(key, {"clips": 0, "commands": 0, "decoded": 0, "texts": []})
                d["clips"] += 1
                d["commands"] += r.is_command
                d["decoded"] += bool(r.raw_text)
                if r.text and len(d["texts"]) < 8:
                    d["texts"].append(f"{kind}: {r.text!r} ({r.code_name}, conf {r.confidence:.2f})")
            rec.config.vad_gate = True
        false_cmd[model] = {k: v for k, v in fc.items() if isinstance(v, dict)}
        del backend, rec
    report = {
        "benchmark": "asr",
        "commands": len(commands),
        "instruction_source": source,
        "voices": list(VOICES),
        "rates_wpm": list(RATES_WPM),
        "conditions": conditions,
        "models": models,
        "compute_type": args.compute_type,
        "threads": args.threads,
        "model_load_s": load_s,
        "synthesis_s": round(synth_s, 1),
        "wall_s": round(time.perf_counter() - t_start, 1),
        "results": results,
        "latency": latency,
        "false_commands": false_cmd,
        "confidence_sweep": sweep,
        "targets": _targets(results, latency, headline),
        "test_split": {"name": TEST_SPLIT["name"], "sha256": frozen_split_sha256(), "commands": len(test_cmds),
                       "voices": TEST_SPLIT["voices"], "rates_wpm": TEST_SPLIT["rates_wpm"],
                       "conditions": test_conditions, "streaming_conditions": stream_conditions,
                       "results": [row for rows in test_rows.values() for row in rows],
                       "targets": _test_targets(test_rows, latency),
                       "error_examples": test_examples[:80]},
        "error_examples": examples[:60],
    }
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(f"{'model':8} {'condition':10} {'variant':17} {'WER':>6} {'exact':>6} {'RTF':>6} {'cmd':>5} {'wrong':>5}")
        for r in results:
            print(f"{r['model']:8} {r['condition']:10} {r['variant']:17} {r['wer']:6.3f} {r['exact_match']:6.3f} "
                  f"{r['rtf']:6.3f} {r['command_rate']:5.2f} {r['wrong_command_rate']:5.2f}")
        print(json.dumps({"latency": latency, "false_commands": false_cmd}, indent=1))
    return 0
