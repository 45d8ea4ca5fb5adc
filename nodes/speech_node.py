"""Speech node: voice commands -> transcripts with Whisper, offline.

Sources (parameter ``source``):
- ``topic``: ``promptbot_msgs/msg/AudioData`` on ``/audio/audio`` (s16le/f32le, any rate and
  channel count; downmixed and resampled to 16 kHz mono);
- ``microphone``: the default (or ``mic_device``) input via the optional ``sounddevice``
  package (PortAudio);
- ``none``: files only.
WAV files on this machine: service ``/speech/transcribe_file`` (TranscribeFile).

Streaming audio goes through Silero VAD endpointing (pre-roll, end after
``end_silence_ms`` of silence, ``max_utterance_s``), then Whisper with the world's
vocabulary as hotwords and n-best rescoring. Every utterance is published as a
``Transcript`` on ``/speech/transcript`` (EVENTS QoS); ``is_command`` is true only for
confident speech (and the wake phrase, when required). ``/speech/listen``
(promptbot_msgs/action/Listen) waits for one utterance with live partial feedback.

With ``streaming: true`` the utterance is re-decoded while the person speaks and the words
two partial decodes agree on are committed, so the final decode only searches the tail.
The n-best (after rescoring against the command language and the live scene from
``scene_topic``) goes out in ``Transcript.nbest_*``. Every transcript's latency is split
into VAD wait, queueing and decode in the log (``latency:`` lines); the model is warmed
up before the node reports ready, so the first command is not slower than later ones.
Scheduling: ``nice`` lowers (positive) or, with the privilege, raises (negative) the
priority of the decoding (every thread and the node's scheduling autogroup:
:mod:`promptbot.priority`); ``cpu_affinity`` pins the process to the given CPUs.

The recognition logic is in :mod:`promptbot.speech` (no ROS); this file converts messages.
"""
from __future__ import annotations

import collections
import gc
import logging
import os
import queue
import threading
import time

import numpy as np
from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.duration import Duration
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from std_msgs.msg import Bool

from promptbot_msgs.action import Listen
from promptbot_msgs.msg import AudioData, SceneState, Transcript
from promptbot_msgs.srv import TranscribeFile
from promptbot.priority import set_node_priority
from promptbot.ros.params import ParamSpec, declare_params
from promptbot.ros.spin import spin_node
from promptbot.ros.qos import EVENTS
from promptbot.speech.audio import SAMPLE_RATE, BadAudioError, PcmConverter
from promptbot.speech.recognizer import OK, RecognizerConfig, TranscriptResult, transcribe_file
from promptbot.speech.stream import EndpointConfig, SessionResult, SpeechSession, SpeechStarted, StreamingConfig
from promptbot.speech.vocab import Vocabulary
from promptbot.vocab import SCENE_WORDS

AUDIO_TOPIC = "/audio/audio"
TRANSCRIPT_TOPIC = "/speech/transcript"
LISTENING_TOPIC = "/speech/listening"
TRANSCRIBE_SERVICE = "/speech/transcribe_file"
LISTEN_ACTION = "/speech/listen"
MAX_QUEUED_AUDIO_S = 60.0  # [s] audio buffered while the recogniser is busy; older is dropped

AUDIO_QOS_RELIABLE = QoSProfile(
    history=HistoryPolicy.KEEP_LAST, depth=200, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.VOLATILE
)
AUDIO_QOS_BEST_EFFORT = QoSProfile(
    history=HistoryPolicy.KEEP_LAST, depth=200, reliability=ReliabilityPolicy.BEST_EFFORT, durability=DurabilityPolicy.VOLATILE
)

