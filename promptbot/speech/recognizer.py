"""From an utterance's audio to a Transcript outcome: decode, bias, gate, classify.

``Recognizer.transcribe(audio)`` never raises for bad audio: every outcome is a
``TranscriptResult`` with an error code (the same constants as
``promptbot_msgs/msg/Transcript``) and ``is_command`` true only for confident speech.
"""
from __future__ import annotations

import logging
import time
import zlib
from dataclasses import asdict, dataclass, field

import numpy as np

from promptbot.speech.audio import SAMPLE_RATE, clipped_fraction, CLIP_FRACTION_WARN
from promptbot.speech.backend import AsrBackend, DecodeOptions, DecodeResult, Hypothesis
from promptbot.speech.text import edit_distance, normalize, repair_transcript, words
from promptbot.speech.vocab import CommandLanguageModel, Vocabulary, rescore

log = logging.getLogger(__name__)

# Outcome codes: identical to promptbot_msgs/msg/Transcript.
OK = 0
NO_SPEECH = 1
LOW_CONFIDENCE = 2
BAD_AUDIO = 3
ERROR = 4
CODE_NAMES = {OK: "OK", NO_SPEECH: "NO_SPEECH", LOW_CONFIDENCE: "LOW_CONFIDENCE", BAD_AUDIO: "BAD_AUDIO", ERROR: "ERROR"}

MAX_AUDIO_S = 30.0  # [s] longest utterance decoded (Whisper's window)
MIN_AUDIO_S = 0.1  # [s] shorter audio is reported as no speech
COMPRESSION_RATIO_MAX = 2.4  # Whisper's threshold for repetitive (hallucinated) output


@dataclass
class TranscriptResult:
    """Plain twin of promptbot_msgs/msg/Transcript."""

    text: str = ""
    confidence: float = 0.0  # exp(avg token log-prob), 0..1
    no_speech_prob: float = 1.0
    language: str = ""
    audio_duration: float = 0.0  # [s]
    processing_time: float = 0.0  # [s]
    is_command: bool = False
    error_code: int = OK
    error_msg: str = ""
    raw_text: str = ""  # decoder text before wake-phrase removal and the "left on" -> "left of" repair
    wake_phrase_heard: bool = False
    alternatives: list[str] = field(default_factory=list)  # other n-best texts
    # the n-best after rescoring, chosen first: text (as repaired), exp(avg log-prob), and the
    # decoder's own rank (0 = its best; a chosen hypothesis with rank > 0 is named in error_msg)
    nbest: list[dict] = field(default_factory=list)

    @property
    def code_name(self) -> str:
        return CODE_NAMES.get(self.error_code, str(self.error_code))

    def as_dict(self) -> dict:
        d = asdict(self)
        d["error_name"] = self.code_name
        return d


