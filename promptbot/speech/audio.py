"""Audio plumbing with numpy only: PCM decoding, downmixing, resampling, WAV files.

Everything downstream works on float32 mono at ``SAMPLE_RATE`` (16 kHz) in [-1, 1].
"""
from __future__ import annotations

import math
import os
import wave
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000  # [Hz] what Whisper and Silero VAD take
MIN_RATE = 4_000  # [Hz] lowest input rate accepted
MAX_RATE = 384_000  # [Hz] highest input rate accepted
MAX_CHANNELS = 32
ENCODINGS = {"s16le": ("<i2", 32768.0), "f32le": ("<f4", 1.0)}
CLIP_LEVEL = 0.999  # |x| at or above this counts as clipped
CLIP_FRACTION_WARN = 0.005  # warn when more than 0.5 % of samples are clipped


class BadAudioError(ValueError):
    """Audio that cannot be decoded (bad encoding, rate, channel count, header, values)."""


def decode_pcm(data: bytes, encoding: str, channels: int) -> np.ndarray:
    """Interleaved PCM bytes -> float32 array of shape (frames, channels)."""
    if encoding not in ENCODINGS:
        raise BadAudioError(f"unsupported encoding {encoding!r}; use one of {sorted(ENCODINGS)}")
    if not 1 <= channels <= MAX_CHANNELS:
        raise BadAudioError(f"channel count must be 1..{MAX_CHANNELS}, got {channels}")
    dtype, scale = ENCODINGS[encoding]
    width = np.dtype(dtype).itemsize * channels
    if len(data) % width:
        raise BadAudioError(f"{len(data)} bytes is not a whole number of {encoding} frames of {channels} channel(s)")
    x = np.frombuffer(bytes(data), dtype=dtype).astype(np.float32)
    if encoding == "f32le" and x.size and not np.all(np.isfinite(x)):
        raise BadAudioError("f32le audio contains NaN or infinite samples")
    if scale != 1.0:
        x /= scale
    return x.reshape(-1, channels)


def downmix(frames: np.ndarray) -> np.ndarray:
    """(frames, channels) or (frames,) -> mono float32 (average of the channels)."""
    x = np.asarray(frames, dtype=np.float32)
    if x.ndim == 1:
        return x
    if x.ndim != 2:
        raise BadAudioError(f"audio must be 1-D or (frames, channels), got shape {x.shape}")
    return x.mean(axis=1, dtype=np.float32) if x.shape[1] > 1 else x[:, 0].copy()


def check_rate(rate: int) -> int:
    if not MIN_RATE <= int(rate) <= MAX_RATE:
        raise BadAudioError(f"sample rate must be {MIN_RATE}..{MAX_RATE} Hz, got {rate}")
    return int(rate)


def _lowpass(cutoff: float, taps: int) -> np.ndarray:
    """Windowed-sinc low-pass FIR; ``cutoff`` as a fraction of the input rate (0..0.5)."""
    n = np.arange(taps) - (taps - 1) / 2.0
    h = 2.0 * cutoff * np.sinc(2.0 * cutoff * n) * np.blackman(taps)
    return (h / h.sum()).astype(np.float32)


class StreamResampler:
    """Stateful resampler for chunked audio: anti-alias FIR then linear interpolation.

    Chunks of any size give the same output as one call on the whole signal.
    """

    def __init__(self, in_rate: int, out_rate: int = SAMPLE_RATE, taps: int = 63):
        self.in_rate = check_rate(in_rate)
        self.out_rate = check_rate(out_rate)
        self.step = self.in_rate / self.out_rate  # input samples per output sample
        self._fir = _lowpass(0.45 * self.out_rate / self.in_rate, taps) if self.in_rate > self.out_rate else None
        self.reset()

    def reset(self) -> None:
        self._tail = np.zeros(0 if self._fir is None else len(self._fir) - 1, dtype=np.float32)
        self._buf = np.zeros(0, dtype=np.float32)  # filtered input not yet consumed
        self._pos = 0.0  # position of the next output sample in _buf

    def process(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32).reshape(-1)
        if self.in_rate == self.out_rate:
            return x.copy()
        if self._fir is not None:
            padded = np.concatenate([self._tail, x])
            self._tail = padded[len(padded) - (len(self._fir) - 1):] if len(self._fir) > 1 else self._tail
            x = np.convolve(padded, self._fir, mode="valid").astype(np.float32) if len(padded) >= len(self._fir) else np.zeros(0, np.float32)
        buf = np.concatenate([self._buf, x])
        n = len(buf)
        if n < 2 or self._pos >= n - 1:
            self._buf = buf
            return np.zeros(0, dtype=np.float32)
        count = int(math.ceil((n - 1 - self._pos) / self.step))
        t = self._pos + self.step * np.arange(count)
        i = np.floor(t).astype(np.int64)
        frac = (t - i).astype(np.float32)
        out = buf[i] * (1.0 - frac) + buf[np.minimum(i + 1, n - 1)] * frac
        nxt = self._pos + self.step * count
        drop = min(int(math.floor(nxt)), n - 1)  # keep the sample the next output interpolates from
        self._buf = buf[drop:]
        self._pos = nxt - drop
        return out.astype(np.float32)


