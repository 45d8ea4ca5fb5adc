"""A minimal OpenAI-compatible HTTP server over a local :class:`TransformersBackend`.

Serves ``GET /v1/models``, ``POST /v1/completions`` (``echo`` + ``logprobs`` for
prompt scoring, greedy generation up to 64 tokens) and ``POST /v1/chat/completions``
(greedy, with ``top_logprobs``). Stdlib only (http.server), loopback by default.
It exists so the HTTP back-end can be tested against a real model, and so a
second process can share one loaded model::

    python -m promptbot.planning.llm_server --port 8088      # SmolLM2 offline
"""
from __future__ import annotations

import argparse
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from promptbot.planning.llm import TransformersBackend, smollm2_backend

log = logging.getLogger(__name__)
MAX_GEN_TOKENS = 64
MAX_BODY_BYTES = 1 << 20


class _Handler(BaseHTTPRequestHandler):
    backend: TransformersBackend
    lock: threading.Lock
    model_name = "local"

    def log_message(self, fmt, *args):  # route through logging
        log.debug("llm_server: " + fmt, *args)

    def _send(self, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        if self.path.rstrip("/") == "/v1/models":
            self._send(200, {"object": "list", "data": [{"id": self.model_name, "object": "model"}]})
        else:
            self._send(404, {"error": {"message": f"unknown path {self.path}"}})

    def do_POST(self):  # noqa: N802
        try:
            n = int(self.headers.get("Content-Length", "0"))
            if n <= 0 or n > MAX_BODY_BYTES:
                return self._send(400, {"error": {"message": "missing or too large body"}})
            req = json.loads(self.rfile.read(n).decode())
            if not isinstance(req, dict):
                raise ValueError("body must be a JSON object")
            path = self.path.rstrip("/")
            with self.lock:
                if path == "/v1/completions":
                    return self._send(200, self._completions(req))
                if path == "/v1/chat/completions":
                    return self._send(200, self._chat(req))
            return self._send(404, {"error": {"message": f"unknown path {self.path}"}})
        except (ValueError, KeyError, TypeError) as exc:
            return self._send(400, {"error": {"message": str(exc)}})

    def _completions(self, req: dict) -> dict:
        prompts = req.get("prompt", "")
        prompts = [prompts] if isinstance(prompts, str) else list(prompts)
        if not prompts or not all(isinstance(p, str) for p in prompts):
            raise ValueError("prompt must be a string or a list of strings")
        max_tokens = min(int(req.get("max_tokens", 16)), MAX_GEN_TOKENS)
        echo = bool(req.get("echo", False))
        want_lp = req.get("logprobs") is not None
        # a scoring request (echo + logprobs, at most one new token: how clients score a prompt) is answered
        # with the prompt's log-probs alone, all prompts in padded batches; the one new token is not generated
        scoring = echo and want_lp and max_tokens <= 1
        scored = self.backend.token_logprobs_batch(prompts) if want_lp and echo else [None] * len(prompts)
        choices = []
        for i, (p, lp) in enumerate(zip(prompts, scored)):
            text, _ = self.backend.generate(p, max_tokens) if max_tokens > 0 and not scoring else ("", [])
            choice = {"index": i, "text": (p + text) if echo else text, "finish_reason": "length"}
            if lp is not None:
                toks, lps, offs = lp
                choice["logprobs"] = {"tokens": toks, "token_logprobs": lps, "text_offset": offs,
                                      "top_logprobs": None}
            choices.append(choice)
        return {"object": "text_completion", "created": int(time.time()), "model": self.model_name,
                "choices": choices}

    def _chat(self, req: dict) -> dict:
        msgs = req.get("messages")
        if not isinstance(msgs, list) or not msgs:
            raise ValueError("messages must be a non-empty list")
        tok, _ = self.backend._ensure()
        prompt = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        max_tokens = min(int(req.get("max_tokens", 16)), MAX_GEN_TOKENS)
        k = int(req.get("top_logprobs", 0) or 0) if req.get("logprobs") else 0
        text, tops = self.backend.generate(prompt, max(1, max_tokens), top_k=min(k, 20))
        choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "length"}
        if k:
            choice["logprobs"] = {"content": [{"token": t[0][0], "logprob": t[0][1],
                                               "top_logprobs": [{"token": a, "logprob": b} for a, b in t]}
                                              for t in tops]}
        return {"object": "chat.completion", "created": int(time.time()), "model": self.model_name,
                "choices": [choice]}


class LocalLLMServer:
    """Serve ``backend`` on ``host:port`` (port 0 picks a free one) in a daemon thread."""

    def __init__(self, backend: TransformersBackend, host: str = "127.0.0.1", port: int = 0,
                 model_name: str = "local"):
        handler = type("Handler", (_Handler,), {"backend": backend, "lock": threading.Lock(),
                                               "model_name": model_name})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> "LocalLLMServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5.0)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8088)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    server = LocalLLMServer(smollm2_backend(), args.host, args.port, "smollm2-135m-instruct")
    log.info("serving on %s", server.url)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