@dataclass
class RecognizerConfig:
    language: str = "en"
    beam_size: int = 5
    n_best: int = 5  # hypotheses decoded (rescoring needs > 1)
    use_hotwords: bool = True
    # A command-style sentence as previous context. Off: it lowered WER on average but made
    # Whisper drop the start of commands that resemble the prompt ("robot, pick up the red
    # block and ..." -> "and put it in the blue bowl", confidently).
    use_initial_prompt: bool = False
    rescore: bool = True
    oov_penalty: float = 1.0  # rescoring: log-prob units per unit OOV share
    lm_weight: float = 0.3  # rescoring: weight of the command-language bigram log-prob (0 = off)
    # rescoring: weight of the live-scene grammar (colour + object phrases that exist in the
    # scene; a colour or object word absent from it); 0 = off; needs a Vocabulary with a scene
    scene_weight: float = 0.5
    min_confidence: float = 0.5  # exp(avg log-prob) below this -> LOW_CONFIDENCE
    # In-domain floor: a transcript that reads as a command (every word in the lexicon, at
    # least in_domain_min_words words, command-language avg log-prob >= in_domain_min_lm)
    # needs only this acoustic confidence. The language evidence stands in for the missing
    # acoustic certainty (an unusual word like "nudge" decodes at 0.49); noise, chatter and
    # out-of-lexicon text keep min_confidence. Equal to min_confidence = off, the default: at 0.4
    # "take the red cube to the kitchen", heard as "take the red cube" at 0.43 (the tail lost),
    # became a plain pick command (safety injection graph test) - the low confidence was what
    # protected against acting on a fragment of a refused request.
    min_confidence_in_domain: float = 0.5
    in_domain_min_lm: float = -3.5  # [nats per word] command-language bigram avg log-prob
    in_domain_min_words: int = 3
    max_no_speech_prob: float = 0.6  # above this (with low confidence) -> NO_SPEECH
    vad_gate: bool = True  # skip the decoder when Silero finds no speech
    vad_threshold: float = 0.5
    min_speech_s: float = 0.15  # [s] VAD speech needed to decode
    wake_phrase: str = ""  # e.g. "robot"; empty: none
    require_wake_phrase: bool = False

    def __post_init__(self):
        if not 1 <= self.beam_size <= 16:
            raise ValueError(f"beam_size must be 1..16, got {self.beam_size}")
        if not 1 <= self.n_best <= self.beam_size:
            raise ValueError(f"n_best must be 1..beam_size, got {self.n_best}")
        for name in ("min_confidence", "min_confidence_in_domain", "max_no_speech_prob", "vad_threshold"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {v}")
        if self.oov_penalty < 0 or self.min_speech_s < 0 or self.lm_weight < 0 or self.scene_weight < 0:
            raise ValueError("oov_penalty, lm_weight, scene_weight and min_speech_s must be >= 0")
        if self.min_confidence_in_domain > self.min_confidence:
            raise ValueError("min_confidence_in_domain must be <= min_confidence (it is a lower floor)")
        if self.in_domain_min_words < 1:
            raise ValueError("in_domain_min_words must be >= 1")
        if self.require_wake_phrase and not self.wake_phrase.strip():
            raise ValueError("require_wake_phrase needs a wake_phrase")


def _similar(a: str, b: str) -> bool:
    """Word match allowing one character edit for words of 4+ letters ("robot" ~ "robots")."""
    return a == b or (len(b) >= 4 and edit_distance(list(a), list(b)) <= 1)


def split_wake_phrase(text: str, phrase: str) -> tuple[bool, str]:
    """(heard, command) where command is ``text`` without a leading wake phrase.

    Accepts an optional "hey"/"ok"/"okay" before the phrase and ignores punctuation.
    """
    want = normalize(phrase).split()
    if not want:
        return False, text.strip()
    tokens = text.strip().split()
    norm = [normalize(t) for t in tokens]
    start = 1 if norm and norm[0] in ("hey", "ok", "okay") else 0
    got = norm[start:start + len(want)]
    if len(got) == len(want) and all(_similar(g, w) for g, w in zip(got, want)):
        rest = " ".join(tokens[start + len(want):]).lstrip(" ,.;:!-")
        return True, rest
    return False, text.strip()


def compression_ratio(text: str) -> float:
    b = text.encode("utf-8")
    return len(b) / max(1, len(zlib.compress(b)))


class Recognizer:
    """One utterance in, one TranscriptResult out."""

    def __init__(
        self,
        backend: AsrBackend,
        config: RecognizerConfig | None = None,
        vocabulary: Vocabulary | None = None,
        language_model: CommandLanguageModel | None = None,
    ):
        self.backend = backend
        self.config = config or RecognizerConfig()
        self.vocabulary = vocabulary or Vocabulary()
        self.language_model = language_model
        self._vad = None

    def _speech_seconds(self, audio: np.ndarray) -> float:
        from promptbot.speech.vad import FRAME_S, SileroVad, speech_probs

        if self._vad is None:
            self._vad = SileroVad()
        probs = speech_probs(audio, self._vad)
        return float(np.sum(probs > self.config.vad_threshold) * FRAME_S)

    def decode_options(self, quick: bool = False, prefix: str | None = None) -> DecodeOptions:
        """The configured decoding; ``quick``: greedy 1-best (partial transcripts); ``prefix``: committed words."""
        c = self.config
        return DecodeOptions(
            language=c.language or None,
            beam_size=1 if quick else c.beam_size,
            n_best=1 if quick else c.n_best,
            hotwords=self.vocabulary.hotwords() if c.use_hotwords else None,
            initial_prompt=self.vocabulary.initial_prompt() if c.use_initial_prompt else None,
            prefix=prefix or None,
        )

    def transcribe(
        self,
        audio: np.ndarray,
        require_wake_phrase: bool | None = None,
        speech_checked: bool = False,
        quick: bool = False,
        prefix: str | None = None,
    ) -> TranscriptResult:
        """``audio``: 16 kHz mono float32. ``speech_checked``: the caller's VAD already found speech.
        ``quick``: greedy decoding for partial transcripts. ``prefix``: words already committed by
        streaming decodes; the decoder continues after them."""
        t0 = time.perf_counter()
        c = self.config
        x = np.asarray(audio, dtype=np.float32).reshape(-1)
        duration = x.size / SAMPLE_RATE
        res = TranscriptResult(audio_duration=duration)

        def done(code: int, msg: str) -> TranscriptResult:
            res.error_code, res.error_msg = code, msg
            res.is_command = False
            res.processing_time = time.perf_counter() - t0
            return res

        if x.size == 0:
            return done(NO_SPEECH, "empty audio (0 samples)")
        if not np.all(np.isfinite(x)):
            return done(BAD_AUDIO, "audio contains NaN or infinite samples")
        if duration > MAX_AUDIO_S:
            return done(BAD_AUDIO, f"audio is {duration:.1f} s long; one utterance may be at most {MAX_AUDIO_S:.0f} s")
        if duration < MIN_AUDIO_S:
            return done(NO_SPEECH, f"audio too short ({duration * 1000:.0f} ms)")
        warnings = []
        clip = clipped_fraction(x)
        if clip > CLIP_FRACTION_WARN:
            warnings.append(f"clipping in {clip * 100:.1f}% of samples")
        if c.vad_gate and not speech_checked:
            speech_s = self._speech_seconds(x)
            if speech_s < c.min_speech_s:
                return done(NO_SPEECH, f"no speech detected (VAD: {speech_s:.2f} s of speech)")
        try:
            out = self.backend.transcribe(x, self.decode_options(quick, prefix))
        except Exception as exc:  # recogniser failure: reported, never raised into the caller
            log.exception("ASR backend failed")
            return done(ERROR, f"recogniser failed: {exc}")
        res = self.classify(out, duration, require_wake_phrase, warnings)
        res.processing_time = time.perf_counter() - t0
        return res

    def in_domain(self, text: str) -> bool:
        """Does ``text`` read as a command: all words in the lexicon, long enough, likely under the LM?"""
        c = self.config
        ws = words(text)
        if len(ws) < c.in_domain_min_words or not all(self.vocabulary.in_lexicon(w) for w in ws):
            return False
        return self.language_model is not None and self.language_model.avg_logprob(text) >= c.in_domain_min_lm

    def classify(
        self,
        out: DecodeResult,
        duration: float,
        require_wake_phrase: bool | None = None,
        warnings: list[str] | None = None,
        rescore_nbest: bool | None = None,
        lm_weight: float | None = None,
        scene_weight: float | None = None,
    ) -> TranscriptResult:
        """Decoder output -> outcome: rescoring, wake phrase, confidence gates, is_command."""
        c = self.config
        warnings = list(warnings or [])
        res = TranscriptResult(audio_duration=duration)

        def done(code: int, msg: str) -> TranscriptResult:
            res.error_code, res.error_msg, res.is_command = code, msg, False
            return res

        hyps: list[Hypothesis] = list(out.hypotheses)
        if not hyps:
            return done(NO_SPEECH, "the recogniser returned no hypothesis")
        use_rescore = c.rescore if rescore_nbest is None else rescore_nbest
        lm_w = c.lm_weight if lm_weight is None else lm_weight
        scene_w = c.scene_weight if scene_weight is None else scene_weight
        ranked = (rescore(hyps, self.vocabulary, c.oov_penalty, self.language_model, lm_w, scene_w)
                  if use_rescore and len(hyps) > 1 else hyps)
        best = ranked[0]
        res.raw_text = best.text
        res.alternatives = [h.text for h in hyps if h is not best]
        rank = {id(h): i for i, h in enumerate(hyps)}
        def shown(t: str) -> str:  # as the transcript is shown: wake phrase removed, repaired
            return repair_transcript(split_wake_phrase(t, c.wake_phrase)[1] if c.wake_phrase.strip() else t.strip())

        res.nbest = [{"text": shown(h.text), "confidence": round(h.confidence, 4),
                      "decoder_rank": rank[id(h)]} for h in ranked]
        if rank[id(best)] > 0:
            warnings.append(f"picked the decoder's hypothesis {rank[id(best)] + 1} of {len(hyps)} "
                            f"(command language / scene) over {hyps[0].text.strip()!r}")
        res.confidence = best.confidence
        res.no_speech_prob = out.no_speech_prob
        res.language = out.language
        text = best.text.strip()
        need_wake = c.require_wake_phrase if require_wake_phrase is None else require_wake_phrase
        if c.wake_phrase.strip():
            res.wake_phrase_heard, text = split_wake_phrase(text, c.wake_phrase)
        repaired = repair_transcript(text)
        if repaired != text:
            log.info("transcript repaired: %r -> %r", text, repaired)
            text = repaired
        res.text = text
        if not normalize(best.text):
            return done(NO_SPEECH, "the recogniser heard no words")
        if out.no_speech_prob > c.max_no_speech_prob and res.confidence < c.min_confidence:
            return done(NO_SPEECH, f"probably not speech (no_speech_prob {out.no_speech_prob:.2f}, confidence {res.confidence:.2f})")
        floor = c.min_confidence
        if res.confidence < c.min_confidence and self.in_domain(text):
            floor = c.min_confidence_in_domain
            if res.confidence >= floor:
                warnings.append(f"confidence {res.confidence:.2f} < {c.min_confidence:.2f}, accepted as an in-domain "
                                f"command (floor {floor:.2f})")
        if res.confidence < floor:
            return done(LOW_CONFIDENCE, f"confidence {res.confidence:.2f} < {floor:.2f}")
        if compression_ratio(best.text) > COMPRESSION_RATIO_MAX:
            return done(LOW_CONFIDENCE, "repetitive output (likely hallucination)")
        res.error_code = OK
        if need_wake and not res.wake_phrase_heard:
            res.is_command = False
            warnings.insert(0, f"wake phrase {c.wake_phrase!r} not heard")
        elif not normalize(text):
            res.is_command = False
            warnings.insert(0, "wake phrase only, no command")
        else:
            res.is_command = out.no_speech_prob <= c.max_no_speech_prob
            if not res.is_command:
                warnings.insert(0, f"no_speech_prob {out.no_speech_prob:.2f} > {c.max_no_speech_prob:.2f}")
        res.error_msg = "; ".join(warnings)
        return res


def transcribe_file(recognizer: Recognizer, path, require_wake_phrase: bool | None = None) -> TranscriptResult:
    """Transcribe a WAV file. Raises FileNotFoundError; every other problem is a result code."""
    from promptbot.speech.audio import BadAudioError, load_wav

    t0 = time.perf_counter()
    try:
        loaded = load_wav(path)
    except BadAudioError as exc:
        return TranscriptResult(error_code=BAD_AUDIO, error_msg=str(exc), processing_time=time.perf_counter() - t0)
    res = recognizer.transcribe(loaded.samples, require_wake_phrase=require_wake_phrase)
    res.audio_duration = loaded.duration_s
    if loaded.clipped_fraction > CLIP_FRACTION_WARN and "clipping" not in res.error_msg:
        res.error_msg = "; ".join(filter(None, [res.error_msg, f"clipping in {loaded.clipped_fraction * 100:.1f}% of samples"]))
    res.processing_time = time.perf_counter() - t0
    return res