_R = RecognizerConfig()
_E = EndpointConfig()
_S = StreamingConfig()
SPECS = [
    ParamSpec("model", "tiny.en", "Whisper model: tiny.en | base | CTranslate2 directory | faster-whisper name", read_only=True),
    ParamSpec("backend", "faster-whisper", "ASR backend", choices=["faster-whisper"], read_only=True),
    ParamSpec("compute_type", "int8", "CTranslate2 compute type",
              choices=["int8", "int8_float32", "int8_float16", "float16", "float32", "default"], read_only=True),
    ParamSpec("device", "cpu", "inference device", choices=["cpu", "cuda", "auto"], read_only=True),
    ParamSpec("cpu_threads", 2, "decoder CPU threads", min=0, max=64, read_only=True),
    ParamSpec("nice", -10, "nice value of the node (its threads and its scheduling autogroup): the decode is on "
              "the path from the end of speech to the arm's first motion and runs in bursts, so it goes first "
              "(negative needs CAP_SYS_NICE; without it the priority stays and a warning says so; 0 = unchanged)",
              min=-20, max=19, read_only=True),
    ParamSpec("cpu_affinity", "", "comma-separated CPU indices the node may run on ('' = all)", read_only=True),
    ParamSpec("warm_up", True, "decode a second of quiet noise before ready (first command not slower)",
              read_only=True),
    ParamSpec("streaming", _S.enabled, "decode while the person speaks (LocalAgreement-2 commit of stable words)"),
    ParamSpec("stream_interval_s", _S.interval_s, "audio between two partial decodes while speaking [s]",
              min=0.1, max=10.0),
    ParamSpec("stream_min_audio_s", _S.min_audio_s, "speech before the first partial decode [s]", min=0.0, max=10.0),
    ParamSpec("stream_prefix", _S.use_prefix, "the final decode continues after the committed words"),
    ParamSpec("source", "topic", "live audio source", choices=["topic", "microphone", "none"], read_only=True),
    ParamSpec("audio_topic", AUDIO_TOPIC, "AudioData topic (source=topic)", read_only=True),
    ParamSpec("audio_reliable", True, "subscribe to audio with reliable QoS (false: best effort)", read_only=True),
    ParamSpec("mic_device", "", "sounddevice input device name or index ('' = default)", read_only=True),
    ParamSpec("mic_rate", 16000, "microphone sample rate [Hz]", min=8000, max=192000, read_only=True),
    ParamSpec("scene_topic", "", "SceneState topic whose labels/colours become the vocabulary ('' = off)", read_only=True),
    ParamSpec("language", _R.language, "spoken language ('' = detect; English-only models ignore it)"),
    ParamSpec("beam_size", _R.beam_size, "beam width", min=1, max=16),
    ParamSpec("n_best", _R.n_best, "hypotheses kept for rescoring (<= beam_size)", min=1, max=16),
    ParamSpec("use_hotwords", _R.use_hotwords, "bias the decoder towards the vocabulary"),
    ParamSpec("use_initial_prompt", _R.use_initial_prompt, "give the decoder a command-style sentence as context"),
    ParamSpec("hotwords", "", "extra comma-separated words added to the vocabulary"),
    ParamSpec("rescore", _R.rescore, "rerank the n-best against the command language"),
    ParamSpec("lm_weight", _R.lm_weight, "weight of the command-language model in rescoring", min=0.0, max=5.0),
    ParamSpec("scene_weight", _R.scene_weight, "weight of the live-scene grammar in rescoring (0 = off)",
              min=0.0, max=5.0),
    ParamSpec("min_confidence", _R.min_confidence, "exp(avg log-prob) needed for a command", min=0.0, max=1.0),
    ParamSpec("min_confidence_in_domain", _R.min_confidence_in_domain,
              "lower floor for a transcript that reads as a command (all words in the lexicon, likely under the "
              "command-language model); >= min_confidence: off", min=0.0, max=1.0),
    ParamSpec("max_no_speech_prob", _R.max_no_speech_prob, "no-speech probability above which it is not a command",
              min=0.0, max=1.0),
    ParamSpec("vad_threshold", _E.threshold, "Silero speech probability that starts speech", min=0.05, max=0.95),
    ParamSpec("vad_neg_threshold", _E.neg_threshold, "Silero probability below which a frame is silence",
              min=0.01, max=0.95),
    ParamSpec("start_ms", _E.start_ms, "speech needed to start an utterance [ms]", min=0.0, max=2000.0),
    ParamSpec("end_silence_ms", _E.end_silence_ms, "silence that ends an utterance [ms]", min=64.0, max=5000.0),
    ParamSpec("pre_roll_ms", _E.pre_roll_ms, "audio kept before the detected start [ms]", min=0.0, max=2000.0),
    ParamSpec("post_roll_ms", _E.post_roll_ms, "audio kept after the last speech [ms]", min=0.0, max=2000.0),
    ParamSpec("max_utterance_s", _E.max_utterance_s, "longest utterance before it is cut [s]", min=0.5, max=30.0),
    ParamSpec("min_speech_ms", _E.min_speech_ms, "shorter speech is dropped as a blip [ms]", min=0.0, max=5000.0),
    ParamSpec("early_decode_ms", _E.early_decode_ms, "silence after which a tentative decode starts (0 = off) [ms]",
              min=0.0, max=4000.0),
    ParamSpec("wake_phrase", _R.wake_phrase, "wake phrase, e.g. 'robot' ('' = none); stripped from the text"),
    ParamSpec("require_wake_phrase", _R.require_wake_phrase, "is_command only after the wake phrase"),
    ParamSpec("wake_window_s", 8.0, "after the wake phrase alone, the next utterance counts as addressed [s]",
              min=0.0, max=60.0),
    ParamSpec("listening_topic", LISTENING_TOPIC, "std_msgs/Bool: true when an utterance starts, false once its "
              "transcript is out (or it was dropped); the safety node holds the arm meanwhile ('' = off)",
              read_only=True),
    ParamSpec("partial_interval_s", 1.0, "period of partial transcripts during Listen (0 = off) [s]", min=0.0, max=10.0),
    ParamSpec("listen_timeout_s", 10.0, "default Listen timeout for speech to start [s]", min=0.5, max=600.0),
]


