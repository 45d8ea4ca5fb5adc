"""Streaming front end: 16 kHz mono frames in, utterances and transcripts out.

``Endpointer`` (pure, cheap): Silero VAD per 32 ms frame with hysteresis; speech
starts after ``start_ms`` of speech, ends after ``end_silence_ms`` of silence; keeps
``pre_roll_ms`` of audio before the start so first words are not cut; cuts at
``max_utterance_s``.

``SpeechSession``: an Endpointer plus a Recognizer. Optional *early decoding*: once
the speaker has been silent for ``early_decode_ms`` the utterance is decoded while
the endpointer still waits for ``end_silence_ms``; if no speech resumes, that result
is used, so the decode time hides inside the silence wait. Optional wake phrase: an
utterance that is only the wake phrase arms the next one for ``wake_window_s``.

Optional *streaming* (``StreamingConfig``): while the person speaks, the utterance so far
is re-decoded greedily every ``interval_s`` of audio; the words on which two consecutive
partial decodes agree are committed (LocalAgreement-2, as in whisper-streaming). The final
beam decode then starts from the committed words (``prefix``), so only the tail is
searched. Whisper's encoder always sees its whole 30 s window, so each partial costs one
encoder pass: streaming trades CPU during speech for a shorter final decode.

Every ``SessionResult`` carries the timestamps of its pipeline (``Timing``): end of
speech, the VAD decision, the decode trigger and the decode's start and end in wall time.
"""
from __future__ import annotations

import collections
import logging
import time
from dataclasses import dataclass, field

import numpy as np

from promptbot.speech.audio import SAMPLE_RATE
from promptbot.speech.recognizer import Recognizer, TranscriptResult
from promptbot.speech.text import normalize
from promptbot.speech.vad import FRAME_S, FRAME_SAMPLES, SileroVad

log = logging.getLogger(__name__)


