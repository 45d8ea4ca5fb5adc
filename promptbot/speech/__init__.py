"""Offline speech recognition for voice commands (no ROS here).

- ``models``: pinned, hash-checked Whisper weights from registry packages (tiny.en, base).
- ``backend``: the ``AsrBackend`` interface; ``faster_whisper_backend`` implements it,
  and :func:`create_backend` here builds one by name.
- ``audio``: PCM decoding, downmixing, resampling, WAV loading (numpy only).
- ``vad`` / ``stream``: streaming Silero VAD, endpointing, pre-roll, wake phrase.
- ``vocab``: world/skill vocabulary as decoder hotwords and n-best rescoring.
- ``recognizer``: audio -> ``TranscriptResult`` with error codes and ``is_command``.
"""
from promptbot.speech.recognizer import (  # noqa: F401
    BAD_AUDIO,
    ERROR,
    LOW_CONFIDENCE,
    NO_SPEECH,
    OK,
    Recognizer,
    RecognizerConfig,
    TranscriptResult,
)
from promptbot.speech.backend import AsrBackend, BackendUnavailable

BACKENDS = ("faster-whisper",)
NOT_IMPLEMENTED = {
    "openai-whisper": "extension point only: implement AsrBackend with openai-whisper (see promptbot.speech.backend)",
    "tensorrt": "extension point only: a TensorRT (Jetson) backend is not implemented; TensorRT cannot be installed here",
}


def create_backend(name: str = "faster-whisper", **kwargs) -> AsrBackend:
    """Build a backend by name; unknown or unimplemented names raise BackendUnavailable with the reason."""
    if name == "faster-whisper":
        from promptbot.speech.faster_whisper_backend import FasterWhisperBackend

        return FasterWhisperBackend(**kwargs)
    if name in NOT_IMPLEMENTED:
        raise BackendUnavailable(f"ASR backend {name!r}: {NOT_IMPLEMENTED[name]}")
    raise BackendUnavailable(f"unknown ASR backend {name!r}; available: {', '.join(BACKENDS)}")


def load_recognizer(
    model: str = "tiny.en",
    compute_type: str = "int8",
    cpu_threads: int = 2,
    config: RecognizerConfig | None = None,
    vocabulary=None,
    backend: str = "faster-whisper",
    language_model=None,
) -> Recognizer:
    """Build a Recognizer over a backend (loads and verifies the model).

    With rescoring on and no ``language_model`` given, the command-language model is
    trained from ``promptbot.tasks`` instructions when that package is present.
    """
    import logging

    from promptbot.speech.vocab import CommandLanguageModel

    config = config or RecognizerConfig()
    if language_model is None and config.rescore and config.lm_weight > 0:
        try:
            language_model = CommandLanguageModel.from_task_library(vocab=vocabulary)
        except ImportError:
            logging.getLogger(__name__).warning("promptbot.tasks not found: n-best rescoring without a language model")
    be = create_backend(backend, model=model, compute_type=compute_type, cpu_threads=cpu_threads)
    return Recognizer(be, config, vocabulary, language_model)