def to_msg(res: TranscriptResult, stamp) -> Transcript:
    msg = Transcript()
    msg.header.stamp = stamp
    msg.text = res.text
    msg.confidence = float(res.confidence)
    msg.no_speech_prob = float(res.no_speech_prob)
    msg.language = res.language
    msg.audio_duration = float(res.audio_duration)
    msg.processing_time = float(res.processing_time)
    msg.is_command = bool(res.is_command and res.error_code == OK)
    msg.error_code = int(res.error_code)
    msg.error_msg = res.error_msg
    msg.nbest_text = [str(h["text"]) for h in res.nbest]
    msg.nbest_confidence = [float(h["confidence"]) for h in res.nbest]
    msg.nbest_decoder_rank = [int(h["decoder_rank"]) for h in res.nbest]
    return msg


class _ListenGoal:
    """State shared between the worker thread and one Listen goal."""

    def __init__(self, require_wake: bool):
        self.require_wake = require_wake
        self.started = threading.Event()
        self.done = threading.Event()
        self.result: TranscriptResult | None = None
        self.state = "waiting"
        self.partial = ""
        self.speech_s = 0.0


class SpeechNode(Node):
    def __init__(self):
        super().__init__("speech_node")
        self.params = declare_params(self, SPECS, on_change=self._on_param)
        p = self.params
        from promptbot.speech import load_recognizer

        self._apply_scheduling()
        self._scene_objects: tuple = ()  # (label, colour) of the objects in the live scene
        self._vocab_extra = self._extra_words()
        self.recognizer = load_recognizer(
            p.model, p.compute_type, p.cpu_threads, self._recognizer_config(), self._vocabulary(),
            backend=p.backend,
        )
        self.session = SpeechSession(self.recognizer, self._endpoint_config(), wake_window_s=p.wake_window_s,
                                     streaming=self._streaming_config())
        if p.warm_up:
            self.get_logger().info(f"ASR warmed up in {self.session.warm_up():.2f} s")
        self.get_logger().info(f"ASR ready: {self.recognizer.backend.describe()}")
        gc.freeze()         # the model's objects are permanent: the collector stops walking them on every pass
        self._rebuild = False
        self._converter = PcmConverter()
        self._queue: queue.Queue[np.ndarray] = queue.Queue()
        self._queued_samples = 0  # guarded by _queue_lock
        self._queue_lock = threading.Lock()
        self._goal_lock = threading.Lock()
        self._goal: _ListenGoal | None = None
        self._last_partial = 0.0  # [s] stream time of the last partial transcript
        self._bad_audio_logged = 0.0
        # (stream time at the chunk's end [s], monotonic time it arrived [s]) for the queueing breakdown
        self._arrivals: collections.deque[tuple[float, float]] = collections.deque(maxlen=4000)
        self._stream_s = 0.0  # [s] audio enqueued so far (16 kHz), guarded by _queue_lock
        self._consumed_s = 0.0  # [s] audio fed to the session so far (worker thread)
        self._reset_at_s = 0.0  # [s] _consumed_s when the endpointer's clock last restarted at 0

        self.pub = self.create_publisher(Transcript, TRANSCRIPT_TOPIC, EVENTS)
        self._listening = False
        self.pub_listening = (self.create_publisher(Bool, p.listening_topic, EVENTS)
                              if p.listening_topic else None)
        self._audio_group = MutuallyExclusiveCallbackGroup()
        self._service_group = MutuallyExclusiveCallbackGroup()
        self._action_group = ReentrantCallbackGroup()
        self.create_service(TranscribeFile, TRANSCRIBE_SERVICE, self._on_transcribe_file, callback_group=self._service_group)
        self._action = ActionServer(
            self, Listen, LISTEN_ACTION, execute_callback=self._execute_listen, goal_callback=lambda _g: GoalResponse.ACCEPT,
            cancel_callback=lambda _g: CancelResponse.ACCEPT, callback_group=self._action_group,
        )
        if p.scene_topic:
            self.create_subscription(SceneState, p.scene_topic, self._on_scene, 1, callback_group=self._audio_group)
        self._mic = None
        if p.source == "topic":
            qos = AUDIO_QOS_RELIABLE if p.audio_reliable else AUDIO_QOS_BEST_EFFORT
            self.create_subscription(AudioData, p.audio_topic, self._on_audio, qos, callback_group=self._audio_group)
        elif p.source == "microphone":
            self._mic = self._open_microphone()
        self._running = True
        self._worker = threading.Thread(target=self._work, name="speech-worker", daemon=True)
        self._worker.start()

    # ---- configuration ----
    def _apply_scheduling(self) -> None:
        p = self.params
        if p.cpu_affinity.strip():
            try:
                cpus = {int(c) for c in p.cpu_affinity.split(",") if c.strip()}
                os.sched_setaffinity(0, cpus)
                self.get_logger().info(f"speech node pinned to CPUs {sorted(cpus)}")
            except (ValueError, OSError) as exc:
                self.get_logger().error(f"cpu_affinity {p.cpu_affinity!r} not applied: {exc}")
        set_node_priority(p.nice, self.get_logger(), "speech node")

    def _vocabulary(self) -> Vocabulary:
        if self._scene_objects:
            return Vocabulary.from_objects(self._scene_objects, extra=self._vocab_extra)
        return Vocabulary(extra=self._vocab_extra)

    def _streaming_config(self) -> StreamingConfig:
        p = self.params
        return StreamingConfig(enabled=p.streaming, interval_s=p.stream_interval_s, min_audio_s=p.stream_min_audio_s,
                               use_prefix=p.stream_prefix)

    def _extra_words(self) -> tuple[str, ...]:
        return tuple(SCENE_WORDS) + tuple(w.strip() for w in self.params.hotwords.split(",") if w.strip())

    def _recognizer_config(self) -> RecognizerConfig:
        p = self.params
        return RecognizerConfig(
            language=p.language, beam_size=p.beam_size, n_best=min(p.n_best, p.beam_size), use_hotwords=p.use_hotwords,
            use_initial_prompt=p.use_initial_prompt,
            rescore=p.rescore, lm_weight=p.lm_weight, scene_weight=p.scene_weight, min_confidence=p.min_confidence,
            min_confidence_in_domain=min(p.min_confidence_in_domain, p.min_confidence),
            max_no_speech_prob=p.max_no_speech_prob, vad_threshold=p.vad_threshold, wake_phrase=p.wake_phrase,
            require_wake_phrase=p.require_wake_phrase and bool(p.wake_phrase.strip()),
        )

    def _endpoint_config(self) -> EndpointConfig:
        p = self.params
        return EndpointConfig(
            threshold=p.vad_threshold, neg_threshold=min(p.vad_neg_threshold, p.vad_threshold), start_ms=p.start_ms,
            end_silence_ms=p.end_silence_ms, pre_roll_ms=p.pre_roll_ms, post_roll_ms=p.post_roll_ms,
            max_utterance_s=p.max_utterance_s, min_speech_ms=p.min_speech_ms,
            early_decode_ms=p.early_decode_ms if p.early_decode_ms < p.end_silence_ms else 0.0,
        )

    def _on_param(self, name: str, _value) -> None:
        self._rebuild = True  # applied by the worker between chunks

    def _apply_rebuild(self) -> None:
        self._rebuild = False
        try:
            self.recognizer.config = self._recognizer_config()
            self.session.endpointer.config = self._endpoint_config()
            self.session.wake_window_s = self.params.wake_window_s
            self.session.streaming = self._streaming_config()
            self._vocab_extra = self._extra_words()
            self.recognizer.vocabulary = self._vocabulary()
            self.session.endpointer.reset()
            self._reset_at_s = self._consumed_s
            self.get_logger().info("speech parameters updated")
        except ValueError as exc:
            self.get_logger().error(f"parameter combination rejected, keeping the previous settings: {exc}")

    def _on_scene(self, msg: SceneState) -> None:
        objects = tuple(sorted({(o.label, o.color) for o in msg.objects if o.label}))
        if objects and objects != self._scene_objects:  # the live scene: its names and colours bias decoding
            self._scene_objects = objects
            self.recognizer.vocabulary = self._vocabulary()

    # ---- sources ----
    def _on_audio(self, msg: AudioData) -> None:
        try:
            audio = self._converter.convert(bytes(msg.data), msg.sample_rate, msg.channels, msg.encoding)
        except BadAudioError as exc:
            now = time.monotonic()
            if now - self._bad_audio_logged > 5.0:  # do not flood the log at audio rate
                self._bad_audio_logged = now
                self.get_logger().warning(f"dropping bad AudioData on {self.params.audio_topic}: {exc}")
            return
        self._enqueue(audio)

    def _enqueue(self, audio: np.ndarray) -> None:
        if audio.size == 0:
            return
        with self._queue_lock:
            if self._queued_samples > MAX_QUEUED_AUDIO_S * SAMPLE_RATE:
                self.get_logger().warning("recogniser is behind by more than 60 s of audio: dropping audio")
                return
            self._queued_samples += audio.size
            self._stream_s += audio.size / SAMPLE_RATE
            self._arrivals.append((self._stream_s, time.monotonic()))
        self._queue.put(audio)

    def _open_microphone(self):
        try:
            import sounddevice as sd
        except (ImportError, OSError) as exc:
            self.get_logger().error(
                "source=microphone needs the optional package 'sounddevice' and the PortAudio library "
                f"(pip install sounddevice; apt install libportaudio2): {exc}. No live audio; "
                f"{TRANSCRIBE_SERVICE} still works."
            )
            return None
        p = self.params
        device = None if p.mic_device == "" else (int(p.mic_device) if p.mic_device.isdigit() else p.mic_device)
        conv = PcmConverter()

        def callback(indata, frames, time_info, status):
            if status:
                self.get_logger().warning(f"microphone: {status}")
            data = np.ascontiguousarray(indata, dtype="<f4")
            self._enqueue(conv.convert(data.tobytes(), p.mic_rate, data.shape[1], "f32le"))

        try:
            stream = sd.InputStream(samplerate=p.mic_rate, channels=1, dtype="float32", device=device,
                                    blocksize=int(p.mic_rate * 0.02), callback=callback)
            stream.start()
        except Exception as exc:  # PortAudio errors: no device, bad rate
            self.get_logger().error(f"cannot open microphone {p.mic_device or '(default)'}: {exc}")
            return None
        self.get_logger().info(f"listening on microphone {p.mic_device or '(default)'} at {p.mic_rate} Hz")
        return stream

    # ---- recognition worker ----
    def _work(self) -> None:
        while self._running:
            try:
                chunk = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            with self._queue_lock:
                self._queued_samples -= chunk.size
            if self._rebuild:
                self._apply_rebuild()
            goal = self._goal
            try:
                events = self.session.feed(chunk, require_wake_phrase=goal.require_wake if goal else None,
                                           allow_partial=self._queued_samples < 0.1 * SAMPLE_RATE)
            except Exception as exc:  # never let the worker die on one chunk
                self.get_logger().error(f"speech pipeline error: {exc}")
                self.session.endpointer.reset()
                self._consumed_s += chunk.size / SAMPLE_RATE
                self._reset_at_s = self._consumed_s
                continue
            self._consumed_s += chunk.size / SAMPLE_RATE
            for ev in events:
                if isinstance(ev, SpeechStarted):
                    self._set_listening(True)
                    if goal is not None:
                        goal.state = "speech"
                        goal.started.set()
                elif isinstance(ev, SessionResult):
                    self._publish_result(ev)
                    self._set_listening(self.session.endpointer.in_speech)
            if self._listening and not self.session.endpointer.in_speech:
                self._set_listening(False)      # a blip dropped without a transcript
            if goal is not None and not goal.done.is_set():
                self._update_partial(goal)

    def _set_listening(self, on: bool) -> None:
        if on != self._listening and self.pub_listening is not None:
            self.pub_listening.publish(Bool(data=on))
        self._listening = on

    def _arrival(self, stream_s: float) -> float | None:
        """Monotonic time at which the audio at stream time ``stream_s`` arrived (None: too old)."""
        with self._queue_lock:
            for end_s, wall in self._arrivals:
                if end_s >= stream_s - 1e-6:
                    return wall
        return None

    def _latency_breakdown(self, ev: SessionResult) -> str:
        """Where the time from the end of speech to this transcript went (logged per utterance)."""
        t = ev.timing
        now = time.monotonic()
        end_wall = self._arrival(self._reset_at_s + t.speech_end_s)  # the end of speech arrived (± one chunk)
        trig_wall = self._arrival(self._reset_at_s + t.trigger_s)
        if end_wall is None or trig_wall is None:
            return "latency: n/a (audio history too short)"
        vad_wait = trig_wall - end_wall  # silence the VAD needed before the decode was triggered
        queued = t.decode_start_wall - trig_wall  # the trigger audio waited in the queue / behind a decode
        return (f"latency: end of speech -> transcript {now - end_wall:.2f} s = VAD wait {vad_wait:.2f} + "
                f"queue {queued:.2f} + decode {t.decode_wall_s:.2f} (CPU share {t.cpu_share:.2f}) + until the "
                f"VAD closed the utterance {now - t.decode_end_wall:.2f}" + (f"; streaming {t.partial_decodes} partial decodes "
                f"({t.partial_wall_s:.2f} s), {t.committed_words} words committed" if t.partial_decodes else ""))

    def _publish_result(self, ev: SessionResult) -> None:
        res = ev.transcript
        lag_s = max(0.0, self.session.endpointer.time_s - ev.utterance.speech_end_s)
        stamp = (self.get_clock().now() - Duration(seconds=lag_s)).to_msg()
        self.pub.publish(to_msg(res, stamp))
        self.get_logger().info(self._latency_breakdown(ev))
        self.get_logger().info(
            f"[{res.code_name}{', command' if res.is_command else ''}] {res.text!r} conf={res.confidence:.2f} "
            f"nsp={res.no_speech_prob:.2f} {res.audio_duration:.2f}s audio, decode {ev.decode_wall_s:.2f}s"
            f"{' (early)' if ev.early else ''}{'; ' + res.error_msg if res.error_msg else ''}"
        )
        goal = self._goal
        if goal is None or goal.done.is_set():
            return
        if goal.require_wake and not res.wake_phrase_heard:
            goal.state = "waiting"  # not addressed to the robot (or the wake phrase alone): keep listening
            return
        if goal.require_wake and not res.text.strip() and res.error_code == OK:
            return
        goal.result = res
        goal.done.set()

    def _update_partial(self, goal: _ListenGoal) -> None:
        ep = self.session.endpointer
        goal.speech_s = ep.speech_duration_s()
        interval = self.params.partial_interval_s
        # the interval is in audio time, and partials only run when the worker has caught up,
        # so a slow decode never makes the recogniser fall behind the audio
        if not ep.in_speech or interval <= 0 or ep.time_s - self._last_partial < interval:
            return
        if self._queued_samples > 0.1 * SAMPLE_RATE:
            return
        self._last_partial = ep.time_s
        if self.session.streaming.enabled:  # the streaming decodes already give the partial text
            part = self.session.last_partial
        else:
            part = self.session.partial()
        if part is not None and part.text:
            goal.partial = part.text

    # ---- service ----
    def _on_transcribe_file(self, request: TranscribeFile.Request, response: TranscribeFile.Response):
        try:
            res = transcribe_file(self.recognizer, request.path)
        except FileNotFoundError as exc:
            response.error_code = TranscribeFile.Response.NOT_FOUND
            response.error_msg = str(exc)
            response.transcript = to_msg(TranscriptResult(error_code=Transcript.BAD_AUDIO, error_msg=str(exc)),
                                         self.get_clock().now().to_msg())
            return response
        msg = to_msg(res, self.get_clock().now().to_msg())
        response.transcript = msg
        response.error_code = TranscribeFile.Response.BAD_AUDIO if res.error_code == Transcript.BAD_AUDIO else TranscribeFile.Response.OK
        response.error_msg = res.error_msg
        if request.publish:
            self.pub.publish(msg)
        self.get_logger().info(f"file {request.path}: [{res.code_name}] {res.text!r} conf={res.confidence:.2f}")
        return response

    # ---- action ----
    def _execute_listen(self, goal_handle):
        req = goal_handle.request
        result = Listen.Result()
        with self._goal_lock:
            busy = self._goal is not None
            if not busy:
                goal = _ListenGoal(req.require_wake_phrase and bool(self.params.wake_phrase.strip()))
                self._goal = goal
        if busy:
            result.error_code, result.error_msg = Listen.Result.BUSY, "another Listen goal is active"
            goal_handle.abort()
            return result
        if req.require_wake_phrase and not self.params.wake_phrase.strip():
            self.get_logger().warning("Listen asked for a wake phrase but the wake_phrase parameter is empty")
        if self.params.source == "none" or (self.params.source == "microphone" and self._mic is None):
            with self._goal_lock:
                self._goal = None
            result.error_code, result.error_msg = Listen.Result.TIMEOUT, "no live audio source (source parameter)"
            goal_handle.abort()
            return result
        timeout = req.timeout if req.timeout > 0 else self.params.listen_timeout_s
        t0 = time.monotonic()
        hard_deadline = t0 + timeout + self.params.max_utterance_s + 30.0  # speech started: allow it to finish
        feedback = Listen.Feedback()
        try:
            while True:
                if goal.done.wait(0.1):
                    result.error_code, result.transcript = Listen.Result.OK, to_msg(goal.result, self.get_clock().now().to_msg())
                    goal_handle.succeed()
                    return result
                if goal_handle.is_cancel_requested:
                    result.error_code, result.error_msg = Listen.Result.CANCELED, "canceled"
                    goal_handle.canceled()
                    return result
                now = time.monotonic()
                started = goal.started.is_set() or self.session.endpointer.in_speech
                if (not started and now - t0 > timeout) or now > hard_deadline:
                    result.error_code = Listen.Result.TIMEOUT
                    result.error_msg = f"no speech within {timeout:.1f} s" if not started else "no result in time"
                    goal_handle.abort()
                    return result
                feedback.state = goal.state if not self.session.endpointer.in_speech else "speech"
                if started and not self.session.endpointer.in_speech and not goal.done.is_set():
                    feedback.state = "transcribing" if goal.state == "speech" else goal.state
                feedback.partial_text = goal.partial
                feedback.speech_duration = float(goal.speech_s)
                if not self._running:
                    result.error_code, result.error_msg = Listen.Result.CANCELED, "speech node shutting down"
                    goal_handle.abort()
                    return result
                goal_handle.publish_feedback(feedback)
        finally:
            with self._goal_lock:
                self._goal = None

    def destroy_node(self):
        self._running = False
        if self._mic is not None:
            try:
                self._mic.stop()
                self._mic.close()
            except Exception:
                pass
        self._worker.join(timeout=2.0)
        self._action.destroy()
        return super().destroy_node()


def main(args=None) -> None:
    from promptbot.speech.backend import BackendUnavailable
    from promptbot.speech.models import ModelError

    logging.basicConfig(level=logging.INFO)
    # a bad model or parameter: one line saying why, exit 1 (no traceback)
    spin_node(SpeechNode, "speech_node", threads=4, startup_errors=(ModelError, BackendUnavailable),
              args=args)


if __name__ == "__main__":
    main()