@dataclass
class EndpointConfig:
    threshold: float = 0.5  # speech probability that starts/continues speech
    neg_threshold: float = 0.35  # below this a frame counts as silence
    start_ms: float = 96.0  # [ms] continuous speech needed to start an utterance
    end_silence_ms: float = 480.0  # [ms] silence that ends an utterance
    pre_roll_ms: float = 320.0  # [ms] audio kept before the detected start
    post_roll_ms: float = 160.0  # [ms] audio kept after the last speech frame
    max_utterance_s: float = 15.0  # [s] longer speech is cut here (truncated=True)
    min_speech_ms: float = 200.0  # [ms] utterances with less speech are dropped as blips
    early_decode_ms: float = 160.0  # [ms] silence after which a tentative decode runs; 0 = off

    def __post_init__(self):
        if not 0.0 < self.neg_threshold <= self.threshold < 1.0:
            raise ValueError("need 0 < neg_threshold <= threshold < 1")
        for name in ("start_ms", "end_silence_ms", "pre_roll_ms", "post_roll_ms", "min_speech_ms", "early_decode_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.end_silence_ms < FRAME_S * 1000:
            raise ValueError(f"end_silence_ms must be >= one VAD frame ({FRAME_S * 1000:.0f} ms)")
        if not 0.5 <= self.max_utterance_s <= 30.0:
            raise ValueError("max_utterance_s must be 0.5..30 s (Whisper's window is 30 s)")
        if self.early_decode_ms >= self.end_silence_ms:
            raise ValueError("early_decode_ms must be < end_silence_ms (or 0 to disable)")


def _frames(ms: float) -> int:
    return int(round(ms / 1000.0 / FRAME_S))


@dataclass
class SpeechStarted:
    start_s: float  # [s] stream time of the first speech frame


@dataclass
class SilenceStarted:
    """The speaker paused long enough for a tentative decode."""

    audio: np.ndarray
    speech_end_s: float
    at_s: float  # [s] stream time of the decision


@dataclass
class Utterance:
    audio: np.ndarray  # float32 16 kHz, pre-roll included
    start_s: float  # [s] stream time of the first speech frame
    speech_end_s: float  # [s] stream time of the end of the last speech frame
    endpoint_s: float  # [s] stream time at which the end was decided
    truncated: bool = False  # cut at max_utterance_s

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SAMPLE_RATE


class Endpointer:
    """Feed 16 kHz mono float32 of any length; get SpeechStarted / SilenceStarted / Utterance events."""

    def __init__(self, config: EndpointConfig | None = None, vad: SileroVad | None = None):
        self.config = config or EndpointConfig()
        self.vad = vad or SileroVad()
        self.reset()

    def reset(self) -> None:
        self.vad.reset()
        self._pending = np.zeros(0, dtype=np.float32)
        self._frame_index = 0  # frames consumed so far
        self._pre = collections.deque(maxlen=max(_frames(self.config.pre_roll_ms), _frames(self.config.start_ms)) + 1)
        self._run = 0  # consecutive speech frames while waiting
        self._in_speech = False
        self._utt: list[np.ndarray] = []
        self._utt_start_frame = 0
        self._speech_start_frame = 0
        self._last_speech = 0  # index in _utt of the last speech frame
        self._silence = 0
        self._voiced = 0
        self._early_sent = False

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def time_s(self) -> float:
        return self._frame_index * FRAME_S

    def speech_duration_s(self) -> float:
        return len(self._utt) * FRAME_S if self._in_speech else 0.0

    def current_audio(self) -> np.ndarray:
        return np.concatenate(self._utt) if self._in_speech and self._utt else np.zeros(0, np.float32)

    def feed(self, audio: np.ndarray) -> list:
        x = np.concatenate([self._pending, np.asarray(audio, dtype=np.float32).reshape(-1)])
        n = (x.size // FRAME_SAMPLES) * FRAME_SAMPLES
        self._pending = x[n:]
        if n == 0:
            return []
        frames = x[:n].reshape(-1, FRAME_SAMPLES)
        probs = self.vad(x[:n])
        events: list = []
        for frame, p in zip(frames, probs):
            self._step(frame, float(p), events)
            self._frame_index += 1
        return events

    def flush(self) -> list:
        """End of stream: close an open utterance."""
        events: list = []
        if self._in_speech:
            self._close(events, truncated=False)
        self._pending = np.zeros(0, dtype=np.float32)
        return events

    def _step(self, frame: np.ndarray, p: float, events: list) -> None:
        c = self.config
        if not self._in_speech:
            self._pre.append(frame)
            self._run = self._run + 1 if p >= c.threshold else 0
            if self._run >= max(1, _frames(c.start_ms)):
                keep = min(len(self._pre), self._run + _frames(c.pre_roll_ms))
                self._utt = list(self._pre)[-keep:]
                self._pre.clear()
                self._in_speech = True
                self._utt_start_frame = self._frame_index - keep + 1
                self._speech_start_frame = self._frame_index - self._run + 1
                self._last_speech = len(self._utt) - 1
                self._silence = 0
                self._voiced = self._run
                self._early_sent = False
                self._run = 0
                events.append(SpeechStarted(start_s=self._speech_start_frame * FRAME_S))
            return
        self._utt.append(frame)
        if p >= c.threshold:
            self._silence = 0
            self._voiced += 1
            self._last_speech = len(self._utt) - 1
            self._early_sent = False
        elif p < c.neg_threshold:
            self._silence += 1
        if self._silence >= _frames(c.end_silence_ms):
            self._close(events, truncated=False)
            return
        if c.early_decode_ms > 0 and not self._early_sent and self._silence >= max(1, _frames(c.early_decode_ms)):
            self._early_sent = True
            if self._voiced >= _frames(c.min_speech_ms):
                events.append(SilenceStarted(audio=self._trimmed(), speech_end_s=self._speech_end_s(), at_s=(self._frame_index + 1) * FRAME_S))
        if len(self._utt) * FRAME_S >= c.max_utterance_s:
            self._close(events, truncated=True)

    def _speech_end_s(self) -> float:
        return (self._utt_start_frame + self._last_speech + 1) * FRAME_S

    def _trimmed(self) -> np.ndarray:
        end = min(len(self._utt), self._last_speech + 1 + _frames(self.config.post_roll_ms))
        return np.concatenate(self._utt[:end])

    def _close(self, events: list, truncated: bool) -> None:
        audio = np.concatenate(self._utt) if truncated else self._trimmed()
        if self._voiced >= _frames(self.config.min_speech_ms):
            events.append(
                Utterance(
                    audio=audio,
                    start_s=self._speech_start_frame * FRAME_S,
                    speech_end_s=self._speech_end_s() if not truncated else (self._frame_index + 1) * FRAME_S,
                    endpoint_s=(self._frame_index + 1) * FRAME_S,
                    truncated=truncated,
                )
            )
        else:
            log.debug("dropped a %.0f ms speech blip", self._voiced * FRAME_S * 1000)
        self._in_speech = False
        self._utt = []
        self._pre.clear()
        self._run = 0


@dataclass
class StreamingConfig:
    """Decoding while the person speaks (off by default: see the latency table in docs/speech.md)."""

    enabled: bool = False
    interval_s: float = 0.6  # [s] audio between two partial decodes
    min_audio_s: float = 0.8  # [s] speech before the first partial decode
    use_prefix: bool = True  # the final decode continues after the committed words
    keep_last_words: int = 1  # never commit the newest agreed words (the audio may cut them)

    def __post_init__(self):
        if self.interval_s <= 0 or self.min_audio_s < 0:
            raise ValueError("interval_s must be > 0 and min_audio_s >= 0")
        if self.keep_last_words < 0:
            raise ValueError("keep_last_words must be >= 0")


def agreed_prefix(a: list[str], b: list[str]) -> list[str]:
    """The longest common word prefix of two hypotheses (compared normalised)."""
    out = []
    for x, y in zip(a, b):
        if normalize(x) != normalize(y) or not normalize(x):
            break
        out.append(x)
    return out


class LocalAgreement:
    """LocalAgreement-2: commit the words two consecutive partial hypotheses agree on."""

    def __init__(self, keep_last_words: int = 1):
        self.keep_last_words = keep_last_words
        self.reset()

    def reset(self) -> None:
        self.committed: list[str] = []
        self._previous: list[str] | None = None

    @property
    def text(self) -> str:
        return " ".join(self.committed)

    def update(self, hypothesis: str) -> list[str]:
        """Feed a partial hypothesis of the whole utterance so far; returns the newly committed words."""
        words_ = hypothesis.split()
        if words_[: len(self.committed)] != self.committed:
            # the decoder was given the committed words as prefix, so this only happens without one
            words_ = self.committed + words_[len(agreed_prefix(self.committed, words_)):]
        new: list[str] = []
        if self._previous is not None:
            agree = agreed_prefix(self._previous, words_)
            stable = agree[: max(len(self.committed), len(agree) - self.keep_last_words)]
            new = stable[len(self.committed):]
            self.committed = self.committed + new
        self._previous = words_
        return new


@dataclass
class Timing:
    """Where one transcript's latency went: stream times [s] from the audio, wall times [s] monotonic."""

    speech_end_s: float = 0.0  # [s] stream time of the end of the last speech frame
    trigger_s: float = 0.0  # [s] stream time at which the final decode was triggered
    endpoint_s: float = 0.0  # [s] stream time at which the VAD closed the utterance
    decode_start_wall: float = 0.0  # [s] time.monotonic() when the final decode started
    decode_end_wall: float = 0.0  # [s] time.monotonic() when it ended
    decode_cpu_s: float = 0.0  # [s] process CPU time during the final decode (all threads)
    partial_decodes: int = 0  # streaming: partial decodes of this utterance
    partial_wall_s: float = 0.0  # [s] streaming: wall time spent in them
    committed_words: int = 0  # streaming: words given to the final decode as prefix

    @property
    def decode_wall_s(self) -> float:
        return self.decode_end_wall - self.decode_start_wall

    @property
    def cpu_share(self) -> float:
        """CPU seconds per wall second of the final decode (2.0 = both cores of a 2-core machine)."""
        return self.decode_cpu_s / max(self.decode_wall_s, 1e-9)


@dataclass
class SessionResult:
    """A transcript of one utterance with its stream timing."""

    transcript: TranscriptResult
    utterance: Utterance
    early: bool = False  # the result came from the tentative decode
    decode_wall_s: float = 0.0  # [s] wall time spent decoding this utterance
    decode_start_s: float = 0.0  # [s] stream time at which its decode started
    stamp_wall: float = field(default_factory=time.time)
    timing: Timing = field(default_factory=Timing)
    committed: str = ""  # streaming: the words committed before the final decode


class SpeechSession:
    """Endpointer + Recognizer: ``feed(audio)`` returns events and SessionResults in order."""

    def __init__(self, recognizer: Recognizer, endpoint: EndpointConfig | None = None, wake_window_s: float = 8.0,
                 streaming: StreamingConfig | None = None):
        self.recognizer = recognizer
        self.endpointer = Endpointer(endpoint)
        self.wake_window_s = wake_window_s
        self.streaming = streaming or StreamingConfig()
        self.agreement = LocalAgreement(self.streaming.keep_last_words)
        self._early: tuple[float, TranscriptResult, Timing] | None = None
        self._armed_until = -1.0  # stream time until which the wake phrase counts as heard
        self._next_partial_s = 0.0  # [s] utterance audio length at which the next partial decode runs
        self._partials = 0
        self._partial_wall = 0.0
        self.last_partial: TranscriptResult | None = None  # streaming: the newest partial decode

    def reset(self) -> None:
        self.endpointer.reset()
        self._early = None
        self._armed_until = -1.0
        self._reset_stream()

    def _reset_stream(self) -> None:
        self.agreement.keep_last_words = self.streaming.keep_last_words
        self.agreement.reset()
        self._next_partial_s = self.streaming.min_audio_s
        self._partials = 0
        self._partial_wall = 0.0
        self.last_partial = None

    def warm_up(self) -> float:
        """Decode one second of quiet noise so the first command does not pay for first-call setup; returns [s]."""
        t0 = time.perf_counter()
        noise = np.random.default_rng(0).normal(0, 1e-3, SAMPLE_RATE).astype(np.float32)
        self.recognizer.transcribe(noise, require_wake_phrase=False, speech_checked=True)
        if self.streaming.enabled:
            self.recognizer.transcribe(noise, require_wake_phrase=False, speech_checked=True, quick=True)
        self.endpointer.vad(noise[: (noise.size // FRAME_SAMPLES) * FRAME_SAMPLES])  # the VAD's ONNX session too
        self.endpointer.reset()
        return time.perf_counter() - t0

    def feed(self, audio: np.ndarray, require_wake_phrase: bool | None = None, allow_partial: bool = True) -> list:
        """``allow_partial``: the caller has no audio backlog, so a streaming partial decode may run now."""
        out = self._handle(self.endpointer.feed(audio), require_wake_phrase)
        if allow_partial and self.streaming.enabled:
            self._maybe_partial()
        return out

    def flush(self, require_wake_phrase: bool | None = None) -> list:
        return self._handle(self.endpointer.flush(), require_wake_phrase)

    def _maybe_partial(self) -> None:
        ep = self.endpointer
        if not ep.in_speech or ep.speech_duration_s() < self._next_partial_s or ep._silence > 0:
            return  # not speaking, too early, or in a pause (the early decode covers pauses)
        audio = ep.current_audio()
        self._next_partial_s = ep.speech_duration_s() + self.streaming.interval_s
        prefix = self.agreement.text if self.streaming.use_prefix else None
        t0 = time.perf_counter()
        res = self.recognizer.transcribe(audio, require_wake_phrase=False, speech_checked=True, quick=True,
                                         prefix=prefix or None)
        self._partial_wall += time.perf_counter() - t0
        self._partials += 1
        if res.error_code == 0 and res.raw_text:
            self.agreement.update(res.raw_text)
            self.last_partial = res

    def partial(self) -> TranscriptResult | None:
        """A quick transcript of the speech so far (beam 1, no gate), or None when not in speech."""
        audio = self.endpointer.current_audio()
        if audio.size < SAMPLE_RATE // 4:
            return None
        return self.recognizer.transcribe(audio, require_wake_phrase=False, speech_checked=True, quick=True)

    def _decode(self, audio: np.ndarray, speech_end_s: float, trigger_s: float) -> tuple[TranscriptResult, Timing]:
        use_prefix = self.streaming.enabled and self.streaming.use_prefix and self.agreement.committed
        prefix = self.agreement.text if use_prefix else None
        timing = Timing(speech_end_s=speech_end_s, trigger_s=trigger_s, partial_decodes=self._partials,
                        partial_wall_s=self._partial_wall, committed_words=len(self.agreement.committed) if use_prefix else 0)
        cpu0 = time.process_time()
        timing.decode_start_wall = time.monotonic()
        res = self.recognizer.transcribe(audio, require_wake_phrase=False, speech_checked=True, prefix=prefix)
        timing.decode_end_wall = time.monotonic()
        timing.decode_cpu_s = time.process_time() - cpu0
        return res, timing

    def _handle(self, events: list, require_wake_phrase: bool | None) -> list:
        out: list = []
        need = self.recognizer.config.require_wake_phrase if require_wake_phrase is None else require_wake_phrase
        for ev in events:
            if isinstance(ev, SpeechStarted):
                self._early = None
                self._reset_stream()
                out.append(ev)
            elif isinstance(ev, SilenceStarted):
                res, timing = self._decode(ev.audio, ev.speech_end_s, ev.at_s)
                self._early = (ev.speech_end_s, res, timing)
            elif isinstance(ev, Utterance):
                early = self._early is not None and abs(self._early[0] - ev.speech_end_s) < 1e-6 and not ev.truncated
                if early:
                    _, res, timing = self._early
                else:
                    res, timing = self._decode(ev.audio, ev.speech_end_s, ev.endpoint_s)
                timing.endpoint_s = ev.endpoint_s
                committed = self.agreement.text if timing.committed_words else ""
                self._early = None
                self._reset_stream()
                self._apply_wake(res, ev, need)
                out.append(SessionResult(transcript=res, utterance=ev, early=early, decode_wall_s=timing.decode_wall_s,
                                         decode_start_s=timing.trigger_s, timing=timing, committed=committed))
        return out

    def _apply_wake(self, res: TranscriptResult, utt: Utterance, need: bool) -> None:
        """Wake-phrase policy over utterances: 'robot' alone arms the next utterance."""
        cfg = self.recognizer.config
        if not cfg.wake_phrase.strip() or not need or res.error_code != 0:
            return
        if res.wake_phrase_heard and not normalize(res.text):
            self._armed_until = utt.endpoint_s + self.wake_window_s
            res.is_command = False
            return
        if res.wake_phrase_heard:
            ok = True
        elif utt.start_s <= self._armed_until:
            ok, res.wake_phrase_heard = True, True
        else:
            ok = False
        self._armed_until = -1.0
        if not ok:
            res.is_command = False
            res.error_msg = "; ".join(filter(None, [f"wake phrase {cfg.wake_phrase!r} not heard", res.error_msg]))
