"""``promptbot transcribe FILE.wav``: transcribe a WAV file with Whisper, offline.

Prints the transcript (or a JSON object with --json). Exit code 0 when the file was
recognised (also for "no speech" / "low confidence" outcomes, which are reported),
1 for unreadable audio or a recogniser failure, 2 for a missing file or bad model.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="audio file (WAV; any rate and channel count)")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    parser.add_argument("--model", default="tiny.en", help="tiny.en | base | a CTranslate2 model directory | a faster-whisper model name")
    parser.add_argument("--compute-type", default="int8", help="CTranslate2 compute type (int8, float32, ...)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for the decoder")
    parser.add_argument("--no-bias", action="store_true", help="no vocabulary hotwords and no n-best rescoring")
    parser.add_argument("--hotwords", default="", help="extra comma-separated words to bias towards")
    parser.add_argument("--wake-phrase", default="", help="strip (and with --require-wake, require) this leading phrase")
    parser.add_argument("--require-wake", action="store_true", help="is_command only when the wake phrase was heard")
    parser.add_argument("--min-confidence", type=float, default=0.5, help="exp(avg log-prob) needed for a command")
    parser.add_argument("-v", "--verbose", action="store_true")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    from promptbot.speech import RecognizerConfig, load_recognizer
    from promptbot.speech.models import ModelError
    from promptbot.speech.recognizer import BAD_AUDIO, ERROR, transcribe_file
    from promptbot.speech.vocab import Vocabulary

    try:
        config = RecognizerConfig(
            use_hotwords=not args.no_bias,
            rescore=not args.no_bias,
            wake_phrase=args.wake_phrase,
            require_wake_phrase=args.require_wake,
            min_confidence=args.min_confidence,
        )
        extra = tuple(w.strip() for w in args.hotwords.split(",") if w.strip())
        recognizer = load_recognizer(args.model, args.compute_type, args.threads, config, Vocabulary(extra=extra))
    except (ModelError, ValueError) as exc:
        print(f"promptbot transcribe: {exc}", file=sys.stderr)
        return 2
    try:
        res = transcribe_file(recognizer, args.file)
    except FileNotFoundError as exc:
        print(f"promptbot transcribe: {exc}", file=sys.stderr)
        return 2
    if args.json:
        d = res.as_dict()
        d["model"] = recognizer.backend.describe()
        print(json.dumps(d, indent=2))
    else:
        if res.error_code == 0:
            print(res.text)
        tag = "command" if res.is_command else "not a command"
        msg = f" ({res.error_msg})" if res.error_msg else ""
        print(
            f"[{res.code_name}, {tag}{msg}; confidence {res.confidence:.2f}, no_speech {res.no_speech_prob:.2f}, "
            f"{res.audio_duration:.2f} s audio in {res.processing_time:.2f} s]",
            file=sys.stderr,
        )
    return 1 if res.error_code in (BAD_AUDIO, ERROR) else 0
