"""A loopback fake of the OpenAI Chat Completions API, for driving the real ``openai`` SDK.

A real HTTP server on 127.0.0.1 (port 0) answers ``POST /v1/chat/completions`` from a
script of replies, in order, and records every request. It speaks the wire format: a
``chat.completion`` object, or with ``"stream": true`` server-sent ``chat.completion.chunk``
events ending in ``data: [DONE]`` (a usage chunk first when ``stream_options`` asks for
it). Like many local servers it can refuse ``response_format`` or ``stream_options``
(``strict=False`` turns both off), and it can answer with an error status or hang.

    with FakeOpenAI(['{"stance": "bull"}']) as fake:
        client = openai.OpenAI(api_key="x", base_url=fake.base_url)
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    finish_reason: str = "stop"
    chunks: int = 3


class FakeOpenAI:
    def __init__(
        self,
        script: list[Reply | str] | None = None,
        *,
        json_mode: bool = True,
        stream_options: bool = True,
        model: str = "fake-llama",
    ) -> None:
        self.script = [r if isinstance(r, Reply) else Reply(r) for r in (script or [])]
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.json_mode, self.stream_options, self.model = json_mode, stream_options, model
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def take(self, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            if not self.script:
                return Reply(
                    "no scripted reply left", status=500, headers={"x-should-retry": "false"}
                )
            return self.script.pop(0)

    def refusal(self, body: dict[str, Any]) -> str:
        """What this server rejects in a request ('' when it takes it)."""
        if not self.json_mode and "response_format" in body:
            return "response_format is not supported by this server"
        if not self.stream_options and "stream_options" in body:
            return "unknown field stream_options"
        if not body.get("messages") or not body.get("model"):
            return "messages and model are required"
        return ""


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    prompt = max(1, len(json.dumps(body.get("messages", []))) // 4)
    done = max(1, len(text) // 4)
    return {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done}


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            body = json.loads(raw or b"{}")
            if self.path != "/v1/chat/completions":
                return self._json(404, {"error": {"message": "not found", "type": "invalid"}})
            problem = fake.refusal(body)
            if problem:
                with fake._lock:
                    fake.requests.append(body)
                return self._json(
                    400, {"error": {"message": problem, "type": "invalid_request_error"}}
                )
            reply = fake.take(body, {k.lower(): v for k, v in self.headers.items()})
            if reply.hang:
                fake.release.wait(10)
            if reply.status != 200:
                return self._json(
                    reply.status,
                    {"error": {"message": reply.text or "error", "type": "api_error"}},
                    reply.headers,
                )
            if body.get("stream"):
                return self._stream(body, reply)
            self._json(
                200,
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": 1,
                    "model": fake.model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply.text},
                            "finish_reason": reply.finish_reason,
                        }
                    ],
                    "usage": _usage(body, reply.text),
                },
                reply.headers,
            )

        def _json(
            self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            payload = json.dumps(data).encode()
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _stream(self, body: dict[str, Any], reply: Reply) -> None:
            text, n = reply.text, max(1, reply.chunks)
            size = max(1, -(-len(text) // n))
            pieces = [text[i : i + size] for i in range(0, len(text), size)] or [""]
            try:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                for k, piece in enumerate(pieces):
                    last = k == len(pieces) - 1
                    self._event(
                        {
                            "id": "c",
                            "object": "chat.completion.chunk",
                            "created": 1,
                            "model": fake.model,
                            "choices": [
                                {
                                    "index": 0,
                                    "delta": {"content": piece},
                                    "finish_reason": reply.finish_reason if last else None,
                                }
                            ],
                        }
                    )
                if (body.get("stream_options") or {}).get("include_usage"):
                    self._event(
                        {
                            "id": "c",
                            "object": "chat.completion.chunk",
                            "created": 1,
                            "model": fake.model,
                            "choices": [],
                            "usage": _usage(body, text),
                        }
                    )
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _event(self, data: dict[str, Any]) -> None:
            self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()

    return Handler