def resample(x: np.ndarray, in_rate: int, out_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Resample a whole mono signal (same filter as the streaming path)."""
    if int(in_rate) == int(out_rate):
        return np.asarray(x, dtype=np.float32)
    r = StreamResampler(in_rate, out_rate)
    # the FIR delays by (taps - 1) / 2 input samples: feed zeros to flush, then trim the delay
    delay = 0 if r._fir is None else (len(r._fir) - 1) // 2
    y = r.process(np.concatenate([np.asarray(x, np.float32), np.zeros(delay + 2, np.float32)]))
    skip = int(round(delay / r.step))
    want = int(round(len(x) * out_rate / in_rate))
    return y[skip:skip + want]


class PcmConverter:
    """Stream of PCM messages in any encoding/rate/channels -> 16 kHz mono float32.

    Resets itself when the stream's format changes.
    """

    def __init__(self, out_rate: int = SAMPLE_RATE):
        self.out_rate = out_rate
        self._format: tuple[int, int, str] | None = None
        self._resampler: StreamResampler | None = None

    def convert(self, data: bytes, sample_rate: int, channels: int, encoding: str) -> np.ndarray:
        fmt = (check_rate(sample_rate), int(channels), encoding)
        mono = downmix(decode_pcm(data, encoding, int(channels)))
        if fmt != self._format:
            self._format = fmt
            self._resampler = StreamResampler(fmt[0], self.out_rate)
        return self._resampler.process(mono)


@dataclass
class LoadedAudio:
    samples: np.ndarray  # float32 mono at SAMPLE_RATE
    source_rate: int  # [Hz]
    source_channels: int
    duration_s: float  # [s] at the source rate
    clipped_fraction: float  # share of source samples at full scale


def clipped_fraction(x: np.ndarray) -> float:
    return float(np.mean(np.abs(x) >= CLIP_LEVEL)) if x.size else 0.0


def load_wav(path: str | os.PathLike) -> LoadedAudio:
    """Read a WAV (or anything libsndfile reads) into 16 kHz mono float32.

    Raises FileNotFoundError for a missing file and BadAudioError for anything unreadable.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such audio file: {path}")
    try:
        import soundfile as sf
    except ImportError:  # pragma: no cover - soundfile is optional; PCM16 WAV still works
        sf = None
    try:
        if sf is not None:
            data, rate = sf.read(path, dtype="float32", always_2d=True)
            channels = data.shape[1]
        else:
            with wave.open(path, "rb") as w:
                if w.getsampwidth() != 2:
                    raise BadAudioError("only 16-bit PCM WAV can be read without soundfile")
                rate, channels = w.getframerate(), w.getnchannels()
                data = decode_pcm(w.readframes(w.getnframes()), "s16le", channels)
    except BadAudioError:
        raise
    except Exception as exc:  # libsndfile / wave errors: corrupt or unsupported file
        raise BadAudioError(f"cannot read {os.path.basename(path)}: {exc}".strip()) from exc
    rate = check_rate(rate)
    if data.size and not np.all(np.isfinite(data)):
        raise BadAudioError(f"{os.path.basename(path)} contains NaN or infinite samples")
    mono = downmix(data)
    return LoadedAudio(
        samples=resample(mono, rate, SAMPLE_RATE),
        source_rate=rate,
        source_channels=int(channels),
        duration_s=len(mono) / rate,
        clipped_fraction=clipped_fraction(data),
    )
